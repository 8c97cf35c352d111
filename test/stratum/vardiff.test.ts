import { describe, expect, it } from 'vitest';
import { Vardiff } from '../../src/stratum/vardiff.js';

/** Simulate a miner of `hashrate` (H/s) at a difficulty: expected seconds per pseudoshare. */
function secondsPerShare(hashrate: number, difficulty: number): number {
  return (difficulty * 2 ** 32) / hashrate;
}

describe('Vardiff', () => {
  it('converges on one pseudoshare every ~5 s for very different miners', () => {
    for (const hashrate of [1e4, 1e9, 1e14]) {
      let now = 0;
      const v = new Vardiff(1, now);
      for (let i = 0; i < 400; i++) {
        now += secondsPerShare(hashrate, v.current);
        v.onShare(now);
      }
      const interval = secondsPerShare(hashrate, v.current);
      expect(interval).toBeGreaterThan(2.5);
      expect(interval).toBeLessThan(10);
    }
  });

  it('lowers the difficulty of a miner that went quiet', () => {
    const v = new Vardiff(1000, 0);
    expect(v.onTick(10)).toBeNull();
    const lowered = v.onTick(31);
    expect(lowered).not.toBeNull();
    expect(lowered!).toBeLessThan(1000);
  });

  it('limits one retarget to a factor of 4', () => {
    const v = new Vardiff(1, 0);
    let next: number | null = null;
    for (let i = 1; i <= 12; i++) next = v.onShare(i * 0.001);
    expect(next).toBe(4);
  });
});
