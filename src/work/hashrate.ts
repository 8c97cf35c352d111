/**
 * Local hash-rate estimates from pseudoshares (reference _estimate_local_hash_rate uses the
 * last 50; we use a time window): each accepted pseudoshare of target T proves on average
 * 2**256/(T+1) hashes.
 */
import { targetToWork } from '../bitcoin/target.js';

interface Sample {
  time: number;
  work: number;
  miner: string;
  dead: boolean;
}

export interface MinerRates {
  /** Hashes per second, all work. */
  rate: number;
  /** Hashes per second of dead (stale/DOA) work. */
  deadRate: number;
}

export class HashrateEstimator {
  private readonly samples: Sample[] = [];
  private head = 0;

  constructor(private readonly windowMs = 10 * 60_000) {}

  /** Record a pseudoshare found at `now` (ms) against `target`. */
  add(now: number, target: bigint, miner: string, dead: boolean): void {
    this.samples.push({ time: now, work: Number(targetToWork(target)), miner, dead });
    this.trim(now);
  }

  private trim(now: number): void {
    const cutoff = now - this.windowMs;
    while (this.head < this.samples.length && this.samples[this.head]!.time < cutoff) this.head++;
    if (this.head > 1024 && this.head * 2 > this.samples.length) {
      this.samples.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Node-wide hashes per second, or null with fewer than two samples. */
  total(now: number): number | null {
    this.trim(now);
    const n = this.samples.length - this.head;
    if (n < 2) return null;
    let work = 0;
    for (let i = this.head; i < this.samples.length; i++) work += this.samples[i]!.work;
    const span = Math.max(1, now - this.samples[this.head]!.time) / 1000;
    return work / span;
  }

  /** Per-miner (username) rates over the window. */
  perMiner(now: number): Map<string, MinerRates> {
    this.trim(now);
    const out = new Map<string, MinerRates>();
    const span = this.windowMs / 1000;
    for (let i = this.head; i < this.samples.length; i++) {
      const s = this.samples[i]!;
      const r = out.get(s.miner) ?? { rate: 0, deadRate: 0 };
      r.rate += s.work / span;
      if (s.dead) r.deadRate += s.work / span;
      out.set(s.miner, r);
    }
    return out;
  }
}
