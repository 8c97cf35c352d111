/**
 * Which link a node builds on (docs/fair-sharechain.md#chain-choice).
 *
 * Within a connected set of verified links, the head with the most chain weight wins: the sum,
 * over the links from the bottom to the head, of each link's own work plus its references'
 * work (GHOST-like: referenced work counts for the chain that references it). Ties go to the
 * head seen first, then to the lower hash.
 *
 * Between sets that share no link (a chain whose history we do not have, e.g. after a long
 * partition, or a chain mined in secret) the comparison is v35's (src/sharechain/score.ts):
 * a set whose best head has fewer than windowLinks links loses to one that has them; among full
 * ones, the weight of the top 15/16 of the window divided by the age of the newest parent-chain
 * block the bottom sixteenth builds on. A chain mined in secret for long builds on old blocks
 * and loses, however much work it claims.
 */
import { hashToDisplayHex } from '../../bitcoin/hex.js';
import { UNKNOWN_BLOCK_HEIGHT, type HeightRelHighest } from '../score.js';
import type { FairTracker } from './tracker.js';
import type { ShareHash } from './types.js';

export interface FairChoiceOptions {
  /** Parent chain's target seconds between blocks. */
  blockPeriod: number;
  /** Height of a parent-chain block relative to the tip (0 tip, negative older). */
  getHeightRelHighest?: HeightRelHighest;
}

interface TailScore {
  height: number;
  rate: bigint | null;
}

function compareScores(a: TailScore, b: TailScore): number {
  if (a.height !== b.height) return a.height - b.height;
  if (a.rate === null || b.rate === null) return (a.rate === null ? 0 : 1) - (b.rate === null ? 0 : 1);
  return a.rate < b.rate ? -1 : a.rate > b.rate ? 1 : 0;
}

function tailScore(tracker: FairTracker, head: ShareHash, opts: FairChoiceOptions): TailScore {
  const links = tracker.links;
  const L = tracker.net.windowLinks;
  const depth = links.getHeight(head);
  if (depth < L) return { height: depth, rate: null };
  const endPoint = links.getNthParent(head, Math.floor((L * 15) / 16))!;
  let blockHeight = -Infinity;
  const rel = opts.getHeightRelHighest ?? (() => UNKNOWN_BLOCK_HEIGHT);
  for (const item of links.chain(endPoint, Math.floor(L / 16))) {
    const h = rel(hashToDisplayHex(item.share.header.prevBlock));
    if (h > blockHeight) blockHeight = h;
  }
  if (blockHeight === -Infinity) blockHeight = UNKNOWN_BLOCK_HEIGHT;
  const denom = BigInt(Math.max(1, 1 - Math.trunc(blockHeight)) * opts.blockPeriod);
  return { height: L, rate: links.workBetween(head, endPoint) / denom };
}

/** The best head: the heaviest within each connected set, the best set by tailScore. */
export function chooseBestFair(tracker: FairTracker, opts: FairChoiceOptions): ShareHash | null {
  const links = tracker.links;
  const tops: ShareHash[] = [];
  for (const heads of links.tails().values()) {
    let top: ShareHash | undefined;
    let topWork = -1n;
    let topSeen = 0;
    for (const h of heads) {
      const w = links.getWork(h);
      const seen = links.get(h)!.share.timeSeen;
      if (top === undefined || w > topWork || (w === topWork && (seen < topSeen || (seen === topSeen && h < top)))) {
        top = h;
        topWork = w;
        topSeen = seen;
      }
    }
    if (top !== undefined) tops.push(top);
  }
  if (tops.length <= 1) return tops[0] ?? null;
  let best = tops[0]!;
  let bestScore = tailScore(tracker, best, opts);
  for (const t of tops.slice(1)) {
    const s = tailScore(tracker, t, opts);
    const c = compareScores(s, bestScore);
    if (c > 0 || (c === 0 && links.getWork(t) > links.getWork(best))) {
      best = t;
      bestScore = s;
    }
  }
  return best;
}
