/**
 * A forest of hash-linked items (shares): the data structure under the tracker (docs/sharechain.md#the-tracker,
 * `p2pool/util/forest.py Tracker`), in our own design.
 *
 * Every connected component of the forest is a tree with exactly one bottom item, its `root`
 * (the item whose parent is not present). The reference keys tails by the *missing parent's*
 * hash; we key them by the root item's hash, so two unrelated genesis chains (both with parent
 * null) stay two tails instead of being merged under one `None` key.
 *
 * Heights and cumulative sums without walking: each node carries `depth`, `cumWork` and
 * `cumMinWork` relative to an arbitrary anchor of its component (child = parent + 1 / + work).
 * Then
 *   height(h)            = depth(h) - depth(root) + 1                      O(1)
 *   sum over (anc, h]    = cum(h) - cum(anc)                               O(1)
 * Adding a share on top or below a component costs O(1). Adding a share that joins several
 * components re-anchors all but the largest (small-to-large), so the total re-anchoring work
 * over any sequence of additions is O(n log n). Removing a root with a single child is O(1);
 * removing a subtree is O(its size).
 *
 * n-th ancestor: binary lifting. `up[k]` caches the hash of the 2^k-th ancestor. The n-th
 * ancestor of a hash is a fact of the immutable hash chain, so a cached pointer never goes wrong;
 * we only follow it when n < height, which guarantees every share on the way is present (shares
 * leave the forest only as whole subtrees or as roots). A node keeps only the jumps up to
 * 2^ctz(depth) (about two on average; see `ancestor`). They are filled eagerly on insertion
 * when the parent is present and lazily (memoised) for shares that got ancestors later, so a
 * query is O(log n) amortised.
 */
import type { ShareHash } from './types.js';

/** What the forest needs from an item. */
export interface ForestItem {
  hash: ShareHash;
  prevHash: ShareHash | null;
  /** target_to_average_attempts(target). */
  work: bigint;
  /** target_to_average_attempts(max_target). */
  minWork: bigint;
}

class Component {
  size = 0;
  readonly heads = new Set<ShareHash>();
  constructor(public root: ShareHash) {}
}

export interface ForestNode<T extends ForestItem> {
  readonly item: T;
  comp: Component;
  depth: number;
  cumWork: bigint;
  cumMinWork: bigint;
  /** The parent node while it is present. */
  parent: ForestNode<T> | undefined;
  /**
   * The children present: the one child's hash, or a Set when there are several (see
   * Forest.children, which holds them while this share is missing).
   */
  kids: ShareHash | Set<ShareHash> | undefined;
  /**
   * up[k] = the 2^k-th ancestor, when known (valid while not `removed`); NO_UP until one is.
   * Kept for k <= ctz(depth) only (Fenwick-style: about two entries per node on average instead
   * of log2(height), ~130 bytes less per share per forest); `ancestor` asks for no others. The
   * depth is relative to the component's anchor, which moves when components merge: a table
   * filled under an old anchor still holds true ancestors (facts of the hash chain), and the
   * entries the new depth wants are made on first use.
   */
  up: Array<ForestNode<T> | undefined>;
  removed: boolean;
}

export class Forest<T extends ForestItem> {
  /**
   * Whether `cumMinWork` is kept (sumMinWork). The tracker's `verified` forest is never asked
   * for it: without it, a BigInt fewer per share held (0n in every node).
   */
  private readonly minWork: boolean;

  constructor(opts: { minWork?: boolean } = {}) {
    this.minWork = opts.minWork ?? true;
  }

  private readonly nodes = new Map<ShareHash, ForestNode<T>>();
  /**
   * Missing parent's hash -> its children present: the one child's hash, or a Set when there
   * are several (a Set per share cost ~160 bytes per share per forest, and nearly every share
   * has one child). A present share's children are on its node (`kids`) instead: a map entry
   * per share, set as each share arrived on its parent, was two of the seven map operations of
   * an insertion (docs/operations.md#startup-time); they move here when it leaves and back when
   * it comes.
   */
  private readonly children = new Map<ShareHash, ShareHash | Set<ShareHash>>();
  private readonly comps = new Set<Component>();
  private removedSinceSweep = 0;

  get size(): number {
    return this.nodes.size;
  }

  has(hash: ShareHash | null | undefined): boolean {
    return hash != null && this.nodes.has(hash);
  }

  get(hash: ShareHash | null | undefined): T | undefined {
    return hash == null ? undefined : this.nodes.get(hash)?.item;
  }

  node(hash: ShareHash | null | undefined): ForestNode<T> | undefined {
    return hash == null ? undefined : this.nodes.get(hash);
  }

  items(): IterableIterator<T> {
    return (function* (nodes) {
      for (const n of nodes.values()) yield n.item;
    })(this.nodes);
  }

  /** Children present of `hash` (which itself may be missing). */
  childrenOf(hash: ShareHash): ReadonlySet<ShareHash> {
    const c = this.kidsOf(hash);
    return c === undefined ? EMPTY : typeof c === 'string' ? new Set([c]) : c;
  }

  /** The children present of `hash`, for iteration inside the forest. */
  private kids(hash: ShareHash): Iterable<ShareHash> {
    const c = this.kidsOf(hash);
    return c === undefined ? NO_KIDS : typeof c === 'string' ? [c] : c;
  }

  /** The children present of `hash`: on its node while it is present, else in `children`. */
  private kidsOf(hash: ShareHash): ShareHash | Set<ShareHash> | undefined {
    const n = this.nodes.get(hash);
    return n !== undefined ? n.kids : this.children.get(hash);
  }

  /** Set the children of `hash` (its node's, or the map's while it is missing: `node` when known). */
  private setKids(hash: ShareHash, kids: ShareHash | Set<ShareHash> | undefined, node = this.nodes.get(hash)): void {
    if (node !== undefined) node.kids = kids;
    else if (kids === undefined) this.children.delete(hash);
    else this.children.set(hash, kids);
  }

  private addChild(parent: ShareHash, child: ShareHash, parentNode = this.nodes.get(parent)): void {
    const c = parentNode !== undefined ? parentNode.kids : this.children.get(parent);
    if (c === undefined) this.setKids(parent, child, parentNode);
    else if (typeof c === 'string') this.setKids(parent, new Set([c, child]), parentNode);
    else c.add(child);
  }

  private removeChild(parent: ShareHash, child: ShareHash): void {
    const c = this.kidsOf(parent);
    if (c === undefined) return;
    if (typeof c === 'string') {
      if (c === child) this.setKids(parent, undefined);
      return;
    }
    c.delete(child);
    if (c.size === 1) this.setKids(parent, c.values().next().value!);
    else if (c.size === 0) this.setKids(parent, undefined);
  }

  /** head -> root of its component (the reference's `heads`, keyed to our tail key). */
  heads(): Map<ShareHash, ShareHash> {
    const out = new Map<ShareHash, ShareHash>();
    for (const c of this.comps) for (const h of c.heads) out.set(h, c.root);
    return out;
  }

  isHead(hash: ShareHash): boolean {
    const n = this.nodes.get(hash);
    return n !== undefined && n.kids === undefined;
  }

  /** root -> heads of its component (the reference's `tails`). */
  tails(): Map<ShareHash, ReadonlySet<ShareHash>> {
    const out = new Map<ShareHash, ReadonlySet<ShareHash>>();
    for (const c of this.comps) out.set(c.root, c.heads);
    return out;
  }

  /** The root (bottom share present) of `hash`'s component. */
  rootOf(hash: ShareHash): ShareHash | undefined {
    return this.nodes.get(hash)?.comp.root;
  }

  /** Reference get_height: shares from `hash` down to the first missing parent, inclusive; 0 if unknown. */
  getHeight(hash: ShareHash | null | undefined): number {
    const n = this.node(hash);
    if (!n) return 0;
    return n.depth - this.nodes.get(n.comp.root)!.depth + 1;
  }

  /**
   * Reference get_nth_parent_hash. n < height: the n-th ancestor (present). n == height: the
   * hash of the missing parent below the root (null when the chain is rooted), as the reference
   * returns it. Beyond: null.
   */
  getNthParent(hash: ShareHash | null | undefined, n: number): ShareHash | null {
    if (hash == null) return null;
    const node = this.nodes.get(hash);
    if (!node || n < 0) return null;
    const height = this.getHeight(hash);
    if (n > height) return null;
    if (n === height) return this.nodes.get(node.comp.root)!.item.prevHash;
    return this.ancestor(node, n).item.hash;
  }

  /**
   * n-th ancestor node; caller guarantees n < height. Jumps are powers of two, and a node at
   * depth d keeps (or is asked for) only the jumps up to 2^ctz(d) (see `up`): each step takes
   * the largest such jump that does not overshoot. While the remaining distance is at least
   * 2^ctz(d), a jump clears d's lowest set bit (ctz grows); after that each jump takes the
   * remaining distance's top bit. So at most ~2·log2(n) jumps.
   */
  ancestor(node: ForestNode<T>, n: number): ForestNode<T> {
    // Answers remembered per distance (the last one for each of a few): the same question twice
    // in a row is common (the retarget asks for the n-th parent of a share, then for the work
    // summed down to it), and so is the same distance from the share just above or below the
    // last one asked (a chain verified share by share, upwards as a load of every row does,
    // downwards as the node's load queues its checks: the far share's 99 and the retarget's
    // lookbehind, per share). Answered from the last answer while its two ends are present.
    const memo = this.ancestors[n & (ANCESTOR_MEMOS - 1)]!;
    const from = memo.from;
    const last = memo.to;
    let to: ForestNode<T> | undefined;
    if (memo.n === n && from !== undefined && last !== undefined && !from.removed && !last.removed && !node.removed) {
      // Both ends present: every share between them is (shares leave only as whole subtrees
      // or as roots), so `last` is still `from`'s n-th ancestor.
      if (from === node) return last;
      // (A short walk is a few pointer reads: cheaper than the map lookup of the step up.)
      if (n >= SLIDE_MIN) {
        if (node.parent === from) {
          // One share up: the n-th ancestor is the child of `last` on the way to `from`, which is
          // `last`'s only child when it has one (several: walked).
          const kids = last.kids;
          if (typeof kids === 'string') to = this.nodes.get(kids);
        } else if (from.parent === node) {
          // One share down: the parent of `last` (present: the caller asks only below the height).
          to = last.parent;
        }
      }
    }
    if (to === undefined) to = this.walkUp(node, n);
    memo.from = node;
    memo.n = n;
    memo.to = to;
    return to;
  }

  /** The last `ancestor` answer per distance (n mod ANCESTOR_MEMOS; see there); dropped with the next question of that slot. */
  private readonly ancestors: Array<{ from: ForestNode<T> | undefined; n: number; to: ForestNode<T> | undefined }> =
    Array.from({ length: ANCESTOR_MEMOS }, () => ({ from: undefined, n: -1, to: undefined }));

  private walkUp(node: ForestNode<T>, n: number): ForestNode<T> {
    let cur = node;
    while (n > 0) {
      let k = 31 - Math.clz32(n);
      const low = cur.depth & -cur.depth;
      if (low !== 0) {
        const c = 31 - Math.clz32(low);
        if (c < k) k = c;
      }
      cur = this.jump(cur, k);
      n -= 2 ** k;
    }
    return cur;
  }

  /**
   * The 2^k-th ancestor (present). Memoised in `up[k]`; asked only for k <= ctz(depth), so the
   * node 2^(k-1) below (depth with ctz exactly k-1) is asked within its own pattern too.
   */
  private jump(node: ForestNode<T>, k: number): ForestNode<T> {
    if (k === 0) return node.parent!;
    const cached = node.up[k];
    if (cached !== undefined && !cached.removed) return cached;
    const target = this.jump(this.jump(node, k - 1), k - 1);
    if (node.up === NO_UP) node.up = new Array<ForestNode<T> | undefined>(k + 1);
    node.up[k] = target;
    return target;
  }

  /** Work over the `count` shares ending at `hash` (inclusive, walking down); clipped to the chain. */
  sumWork(hash: ShareHash, count: number): bigint {
    return this.sumOf(hash, count, (n) => n.cumWork, (n) => n.item.work);
  }

  sumMinWork(hash: ShareHash, count: number): bigint {
    if (!this.minWork) throw new Error('forest: the minimum work is not summed in this forest');
    return this.sumOf(hash, count, (n) => n.cumMinWork, (n) => n.item.minWork);
  }

  /** Reference get_work: work from `hash` down to the end of its chain. */
  getWork(hash: ShareHash | null | undefined): bigint {
    if (hash == null || !this.nodes.has(hash)) return 0n;
    return this.sumWork(hash, this.getHeight(hash));
  }

  /** Reference get_delta(item, ancestor).work: work over (ancestor, item]; ancestor must be below item on its chain (or its missing parent). */
  workBetween(item: ShareHash, ancestor: ShareHash | null): bigint {
    const top = this.nodes.get(item);
    if (!top) return 0n;
    const anc = ancestor == null ? undefined : this.nodes.get(ancestor);
    if (!anc) return this.getWork(item);
    return top.cumWork - anc.cumWork;
  }

  private sumOf(hash: ShareHash, count: number, cum: (n: ForestNode<T>) => bigint, own: (n: ForestNode<T>) => bigint): bigint {
    const top = this.nodes.get(hash);
    if (!top || count <= 0) return 0n;
    const height = this.getHeight(hash);
    if (count >= height) {
      const root = this.nodes.get(top.comp.root)!;
      return cum(top) - (cum(root) - own(root));
    }
    return cum(top) - cum(this.ancestor(top, count));
  }

  /** The shares from `hash` downward, at most `count` of them (reference get_chain). */
  *chain(hash: ShareHash | null | undefined, count: number): Generator<T> {
    let cur = this.node(hash);
    for (let i = 0; i < count && cur; i++) {
      yield cur.item;
      cur = cur.parent;
    }
  }

  /** True if `ancestor` is `hash` or below it on its chain. */
  isAncestor(ancestor: ShareHash, hash: ShareHash): boolean {
    const a = this.nodes.get(ancestor);
    const h = this.nodes.get(hash);
    if (!a || !h || a.comp !== h.comp || a.depth > h.depth) return false;
    return this.ancestor(h, h.depth - a.depth) === a;
  }

  add(item: T): void {
    if (this.nodes.has(item.hash)) throw new Error(`forest: ${item.hash} already present`);
    this.insert(item);
  }

  /** add() unless `item` is present already (false then): one lookup for both. */
  addNew(item: T): boolean {
    if (this.nodes.has(item.hash)) return false;
    this.insert(item);
    return true;
  }

  /** add() of an item known to be absent. */
  private insert(item: T): void {
    const hash = item.hash;
    const parent = this.node(item.prevHash);
    const parentRoot = parent?.comp.root;
    // Usually none (a share arrives after its parent and before its children): no array made.
    const present = this.children.get(hash);
    const kids = present === undefined ? NO_NODES : [...this.kids(hash)].map((h) => this.nodes.get(h)!);

    // Join the largest neighbouring component (small-to-large); re-anchor the others.
    let big: Component | undefined = parent?.comp;
    for (const k of kids) if (!big || k.comp.size > big.size) big = k.comp;

    let node: ForestNode<T>;
    if (!big) {
      const comp = new Component(hash);
      this.comps.add(comp);
      node = { item, comp, depth: 0, cumWork: item.work, cumMinWork: this.minWork ? item.minWork : 0n, parent, kids: undefined, up: NO_UP, removed: false };
    } else if (parent && big === parent.comp) {
      node = { item, comp: big, depth: parent.depth + 1, cumWork: parent.cumWork + item.work, cumMinWork: this.minWork ? parent.cumMinWork + item.minWork : 0n, parent, kids: undefined, up: NO_UP, removed: false };
    } else {
      const k = kids.find((c) => c.comp === big)!;
      node = { item, comp: big, depth: k.depth - 1, cumWork: k.cumWork - k.item.work, cumMinWork: this.minWork ? k.cumMinWork - k.item.minWork : 0n, parent, kids: undefined, up: NO_UP, removed: false };
    }
    for (const k of kids) k.parent = node;
    const comp = node.comp;
    this.nodes.set(hash, node);
    // The children that waited for this share move onto its node.
    if (present !== undefined) {
      node.kids = present;
      this.children.delete(hash);
    }
    comp.size++;
    if (item.prevHash != null) {
      this.addChild(item.prevHash, hash, parent);
    }

    if (parent && parent.comp !== comp) {
      this.reanchor(parent.comp, parent, node.depth - 1, node.cumWork - item.work, node.cumMinWork - item.minWork, comp);
    }
    for (const k of kids) {
      if (k.comp !== comp) {
        this.reanchor(k.comp, k, node.depth + 1, node.cumWork + k.item.work, node.cumMinWork + k.item.minWork, comp);
      }
    }
    // The merged component's root: the parent's root if the parent is present, else this share.
    comp.root = parentRoot ?? hash;
    if (parent) comp.heads.delete(parent.item.hash);
    if (kids.length === 0) comp.heads.add(hash);
    this.fillJumps(node);
  }

  /** Move every node of `from` into `to`, shifting so that `pivot` gets the given values. */
  private reanchor(from: Component, pivot: ForestNode<T>, depth: number, cumWork: bigint, cumMinWork: bigint, to: Component): void {
    const dDepth = depth - pivot.depth;
    const dWork = cumWork - pivot.cumWork;
    const dMin = this.minWork ? cumMinWork - pivot.cumMinWork : 0n;
    const oldRoot = from.root;
    const stack: ShareHash[] = [oldRoot];
    while (stack.length) {
      const h = stack.pop()!;
      const n = this.nodes.get(h)!;
      if (n.comp !== from) continue; // the share being added (already in `to`) and what hangs off it
      n.comp = to;
      n.depth += dDepth;
      n.cumWork += dWork;
      if (this.minWork) n.cumMinWork += dMin;
      to.size++;
      for (const c of this.kids(h)) stack.push(c);
    }
    for (const h of from.heads) to.heads.add(h);
    this.comps.delete(from);
  }

  /** The jumps a new node keeps (see `ancestor`): up to 2^ctz(depth), within its chain. */
  private fillJumps(node: ForestNode<T>): void {
    const height = node.depth - this.nodes.get(node.comp.root)!.depth + 1;
    // The least `levels` with 2^levels >= height.
    const levels = height <= 1 ? 0 : 32 - Math.clz32(height - 1);
    const low = node.depth & -node.depth;
    const top = Math.min(levels - 1, low === 0 ? 31 : 31 - Math.clz32(low));
    if (top < 1) return;
    // Sized once (a table grown entry by entry kept ~2x the slots it used).
    node.up = new Array<ForestNode<T> | undefined>(top + 1);
    for (let k = 1; k <= top; k++) this.jump(node, k);
  }

  /**
   * Forget jump-table entries that point at removed nodes. A live node's table reaches up to
   * 2^14 shares down, so as pruning eats the bottom of a chain, the tables of the shares above
   * keep pointing at removed nodes: about as many as the chain holds, per forest. Those entries
   * are never followed again (a query only jumps within the present chain) but kept every
   * removed node reachable, and the set grew with every share pruned until it was several times
   * the chain (p2pool simulate: a month of shares, 20 nodes x 2 forests). Cleared once per
   * size/8 removals, so at most that many removed nodes stay reachable; amortized a few table
   * reads per removal.
   */
  /** Removed nodes still reachable from live nodes' jump tables (a diagnostic; bounded by the sweep below). */
  removedInJumpTables(): number {
    const seen = new Set<ForestNode<T>>();
    for (const n of this.nodes.values()) for (const u of n.up) if (u?.removed) seen.add(u);
    return seen.size;
  }

  private sweepRemoved(): void {
    if (++this.removedSinceSweep < Math.max(SWEEP_MIN, this.nodes.size >> 3)) return;
    this.removedSinceSweep = 0;
    for (const n of this.nodes.values()) {
      const up = n.up;
      for (let k = 1; k < up.length; k++) if (up[k]?.removed) up[k] = undefined;
    }
  }

  /** Remove `hash` and all its descendants; returns the removed items (top-down order not guaranteed). */
  removeSubtree(hash: ShareHash): T[] {
    const top = this.nodes.get(hash);
    if (!top) return [];
    const comp = top.comp;
    const topPrev = top.item.prevHash;
    const removed: T[] = [];
    const stack: ShareHash[] = [hash];
    while (stack.length) {
      const h = stack.pop()!;
      const n = this.nodes.get(h);
      if (!n) continue;
      for (const c of this.kids(h)) stack.push(c);
      removed.push(n.item);
      this.detach(n);
      comp.heads.delete(h);
    }
    comp.size -= removed.length;
    if (comp.root === hash) {
      this.comps.delete(comp);
    } else {
      const p = topPrev!;
      if (this.kidsOf(p) === undefined) comp.heads.add(p);
    }
    return removed;
  }

  /**
   * Remove the root (bottom share) of its component, as pruning does. Its children become roots;
   * with several children the component splits (rare: forks at the very bottom), which costs a
   * walk over the split-off subtrees.
   */
  removeRoot(hash: ShareHash): T {
    const n = this.nodes.get(hash);
    if (!n || n.comp.root !== hash) throw new Error(`forest: ${hash} is not a root`);
    const comp = n.comp;
    const item = n.item;
    const kids = [...this.kids(hash)];
    this.detach(n);
    comp.size--;
    comp.heads.delete(hash);
    if (kids.length === 0) {
      this.comps.delete(comp);
    } else if (kids.length === 1) {
      comp.root = kids[0]!;
    } else {
      // The largest subtree keeps the component; the others are split off. Which is largest is
      // found by walking all of them a step at a time until one is left: the cost is the
      // smaller subtrees', not the chain's. (Keeping the first child's, as before, walked the
      // whole chain whenever an orphan at the bottom happened to be the first child: pruning
      // reaches every fork, so about once per orphan per node and forest, 17,290 shares each on
      // mainnet.)
      const walks = kids.map((root) => ({ root, stack: [root], seen: [] as ShareHash[] }));
      let open = walks.length;
      while (open > 1) {
        for (const w of walks) {
          if (w.stack.length === 0) continue;
          const h = w.stack.pop()!;
          w.seen.push(h);
          for (const c of this.kids(h)) w.stack.push(c);
          if (w.stack.length === 0 && --open <= 1) break;
        }
      }
      const big = walks.find((w) => w.stack.length > 0) ?? walks.reduce((a, b) => (b.seen.length > a.seen.length ? b : a));
      comp.root = big.root;
      for (const w of walks) if (w !== big) this.splitOff(comp, w.root, w.seen);
    }
    return item;
  }

  /** Move the subtree of `root` (all its hashes: `members`) out of `from` into a new component. */
  private splitOff(from: Component, root: ShareHash, members: readonly ShareHash[]): void {
    const comp = new Component(root);
    this.comps.add(comp);
    for (const h of members) {
      const n = this.nodes.get(h)!;
      n.comp = comp;
      comp.size++;
      from.size--;
      if (from.heads.delete(h)) comp.heads.add(h);
    }
  }

  private detach(n: ForestNode<T>): void {
    const h = n.item.hash;
    const p = n.item.prevHash;
    this.nodes.delete(h);
    // Its children present are now those of a missing share: into the map.
    if (n.kids !== undefined) {
      this.children.set(h, n.kids);
      n.kids = undefined;
    }
    n.removed = true;
    for (const c of this.kids(h)) {
      const cn = this.nodes.get(c);
      if (cn) cn.parent = undefined;
    }
    if (p != null) this.removeChild(p, h);
    // A removed node may still be in live nodes' jump tables (up[k], checked by `removed` on
    // use, and then never read). Its own links go: kept, each removed node would keep its
    // ancestors alive through them, and through theirs every share the forest ever held
    // (p2pool simulate's memory grew without bound over a month of shares; a long-running
    // node's would too). Its item goes too: live nodes' tables reach up to 2^14 shares down, so
    // about as many removed nodes stay referenced as a pruned chain holds.
    n.up = NO_UP;
    n.parent = undefined;
    n.cumWork = 0n;
    n.cumMinWork = 0n;
    (n as { item: T | undefined }).item = undefined;
    this.sweepRemoved();
  }

}

const EMPTY: ReadonlySet<ShareHash> = new Set();
const NO_KIDS: readonly ShareHash[] = [];
const NO_NODES: readonly never[] = [];
/** The (empty, never written) jump table of a node that has none yet, or was removed. */
const NO_UP: never[] = [];
/** `ancestor` remembers this many answers (a power of two; see there). */
const ANCESTOR_MEMOS = 8;
/** `ancestor` answers from the last answer one share up or down only for distances this long or longer. */
const SLIDE_MIN = 16;
/** Sweep removed nodes out of the jump tables at most once per this many removals (see sweepRemoved). */
const SWEEP_MIN = 1024;
