/**
 * PPLNS weights over a window of the chain (docs/sharechain.md#pplns; the reference's `get_cumulative_weights`), computed
 * with incremental sliding windows instead of the reference's skip list.
 *
 * Semantics (reference WeightsSkipList): walk down from `start` inclusive, each share adding
 *   payee: att*(65535 - donation), total: att*65535, donation: att*donation   (att = share work)
 * Stop once `maxShares` shares are counted or the total reaches `desiredWeight` exactly. A share
 * that would push the total over `desiredWeight` is pro-rated:
 *   k = (desired - total)/65535;  payee += k*w_payee // att;  donation += k*w_don // att
 * and the total becomes exactly `desiredWeight`. Payees whose weight is 0 are dropped.
 *
 * Structure: a window holds the *full* shares [start .. bottom] in a deque with running sums.
 * A query reuses the cached window whose top is nearest to `start` (a few windows are kept, one
 * per chain tip being worked on), moves its top edge to `start` (push/pop at the top, through
 * the common ancestor for a fork) and its bottom edge to the new cut-off, then adds the pro-rated
 * share. Cost per query: O(|top moves| + |bottom moves| + payees) — O(1) amortised plus the copy
 * of the result map when the chain is walked share by share (verification, new work), and
 * O(window) for a cold query. Verifying every share of a chain is therefore linear in its length,
 * not quadratic.
 */
import type { CumulativeWeights, ShareHash } from './types.js';

/** What the window needs from a share. */
export interface WeightedItem {
  hash: ShareHash;
  prevHash: ShareHash | null;
}

/** A share's contribution: `work` split between `key` and donation by donation/65535. */
export interface Weighing {
  key: string;
  work: bigint;
  donation: number;
}

/** The PPLNS weighing (docs/sharechain.md#pplns): the share's work to its payee, donation by its donation field. */
export function pplnsWeighing(item: { work: bigint; payee: string; shareInfo: { shareData: { donation: number } } }): Weighing {
  return { key: item.payee, work: item.work, donation: item.shareInfo.shareData.donation };
}

/** What the window needs from the chain. */
export interface WindowChain<T extends WeightedItem> {
  get(hash: ShareHash | null | undefined): T | undefined;
  /** Distance metric: depth within the component, and the component identity. */
  locate(hash: ShareHash): { comp: unknown; depth: number } | undefined;
  /** n-th ancestor, n below the height. */
  nthParent(hash: ShareHash, n: number): ShareHash;
  /** Shares from `hash` down to the first missing parent (grows when ancestors arrive). */
  height(hash: ShareHash): number;
}

/** A recent answer, valid while the chain below `start` is what it was (see `cumulativeWeights`). */
interface Answer {
  /**
   * The id of the WeightsWindows that gave it: a number, not the object, so that an answer
   * kept here does not keep a dropped tracker alive (p2pool simulate runs one network after
   * another in a process).
   */
  owner: number;
  start: ShareHash;
  maxShares: number;
  desiredWeight: bigint;
  height: number;
  result: CumulativeWeights;
}

/**
 * Recent answers kept, for the whole process: a share's window is asked for a few times in a
 * row (work, rebuild, verification). Process-wide, not per WeightsWindows: a node has one, and
 * where a process holds many (p2pool simulate's 20 nodes) an answer per node kept for the next
 * eight queries of that node lived through ~160 shares' work, with the PPLNS amounts and payout
 * lists remembered on it (pplns-amounts.ts, gentx.ts), and all of it was promoted to the old
 * generation and collected there (docs/simulate.md#cost-and-budgets).
 */
const ANSWERS = 8;
const answers: Answer[] = [];

interface Delta {
  payee: string;
  payeeWeight: bigint;
  total: bigint;
  donation: bigint;
}

const U16 = 65535n;

function deltaOf(w: Weighing): Delta {
  const att = w.work;
  // No donation (most shares): the payee's weight is the total, one BigInt, and no product for
  // the zero (a delta is held per share and window: docs/operations.md#startup-time).
  if (w.donation === 0) {
    const total = att * U16;
    return { payee: w.key, payeeWeight: total, total, donation: 0n };
  }
  const d = BigInt(w.donation);
  return { payee: w.key, payeeWeight: att * (U16 - d), total: att * U16, donation: att * d };
}

/** Double-ended queue of shares, index 0 = bottom of the window. */
class Deque<T> {
  private buf: (T | undefined)[] = new Array(16);
  private head = 0; // index of the bottom element
  private len = 0;

  get length(): number {
    return this.len;
  }

  private grow(): void {
    const next: (T | undefined)[] = new Array(this.buf.length * 2);
    for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = next;
    this.head = 0;
  }

  pushTop(v: T): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) % this.buf.length] = v;
    this.len++;
  }

  popTop(): T {
    const i = (this.head + this.len - 1) % this.buf.length;
    const v = this.buf[i]!;
    this.buf[i] = undefined;
    this.len--;
    return v;
  }

  pushBottom(v: T): void {
    if (this.len === this.buf.length) this.grow();
    this.head = (this.head - 1 + this.buf.length) % this.buf.length;
    this.buf[this.head] = v;
    this.len++;
  }

  popBottom(): T {
    const v = this.buf[this.head]!;
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.len--;
    return v;
  }

  top(): T | undefined {
    return this.len ? this.buf[(this.head + this.len - 1) % this.buf.length] : undefined;
  }

  bottom(): T | undefined {
    return this.len ? this.buf[this.head] : undefined;
  }
}

interface Entry {
  hash: ShareHash;
  prevHash: ShareHash | null;
  delta: Delta;
}

class Window {
  readonly shares = new Deque<Entry>();
  readonly weights = new Map<string, bigint>();
  total = 0n;
  donation = 0n;
  lastUsed = 0;

  add(e: Entry, atTop: boolean): void {
    if (atTop) this.shares.pushTop(e);
    else this.shares.pushBottom(e);
    const { payee, payeeWeight } = e.delta;
    if (payeeWeight !== 0n) this.weights.set(payee, (this.weights.get(payee) ?? 0n) + payeeWeight);
    this.total += e.delta.total;
    this.donation += e.delta.donation;
  }

  remove(atTop: boolean): void {
    const e = atTop ? this.shares.popTop() : this.shares.popBottom();
    const { payee, payeeWeight } = e.delta;
    if (payeeWeight !== 0n) {
      const w = this.weights.get(payee)! - payeeWeight;
      if (w === 0n) this.weights.delete(payee);
      else this.weights.set(payee, w);
    }
    this.total -= e.delta.total;
    this.donation -= e.delta.donation;
  }
}

/**
 * Each weighing's deltas shared by every WeightsWindows that names the object they depend on
 * (`keyOf`): several trackers in one process holding copies of one share (p2pool simulate's
 * nodes, docs/simulate.md#what-one-nodes-work-saves-another) weigh it once.
 */
const sharedDeltas = new WeakMap<object, WeakMap<object, Delta>>();

let nextWindowsId = 0;

/** Drop `owner`'s answers from the process's recent ones. */
function forgetAnswers(owner: number): void {
  for (let i = answers.length - 1; i >= 0; i--) if (answers[i]!.owner === owner) answers.splice(i, 1);
}

/** A small set of sliding windows over one chain. */
export class WeightsWindows<T extends WeightedItem> {
  private windows: Window[] = [];
  private clock = 0;
  private readonly deltas: WeakMap<object, Delta>;
  /** Names this instance's answers in the process's recent ones. */
  private readonly id = nextWindowsId++;

  constructor(
    private readonly chain: WindowChain<T>,
    private readonly weigh: (item: T) => Weighing,
    /** How many windows to keep (one per chain tip being worked on). */
    private readonly capacity = 4,
    /**
     * An object `weigh(item)` is a pure function of, shared by every copy of the item (the
     * share's share_info: its payee, work and donation all derive from it). Given, the deltas
     * are kept per (weigh, that object) for the whole process; else per item, here.
     */
    private readonly keyOf?: (item: T) => object,
  ) {
    let deltas = keyOf === undefined ? undefined : sharedDeltas.get(weigh);
    if (deltas === undefined) {
      deltas = new WeakMap();
      if (keyOf !== undefined) sharedDeltas.set(weigh, deltas);
    }
    this.deltas = deltas;
  }

  /** Forget every window. */
  clear(): void {
    this.windows = [];
    forgetAnswers(this.id);
  }

  /**
   * Shares are about to leave the chain: drop the windows that hold any of them, as `holds`
   * tells from a window's top share and its number of shares. The others hold only shares that
   * stay, so they stay exact (the share below a window's bottom is looked up at each query).
   */
  dropWhere(holds: (top: ShareHash, shares: number) => boolean): void {
    this.windows = this.windows.filter((w) => {
      const top = w.shares.top();
      return top !== undefined && !holds(top.hash, w.shares.length);
    });
  }

  private entry(hash: ShareHash): Entry {
    const item = this.chain.get(hash)!;
    const key = this.keyOf === undefined ? item : this.keyOf(item);
    let d = this.deltas.get(key);
    if (!d) this.deltas.set(key, (d = deltaOf(this.weigh(item))));
    return { hash, prevHash: item.prevHash, delta: d };
  }

  /**
   * The weights of the window from `start` down. The same question asked again while the chain
   * below `start` is unchanged gets the same result object (callers must not modify it): the
   * answer is a function of the shares present among `start`'s ancestors, and those are fixed
   * by the hash chain and `start`'s height (the first `height` ancestors are present, the next
   * one is missing): pruning the bottom lowers it, missing ancestors arriving raise it, and
   * removing a subtree either removes `start` or none of its ancestors. So an answer is reused
   * exactly when `start`, the limits and the height match. pplns-amounts.ts remembers its work
   * per result object.
   */
  cumulativeWeights(start: ShareHash | null, maxShares: number, desiredWeight: bigint): CumulativeWeights {
    if (start == null || maxShares <= 0 || desiredWeight <= 0n || !this.chain.get(start)) {
      return { weights: new Map(), totalWeight: 0n, donationWeight: 0n, derived: undefined };
    }
    const height = this.chain.height(start);
    for (const a of answers) {
      if (a.owner === this.id && a.start === start && a.maxShares === maxShares && a.desiredWeight === desiredWeight && a.height === height) return a.result;
    }
    const result = this.compute(start, maxShares, desiredWeight);
    if (answers.length >= ANSWERS) answers.shift();
    answers.push({ owner: this.id, start, maxShares, desiredWeight, height, result });
    return result;
  }

  private compute(start: ShareHash, maxShares: number, desiredWeight: bigint): CumulativeWeights {
    const w = this.windowAt(start);
    w.lastUsed = ++this.clock;

    // Bottom edge: shrink while over a limit, then grow while a whole share still fits.
    while (w.shares.length > maxShares || w.total > desiredWeight) w.remove(false);
    for (;;) {
      if (w.shares.length >= maxShares || w.total >= desiredWeight) break;
      const below = w.shares.length ? w.shares.bottom()!.prevHash : start;
      if (below == null || !this.chain.get(below)) break;
      const e = this.entry(below);
      if (w.total + e.delta.total > desiredWeight) break;
      w.add(e, false);
    }

    // Copied with forEach: the Map constructor's copy goes through the entries iterator, one
    // [key, value] array per payee (a query copies ~560 of them in p2pool simulate's baseline).
    const weights = new Map<string, bigint>();
    w.weights.forEach((v, k) => weights.set(k, v));
    let total = w.total;
    let donation = w.donation;
    if (w.shares.length < maxShares && total < desiredWeight) {
      const below = w.shares.length ? w.shares.bottom()!.prevHash : start;
      if (below != null && this.chain.get(below)) {
        // The reference's pro-rating of the last share (docs/sharechain.md#pplns); exact because both the remaining
        // weight and the share's total are multiples of 65535.
        const { delta } = this.entry(below);
        const k = (desiredWeight - total) / U16;
        const att = delta.total / U16;
        const part = (k * delta.payeeWeight) / att;
        if (part !== 0n) weights.set(delta.payee, (weights.get(delta.payee) ?? 0n) + part);
        donation += (k * delta.donation) / att;
        total = desiredWeight;
      }
    }
    return { weights, totalWeight: total, donationWeight: donation, derived: undefined };
  }

  /** A window whose top is `start`, reusing the cheapest cached one. */
  private windowAt(start: ShareHash): Window {
    const loc = this.chain.locate(start)!;
    let best: { pushes: number; pops: number } | undefined;
    let bestWindow: Window | undefined;
    for (const w of this.windows) {
      const plan = this.plan(w, start, loc);
      if (plan && (!best || plan.pops + plan.pushes < best.pops + best.pushes)) {
        best = plan;
        bestWindow = w;
      }
    }
    if (best && bestWindow && best.pops + best.pushes <= Math.max(64, bestWindow.shares.length)) {
      for (let i = 0; i < best.pops; i++) bestWindow.remove(true);
      if (best.pushes === 1) {
        // The usual step (the next share of a chain walked up): no list of the pushes.
        bestWindow.add(this.entry(start), true);
      } else {
        const ops: ShareHash[] = [];
        for (let i = 0, cur = start; i < best.pushes; i++, cur = this.chain.get(cur)!.prevHash!) ops.push(cur);
        for (let i = ops.length - 1; i >= 0; i--) bestWindow.add(this.entry(ops[i]!), true);
      }
      return bestWindow;
    }
    const fresh = new Window();
    if (this.windows.length >= this.capacity) {
      this.windows.sort((a, b) => a.lastUsed - b.lastUsed);
      this.windows.shift();
    }
    this.windows.push(fresh);
    // Seed with the top share; the bottom edge grows it.
    fresh.add(this.entry(start), true);
    return fresh;
  }

  /**
   * How to move window `w`'s top to `start`: pop `pops` shares off the top (down to the common
   * ancestor), then push `pushes` shares (the ones from `start` down to it). Undefined when not possible (other tree, or the
   * common ancestor lies below the window).
   */
  private plan(w: Window, start: ShareHash, loc: { comp: unknown; depth: number }): { pushes: number; pops: number } | undefined {
    const top = w.shares.top();
    if (!top) return undefined;
    const tloc = this.chain.locate(top.hash);
    if (!tloc || tloc.comp !== loc.comp) return undefined;
    // Common ancestor by depth: lift the deeper one, then both together (binary search).
    let a = start;
    let b = top.hash;
    let da = loc.depth;
    let db = tloc.depth;
    if (da > db) {
      a = this.chain.nthParent(a, da - db);
      da = db;
    } else if (db > da) {
      if (db - da >= w.shares.length) return undefined;
      b = this.chain.nthParent(b, db - da);
      db = da;
    }
    if (a !== b) {
      // Binary search for the smallest lift that makes them equal, bounded by the window size.
      let lo = 1;
      let hi = w.shares.length - (tloc.depth - db) - 1;
      if (hi < 1 || this.chain.nthParent(a, hi) !== this.chain.nthParent(b, hi)) return undefined;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.chain.nthParent(a, mid) === this.chain.nthParent(b, mid)) hi = mid;
        else lo = mid + 1;
      }
      da -= lo;
      a = this.chain.nthParent(a, lo);
    }
    const pops = tloc.depth - da;
    if (pops >= w.shares.length) return undefined;
    return { pushes: loc.depth - da, pops };
  }
}
