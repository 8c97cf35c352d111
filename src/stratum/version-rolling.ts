/**
 * BIP310 version rolling (mining.configure "version-rolling"), the AsicBoost extension.
 *
 * The pool allows bits 13..28 (0x1fffe000, BIP320's general-purpose bits); the negotiated mask
 * is that AND the miner's requested mask. A submitted `version_bits` may only touch bits inside
 * the negotiated mask, and the block version is (job_version & ~mask) | (version_bits & mask).
 */

/** Bits the pool lets miners roll (BIP320). */
export const POOL_VERSION_MASK = 0x1fffe000;

/** Negotiated mask: the pool's bits that the miner also asked for. */
export function negotiateVersionMask(minerMask: number): number {
  return (POOL_VERSION_MASK & minerMask) >>> 0;
}

/** Number of set bits (for "version-rolling.min-bit-count"). */
export function bitCount(mask: number): number {
  let n = 0;
  for (let m = mask >>> 0; m !== 0; m &= m - 1) n++;
  return n;
}

/**
 * The header version for a submission, or null when `versionBits` has bits outside `mask`
 * (the miner rolled bits it was not given).
 */
export function applyVersionBits(jobVersion: number, versionBits: number, mask: number): number | null {
  if ((versionBits & ~mask) >>> 0 !== 0) return null;
  return ((jobVersion & ~mask) | (versionBits & mask)) >>> 0;
}
