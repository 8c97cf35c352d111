/**
 * Efficiency against the work found (docs/simulate.md#efficiency-against-the-work-found): what a
 * miner was paid, against what an ideal pay-per-last-D-seconds pool would have paid the work the
 * miner actually found, over the same candidate blocks. Luck in finding shares is the same under
 * any rules; comparing with the work a miner really found takes it out, so what is left measures
 * the rules.
 *
 * Pure: the engine (simulator.ts) logs every share's found work and every candidate block as the
 * run goes (WorkLog, a few typed columns, no per-share objects); `idealPayouts` then computes, for
 * every miner m,
 *
 *     ideal_m = Σ_s v_s · W_m(s) / W(s)
 *
 * over the candidates s (v_s = p_s · T_s: the share's chance to be a block times the satoshis its
 * coinbase pays simulated miners), where W(s) is the work found by all miners at times in
 * (t_s - D, t_s] and W_m(s) miner m's part of it. Exchanging the sums, with q_s = v_s / W(s),
 *
 *     ideal_m = Σ_{j found by m} w_j · Q(t_j),   Q(t) = Σ_{s: t <= t_s < t + D} q_s,
 *
 * (j is in s's window iff t_s - D < t_j <= t_s iff t_j <= t_s < t_j + D), so the whole is two
 * sorts, two prefix sums and a binary search per share: O(n log n).
 */

type TypedColumn = Float64Array | Int32Array;

/** A growable column of numbers in a typed array (doubled when full), Float64Array or Int32Array. */
class Column<T extends TypedColumn> {
  length = 0;
  constructor(private a: T) {}
  push(x: number): void {
    if (this.length === this.a.length) {
      const b = new (this.a.constructor as new (n: number) => T)(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.length++] = x;
  }
  view(): T {
    return this.a.subarray(0, this.length) as T;
  }
}
const doubles = (): Column<Float64Array> => new Column(new Float64Array(1024));
const ints = (): Column<Int32Array> => new Column(new Int32Array(1024));

/** Work found by miners: one entry per share (time in ms, the miner it pays, its work in hashes). */
export interface FoundWork {
  time: ArrayLike<number>;
  miner: ArrayLike<number>;
  work: ArrayLike<number>;
}

/**
 * Candidate blocks: one entry per share weighed (time in ms, v = p · T in satoshis, its time
 * batch). Batches must not decrease with time (they are consecutive spans of time).
 */
export interface CandidateBlocks {
  time: ArrayLike<number>;
  value: ArrayLike<number>;
  batch: ArrayLike<number>;
}

/** What the engine logs during a run, for `idealPayouts`. */
export class WorkLog {
  private readonly wTime = doubles();
  private readonly wMiner = ints();
  private readonly wWork = doubles();
  private readonly cTime = doubles();
  private readonly cValue = doubles();
  private readonly cBatch = ints();

  /** A share found at `timeMs` whose work (`work` hashes) pays miner `miner`. */
  addWork(timeMs: number, miner: number, work: number): void {
    this.wTime.push(timeMs);
    this.wMiner.push(miner);
    this.wWork.push(work);
  }

  /** A candidate block at `timeMs` paying simulated miners `value` satoshis in expectation (p · T). */
  addCandidate(timeMs: number, value: number, batch: number): void {
    this.cTime.push(timeMs);
    this.cValue.push(value);
    this.cBatch.push(batch);
  }

  get found(): FoundWork {
    return { time: this.wTime.view(), miner: this.wMiner.view(), work: this.wWork.view() };
  }

  get candidates(): CandidateBlocks {
    return { time: this.cTime.view(), value: this.cValue.view(), batch: this.cBatch.view() };
  }
}

export interface IdealPayouts {
  /** The window D, ms. */
  windowMs: number;
  /** Per miner: the ideal payout over every candidate, satoshis. */
  perMiner: Float64Array;
  /** Per time batch, per miner: the same over the batch's candidates. */
  batches: Float64Array[];
  /** Σ v over the candidates: what the ideal pool hands out in all (= Σ perMiner, but for `unmatched`). */
  total: number;
  /** Σ v over candidates whose window held no found work (handed to nobody; 0 when every candidate's own work is logged). */
  unmatched: number;
}

/** Indices 0..n-1 ordered by `keys` ascending (ties by index, so the order is deterministic). */
function orderBy(keys: ArrayLike<number>): Uint32Array {
  const idx = new Uint32Array(keys.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  idx.sort((a, b) => keys[a]! - keys[b]! || a - b);
  return idx;
}

/** The first index i with xs[i] > x (xs ascending). */
export function upperBound(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first index i with xs[i] >= x (xs ascending). */
export function lowerBound(xs: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The ideal payout of every miner (see the file comment): `miners` miners, `batchCount` batches,
 * window `windowMs`.
 */
export function idealPayouts(found: FoundWork, cands: CandidateBlocks, windowMs: number, miners: number, batchCount: number): IdealPayouts {
  if (!(windowMs > 0)) throw new Error(`ideal payouts: the window must be positive (${windowMs} ms)`);
  // Found work in time order, and its prefix sums: W over (a, b] = cum[ub(b)] - cum[ub(a)].
  const n = found.time.length;
  const fo = orderBy(found.time);
  const ft = new Float64Array(n);
  const cum = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) {
    const j = fo[k]!;
    ft[k] = found.time[j]!;
    cum[k + 1] = cum[k]! + found.work[j]!;
  }
  // Candidates in time order, q_s = v_s / W(s), and the prefix sums of q.
  const c = cands.time.length;
  const co = orderBy(cands.time);
  const ct = new Float64Array(c);
  const cumQ = new Float64Array(c + 1);
  const batchLo = new Int32Array(batchCount).fill(-1);
  const batchHi = new Int32Array(batchCount).fill(-1);
  let total = 0;
  let unmatched = 0;
  let lastBatch = -1;
  for (let k = 0; k < c; k++) {
    const s = co[k]!;
    const t = cands.time[s]!;
    const v = cands.value[s]!;
    const b = cands.batch[s]!;
    if (!(b >= 0 && b < batchCount) || b < lastBatch) throw new Error(`ideal payouts: candidate batches must be in [0, ${batchCount}) and not decrease with time`);
    if (b !== lastBatch) batchLo[b] = k;
    batchHi[b] = k + 1;
    lastBatch = b;
    ct[k] = t;
    total += v;
    const w = cum[upperBound(ft, t)]! - cum[upperBound(ft, t - windowMs)]!;
    let q = 0;
    if (w > 0) q = v / w;
    else unmatched += v;
    cumQ[k + 1] = cumQ[k]! + q;
  }
  // Each share's work times Q over the candidates whose window holds it: [t_j, t_j + D).
  const perMiner = new Float64Array(miners);
  const batches = Array.from({ length: batchCount }, () => new Float64Array(miners));
  for (let j = 0; j < n; j++) {
    const t = found.time[j]!;
    const a = lowerBound(ct, t);
    const e = lowerBound(ct, t + windowMs);
    if (a >= e) continue;
    const m = found.miner[j]!;
    const w = found.work[j]!;
    perMiner[m]! += w * (cumQ[e]! - cumQ[a]!);
    for (let b = 0; b < batchCount; b++) {
      const lo = Math.max(a, batchLo[b]!);
      const hi = Math.min(e, batchHi[b]!);
      if (batchLo[b]! >= 0 && lo < hi) batches[b]![m]! += w * (cumQ[hi]! - cumQ[lo]!);
    }
  }
  return { windowMs, perMiner, batches, total, unmatched };
}

/**
 * The ratio Σ num / Σ den of per-batch sums, with its standard error from the batches' spread
 * (the ratio estimator's delta method: with R = Σ num / Σ den and residuals e_b = num_b - R den_b,
 * SE = √(B/(B-1) · Σ e_b²) / Σ den). Null without a positive denominator; the error null with
 * fewer than two batches.
 */
export function batchRatio(num: ArrayLike<number>, den: ArrayLike<number>): { value: number | null; stdError: number | null } {
  const B = num.length;
  let N = 0;
  let D = 0;
  for (let b = 0; b < B; b++) {
    N += num[b]!;
    D += den[b]!;
  }
  if (!(D > 0)) return { value: null, stdError: null };
  const R = N / D;
  if (B < 2) return { value: R, stdError: null };
  let ss = 0;
  for (let b = 0; b < B; b++) ss += (num[b]! - R * den[b]!) ** 2;
  return { value: R, stdError: Math.sqrt((B / (B - 1)) * ss) / D };
}
