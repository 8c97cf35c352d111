/**
 * The fair PPLNS window (docs/fair-sharechain.md#pplns) kept as sliding windows, so that
 * verifying a share costs O(1) amortised instead of a walk over the window.
 *
 * The window of a share built on link P is the sequence of entries met walking links from P
 * down (P included). A link contributes, in order:
 *   its own entry     payee(L) += D_q * work(L)
 *   one per ref r     payee(r) += D_q * work(r)  and  payee(L) += N_q * work(r)   (the includer bonus)
 * (q = N_q / D_q; weights are scaled by D_q so they stay integers). The walk stops after
 * `maxLinks` links, `maxEntries` entries, or once the running total reaches the desired weight;
 * the entry that would cross it is pro-rated (each part floored) and ends the walk.
 *
 * Structure: a window holds the links whose entries are all fully inside, bottom to top, with
 * their running sums per payee; a query moves its top to the requested link (through the common
 * ancestor on a fork) and its bottom to the caps, then adds the next link's entries one by one
 * for the partial part. A few windows are cached (one per chain tip being worked on).
 */
import type { ShareHash } from './types.js';

/** One entry: `weight` to `payee`, and for a reference `bonus` to the includer. */
export interface WindowEntry {
  payee: string;
  weight: bigint;
  bonusPayee: string | null;
  bonus: bigint;
}

/** A link's entries in walk order, with their count and total weight. */
export interface WindowLink {
  hash: ShareHash;
  prevHash: ShareHash | null;
  entries: readonly WindowEntry[];
  total: bigint;
}

export interface WindowWeights {
  /** payee -> weight (positive weights only). */
  weights: Map<string, bigint>;
  /** Sum of `weights` (the pro-rated parts are floored, so it may be below the desired weight). */
  total: bigint;
  /** Links and entries the walk met (the partial link and entry included). */
  links: number;
  entries: number;
}

export interface WindowSource {
  /** The entries of a verified link; undefined when the link is not known. */
  windowLink(hash: ShareHash | null | undefined): WindowLink | undefined;
  /** Depth within its component and the component's identity (for the fork arithmetic). */
  locate(hash: ShareHash): { comp: unknown; depth: number } | undefined;
  /** n-th ancestor link (n below the depth). */
  nthParent(hash: ShareHash, n: number): ShareHash;
}

export interface WindowLimits {
  maxLinks: number;
  maxEntries: number;
}

/** Build a link's entries (the rules of the module comment). */
export function windowLinkOf(
  link: { hash: ShareHash; prevHash: ShareHash | null; payee: string; work: bigint },
  refs: ReadonlyArray<{ payee: string; work: bigint }>,
  bonusNumerator: number,
  bonusDenominator: number,
): WindowLink {
  const num = BigInt(bonusNumerator);
  const den = BigInt(bonusDenominator);
  const entries: WindowEntry[] = [{ payee: link.payee, weight: den * link.work, bonusPayee: null, bonus: 0n }];
  let total = den * link.work;
  for (const r of refs) {
    const e = { payee: r.payee, weight: den * r.work, bonusPayee: link.payee, bonus: num * r.work };
    entries.push(e);
    total += e.weight + e.bonus;
  }
  return { hash: link.hash, prevHash: link.prevHash, entries, total };
}

function addTo(m: Map<string, bigint>, key: string, v: bigint): void {
  if (v !== 0n) m.set(key, (m.get(key) ?? 0n) + v);
}

function subFrom(m: Map<string, bigint>, key: string, v: bigint): void {
  if (v === 0n) return;
  const left = m.get(key)! - v;
  if (left === 0n) m.delete(key);
  else m.set(key, left);
}

/** Double-ended queue of links, index 0 = the bottom. */
class Deque<T> {
  private buf: (T | undefined)[] = new Array<T | undefined>(16);
  private head = 0;
  private len = 0;

  get length(): number {
    return this.len;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.buf.length * 2);
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

class Window {
  readonly links = new Deque<WindowLink>();
  readonly weights = new Map<string, bigint>();
  total = 0n;
  entries = 0;
  lastUsed = 0;

  add(l: WindowLink, atTop: boolean): void {
    if (atTop) this.links.pushTop(l);
    else this.links.pushBottom(l);
    for (const e of l.entries) {
      addTo(this.weights, e.payee, e.weight);
      if (e.bonusPayee !== null) addTo(this.weights, e.bonusPayee, e.bonus);
    }
    this.total += l.total;
    this.entries += l.entries.length;
  }

  remove(atTop: boolean): void {
    const l = atTop ? this.links.popTop() : this.links.popBottom();
    for (const e of l.entries) {
      subFrom(this.weights, e.payee, e.weight);
      if (e.bonusPayee !== null) subFrom(this.weights, e.bonusPayee, e.bonus);
    }
    this.total -= l.total;
    this.entries -= l.entries.length;
  }
}

const EMPTY: WindowWeights = Object.freeze({ weights: new Map<string, bigint>(), total: 0n, links: 0, entries: 0 });

export class FairWindows {
  private windows: Window[] = [];
  private clock = 0;

  constructor(
    private readonly source: WindowSource,
    private readonly limits: WindowLimits,
    private readonly capacity = 4,
  ) {}

  /** Forget every window (after links left the chain). */
  clear(): void {
    this.windows = [];
  }

  /**
   * Forget the windows that reach a link no longer held (after pruning). Links leave only from
   * the bottom of the chain, and a window's links are consecutive, so a window whose bottom link
   * is still held holds no removed link: it stays valid.
   */
  dropMissing(): number {
    const before = this.windows.length;
    this.windows = this.windows.filter((w) => {
      const bottom = w.links.bottom();
      return bottom !== undefined && this.source.windowLink(bottom.hash) === bottom;
    });
    return before - this.windows.length;
  }

  /** The window's weights for a share built on `start` (see the module comment). */
  weights(start: ShareHash | null, desired: bigint): WindowWeights {
    const { maxLinks, maxEntries } = this.limits;
    if (start === null || desired <= 0n || maxLinks <= 0 || maxEntries <= 0 || !this.source.windowLink(start)) {
      return { weights: new Map(), total: 0n, links: 0, entries: 0 };
    }
    const w = this.windowAt(start);
    w.lastUsed = ++this.clock;

    // Bottom edge: drop links until every link left fits entirely, then add whole links below
    // while they fit.
    while (w.links.length > maxLinks || w.entries > maxEntries || w.total > desired) w.remove(false);
    for (;;) {
      if (w.links.length >= maxLinks) break;
      const l = this.source.windowLink(w.links.length ? w.links.bottom()!.prevHash : start);
      if (!l || w.entries + l.entries.length > maxEntries || w.total + l.total > desired) break;
      w.add(l, false);
    }

    const weights = new Map(w.weights);
    let counted = w.total; // the walk's running total (reaches `desired` with a partial entry)
    let sum = w.total; // what the payees get
    let entries = w.entries;
    let links = w.links.length;
    if (links < maxLinks && entries < maxEntries && counted < desired) {
      const l = this.source.windowLink(w.links.length ? w.links.bottom()!.prevHash : start);
      if (l) {
        links++;
        for (const e of l.entries) {
          if (entries >= maxEntries || counted >= desired) break;
          entries++;
          const t = e.weight + e.bonus;
          if (counted + t <= desired) {
            addTo(weights, e.payee, e.weight);
            if (e.bonusPayee !== null) addTo(weights, e.bonusPayee, e.bonus);
            counted += t;
            sum += t;
          } else {
            const x = desired - counted;
            const a = (e.weight * x) / t;
            const b = (e.bonus * x) / t;
            addTo(weights, e.payee, a);
            if (e.bonusPayee !== null) addTo(weights, e.bonusPayee, b);
            counted = desired;
            sum += a + b;
          }
        }
      }
    }
    return links === 0 ? EMPTY : { weights, total: sum, links, entries };
  }

  /** A window whose top is `start`, reusing the cheapest cached one. */
  private windowAt(start: ShareHash): Window {
    const loc = this.source.locate(start)!;
    let best: { w: Window; pushes: number; pops: number } | undefined;
    for (const w of this.windows) {
      const plan = this.plan(w, start, loc);
      if (plan && (!best || plan.pops + plan.pushes < best.pops + best.pushes)) best = { w, ...plan };
    }
    if (best && best.pops + best.pushes <= Math.max(64, best.w.links.length)) {
      for (let i = 0; i < best.pops; i++) best.w.remove(true);
      const ops: ShareHash[] = [];
      for (let i = 0, cur = start; i < best.pushes; i++, cur = this.source.windowLink(cur)!.prevHash!) ops.push(cur);
      for (let i = ops.length - 1; i >= 0; i--) best.w.add(this.source.windowLink(ops[i]!)!, true);
      return best.w;
    }
    const fresh = new Window();
    if (this.windows.length >= this.capacity) {
      this.windows.sort((a, b) => a.lastUsed - b.lastUsed);
      this.windows.shift();
    }
    this.windows.push(fresh);
    fresh.add(this.source.windowLink(start)!, true);
    return fresh;
  }

  /**
   * How to move window `w`'s top to `start`: pop `pops` links off the top (down to the common
   * ancestor), then push `pushes` links. Undefined when not possible (another component, or the
   * common ancestor lies below the window).
   */
  private plan(w: Window, start: ShareHash, loc: { comp: unknown; depth: number }): { pushes: number; pops: number } | undefined {
    const top = w.links.top();
    if (!top) return undefined;
    const tloc = this.source.locate(top.hash);
    if (!tloc || tloc.comp !== loc.comp) return undefined;
    let a = start;
    let b = top.hash;
    let da = loc.depth;
    let db = tloc.depth;
    if (da > db) {
      a = this.source.nthParent(a, da - db);
      da = db;
    } else if (db > da) {
      if (db - da >= w.links.length) return undefined;
      b = this.source.nthParent(b, db - da);
      db = da;
    }
    if (a !== b) {
      let lo = 1;
      let hi = w.links.length - (tloc.depth - db) - 1;
      if (hi < 1 || this.source.nthParent(a, hi) !== this.source.nthParent(b, hi)) return undefined;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.source.nthParent(a, mid) === this.source.nthParent(b, mid)) hi = mid;
        else lo = mid + 1;
      }
      da -= lo;
    }
    const pops = tloc.depth - da;
    if (pops >= w.links.length) return undefined;
    return { pushes: loc.depth - da, pops };
  }
}
