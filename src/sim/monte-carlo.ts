/**
 * Payout over fixed periods by Monte Carlo (docs/simulate.md#payout-over-periods-the-monte-carlo).
 * The run gives one sharechain history: every share found, its target and the coinbase a block at it would
 * pay. Which shares are blocks is an independent draw per share (probability
 * blockTarget/shareTarget), so it can be drawn again, many times, over the same history:
 *
 * - the run (after the warm-up) is cut into `placements` consecutive periods;
 * - each placement gets `perPlacement` replicates; in each, every share of the period is a
 *   block with its own probability, and a miner's payout in the replicate is the sum of what
 *   those blocks pay it;
 * - per miner: the mean, standard deviation (so the CV) and the fraction of replicates that
 *   paid nothing, over all replicates of all placements.
 *
 * Draws are exact Bernoulli trials per (share, replicate), done by skipping to the next success
 * (geometric gaps), so the cost is per block drawn, not per trial. Only the coinbases of shares
 * drawn at least once are kept.
 *
 * Limit: replicates re-draw blocks, not shares. With a single placement (run = period) the
 * miners' share counts in the period are this run's, so the CV misses the part of the variance
 * that comes from how many shares a miner finds in a period; with many placements over a long
 * run that part is sampled. docs/simulate.md says how to read both.
 */
import type { Prng } from './prng.js';

/** A coinbase kept for the replicates: which miners it pays and how much (satoshis). */
export interface CompactCoinbase {
  miners: Int32Array;
  amounts: Float64Array;
}

export interface MinerPeriodStats {
  /** Mean payout per period, satoshis. */
  mean: number;
  /** Standard deviation / mean (null when the mean is 0). */
  cv: number | null;
  /** Fraction of replicates (periods) that paid the miner nothing. */
  zeroFraction: number;
}

export class PeriodMonteCarlo {
  /** Per placement, per replicate: the coinbases (indexes into `kept`) that were blocks. */
  private readonly hits: number[][][];
  private readonly kept: CompactCoinbase[] = [];
  /** The periods the run is cut into (virtual ms). */
  readonly placements: Array<{ start: number; end: number }>;
  readonly perPlacement: number;

  constructor(
    start: number,
    end: number,
    period: number,
    totalReplicates: number,
    private readonly rng: Prng,
  ) {
    const count = Math.max(1, Math.floor((end - start) / period + 1e-9));
    const len = Math.min(period, end - start);
    this.placements = Array.from({ length: count }, (_, i) => ({ start: start + i * len, end: start + (i + 1) * len }));
    this.perPlacement = totalReplicates === 0 ? 0 : Math.max(1, Math.round(totalReplicates / count));
    this.hits = this.placements.map(() => Array.from({ length: this.perPlacement }, () => []));
  }

  get replicates(): number {
    return this.perPlacement * this.placements.length;
  }

  private placementOf(t: number): number {
    // Placements are consecutive and equal: index by arithmetic, then check the bounds.
    if (this.placements.length === 0) return -1;
    const first = this.placements[0]!;
    const len = first.end - first.start;
    const i = Math.floor((t - first.start) / len);
    return i >= 0 && i < this.placements.length && t >= this.placements[i]!.start && t < this.placements[i]!.end ? i : -1;
  }

  /**
   * A share found at `t` that is a block with probability `p`: draw it in every replicate of its
   * placement. `coinbase` is called only if it is drawn at least once.
   */
  consider(t: number, p: number, coinbase: () => CompactCoinbase): void {
    if (!(p > 0) || this.perPlacement === 0) return;
    const k = this.placementOf(t);
    if (k < 0) return;
    const reps = this.hits[k]!;
    let slot = -1;
    for (let r = this.rng.geometric(p); r < reps.length; r += 1 + this.rng.geometric(p)) {
      if (slot < 0) {
        slot = this.kept.length;
        this.kept.push(coinbase());
      }
      reps[r]!.push(slot);
    }
  }

  /** Blocks drawn per replicate (all placements). */
  blocksPerReplicate(): number[] {
    const out: number[] = [];
    for (const reps of this.hits) for (const r of reps) out.push(r.length);
    return out;
  }

  /** Per-miner statistics over all replicates; `miners` is the number of miners. */
  minerStats(miners: number): MinerPeriodStats[] {
    return this.statsOver(miners, this.hits);
  }

  /**
   * The same statistics for `batches` contiguous groups of placements (batch means: the spread
   * between batches measures the Monte Carlo error of minerStats).
   */
  minerStatsByBatch(miners: number, batches: number): MinerPeriodStats[][] {
    const n = Math.min(batches, this.hits.length);
    return Array.from({ length: n }, (_, b) =>
      this.statsOver(miners, this.hits.slice(Math.floor((b * this.hits.length) / n), Math.floor(((b + 1) * this.hits.length) / n))));
  }

  private statsOver(miners: number, placements: number[][][]): MinerPeriodStats[] {
    const sum = new Float64Array(miners);
    const sumSq = new Float64Array(miners);
    const paid = new Float64Array(miners);
    const scratch = new Float64Array(miners);
    const touched: number[] = [];
    let n = 0;
    for (const reps of placements) {
      for (const blocks of reps) {
        n++;
        for (const slot of blocks) {
          const cb = this.kept[slot]!;
          for (let i = 0; i < cb.miners.length; i++) {
            const m = cb.miners[i]!;
            if (scratch[m] === 0) touched.push(m);
            scratch[m]! += cb.amounts[i]!;
          }
        }
        for (const m of touched) {
          const x = scratch[m]!;
          if (x > 0) {
            sum[m]! += x;
            sumSq[m]! += x * x;
            paid[m]! += 1;
          }
          scratch[m] = 0;
        }
        touched.length = 0;
      }
    }
    return Array.from({ length: miners }, (_, m) => {
      if (n === 0) return { mean: 0, cv: null, zeroFraction: 1 };
      const mean = sum[m]! / n;
      const variance = Math.max(0, sumSq[m]! / n - mean * mean);
      return { mean, cv: mean > 0 ? Math.sqrt(variance) / mean : null, zeroFraction: 1 - paid[m]! / n };
    });
  }

  /**
   * Pooled over a group of miners, each payout divided by the miner's hash rate (so miners of
   * somewhat different sizes can be pooled): CV and zero fraction of the mixture. Pooling
   * miners of one size samples different share histories, which a single miner's replicates
   * cannot (see the file comment).
   */
  pooledStats(members: readonly number[], hashrates: readonly number[]): { cv: number | null; zeroFraction: number; samples: number } {
    if (members.length === 0) return { cv: null, zeroFraction: 1, samples: 0 };
    const inGroup = new Map(members.map((m) => [m, hashrates[m]!]));
    const scratch = new Map<number, number>();
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    let zero = 0;
    for (const reps of this.hits) {
      for (const blocks of reps) {
        scratch.clear();
        for (const slot of blocks) {
          const cb = this.kept[slot]!;
          for (let i = 0; i < cb.miners.length; i++) {
            const h = inGroup.get(cb.miners[i]!);
            if (h !== undefined) scratch.set(cb.miners[i]!, (scratch.get(cb.miners[i]!) ?? 0) + cb.amounts[i]! / h);
          }
        }
        for (const m of members) {
          const y = scratch.get(m) ?? 0;
          n++;
          sum += y;
          sumSq += y * y;
          if (y === 0) zero++;
        }
      }
    }
    if (n === 0) return { cv: null, zeroFraction: 1, samples: 0 };
    const mean = sum / n;
    const variance = Math.max(0, sumSq / n - mean * mean);
    return { cv: mean > 0 ? Math.sqrt(variance) / mean : null, zeroFraction: zero / n, samples: n };
  }
}
