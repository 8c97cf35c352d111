/**
 * Pool-wide figures the API and the graphs share, computed from the sharechain the reference's
 * way (p2pool/data.py, docs/api.md#pool, docs/api.md): pool hash rate, stale counts, expected payouts, users'
 * fractions, recent blocks. Pure functions over the tracker; callers cache them per best share
 * (best-cache.ts) because dashboards poll every few seconds.
 */
import { bitsToTarget, targetToWork } from '../bitcoin/target.js';
import { hashToBigInt } from '../bitcoin/hex.js';
import { readBip34Height } from '../bitcoin/script.js';
import { donationPayee } from '../sharechain/coinbase-layout.js';
import type { P2PoolNetwork } from '../sharechain/networks.js';
import type { ShareTracker } from '../sharechain/tracker.js';
import type { Share, ShareHash } from '../sharechain/types.js';

type Tracker = ShareTracker<unknown>;

/** Reference web.py decent_height(): the rate window, min(height, 720). */
export const RATE_LOOKBEHIND = 720;

/** min(height, 720) */
export function decentHeight(tracker: Tracker, best: ShareHash | null): number {
  return Math.min(tracker.getHeight(best), RATE_LOOKBEHIND);
}

/** min(height, 3600 // SHARE_PERIOD): "the last hour" of /local_stats and /global_stats. */
export function hourLookbehind(tracker: Tracker, best: ShareHash | null, net: P2PoolNetwork): number {
  return Math.min(tracker.getHeight(best), Math.floor(3600 / net.sharePeriod));
}

/**
 * Reference get_pool_attempts_per_second(best, dist): the work of the dist-1 shares above the
 * (dist-1)-th parent, over the time between the two (at least 1 s). 0 when dist < 2 (the
 * reference asserts instead).
 */
export function poolAttemptsPerSecond(tracker: Tracker, best: ShareHash | null, dist: number): number {
  const near = tracker.get(best ?? '');
  if (!near || dist < 2) return 0;
  const farHash = tracker.getNthParent(near.hash, dist - 1);
  const far = tracker.get(farHash ?? '');
  if (!far) return 0;
  const attempts = tracker.all.workBetween(near.hash, far.hash);
  let time = near.shareInfo.timestamp - far.shareInfo.timestamp;
  if (time <= 0) time = 1;
  return Number(attempts) / time;
}

/**
 * Reference get_stale_counts(best, lookbehind, rates): work of the lookbehind-1 shares from
 * `best` down: all of it under 'good', and again under 'orphan' / 'doa' for the shares that
 * announce one. With `rates`, divided by the time those shares span (at least 1 s).
 */
export function staleCounts(tracker: Tracker, best: ShareHash | null, lookbehind: number, rates: boolean): Record<string, number> {
  const res: Record<string, number> = {};
  if (best === null || lookbehind < 1) return res;
  for (const s of tracker.all.chain(best, lookbehind - 1)) {
    const w = Number(s.work);
    res.good = (res.good ?? 0) + w;
    const info = s.shareInfo.shareData.staleInfo;
    if (info !== 'none') {
      const key = typeof info === 'number' ? `unk${info}` : info;
      res[key] = (res[key] ?? 0) + w;
    }
  }
  if (rates) {
    const near = tracker.get(best);
    const far = tracker.get(tracker.getNthParent(best, lookbehind - 1) ?? '');
    let dt = near && far ? near.shareInfo.timestamp - far.shareInfo.timestamp : 0;
    if (dt <= 0) dt = 1;
    for (const k of Object.keys(res)) res[k] = res[k]! / dt;
  }
  return res;
}

/**
 * Reference get_expected_payouts (docs/api.md#pool): from the best share (not its grandparent), over
 * min(height, REAL_CHAIN_LENGTH) shares and SPREAD blocks' worth of work, subsidy·weight //
 * total_weight per payee (no finder's 0.5%), the remainder to the donation address. Satoshis,
 * summing to exactly `subsidy`.
 */
export function expectedPayouts(tracker: Tracker, best: ShareHash | null, net: P2PoolNetwork, bits: number, subsidy: number): Map<string, bigint> {
  const out = new Map<string, bigint>();
  if (best === null || !tracker.has(best)) return out;
  const maxShares = Math.min(tracker.getHeight(best), net.realChainLength);
  const w = tracker.cumulativeWeights(best, maxShares, 65535n * BigInt(net.spread) * targetToWork(bitsToTarget(bits)));
  const total = BigInt(subsidy);
  let sum = 0n;
  if (w.totalWeight > 0n) {
    for (const [payee, weight] of w.weights) {
      const v = (total * weight) / w.totalWeight;
      out.set(payee, v);
      sum += v;
    }
  }
  const donation = donationPayee(net.parent);
  out.set(donation, (out.get(donation) ?? 0n) + total - sum);
  return out;
}

/**
 * Reference /users: each payee's fraction of the weight over min(height, 720) shares with no
 * work cap (desired weight 65535·2^256). The donation's weight is not listed, so fractions
 * sum to 1 minus the donated part.
 */
export function userFractions(tracker: Tracker, best: ShareHash | null): Record<string, number> {
  const res: Record<string, number> = {};
  if (best === null || !tracker.has(best)) return res;
  const w = tracker.cumulativeWeights(best, decentHeight(tracker, best), 65535n << 256n);
  if (w.totalWeight === 0n) return res;
  const sorted = [...w.weights].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  for (const [payee, weight] of sorted) res[payee] = Number(weight) / Number(w.totalWeight);
  return res;
}

export interface RecentBlock {
  ts: number;
  hash: string;
  number: number | null;
  share: string;
}

const isBlockMemo = new WeakMap<Share, boolean>();

/** The share also solved a block: its PoW meets its header's own target. Memoised per share. */
export function shareIsBlock(s: Share): boolean {
  let b = isBlockMemo.get(s);
  if (b === undefined) {
    b = hashToBigInt(s.powHash) <= bitsToTarget(s.minHeader.bits);
    isBlockMemo.set(s, b);
  }
  return b;
}

/**
 * Reference /recent_blocks (JT): block-solving shares among the min(height, CHAIN_LENGTH)
 * shares from the best one, newest first. A share is a block header, so hash = share hash;
 * number is the BIP34 height from the coinbase.
 */
export function recentBlocks(tracker: Tracker, best: ShareHash | null, net: P2PoolNetwork): RecentBlock[] {
  const out: RecentBlock[] = [];
  if (best === null) return out;
  for (const s of tracker.all.chain(best, Math.min(tracker.getHeight(best), net.chainLength))) {
    if (!shareIsBlock(s)) continue;
    out.push({ ts: s.shareInfo.timestamp, hash: s.hash, number: readBip34Height(s.shareInfo.shareData.coinbase), share: s.hash });
  }
  return out;
}
