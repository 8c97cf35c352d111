/**
 * Pruning (docs/sharechain.md#pruning, node.py clean_tracker, run every 5 s after think):
 *
 * 1. Eat heads: remove heads that are not among the best 5 decorated heads, were first seen more
 *    than 300 s ago, and — when unverified — whose chain's bottom shares were all seen more than
 *    120 s ago (a chain still being downloaded keeps its heads). Repeated (up to 1000 passes) so
 *    a dead fork is eaten from its head down, one share per pass.
 * 2. Drop tails: while every head of a tree is at least 2*CHAIN_LENGTH+10 shares high, remove the
 *    tree's bottom share (up to 1000 per call). About 2*CHAIN_LENGTH+10 shares remain.
 *
 * Shares loaded from the store have timeSeen 0, so old side forks go at the first pass.
 */
import type { ShareTracker } from './tracker.js';
import type { Share, ShareHash } from './types.js';

export interface PruneOptions {
  /** Seconds since epoch. */
  now: number;
  chainLength: number;
  /** Heads never eaten: the best 5 decorated heads from think(). */
  keep: ReadonlySet<ShareHash>;
}

const MAX_PASSES = 1000;

export function pruneTracker(tracker: ShareTracker<unknown>, opts: PruneOptions): Share[] {
  const removed: Share[] = [];
  const nowMs = opts.now * 1000;

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const eat: ShareHash[] = [];
    for (const [head, root] of tracker.all.heads()) {
      if (opts.keep.has(head)) continue;
      if (tracker.timeSeen(head) > nowMs - 300_000) continue;
      if (!tracker.isVerified(head)) {
        // The reference looks at every share hanging off the tail's missing parent.
        const rootShare = tracker.get(root)!;
        const siblings = rootShare.prevHash == null ? [root] : [...tracker.all.childrenOf(rootShare.prevHash)];
        const newest = Math.max(...siblings.map((h) => tracker.timeSeen(h)));
        if (newest > nowMs - 120_000) continue;
      }
      eat.push(head);
    }
    if (eat.length === 0) break;
    for (const h of eat) if (tracker.has(h)) removed.push(...tracker.removeWithDescendants(h));
  }

  const limit = 2 * opts.chainLength + 10;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const drop: ShareHash[] = [];
    for (const [root, heads] of tracker.all.tails()) {
      let min = Infinity;
      for (const h of heads) min = Math.min(min, tracker.getHeight(h));
      if (min >= limit) drop.push(root);
    }
    if (drop.length === 0) break;
    for (const r of drop) removed.push(tracker.removeRoot(r));
  }
  return removed;
}
