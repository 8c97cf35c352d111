/**
 * Targets, compact "bits", difficulty and work, all in bigint.
 * STUB: signatures are final; bodies are being implemented.
 */

/** 2**256 - 1, the easiest possible target. */
export const MAX_UINT256 = (1n << 256n) - 1n;

/** Compact bits -> target: (bits & 0xffffff) << 8*((bits>>24)-3) (reference FloatingInteger). */
export function bitsToTarget(_bits: number): bigint {
  throw new Error('not implemented');
}

/**
 * Reference `FloatingInteger.from_target_upper_bound`: compact bits whose target is the largest
 * representable value <= `target` (truncates; adds a leading zero byte when the top bit is set).
 * Consensus-relevant: share_info bits are recomputed with it.
 */
export function targetToBitsUpperBound(_target: bigint): number {
  throw new Error('not implemented');
}

/** Work of a target: 2**256 // (target + 1) (reference target_to_average_attempts). */
export function targetToWork(_target: bigint): bigint {
  throw new Error('not implemented');
}

/** Reference average_attempts_to_target: min(round(2**256/attempts - 1), 2**256-1). */
export function workToTarget(_attempts: bigint): bigint {
  throw new Error('not implemented');
}

/** Difficulty 1 = target 0xffff0000 * 2**192 (reference target_to_difficulty). */
export function targetToDifficulty(_target: bigint): number {
  throw new Error('not implemented');
}

/** Inverse of targetToDifficulty, rounded; d <= 0 gives 2**256-1. */
export function difficultyToTarget(_difficulty: number): bigint {
  throw new Error('not implemented');
}
