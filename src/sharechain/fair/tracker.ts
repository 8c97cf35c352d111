/**
 * The fair sharechain's tracker: every verified link in a forest (src/sharechain/forest.ts,
 * whose cumulative work is here the chain weight: a link's own work plus its references'),
 * every verified sub-share by its parent, who references what, the shares waiting for a parent
 * or a reference, and the PPLNS windows (window.ts). It implements the chain view the rules
 * read (chain-view.ts, refs.ts RefSource).
 *
 * Flow: add() puts a share in `pending`; process() verifies every pending share whose parent
 * and (for a link) references are verified, repeatedly, so a share that completes others
 * releases them in the same call. A share that fails is dropped with everything that waits on
 * it. Verification itself is injected (verify.ts with the clock), so this file has no clock.
 */
import { Forest, type ForestItem } from '../forest.js';
import type { FairChainView } from './chain-view.js';
import type { FairNetwork } from './networks.js';
import { payoutBase, type PayoutBase } from './payouts.js';
import { forkPoint, type RefSource } from './refs.js';
import type { FairShare, ShareHash } from './types.js';
import { FairWindows, windowLinkOf, type WindowLink, type WindowWeights } from './window.js';

/** A verified link in the forest. */
export interface LinkItem extends ForestItem {
  share: FairShare;
  /** Its PPLNS entries (its own work, its refs' work and the includer bonus). */
  window: WindowLink;
  refSet: ReadonlySet<ShareHash>;
}

/**
 * Verifies a share whose parent and references are verified (verify.ts verifyFairShare, with the
 * clock); returns the referenced shares in wire order (empty for a sub-share). Throws when the
 * share is invalid.
 */
export type FairVerifyFn = (share: FairShare, view: FairTracker) => { refs: readonly FairShare[] };

export interface BadFairShare {
  hash: ShareHash;
  peer: string | undefined;
  reason: string;
}

/** Where a share stands relative to a chain head (docs/fair-sharechain.md#classification). */
export type FairShareStatus =
  /** A link on the head's chain. */
  | { status: 'chain'; kind: 'link' }
  /** Referenced by a link on the head's chain (paid through it). */
  | { status: 'referenced'; kind: 'uncle' | 'sub-share'; by: ShareHash }
  /** Not referenced yet, but a link on the head may still reference it. */
  | { status: 'referenceable'; kind: 'uncle' | 'sub-share' }
  /** Off the head's chain, unreferenced, and too old to be referenced: unpaid. */
  | { status: 'orphaned'; kind: 'uncle' | 'sub-share' }
  /** Received, waiting for its parent or references. */
  | { status: 'pending' }
  | { status: 'unknown' };

/**
 * Shares waiting for something are kept up to this many; the oldest go first. A node that joins
 * late holds the whole chain it downloads as pending until it is deep enough for a sync base
 * (docs/fair-sharechain.md#sync-base): windowLinks + refDepth + 1 links and their sub-shares,
 * ~3 shares per link on the simulated bitcoin-fair network (~27,000 for a window). The cap is
 * twice that per link, and never under 20,000.
 */
export function maxPending(net: Pick<FairNetwork, 'windowLinks' | 'refDepth'>): number {
  return Math.max(20_000, (net.windowLinks + net.refDepth + 1) * 6);
}
/** Payout bases cached (one per parent link and block target in use). */
const MAX_BASES = 16;
/** Hashes of shares found invalid, remembered so shares built on them are refused at once. */
const MAX_BAD = 10_000;

export class FairTracker implements RefSource, FairChainView {
  readonly links = new Forest<LinkItem>();
  private readonly subs = new Map<ShareHash, FairShare>();
  /** parent link -> verified shares (links and sub-shares) built on it. */
  private readonly children = new Map<ShareHash, Set<ShareHash>>();
  /** share -> links that reference it. */
  private readonly referencedBy = new Map<ShareHash, Set<ShareHash>>();
  private readonly pending = new Map<ShareHash, { share: FairShare; peer: string | undefined }>();
  /** missing hash -> pending shares that need it. */
  private readonly waiting = new Map<ShareHash, Set<ShareHash>>();
  private readonly bad = new Map<ShareHash, string>();
  /** Pending shares not yet looked at by process(). */
  private fresh: ShareHash[] = [];
  private readonly windows: FairWindows;
  private readonly bases = new Map<string, PayoutBase>();
  /** The parent link and its height of each cached base (pruning keeps the ones it cannot reach). */
  private readonly baseHeights = new Map<string, { parent: ShareHash | null; height: number }>();
  /** The last base computed: its order seeds the next sort. */
  private lastBase: PayoutBase | undefined;
  /** Called with the hashes of shares leaving the tracker (pruned). */
  onRemove: ((hashes: ShareHash[]) => void) | undefined;

  private readonly pendingCap: number;

  constructor(
    readonly net: FairNetwork,
    private readonly verifyFn: FairVerifyFn,
  ) {
    this.pendingCap = maxPending(net);
    this.windows = new FairWindows(
      {
        windowLink: (h) => this.links.get(h)?.window,
        locate: (h) => {
          const n = this.links.node(h);
          return n && { comp: n.comp, depth: n.depth };
        },
        nthParent: (h, n) => this.links.ancestor(this.links.node(h)!, n).item.hash,
      },
      { maxLinks: net.windowLinks, maxEntries: net.windowEntries },
    );
  }

  // ---- the chain view ---------------------------------------------------------------------

  link(hash: ShareHash | null | undefined): FairShare | undefined {
    return this.links.get(hash)?.share;
  }

  share(hash: ShareHash | null | undefined): FairShare | undefined {
    if (hash == null) return undefined;
    return this.links.get(hash)?.share ?? this.subs.get(hash);
  }

  linkDepth(hash: ShareHash | null | undefined): number {
    return this.links.getHeight(hash);
  }

  nthLink(hash: ShareHash, n: number): ShareHash | null {
    if (n < 0 || n >= this.links.getHeight(hash)) return null;
    return this.links.getNthParent(hash, n);
  }

  sumLinkWork(hash: ShareHash, count: number): bigint {
    return this.links.sumMinWork(hash, count);
  }

  isAncestorLink(ancestor: ShareHash, hash: ShareHash): boolean {
    return this.links.isAncestor(ancestor, hash);
  }

  refsOf(link: FairShare): ReadonlySet<ShareHash> {
    return this.links.get(link.hash)?.refSet ?? new Set(link.refHashes);
  }

  windowWeights(start: ShareHash | null, desiredWeight: bigint): WindowWeights {
    return this.windows.weights(start, desiredWeight);
  }

  payoutBase(parent: ShareHash | null, desiredWeight: bigint): PayoutBase {
    const key = `${parent}:${desiredWeight}`;
    let base = this.bases.get(key);
    if (base) {
      this.bases.delete(key);
      this.bases.set(key, base); // most recently used last
      return base;
    }
    const parentShare = this.link(parent);
    base = payoutBase(this.windowWeights(parent, desiredWeight), parentShare?.hashBytes ?? null, this.lastBase);
    this.lastBase = base;
    this.bases.set(key, base);
    this.baseHeights.set(key, { parent: parentShare ? parent! : null, height: parentShare?.info.height ?? 0 });
    if (this.bases.size > MAX_BASES) {
      const oldest = this.bases.keys().next().value!;
      this.bases.delete(oldest);
      this.baseHeights.delete(oldest);
    }
    return base;
  }

  childrenOf(link: ShareHash): Iterable<FairShare> {
    const set = this.children.get(link);
    if (!set) return [];
    const out: FairShare[] = [];
    for (const h of set) {
      const s = this.share(h);
      if (s) out.push(s);
    }
    return out;
  }

  // ---- membership -------------------------------------------------------------------------

  /** Known at all (verified, pending, or remembered as bad). */
  has(hash: ShareHash): boolean {
    return this.links.has(hash) || this.subs.has(hash) || this.pending.has(hash) || this.bad.has(hash);
  }

  isVerified(hash: ShareHash): boolean {
    return this.links.has(hash) || this.subs.has(hash);
  }

  badReason(hash: ShareHash): string | undefined {
    return this.bad.get(hash);
  }

  get verifiedCount(): number {
    return this.links.size + this.subs.size;
  }

  get subShareCount(): number {
    return this.subs.size;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Links that reference `hash` (any branch). */
  referencers(hash: ShareHash): ReadonlySet<ShareHash> {
    return this.referencedBy.get(hash) ?? new Set();
  }

  /** Queue a share for verification; false when it is already known. */
  add(share: FairShare, peer?: string): boolean {
    if (this.has(share.hash)) return false;
    this.pending.set(share.hash, { share, peer });
    this.fresh.push(share.hash);
    if (this.pending.size > this.pendingCap) {
      const oldest = this.pending.keys().next().value!;
      this.dropPending(oldest);
    }
    return true;
  }

  /** Hashes some pending share needs and nobody has sent, with the peer that sent the needer. */
  missing(): Array<{ hash: ShareHash; peer: string | undefined }> {
    const out: Array<{ hash: ShareHash; peer: string | undefined }> = [];
    for (const [hash, needers] of this.waiting) {
      for (const n of needers) if (!this.pending.has(n)) needers.delete(n);
      if (needers.size === 0) {
        this.waiting.delete(hash);
        continue;
      }
      if (this.has(hash)) continue;
      const first = needers.values().next().value;
      out.push({ hash, peer: first === undefined ? undefined : this.pending.get(first)?.peer });
    }
    return out;
  }

  /**
   * Take `share` as verified without checks: the start of a chain whose history is not here
   * (`chain verify`'s first share; a node's sync base). Its references, if unknown, are left out
   * of its window and weight.
   */
  assumeVerified(share: FairShare): void {
    this.pending.delete(share.hash);
    const refs = share.refHashes.map((h) => this.share(h)).filter((s): s is FairShare => s !== undefined);
    this.insert(share, share.isLink ? refs : []);
  }

  /**
   * Verify every pending share that can be, repeatedly. Returns the shares verified (in the
   * order they were) and those found bad (a share waiting on a bad one is bad too).
   */
  process(): { verified: FairShare[]; bad: BadFairShare[] } {
    const verified: FairShare[] = [];
    const bads: BadFairShare[] = [];
    const queue = this.fresh;
    this.fresh = [];
    for (let qi = 0; qi < queue.length; qi++) {
      const hash = queue[qi]!;
      const entry = this.pending.get(hash);
      if (!entry) continue;
      const { share, peer } = entry;
      const deps = share.isLink && share.prevHash !== null ? [share.prevHash, ...share.refHashes] : share.prevHash !== null ? [share.prevHash] : [];
      let ready = true;
      let badDep: string | undefined;
      for (const d of deps) {
        if (this.isVerified(d)) continue;
        const why = this.bad.get(d);
        if (why !== undefined) {
          badDep = `depends on invalid share ${d} (${why})`;
          break;
        }
        ready = false;
        let set = this.waiting.get(d);
        if (!set) this.waiting.set(d, (set = new Set()));
        set.add(hash);
      }
      if (badDep !== undefined) {
        this.reject(hash, peer, badDep, bads, queue);
        continue;
      }
      if (!ready) continue;
      let result: { refs: readonly FairShare[] };
      try {
        result = this.verifyFn(share, this);
      } catch (err) {
        const reason = err instanceof Error ? ((err as { reason?: string }).reason ?? err.message) : String(err);
        this.reject(hash, peer, reason, bads, queue);
        continue;
      }
      this.pending.delete(hash);
      this.insert(share, result.refs);
      verified.push(share);
      const waiters = this.waiting.get(hash);
      if (waiters) {
        this.waiting.delete(hash);
        for (const w of waiters) queue.push(w);
      }
    }
    return { verified, bad: bads };
  }

  // ---- sync base ---------------------------------------------------------------------------

  /**
   * Chains of waiting links whose bottom link's parent is missing (not held, not waiting, not
   * invalid): each bottom link with the number of waiting links on its longest chain, itself
   * included. What a node that holds no history below them may start from
   * (docs/fair-sharechain.md#sync-base).
   */
  waitingChains(): Array<{ bottom: FairShare; depth: number }> {
    const byParent = new Map<ShareHash, FairShare[]>();
    for (const { share } of this.pending.values()) {
      if (!share.isLink || share.prevHash === null) continue;
      let list = byParent.get(share.prevHash);
      if (!list) byParent.set(share.prevHash, (list = []));
      list.push(share);
    }
    const out: Array<{ bottom: FairShare; depth: number }> = [];
    for (const [parent, bottoms] of byParent) {
      if (this.has(parent)) continue;
      for (const bottom of bottoms) {
        // Depth-first over waiting links, iteratively (a chain can be thousands of links long).
        let depth = 0;
        const stack: Array<[FairShare, number]> = [[bottom, 1]];
        while (stack.length > 0) {
          const [s, d] = stack.pop()!;
          if (d > depth) depth = d;
          for (const c of byParent.get(s.hash) ?? []) stack.push([c, d + 1]);
        }
        out.push({ bottom, depth });
      }
    }
    return out;
  }

  /**
   * Take the waiting shares on the chain above link `bottom` (itself included) with a height
   * below `belowHeight` as verified without checks (assumeVerified), parents before children;
   * a link at `exactFrom` or above waits
   * until every reference it lists is held, so that its window entries are the ones its peers
   * computed. Shares that were waiting on the ones taken are queued for the next process().
   * Returns the shares taken.
   */
  takeBase(bottom: ShareHash, belowHeight: number, exactFrom: number): FairShare[] {
    let candidates: FairShare[] = [];
    for (const { share } of this.pending.values()) if (share.info.height < belowHeight) candidates.push(share);
    candidates.sort((a, b) => a.info.height - b.info.height);
    const taken: FairShare[] = [];
    for (let progress = true; progress && candidates.length > 0; ) {
      progress = false;
      const left: FairShare[] = [];
      for (const s of candidates) {
        const placed = s.hash === bottom || (s.prevHash !== null && this.links.has(s.prevHash) && this.links.has(bottom) && this.links.isAncestor(bottom, s.prevHash));
        const exact = !s.isLink || s.info.height < exactFrom || s.refHashes.every((h) => this.isVerified(h));
        if (!placed || !exact) {
          left.push(s);
          continue;
        }
        this.assumeVerified(s);
        taken.push(s);
        progress = true;
        const waiters = this.waiting.get(s.hash);
        if (waiters) {
          this.waiting.delete(s.hash);
          for (const w of waiters) this.fresh.push(w);
        }
      }
      candidates = left;
    }
    return taken;
  }

  /** Forget waiting shares below `height` (under a sync base they can never be placed). */
  dropPendingBelow(height: number): number {
    let n = 0;
    for (const [hash, { share }] of [...this.pending]) {
      if (share.info.height < height) {
        this.dropPending(hash);
        n++;
      }
    }
    return n;
  }

  private reject(hash: ShareHash, peer: string | undefined, reason: string, bads: BadFairShare[], queue: ShareHash[]): void {
    this.pending.delete(hash);
    this.bad.set(hash, reason);
    if (this.bad.size > MAX_BAD) this.bad.delete(this.bad.keys().next().value!);
    bads.push({ hash, peer, reason });
    const waiters = this.waiting.get(hash);
    if (waiters) {
      this.waiting.delete(hash);
      for (const w of waiters) queue.push(w);
    }
  }

  /** Forget a pending share (the oldest, when too many wait), and its place in the waiting lists. */
  private dropPending(hash: ShareHash): void {
    const entry = this.pending.get(hash);
    this.pending.delete(hash);
    if (!entry) return;
    const s = entry.share;
    for (const d of s.prevHash === null ? s.refHashes : [s.prevHash, ...s.refHashes]) {
      const set = this.waiting.get(d);
      set?.delete(hash);
      if (set && set.size === 0) this.waiting.delete(d);
    }
  }

  private insert(share: FairShare, refs: readonly FairShare[]): void {
    if (share.isLink) {
      let weight = share.work;
      for (const r of refs) weight += r.work;
      const window = windowLinkOf(share, refs, this.net.bonusNumerator, this.net.bonusDenominator);
      const item: LinkItem = {
        hash: share.hash,
        prevHash: share.prevHash,
        work: weight,
        minWork: share.linkWork,
        share,
        window,
        refSet: new Set(share.refHashes),
      };
      this.links.add(item);
      for (const r of refs) {
        let set = this.referencedBy.get(r.hash);
        if (!set) this.referencedBy.set(r.hash, (set = new Set()));
        set.add(share.hash);
      }
    } else {
      this.subs.set(share.hash, share);
    }
    if (share.prevHash !== null) {
      let set = this.children.get(share.prevHash);
      if (!set) this.children.set(share.prevHash, (set = new Set()));
      set.add(share.hash);
    }
  }

  // ---- classification ---------------------------------------------------------------------

  /** Where `hash` stands relative to the chain ending at link `head` (see FairShareStatus). */
  classify(hash: ShareHash, head: ShareHash | null): FairShareStatus {
    const share = this.share(hash);
    if (!share) return this.pending.has(hash) ? { status: 'pending' } : { status: 'unknown' };
    const headShare = this.link(head);
    if (share.isLink && headShare && this.links.isAncestor(hash, headShare.hash)) return { status: 'chain', kind: 'link' };
    const kind = share.isLink ? 'uncle' : 'sub-share';
    if (headShare) {
      for (const by of this.referencers(hash)) {
        if (this.links.isAncestor(by, headShare.hash)) return { status: 'referenced', kind, by };
      }
      const nextHeight = headShare.info.height + 1;
      if (share.prevHash !== null && forkPoint(this, share, headShare, nextHeight - this.net.refDepth)) {
        return { status: 'referenceable', kind };
      }
    }
    return { status: 'orphaned', kind };
  }

  // ---- pruning ----------------------------------------------------------------------------

  /**
   * Remove every link whose height is more than `keep` below `head`'s, with the sub-shares built
   * on them (the forest lets links leave only as roots, so the cut proceeds from the roots up).
   * Windows and payout bases are rebuilt on the next query. Returns how many shares left.
   */
  prune(head: ShareHash, keep: number): number {
    const headShare = this.link(head);
    if (!headShare) return 0;
    const cut = headShare.info.height - keep;
    if (cut <= 0) return 0;
    const removed: ShareHash[] = [];
    const stack = [...this.links.tails().keys()];
    while (stack.length > 0) {
      const root = stack.pop()!;
      const item = this.links.get(root);
      if (!item || item.share.info.height >= cut) continue;
      const kids = [...this.links.childrenOf(root)];
      this.links.removeRoot(root);
      removed.push(root, ...this.dropChildrenSubs(root));
      for (const r of item.refSet) {
        const set = this.referencedBy.get(r);
        set?.delete(root);
        if (set && set.size === 0) this.referencedBy.delete(r);
      }
      this.referencedBy.delete(root);
      for (const k of kids) stack.push(k);
    }
    if (removed.length > 0) {
      // Windows and payout bases that reach no removed link stay (the links kept are
      // window_links + lookbehind + 64 below the best: those of the shares being built and
      // verified near the tip never do). Clearing them all made every prune (one every link)
      // cost each node a rebuild of a whole window (8,640 links) on its next share.
      this.windows.dropMissing();
      for (const [key, at] of this.baseHeights) {
        if (at.parent !== null && at.height - this.net.windowLinks + 1 >= cut && this.links.has(at.parent)) continue;
        this.bases.delete(key);
        this.baseHeights.delete(key);
      }
      this.onRemove?.(removed);
    }
    return removed.length;
  }

  private dropChildrenSubs(link: ShareHash): ShareHash[] {
    const set = this.children.get(link);
    this.children.delete(link);
    const out: ShareHash[] = [];
    if (!set) return out;
    for (const h of set) {
      if (this.subs.delete(h)) {
        out.push(h);
        this.referencedBy.delete(h);
      }
    }
    return out;
  }
}
