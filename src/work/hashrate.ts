/**
 * Local hash-rate estimates from pseudoshares (the reference's _estimate_local_hash_rate uses
 * the last 50; we use a time window): each accepted pseudoshare of target T proves on average
 * 2**256/(T+1) hashes.
 *
 * Work is summed into 10-second buckets per miner, so memory is bounded by miners x buckets
 * however fast the miners submit (15,000 pseudoshares/s would otherwise be 9 million samples
 * in a 10-minute window).
 */
import { targetToWork } from '../bitcoin/target.js';

const BUCKET_MS = 10_000;

interface Bucket {
  start: number;
  work: number;
  count: number;
  /** miner -> [work, dead work, pseudoshares] */
  miners: Map<string, [number, number, number]>;
}

export interface MinerRates {
  /** Hashes per second, all work. */
  rate: number;
  /** Hashes per second of dead (stale/DOA) work. */
  deadRate: number;
}

export class HashrateEstimator {
  private readonly buckets: Bucket[] = [];
  private readonly workCache = new Map<bigint, number>();

  constructor(private readonly windowMs = 10 * 60_000) {}

  /** Record a pseudoshare found at `now` (ms) against `target`. */
  add(now: number, target: bigint, miner: string, dead: boolean): void {
    let work = this.workCache.get(target);
    if (work === undefined) {
      work = Number(targetToWork(target));
      if (this.workCache.size > 1024) this.workCache.clear();
      this.workCache.set(target, work);
    }
    const start = now - (now % BUCKET_MS);
    let b = this.buckets[this.buckets.length - 1];
    if (!b || b.start !== start) {
      b = { start, work: 0, count: 0, miners: new Map() };
      this.buckets.push(b);
      this.trim(now);
    }
    b.work += work;
    b.count++;
    const m = b.miners.get(miner);
    if (m) {
      m[0] += work;
      if (dead) m[1] += work;
      m[2]++;
    } else {
      b.miners.set(miner, [work, dead ? work : 0, 1]);
    }
  }

  private trim(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.buckets.length > 0 && this.buckets[0]!.start + BUCKET_MS <= cutoff) this.buckets.shift();
  }

  /** Node-wide hashes per second, or null with fewer than two pseudoshares in the window. */
  total(now: number): number | null {
    this.trim(now);
    let work = 0;
    let count = 0;
    for (const b of this.buckets) {
      work += b.work;
      count += b.count;
    }
    if (count < 2) return null;
    const span = Math.max(1, now - this.buckets[0]!.start) / 1000;
    return work / span;
  }

  /**
   * One miner's hashes per second over the time it has been seen in the window (at least
   * `minSpanMs`), or null with fewer than `minCount` pseudoshares: a miner that just connected is
   * measured over its own few minutes, not diluted over the whole window as perMiner() does.
   */
  minerRate(now: number, miner: string, minCount = 4, minSpanMs = 30_000): number | null {
    this.trim(now);
    let work = 0;
    let count = 0;
    let first: number | null = null;
    for (const b of this.buckets) {
      const m = b.miners.get(miner);
      if (!m) continue;
      first ??= b.start;
      work += m[0];
      count += m[2];
    }
    if (first === null || count < minCount) return null;
    return work / (Math.max(minSpanMs, now - first) / 1000);
  }

  /** Per-miner (username) rates over the window. */
  perMiner(now: number): Map<string, MinerRates> {
    this.trim(now);
    const out = new Map<string, MinerRates>();
    const span = this.windowMs / 1000;
    for (const b of this.buckets) {
      for (const [miner, [w, d]] of b.miners) {
        const r = out.get(miner) ?? { rate: 0, deadRate: 0 };
        r.rate += w / span;
        r.deadRate += d / span;
        out.set(miner, r);
      }
    }
    return out;
  }
}
