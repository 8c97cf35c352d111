/**
 * Best-chain selection (docs/sharechain.md#best-share): the best verified tail by its chain score, then the best
 * head within it by JT's key. Parent-chain block heights are injected so this stays pure.
 *
 * score(head) = (CHAIN_LENGTH, work(head -> end_point) // ((1 - blockHeight) * BLOCK_PERIOD))
 *   end_point   = nth_parent(head, CHAIN_LENGTH*15//16)
 *   blockHeight = max getHeightRelHighest(prev_block) over the CHAIN_LENGTH//16 shares from end_point
 * or (height, none) while the verified chain is shorter than CHAIN_LENGTH. The reference divides
 * Python 2 integers, i.e. floors; we do the same with bigint.
 */
import { hashToBigInt, displayHexToHash, hashToDisplayHex } from '../bitcoin/hex.js';
import { bitsToTarget } from '../bitcoin/target.js';
import type { ShareTracker, DesiredShare, BadShare } from './tracker.js';
import type { Share, ShareHash } from './types.js';

/** 0 for the parent chain's tip, negative for older blocks, -1e9 when unknown (reference). */
export type HeightRelHighest = (prevBlockDisplayHex: string) => number;

export const UNKNOWN_BLOCK_HEIGHT = -1_000_000_000;

export interface ChainScore {
  height: number;
  /** Work per second of parent-chain time over the window; null while the chain is short. */
  rate: bigint | null;
}

export interface ScoreOptions {
  chainLength: number;
  /** Parent chain's target seconds between blocks. */
  blockPeriod: number;
  getHeightRelHighest: HeightRelHighest;
  /**
   * Reference should_punish_reason: > 0 punished (avoid), -1 preferred (a block solution), 0
   * neutral. JT dropped the block-stale punishment; v34+ shares carry no transactions, so the
   * default only prefers block solutions.
   */
  punish?: (share: Share) => number;
}

/** Compare two scores like the reference's Python tuples ((h, None) < (h, x)). */
export function compareScores(a: ChainScore, b: ChainScore): number {
  if (a.height !== b.height) return a.height - b.height;
  if (a.rate === null || b.rate === null) return (a.rate === null ? 0 : 1) - (b.rate === null ? 0 : 1);
  return a.rate < b.rate ? -1 : a.rate > b.rate ? 1 : 0;
}

/**
 * The distinct parent blocks (display hex, null for none) of the `count` shares from `endPoint`
 * down: which blocks the score's window builds on. A fact of the hash chain (every share's hash
 * commits to its parent block and its parent share), so it is remembered by `endPoint`'s hash
 * for any tracker that has those shares: think() asks it for every new share at every node, a
 * walk of CHAIN_LENGTH/16 shares (540 on mainnet) that p2pool simulate's 20 nodes otherwise
 * repeat 20 times over the same shares. Only a complete walk is remembered; the heights
 * (relative to the parent chain's tip, which moves) are looked up on every call.
 */
const parentBlocksMemo = new Map<ShareHash, ParentBlocks>();
const PARENT_BLOCKS_MEMO = 4096;

/**
 * A complete window's parent blocks: `runs` are its shares' parent blocks walking down, equal
 * neighbours merged (n shares each), and `blocks` their distinct display hex in that order.
 */
interface ParentBlocks {
  count: number;
  runs: Array<{ prev: Buffer | null; hex: string | null; n: number }>;
  blocks: Array<string | null>;
}

function samePrev(a: Buffer | null, b: Buffer | null): boolean {
  return a === b || (a !== null && b !== null && a.equals(b));
}

function distinctHex(runs: ParentBlocks['runs']): Array<string | null> {
  const out: Array<string | null> = [];
  const seen = new Set<string | null>();
  for (const r of runs) {
    if (!seen.has(r.hex)) {
      seen.add(r.hex);
      out.push(r.hex);
    }
  }
  return out;
}

function remember(endPoint: ShareHash, entry: ParentBlocks): void {
  if (parentBlocksMemo.size >= PARENT_BLOCKS_MEMO) parentBlocksMemo.delete(parentBlocksMemo.keys().next().value!);
  parentBlocksMemo.delete(endPoint);
  parentBlocksMemo.set(endPoint, entry);
}

function parentBlocksBelow(v: ShareTracker<unknown>['verified'], endPoint: ShareHash, count: number): Array<string | null> {
  // Keyed by the end point's own hash string (a composite key string would be made and hashed
  // on every call); the count is checked.
  const hit = parentBlocksMemo.get(endPoint);
  if (hit !== undefined && hit.count === count) return hit.blocks;
  const top = v.node(endPoint);
  if (top === undefined) return [];
  // The end point moves up one share per new share: its window is its own parent block and
  // the parent's window less its bottom share, when the parent's (complete) window is known.
  const below = top.parent === undefined ? undefined : parentBlocksMemo.get(top.parent.item.hash);
  if (below !== undefined && below.count === count && count >= 2) {
    const prev = top.item.minHeader.prevBlock;
    const runs = below.runs.map((r) => ({ ...r }));
    if (samePrev(runs[0]!.prev, prev)) runs[0]!.n++;
    else runs.unshift({ prev, hex: prev ? hashToDisplayHex(prev) : null, n: 1 });
    const last = runs[runs.length - 1]!;
    if (--last.n === 0) runs.pop();
    const entry = { count, runs, blocks: distinctHex(runs) };
    remember(endPoint, entry);
    return entry.blocks;
  }
  // Consecutive shares nearly always build on the same parent block: compare with the last
  // one seen (shares of one parent block often share the Buffer).
  const runs: ParentBlocks['runs'] = [];
  let i = 0;
  for (let n: typeof top | undefined = top; n !== undefined && i < count; n = n.parent, i++) {
    const prev = n.item.minHeader.prevBlock;
    const run = runs[runs.length - 1];
    if (run !== undefined && samePrev(run.prev, prev)) run.n++;
    else runs.push({ prev, hex: prev ? hashToDisplayHex(prev) : null, n: 1 });
  }
  const blocks = distinctHex(runs);
  if (i === count) remember(endPoint, { count, runs, blocks });
  return blocks;
}

/**
 * The n-th parent of a share, for one fixed n, remembered by the share's hash: when the share's
 * height (in the tracker asking) is above n, its n-th parent is a fact of the hash chain (each
 * share's hash commits to its parent's), the same in every tracker that holds the share with
 * that height. chooseBest asks it for the top head's score end point (n = CHAIN_LENGTH*15/16)
 * and every head's 5th parent on every new share at every node; p2pool simulate's 20 nodes
 * ask it of the same heads, and a node asks it again of the same heads until the next share.
 * Callers check the height (in their own tracker) before every use.
 */
class AncestorMemo {
  private readonly map = new Map<ShareHash, ShareHash>();
  private readonly forN = new Map<ShareHash, number>();
  constructor(private readonly limit: number) {}

  /** v.getNthParent(head, n), for n below head's height in `v`. */
  get(v: ShareTracker<unknown>['verified'], head: ShareHash, n: number): ShareHash {
    const hit = this.map.get(head);
    if (hit !== undefined && this.forN.get(head) === n) return hit;
    const found = v.getNthParent(head, n)!;
    if (this.map.size >= this.limit) {
      const oldest = this.map.keys().next().value!;
      this.map.delete(oldest);
      this.forN.delete(oldest);
    }
    this.map.set(head, found);
    this.forN.set(head, n);
    return found;
  }
}

const endPoints = new AncestorMemo(4096);
const fifthParents = new AncestorMemo(4096);

export function scoreHead(tracker: ShareTracker<unknown>, head: ShareHash, opts: ScoreOptions): ChainScore {
  const v = tracker.verified;
  const L = opts.chainLength;
  const headHeight = v.getHeight(head);
  if (headHeight < L) return { height: headHeight, rate: null };
  // headHeight >= L: the end point is below the height, a fact of the hash chain (AncestorMemo).
  const endPoint = endPoints.get(v, head, Math.floor((L * 15) / 16));
  let blockHeight = -Infinity;
  for (const prev of parentBlocksBelow(v, endPoint!, Math.floor(L / 16))) {
    const h = prev === null ? UNKNOWN_BLOCK_HEIGHT : opts.getHeightRelHighest(prev);
    if (h > blockHeight) blockHeight = h;
  }
  if (blockHeight === -Infinity) blockHeight = UNKNOWN_BLOCK_HEIGHT;
  const work = v.workBetween(head, endPoint);
  // (1 - blockHeight) >= 1 for real heights (<= 0); clamp defensively so a bogus positive height
  // from the block source cannot divide by zero or flip the sign.
  const denom = BigInt(Math.max(1, 1 - Math.trunc(blockHeight)) * opts.blockPeriod);
  return { height: L, rate: work / denom };
}

export interface BestChoice {
  best: ShareHash | null;
  /** Heads of the best tail, best last, with their JT key (for pruning's top-5 and the web). */
  decoratedHeads: Array<{ hash: ShareHash; work5: bigint; punish: number; timeSeen: number }>;
  tailScore: ChainScore | null;
}

/** Shares are immutable, so whether one is a block solution is computed once per share. */
const blockSolution = new WeakMap<Share, boolean>();

function defaultPunish(share: Share): number {
  // docs/sharechain.md#shares-that-are-blocks: a share that is also a block solution (PoW within the header's bits) is preferred.
  // chooseBest asks this for every head on every new share; the bigint conversions are cached.
  let solves = blockSolution.get(share);
  if (solves === undefined) {
    solves = hashToBigInt(share.powHash) <= bitsToTarget(share.minHeader.bits);
    blockSolution.set(share, solves);
  }
  return solves ? -1 : 0;
}

/** Break exact ties like the reference's tuple sort: larger hash (as an integer) wins. */
function hashKey(h: ShareHash | null): bigint {
  if (h == null) return -1n;
  // The best tail's root is asked for on every call, and rarely changes.
  if (h === lastKeyOf) return lastKey;
  lastKey = hashToBigInt(displayHexToHash(h));
  lastKeyOf = h;
  return lastKey;
}
let lastKeyOf: ShareHash | null = null;
let lastKey = -1n;

export function chooseBest(tracker: ShareTracker<unknown>, opts: ScoreOptions): BestChoice {
  const v = tracker.verified;
  const punish = opts.punish ?? defaultPunish;

  let bestTail: { root: ShareHash; heads: ReadonlySet<ShareHash>; score: ChainScore; key: bigint } | undefined;
  for (const [root, heads] of v.tails()) {
    let top: ShareHash | undefined;
    let topWork = -1n;
    for (const h of heads) {
      const w = v.getWork(h);
      if (w > topWork || (w === topWork && top !== undefined && hashKey(h) > hashKey(top))) {
        top = h;
        topWork = w;
      }
    }
    if (top === undefined) continue;
    const score = scoreHead(tracker, top, opts);
    const key = hashKey(v.get(root)!.prevHash);
    if (!bestTail || compareScores(score, bestTail.score) > 0 || (compareScores(score, bestTail.score) === 0 && key > bestTail.key)) {
      bestTail = { root, heads, score, key };
    }
  }
  if (!bestTail) return { best: null, decoratedHeads: [], tailScore: null };

  // JT key: work to the 5th ancestor minus one share's work if punished, then -punish, then
  // earliest first seen.
  const decorated = [...bestTail.heads].map((hash) => {
    const share = v.get(hash)!;
    const p = punish(share);
    const height = v.getHeight(hash);
    // Below the height the 5th parent is a fact of the hash chain (AncestorMemo); at a short
    // chain's height it is the missing parent below the root, which depends on the tracker.
    const fifth = height > 5 ? fifthParents.get(v, hash, 5) : v.getNthParent(hash, height);
    const work5 = v.getWork(fifth) - BigInt(Math.min(p, 1)) * share.work;
    return { hash, work5, punish: p, timeSeen: tracker.timeSeen(hash) };
  });
  decorated.sort((a, b) => {
    if (a.work5 !== b.work5) return a.work5 < b.work5 ? -1 : 1;
    if (a.punish !== b.punish) return b.punish - a.punish;
    if (a.timeSeen !== b.timeSeen) return b.timeSeen - a.timeSeen;
    const ka = hashKey(a.hash);
    const kb = hashKey(b.hash);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  let best: ShareHash | null = decorated.length ? decorated[decorated.length - 1]!.hash : null;
  // JT: while the chosen head is punished, fall back to its parent.
  while (best !== null && v.has(best) && punish(v.get(best)!) > 0) {
    const prev: ShareHash | null = v.get(best)!.prevHash;
    if (!v.has(prev)) break;
    best = prev;
  }
  return { best, decoratedHeads: decorated, tailScore: bestTail.score };
}

export interface ThinkResult {
  best: ShareHash | null;
  /** Missing parents to request, already filtered by the timestamp cutoff. */
  desired: DesiredShare[];
  decoratedHeads: BestChoice['decoratedHeads'];
  bads: BadShare[];
  badPeers: Set<string>;
}

/**
 * The reference's `think` (docs/sharechain.md#the-tracker): verify, remove bad shares, choose the best share, and
 * filter the desired parents to those whose chains are recent: timestamp >=
 * min(now, best.timestamp) - 3600, or now - 24 h without a best share. `now` in seconds.
 */
export function think(tracker: ShareTracker<unknown>, opts: ScoreOptions & { now: number }): ThinkResult {
  const { bads, desired } = tracker.verifyHeads();
  const choice = chooseBest(tracker, opts);
  const bestShare = choice.best !== null ? tracker.get(choice.best) : undefined;
  const cutoff = bestShare ? Math.min(opts.now, bestShare.shareInfo.timestamp) - 3600 : opts.now - 24 * 60 * 60;
  const badPeers = new Set<string>();
  for (const b of bads) if (b.peer !== undefined) badPeers.add(b.peer);
  return {
    best: choice.best,
    desired: desired.filter((d) => d.maxTimestamp >= cutoff),
    decoratedHeads: choice.decoratedHeads,
    bads,
    badPeers,
  };
}
