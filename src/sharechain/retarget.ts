/**
 * The share_info fields a new share derives from the chain below it (docs/sharechain.md#generation-transaction-buildgentx
 * and 7): the minimum-difficulty target (max_bits) from the pool's recent rate, the share's
 * own target (bits, up to 30x harder on the miner's request), timestamp, far_share_hash,
 * absheight and abswork. Pure functions over a ChainView.
 */
import { MAX_UINT256, targetToBitsUpperBound } from '../bitcoin/target.js';
import { displayHexToHash } from '../bitcoin/hex.js';
import type { P2PoolNetwork } from './networks.js';
import { targetAndWork } from './share.js';
import type { ChainView, Share, ShareHash } from './types.js';

const TWO_256 = 1n << 256n;
const TWO_128 = 1n << 128n;
const TWO_32 = 2 ** 32;
/** far_share_hash points this many shares below the previous share (docs/sharechain.md#generation-transaction-buildgentx). */
export const FAR_SHARE_DISTANCE = 99;
/** A miner may ask for shares up to this many times harder than the minimum (docs/sharechain.md#generation-transaction-buildgentx). */
export const MAX_DESIRED_DIFFICULTY_FACTOR = 30n;

function clip(x: bigint, lo: bigint, hi: bigint): bigint {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Reference get_pool_attempts_per_second(min_work=True, integer=True): the minimum work of
 * the `dist - 1` shares ending at `prev` (the far end, dist-1 shares down, excluded), divided
 * by the time between the two ends (at least 1 s). Needs `dist - 1` ancestors below `prev`.
 */
export function poolMinAttemptsPerSecond(chain: ChainView, prev: Share, dist: number): bigint {
  const farHash = chain.getNthParent(prev.hash, dist - 1);
  const far = farHash === null ? undefined : chain.get(farHash);
  if (!far) throw new Error(`retarget needs ${dist - 1} shares below ${prev.hash}`);
  const attempts = chain.sumMinWork(prev.hash, dist - 1);
  let time = prev.shareInfo.timestamp - far.shareInfo.timestamp;
  if (time <= 0) time = 1;
  return attempts / BigInt(time);
}

/**
 * poolMinAttemptsPerSecond by share object, for computeShareTargets, which asks it only where
 * the chain holds `dist - 1` shares below `prev`: the result is then a fact of the hash chain
 * (the minimum work and timestamps of `prev` and the shares its hash commits to), the same in
 * every tracker. Every new best share is asked for once per node's new work, share target
 * reading (p2pool simulate: at 20 nodes), rebuild and verification. A Share is immutable.
 *
 * The last APS_MEMO answers, newest first when searched: a share is asked for within its
 * few neighbours' handling. (A WeakMap entry per share, as before, was never asked again while
 * a chain was loaded and verified, and kept ~17,000 ephemerons, an object and a BigInt each,
 * for the collector: docs/operations.md#startup-time.)
 */
const APS_MEMO = 16;
const apsShares: Array<Share | undefined> = new Array<Share | undefined>(APS_MEMO).fill(undefined);
const apsDists = new Int32Array(APS_MEMO);
const apsValues: bigint[] = new Array<bigint>(APS_MEMO).fill(0n);
let apsNext = 0;

function memoAttemptsPerSecond(chain: ChainView, prev: Share, dist: number): bigint {
  for (let i = 1; i <= APS_MEMO; i++) {
    const j = (apsNext - i) & (APS_MEMO - 1);
    if (apsShares[j] === prev && apsDists[j] === dist) return apsValues[j]!;
  }
  const aps = poolMinAttemptsPerSecond(chain, prev, dist);
  apsShares[apsNext] = prev;
  apsDists[apsNext] = dist;
  apsValues[apsNext] = aps;
  apsNext = (apsNext + 1) & (APS_MEMO - 1);
  return aps;
}

export interface ShareTargets {
  /** pre_target3: the chain's minimum-difficulty target for the next share. */
  preTarget: bigint;
  maxBits: number;
  bits: number;
}

/**
 * max_bits and bits for a share on top of `prev` (null for the first share of a chain), of
 * which there are `height` shares (ChainView.getHeight(prev)).
 *   pre_target = 2**256 // (SHARE_PERIOD * aps) - 1, clipped to ±10% of prev.max_target and
 *   to [MIN_TARGET, MAX_TARGET]; bits = clip(desired, pre/30, pre), both rounded down to a
 *   compact representation (targetToBitsUpperBound).
 */
export function computeShareTargets(
  chain: ChainView,
  net: P2PoolNetwork,
  prev: Share | null,
  height: number,
  desiredTarget: bigint,
): ShareTargets {
  let preTarget: bigint;
  if (prev === null || height < net.targetLookbehind) {
    preTarget = net.maxTarget;
  } else {
    // height >= targetLookbehind: the shares below prev that the rate needs are present.
    const aps = memoAttemptsPerSecond(chain, prev, net.targetLookbehind);
    const raw = aps === 0n ? MAX_UINT256 : TWO_256 / (BigInt(net.sharePeriod) * aps) - 1n;
    const step = stepBounds(prev.maxTarget);
    const stepped = clip(raw, step.lo, step.hi);
    preTarget = clip(stepped, net.minTarget, net.maxTarget);
  }
  const maxBits = bitsOf(preTarget);
  const bits = bitsOf(clip(desiredTarget, hardestOf(preTarget), preTarget));
  return { preTarget, maxBits, bits };
}

/**
 * The ±10% bounds of a max_target, and pre_target / 30, remembered for the last value asked
 * (pure functions of it; neighbouring shares mostly carry the same max_target and get the same
 * pre_target): two 256-bit divisions and multiplications fewer per share checked.
 */
let lastStep = { of: -1n, lo: 0n, hi: 0n };
function stepBounds(maxTarget: bigint): { lo: bigint; hi: bigint } {
  if (lastStep.of !== maxTarget) lastStep = { of: maxTarget, lo: (maxTarget * 9n) / 10n, hi: (maxTarget * 11n) / 10n };
  return lastStep;
}

let lastHardest = { of: -1n, value: 0n };
function hardestOf(preTarget: bigint): bigint {
  if (lastHardest.of !== preTarget) lastHardest = { of: preTarget, value: preTarget / MAX_DESIRED_DIFFICULTY_FACTOR };
  return lastHardest.value;
}

/**
 * targetToBitsUpperBound, remembering its last two answers: it reads the target's length
 * through a hex string, and consecutive shares (each share's rebuild and verification) mostly
 * ask for the same pre_target and share target again.
 */
const lastBits: Array<{ target: bigint; bits: number }> = [{ target: -1n, bits: 0 }, { target: -1n, bits: 0 }];
let lastBitsNext = 0;
function bitsOf(target: bigint): number {
  for (const e of lastBits) if (e.target === target) return e.bits;
  const bits = targetToBitsUpperBound(target);
  lastBits[lastBitsNext] = { target, bits };
  lastBitsNext ^= 1;
  return bits;
}

/**
 * The share timestamp: versions >= 32 take max(desired, prev + 1); older ones clip to
 * [prev + 1, prev + 2*SHARE_PERIOD - 1]. The first share of a chain keeps the desired time.
 */
export function computeShareTimestamp(version: number, net: P2PoolNetwork, prev: Share | null, desired: number): number {
  if (prev === null) return desired;
  const prevTs = prev.shareInfo.timestamp;
  if (version >= 32) return Math.max(desired, prevTs + 1);
  return Math.min(Math.max(desired, prevTs + 1), prevTs + 2 * net.sharePeriod - 1);
}

/**
 * far_share_hash: the 99th parent of the previous share, or null while a rooted chain is
 * shorter than 99 (reference: None if last is None and height < 99). Internal byte order.
 */
export function computeFarShareHash(
  chain: ChainView,
  prevHash: ShareHash | null,
  height: number,
  last: ShareHash | null,
): Buffer | null {
  if (last === null && height < FAR_SHARE_DISTANCE) return null;
  const far = chain.getNthParent(prevHash, FAR_SHARE_DISTANCE);
  if (far === null) return null;
  // A known share carries its hash's bytes (hashBytes = displayHexToHash(hash)): those rather
  // than the hex parsed, which verification did for every share. The same Buffer, not a copy:
  // a share's Buffers are never written to (share.ts), and verification only compares it.
  const bytes = chain.get(far)?.hashBytes;
  return bytes?.length === 32 ? bytes : displayHexToHash(far);
}

/** absheight = (prev.absheight + 1) mod 2**32. */
export function nextAbsheight(prev: Share | null): number {
  return ((prev?.shareInfo.absheight ?? 0) + 1) % TWO_32;
}

/** abswork = (prev.abswork + work(bits)) mod 2**128. */
export function nextAbswork(prev: Share | null, bits: number): bigint {
  // targetToWork(bitsToTarget(bits)), remembered per bits (a 256-bit division per share).
  // The sum is below 2**129 unless the work is: the modulo (a division) only past 2**128.
  const sum = (prev?.shareInfo.abswork ?? 0n) + targetAndWork(bits).work;
  return sum < TWO_128 ? sum : sum % TWO_128;
}
