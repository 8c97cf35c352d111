/**
 * Targets, compact "bits", difficulty and work, all in bigint.
 *
 * The formulas are the reference's (docs/sharechain.md#wire-format, `p2pool/bitcoin/data.py`):
 *   target                = (bits & 0xffffff) << 8*((bits >> 24) - 3)      (FloatingInteger)
 *   work                  = 2**256 // (target + 1)                       (target_to_average_attempts)
 *   target of attempts a  = min(int(2**256/a - 1 + 0.5), 2**256 - 1)      (average_attempts_to_target)
 *   difficulty            = (0xffff0000 * 2**192 + 1) / (target + 1)      (target_to_difficulty)
 *   target of difficulty d= min(int((0xffff0000*2**192 + 1)/d - 1 + 0.5), 2**256 - 1)
 *
 * The reference evaluates the last two and average_attempts_to_target in Python floats
 * (`from __future__ import division`), i.e. with a 53-bit mantissa. We compute them exactly in
 * bigint (round half up), so our targets can differ from the reference's in bits below the
 * 53rd. None of them is consensus-relevant: they pick a node's *desired* share or pseudoshare
 * target, which is then truncated to 24 bits by targetToBitsUpperBound (or only compared
 * locally); the consensus-relevant rounding is targetToBitsUpperBound itself, which is exact
 * in both implementations. targetToDifficulty returns the correctly rounded double, exactly
 * like Python's int/int true division.
 */

/** 2**256 - 1, the easiest possible target. */
export const MAX_UINT256 = (1n << 256n) - 1n;

const TWO_256 = 1n << 256n;

/**
 * The target of difficulty 1 plus one, as the reference writes the numerator:
 * 0xffff0000 * 2**(256-64) + 1 = bitsToTarget(0x1d00ffff) + 1 (Bitcoin's pdiff 1 target).
 */
const DIFFICULTY_1_NUMERATOR = 0xffff0000n * (1n << 192n) + 1n;

function checkBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffffffff) {
    throw new RangeError(`compact bits must be a u32, got ${bits}`);
  }
}

/**
 * Compact bits -> target: (bits & 0xffffff) << 8*((bits>>24)-3) (reference FloatingInteger).
 * Exponents below 3 shift right, as Core's SetCompact does. Unlike Core, the mantissa's 0x800000
 * "sign" bit is not special: the reference reads it as part of the magnitude, and that is what
 * share bits are checked against.
 */
export function bitsToTarget(bits: number): bigint {
  checkBits(bits);
  const mantissa = BigInt(bits & 0xffffff);
  const exponent = bits >>> 24;
  return exponent >= 3 ? mantissa << BigInt(8 * (exponent - 3)) : mantissa >> BigInt(8 * (3 - exponent));
}

/** Number of bytes in the big-endian representation of a non-negative integer (0 for 0). */
function byteLength(n: bigint): number {
  return n === 0n ? 0 : Math.ceil(n.toString(16).length / 2);
}

/**
 * Reference `FloatingInteger.from_target_upper_bound`: compact bits whose target is the largest
 * representable value <= `target` (truncates; adds a leading zero byte when the top bit is set).
 * Consensus-relevant: share_info bits are recomputed with it.
 *
 * The reference takes the big-endian bytes n of the target, prefixes 0x00 when n[0] >= 0x80
 * (so the mantissa never looks negative to Core), and packs len(n) as the exponent with the
 * first three bytes of n (zero-padded on the right) as the mantissa. Target 0 gives bits 0.
 */
export function targetToBitsUpperBound(target: bigint): number {
  if (target < 0n || target > MAX_UINT256) {
    throw new RangeError('target must be in 0..2**256-1');
  }
  let length = byteLength(target);
  if (length > 0 && target >> BigInt(8 * (length - 1)) >= 0x80n) length += 1; // leading 0x00 byte
  const mantissa = length >= 3 ? target >> BigInt(8 * (length - 3)) : target << BigInt(8 * (3 - length));
  return ((length << 24) | Number(mantissa)) >>> 0;
}

/** Work of a target: 2**256 // (target + 1) (reference target_to_average_attempts). */
export function targetToWork(target: bigint): bigint {
  if (target < 0n) throw new RangeError('target must be non-negative');
  return TWO_256 / (target + 1n);
}

/** Clamp to 0..2**256-1. */
function clampTarget(t: bigint): bigint {
  if (t < 0n) return 0n;
  return t > MAX_UINT256 ? MAX_UINT256 : t;
}

/**
 * The reference's int(K/a - 1 + 0.5) for a positive rational a = p/q, exactly:
 * floor(K*q/p - 1/2) = floor((2*K*q - p) / (2*p)), clamped to a target. (int() truncates
 * toward zero, so a slightly negative intermediate gives 0, as int(-0.4) == 0 does.)
 */
function roundedQuotientTarget(k: bigint, p: bigint, q: bigint): bigint {
  const num = 2n * k * q - p;
  if (num < 0n) return 0n;
  return clampTarget(num / (2n * p));
}

/**
 * Reference average_attempts_to_target: min(round(2**256/attempts - 1), 2**256-1), computed
 * exactly (the reference uses floats; see the file comment). attempts <= 0 has no meaning
 * (the reference divides by zero); it gives the easiest target 2**256-1, as
 * difficultyToTarget(0) does in the reference.
 */
export function workToTarget(attempts: bigint): bigint {
  if (attempts <= 0n) return MAX_UINT256;
  return roundedQuotientTarget(TWO_256, attempts, 1n);
}

/**
 * An IEEE double as an exact ratio p/q of bigints (q a power of two), for finite x > 0.
 * Doubling is exact until the value becomes an integer (at most 1074 steps for subnormals).
 */
function doubleToRatio(x: number): [bigint, bigint] {
  let scaled = x;
  let shift = 0n;
  while (!Number.isInteger(scaled)) {
    scaled *= 2;
    shift += 1n;
  }
  return [BigInt(scaled), 1n << shift];
}

/**
 * average_attempts_to_target for a fractional attempt count (the reference passes floats such
 * as hashrate * SHARE_PERIOD / 0.0167). Exact for the given double.
 */
export function workNumberToTarget(attempts: number): bigint {
  if (Number.isNaN(attempts)) throw new RangeError('attempts is NaN');
  if (attempts <= 0) return MAX_UINT256;
  if (attempts === Infinity) return 0n;
  const [p, q] = doubleToRatio(attempts);
  return roundedQuotientTarget(TWO_256, p, q);
}

/**
 * n / d correctly rounded to the nearest double (ties to even), for n >= 0, d > 0: what
 * Python's true division of two ints returns. The quotient is computed with at least 55
 * significant bits plus a sticky bit, so one rounding (BigInt -> Number) gives the correctly
 * rounded result; the final power-of-two scaling is exact in the normal range used here.
 */
function divideToDouble(n: bigint, d: bigint): number {
  if (n === 0n) return 0;
  const extra = Math.max(0, 56 + d.toString(2).length - n.toString(2).length);
  const scaled = n << BigInt(extra);
  const q = scaled / d;
  const sticky = scaled % d === 0n ? 0n : 1n;
  let result = Number((q << 1n) | sticky);
  // Divide by 2**(extra+1) in steps that stay exact (each factor is a normal power of two).
  let remaining = extra + 1;
  while (remaining > 0) {
    const step = Math.min(remaining, 1000);
    result /= 2 ** step;
    remaining -= step;
  }
  return result;
}

/**
 * Difficulty 1 = target 0xffff0000 * 2**192 (reference target_to_difficulty:
 * (0xffff0000 * 2**(256-64) + 1) / (target + 1), a true division).
 */
export function targetToDifficulty(target: bigint): number {
  if (target < 0n) throw new RangeError('target must be non-negative');
  return divideToDouble(DIFFICULTY_1_NUMERATOR, target + 1n);
}

/** Difficulty of compact bits, e.g. 0x1d00ffff -> 1. */
export function bitsToDifficulty(bits: number): number {
  return targetToDifficulty(bitsToTarget(bits));
}

/**
 * Inverse of targetToDifficulty, rounded (reference difficulty_to_target:
 * min(int((0xffff0000*2**192 + 1)/d - 1 + 0.5), 2**256-1)); d <= 0 gives 2**256-1. Computed
 * exactly for the given double instead of in floats (see the file comment).
 */
export function difficultyToTarget(difficulty: number): bigint {
  if (Number.isNaN(difficulty)) throw new RangeError('difficulty is NaN');
  if (difficulty <= 0) return MAX_UINT256;
  if (difficulty === Infinity) return 0n;
  const [p, q] = doubleToRatio(difficulty);
  return roundedQuotientTarget(DIFFICULTY_1_NUMERATOR, p, q);
}
