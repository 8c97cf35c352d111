import { describe, expect, it } from 'vitest';
import { HashrateEstimator } from '../../src/work/hashrate.js';

describe('HashrateEstimator', () => {
  it('estimates a steady miner within a few percent and splits dead work', () => {
    const est = new HashrateEstimator(60_000);
    // Target 2**224 - 1: each pseudoshare is worth exactly 2**32 hashes.
    const target = (1n << 224n) - 1n;
    const rate = 2 ** 32 * 10; // ten pseudoshares per second
    let now = 1_000_000;
    for (let i = 0; i < 1200; i++) {
      est.add(now, target, i % 4 === 0 ? 'b' : 'a', i % 10 === 0);
      now += 100;
    }
    const total = est.total(now)!;
    expect(Math.abs(total / rate - 1)).toBeLessThan(0.1);
    const per = est.perMiner(now);
    expect(per.get('a')!.rate + per.get('b')!.rate).toBeGreaterThan(0);
    expect(per.get('b')!.rate / per.get('a')!.rate).toBeCloseTo(1 / 3, 1);
    expect(per.get('a')!.deadRate + per.get('b')!.deadRate).toBeGreaterThan(0);
  });

  it('forgets work older than the window and needs two samples', () => {
    const est = new HashrateEstimator(60_000);
    expect(est.total(0)).toBeNull();
    est.add(0, (1n << 224n) - 1n, 'a', false);
    est.add(5, (1n << 224n) - 1n, 'a', false);
    expect(est.total(10)).not.toBeNull();
    expect(est.total(10 * 60_000)).toBeNull();
    expect(est.perMiner(10 * 60_000).size).toBe(0);
  });
});
