/**
 * The sharechain tracker (docs/sharechain.md#the-tracker, `p2pool/data.py OkayTracker`): every share we
 * know, a `verified` subset, PPLNS weights, and the verification flow ("think").
 *
 * Two forests (forest.ts) over the same Share objects: `all` (every share received) and
 * `verified` (shares whose check passed; its own heads and tails). Heights, cumulative work and
 * n-th parents are O(1)/O(log n); PPLNS weights come from sliding windows (weights-window.ts).
 *
 * Removal policy (our design, stricter than the reference which leaves a failed share in place
 * when it is not a head or tail): a share that fails verification is removed together with its
 * descendants, since anything built on an invalid share is invalid too. That keeps the forest's
 * invariant that shares leave only as whole subtrees or as roots (pruning).
 */
import { Forest } from './forest.js';
import { WeightsWindows, pplnsWeighing, type Weighing, type WindowChain } from './weights-window.js';
import type { ChainView, CumulativeWeights, Share, ShareHash } from './types.js';

/** The chain-wide constants the tracker itself needs. */
export interface TrackerConfig {
  chainLength: number;
}

export type VerifyFn<R> = (share: Share, chain: ChainView) => R;

export type VerifyOutcome<R> =
  | { ok: true; result: R | undefined }
  | { ok: false; reason: string; /** true when the share is not wrong, only not verifiable by us. */ unverifiable?: boolean };

/** Share versions below this are kept only as ancestors (docs/sharechain.md#share-versions): we never verify them. */
export const MIN_VERIFIED_VERSION = 34;

export interface BadShare {
  hash: ShareHash;
  peer: string | undefined;
  reason: string;
}

/** A missing parent worth asking a peer for (reference `desired`). */
export interface DesiredShare {
  peer: string | undefined;
  hash: ShareHash;
  /** Newest timestamp among the top 5 shares of the chain that needs it (for the cutoff). */
  maxTimestamp: number;
  minTarget: bigint;
}

export class ShareTracker<R = unknown> implements ChainView {
  readonly all = new Forest<Share>();
  /** Never asked for sums of minimum work (ChainView.sumMinWork reads `all`). */
  readonly verified = new Forest<Share>({ minWork: false });
  private readonly peers = new Map<ShareHash, string>();
  /** First-seen times that differ from the Share object's own (see `noteSeen`). */
  private readonly seen = new Map<ShareHash, number>();
  private readonly assumedRoots = new Set<ShareHash>();
  private readonly windows: WeightsWindows<Share>;
  private readonly windowSets: WeightsWindows<Share>[] = [];
  private readonly windowChain: WindowChain<Share>;
  /** Called with shares leaving the tracker (failed, eaten or pruned). */
  onRemove: ((shares: Share[]) => void) | undefined;

  constructor(
    readonly config: TrackerConfig,
    private readonly verifyFn: VerifyFn<R>,
  ) {
    this.windowChain = {
      get: (h) => this.all.get(h),
      // The node itself (it has comp and depth): no object made per question.
      locate: (h) => this.all.node(h),
      nthParent: (h, n) => this.all.ancestor(this.all.node(h)!, n).item.hash,
      height: (h) => this.all.getHeight(h),
    };
    // PPLNS weighs a share by its payee, work and donation: all from its share_info.
    this.windows = this.makeWindows(pplnsWeighing, (s) => s.shareInfo);
  }

  /**
   * Sliding windows over this tracker's chain with another weighing (votes use the desired
   * version as the key). Windows holding shares that leave the tracker are dropped. `keyOf`:
   * see WeightsWindows (an object the weighing is a pure function of, to share its results
   * across trackers).
   */
  makeWindows(weigh: (share: Share) => Weighing, keyOf?: (share: Share) => object): WeightsWindows<Share> {
    const w = new WeightsWindows<Share>(this.windowChain, weigh, undefined, keyOf);
    this.windowSets.push(w);
    return w;
  }

  // ---- membership -------------------------------------------------------------------------

  /** Add a share (false if already known). `peer` names who sent it, for banning bad senders. */
  add(share: Share, peer?: string): boolean {
    if (!this.all.addNew(share)) return false;
    if (peer !== undefined) this.peers.set(share.hash, peer);
    return true;
  }

  /**
   * This node first saw `hash` at `timeSeen`, whatever the Share object says: lets trackers in
   * one process (p2pool simulate's nodes, docs/simulate.md#wires-and-decoding) hold one
   * immutable Share object, each with its own first-seen time. Note it before adding the share;
   * it is forgotten when the share leaves.
   */
  noteSeen(hash: ShareHash, timeSeen: number): void {
    this.seen.set(hash, timeSeen);
  }

  /** When this node first saw the share (ms; 0 when loaded from the store): the best-share tie-break and pruning read it. */
  timeSeen(hash: ShareHash): number {
    if (this.seen.size !== 0) {
      const t = this.seen.get(hash);
      if (t !== undefined) return t;
    }
    return this.all.get(hash)?.timeSeen ?? 0;
  }

  has(hash: ShareHash | null | undefined): boolean {
    return this.all.has(hash);
  }

  isVerified(hash: ShareHash): boolean {
    return this.verified.has(hash);
  }

  peerOf(hash: ShareHash): string | undefined {
    return this.peers.get(hash);
  }

  get size(): number {
    return this.all.size;
  }

  /**
   * Treat `hash`'s missing parent as the start of the chain: getLast reports null (rooted) for
   * its component, so verification runs without CHAIN_LENGTH ancestors. Used by `chain verify`.
   */
  assumeRoot(hash: ShareHash): void {
    this.assumedRoots.add(hash);
  }

  /** Remove a share and all its descendants from both forests; returns what was removed. */
  removeWithDescendants(hash: ShareHash): Share[] {
    // A window holds a share of the subtree exactly when its top is in the subtree.
    if (this.all.has(hash)) for (const w of this.windowSets) w.dropWhere((top) => this.all.isAncestor(hash, top));
    const removed = this.all.removeSubtree(hash);
    for (const s of removed) {
      if (this.verified.has(s.hash)) this.verified.removeSubtree(s.hash);
      this.peers.delete(s.hash);
      this.seen.delete(s.hash);
    }
    this.afterRemove(removed);
    return removed;
  }

  /** Remove the bottom share of a chain (pruning). */
  removeRoot(hash: ShareHash): Share {
    // A window holds the root exactly when its top is in the root's tree within the window's
    // length above it (pruning removes roots ~2*CHAIN_LENGTH below the tips: windows stay).
    const root = this.all.node(hash);
    if (root) {
      for (const w of this.windowSets) {
        w.dropWhere((top, shares) => {
          const t = this.all.node(top);
          return t !== undefined && t.comp === root.comp && t.depth - root.depth < shares;
        });
      }
    }
    const s = this.all.removeRoot(hash);
    if (this.verified.has(hash)) {
      // In `verified` it is a root too: its verified parent (if any) would be in `all`, below it.
      this.verified.removeRoot(hash);
    }
    this.peers.delete(hash);
    this.seen.delete(hash);
    this.assumedRoots.delete(hash);
    this.afterRemove([s]);
    return s;
  }

  private afterRemove(removed: Share[]): void {
    if (removed.length === 0) return;
    // Windows that held removed shares were dropped before the removal (they rebuild on the next
    // query, O(window) once); the others are untouched, so pruning costs no rebuild.
    this.onRemove?.(removed);
  }

  // ---- ChainView --------------------------------------------------------------------------

  get(hash: ShareHash): Share | undefined {
    return this.all.get(hash);
  }

  getHeight(hash: ShareHash | null): number {
    return this.all.getHeight(hash);
  }

  /**
   * Reference get_height_and_last's `last`: the hash of the first *missing* share below `hash`
   * (the root's parent), null when the chain is rooted. types.ts words it as "the last share";
   * we follow the reference (and test/support/array-chain.ts), callers only test it for null.
   */
  getLast(hash: ShareHash | null): ShareHash | null {
    return this.missingParent(hash);
  }

  getNthParent(hash: ShareHash | null, n: number): ShareHash | null {
    return this.all.getNthParent(hash, n);
  }

  sumMinWork(hash: ShareHash, count: number): bigint {
    return this.all.sumMinWork(hash, count);
  }

  cumulativeWeights(start: ShareHash | null, maxShares: number, desiredWeight: bigint): CumulativeWeights {
    return this.windows.cumulativeWeights(start, maxShares, desiredWeight);
  }

  /** The missing parent's hash below `hash`'s chain (reference `last`), null when rooted or assumed rooted. */
  missingParent(hash: ShareHash | null): ShareHash | null {
    if (hash == null) return null;
    const root = this.all.rootOf(hash);
    if (root === undefined) return hash;
    return this.assumedRoots.has(root) ? null : this.all.get(root)!.prevHash;
  }

  // ---- verification -----------------------------------------------------------------------

  /** True when `hash` may be verified: CHAIN_LENGTH ancestors below it, or a rooted chain (docs/sharechain.md#the-tracker). */
  canVerify(hash: ShareHash): boolean {
    return this.getHeight(hash) >= this.config.chainLength + 1 || this.getLast(hash) === null;
  }

  /**
   * Reference attempt_verify: run the check once; on success add to `verified`. Does not remove
   * a failing share (think() does). Old versions are never verified (unverifiable, not bad).
   */
  attemptVerify(hash: ShareHash): VerifyOutcome<R> {
    const share = this.all.get(hash);
    if (!share) return { ok: false, reason: `share ${hash} is not in the tracker` };
    if (this.verified.has(hash)) return { ok: true, result: undefined };
    if (share.version < MIN_VERIFIED_VERSION) {
      return { ok: false, unverifiable: true, reason: `share version ${share.version} is accepted only as an ancestor, never verified` };
    }
    if (!this.canVerify(hash)) {
      return { ok: false, unverifiable: true, reason: `needs ${this.config.chainLength} ancestors or a rooted chain` };
    }
    let result: R;
    try {
      result = this.verifyFn(share, this);
    } catch (err) {
      const reason = err instanceof Error ? ((err as { reason?: string }).reason ?? err.message) : String(err);
      return { ok: false, reason };
    }
    this.verified.add(share);
    return { ok: true, result };
  }

  /**
   * The verification part of the reference's `think` (docs/sharechain.md#the-tracker): verify unverified heads (walking
   * down at most 5 shares, or the whole chain when rooted), remove the shares that fail (and
   * what builds on them), extend verified chains down towards CHAIN_LENGTH, and collect the
   * missing parents we want. The returned `desired` is not yet filtered by timestamp (see
   * think() in score.ts, which needs the best share for the cutoff).
   */
  verifyHeads(): { bads: BadShare[]; desired: DesiredShare[] } {
    const L = this.config.chainLength;
    const bads: BadShare[] = [];
    const desired = new Map<ShareHash, DesiredShare>();
    const badSet = new Set<ShareHash>();

    for (const head of [...this.all.heads().keys()]) {
      if (this.verified.has(head) || badSet.has(head) || !this.all.has(head)) continue;
      const height = this.getHeight(head);
      const last = this.missingParent(head);
      const walk = last === null ? height : Math.min(5, Math.max(0, height - L));
      let done = false;
      // Lazily: on a rooted chain `walk` is the whole height, but the walk stops at the first
      // share that verifies (normally the head itself). Materialising the chain first cost
      // O(height) allocation per new share on the relay path. Safe: attemptVerify only adds to
      // `verified`; `all`'s parent links do not change during the walk.
      for (const share of this.all.chain(head, walk)) {
        const out = this.attemptVerify(share.hash);
        if (out.ok || out.unverifiable) {
          done = true;
          break;
        }
        if (!badSet.has(share.hash)) {
          badSet.add(share.hash);
          bads.push({ hash: share.hash, peer: this.peers.get(share.hash), reason: out.reason });
        }
      }
      if (!done && last !== null) {
        const root = this.all.rootOf(head)!;
        desired.set(last, this.desiredEntry(head, last, this.peers.get(root)));
      }
    }
    for (const bad of bads) if (this.all.has(bad.hash)) this.removeWithDescendants(bad.hash);

    // Extend verified chains down to CHAIN_LENGTH (reference: verify `get` shares below the
    // verified chain's bottom, then request the missing parent if still short).
    for (const head of [...this.verified.heads().keys()]) {
      const headHeight = this.verified.getHeight(head);
      const vRoot = this.verified.rootOf(head)!;
      const lastHash = this.verified.get(vRoot)!.prevHash;
      const lastHeight = this.getHeight(lastHash);
      const lastLast = lastHash == null ? null : this.missingParent(lastHash);
      const want = Math.max(L - headHeight, 0);
      const can = lastLast !== null ? Math.max(lastHeight - 1 - L, 0) : lastHeight;
      for (const share of this.all.chain(lastHash, Math.min(want, can))) {
        if (!this.attemptVerify(share.hash).ok) break;
      }
      if (headHeight < L && lastLast !== null && lastHash != null) {
        desired.set(lastLast, this.desiredEntry(head, lastLast, this.peers.get(vRoot)));
      }
    }
    return { bads, desired: [...desired.values()] };
  }

  private desiredEntry(head: ShareHash, hash: ShareHash, peer: string | undefined): DesiredShare {
    let maxTimestamp = 0;
    let minTarget: bigint | undefined;
    for (const s of this.all.chain(head, 5)) {
      maxTimestamp = Math.max(maxTimestamp, s.shareInfo.timestamp);
      if (minTarget === undefined || s.target < minTarget) minTarget = s.target;
    }
    return { peer, hash, maxTimestamp, minTarget: minTarget ?? 0n };
  }
}
