/**
 * The ideal payouts behind the efficiency against the work found (src/sim/work-efficiency.ts;
 * docs/simulate.md#efficiency-against-the-work-found): a hand-worked case (two miners, three
 * candidate blocks, window edges on both sides), the O(n log n) path against the definition summed
 * naively on random data, and the batch ratio's standard error.
 */
import { describe, expect, it } from 'vitest';
import { batchRatio, idealPayouts, WorkLog } from '../../src/sim/work-efficiency.js';

describe('ideal payouts (pay per last D seconds of the work found)', () => {
  it('matches a case worked by hand', () => {
    // Window D = 10 ms; a candidate s at t_s pays the work found in (t_s - 10, t_s].
    const log = new WorkLog();
    log.addWork(0, 0, 2); // A
    log.addWork(2, 0, 6); // A
    log.addWork(3, 1, 1); // B
    log.addWork(5, 0, 1); // A
    log.addWork(12, 1, 4); // B
    log.addWork(20, 1, 50); // B, after every candidate: in no window
    log.addCandidate(5, 10, 0); // s1: (-5, 5] holds A 2+6+1 = 9, B 1: A 9, B 1
    log.addCandidate(12, 30, 1); // s2: (2, 12] holds A 1 (t = 2 is out), B 1+4: A 5, B 25
    log.addCandidate(15, 6, 1); // s3: (5, 15] holds B 4 (t = 5 is out): B 6
    const r = idealPayouts(log.found, log.candidates, 10, 3, 2);
    expect([...r.perMiner]).toEqual([14, 32, 0]);
    expect([...r.batches[0]!]).toEqual([9, 1, 0]);
    expect([...r.batches[1]!]).toEqual([5, 31, 0]);
    expect(r.total).toBe(46);
    expect(r.unmatched).toBe(0);
  });

  it('leaves a candidate whose window holds no work unpaid, and says so', () => {
    const log = new WorkLog();
    log.addWork(0, 0, 1);
    log.addCandidate(1, 4, 0);
    log.addCandidate(100, 7, 0); // nothing found in (90, 100]
    const r = idealPayouts(log.found, log.candidates, 10, 1, 1);
    expect([...r.perMiner]).toEqual([4]);
    expect(r.total).toBe(11);
    expect(r.unmatched).toBe(7);
  });

  it('equals the definition summed naively, on random data (any order of logging)', () => {
    let seed = 99;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (const integerTimes of [true, false]) {
      const miners = 7;
      const B = 4;
      const D = 50;
      const span = 400;
      const found = { time: [] as number[], miner: [] as number[], work: [] as number[] };
      const cands = { time: [] as number[], value: [] as number[], batch: [] as number[] };
      const time = (lo: number, hi: number): number => (integerTimes ? lo + Math.floor(rand() * (hi - lo)) : lo + rand() * (hi - lo));
      for (let j = 0; j < 600; j++) {
        found.time.push(time(-D, span));
        found.miner.push(Math.floor(rand() * miners));
        found.work.push(1 + Math.floor(rand() * 1000));
      }
      for (let s = 0; s < 300; s++) {
        const t = time(0, span);
        cands.time.push(t);
        cands.value.push(rand() * 1e6);
        cands.batch.push(Math.min(B - 1, Math.floor((t / span) * B)));
      }
      const log = new WorkLog();
      found.time.forEach((t, j) => log.addWork(t, found.miner[j]!, found.work[j]!));
      cands.time.forEach((t, s) => log.addCandidate(t, cands.value[s]!, cands.batch[s]!));
      const fast = idealPayouts(log.found, log.candidates, D, miners, B);
      // The definition: for every candidate, its value split by the work found in (t - D, t].
      const naive = Array.from({ length: B }, () => new Array<number>(miners).fill(0));
      cands.time.forEach((ts, s) => {
        let W = 0;
        const Wm = new Array<number>(miners).fill(0);
        found.time.forEach((tj, j) => {
          if (tj > ts - D && tj <= ts) {
            W += found.work[j]!;
            Wm[found.miner[j]!]! += found.work[j]!;
          }
        });
        for (let m = 0; m < miners; m++) if (W > 0) naive[cands.batch[s]!]![m]! += (cands.value[s]! * Wm[m]!) / W;
      });
      for (let m = 0; m < miners; m++) {
        const all = naive.reduce((a, b) => a + b[m]!, 0);
        expect(fast.perMiner[m]!).toBeGreaterThan(0);
        expect(Math.abs(fast.perMiner[m]! / all - 1)).toBeLessThan(1e-9);
        for (let b = 0; b < B; b++) expect(Math.abs(fast.batches[b]![m]! - naive[b]![m]!)).toBeLessThanOrEqual(1e-9 * all);
      }
      // Every candidate here has work in its window: the ideal hands out exactly the candidates' value.
      const total = cands.value.reduce((a, v) => a + v, 0);
      expect(Math.abs(fast.perMiner.reduce((a, x) => a + x, 0) / total - 1)).toBeLessThan(1e-12);
      expect(fast.unmatched).toBe(0);
    }
  });

  it('refuses batches that go back in time', () => {
    const log = new WorkLog();
    log.addWork(0, 0, 1);
    log.addCandidate(1, 1, 1);
    log.addCandidate(2, 1, 0);
    expect(() => idealPayouts(log.found, log.candidates, 10, 1, 2)).toThrow(/not decrease/);
  });
});

describe('batch ratio', () => {
  it('is the ratio of the sums, with the delta-method error from the batches', () => {
    // R = 3/2; residuals 1 - 1.5 and 2 - 1.5: √(2/1 · 0.5) / 2 = 0.5.
    const r = batchRatio([1, 2], [1, 1]);
    expect(r.value).toBe(1.5);
    expect(r.stdError).toBeCloseTo(0.5, 12);
    // Batches in exact proportion: no spread, no error.
    expect(batchRatio([2, 4, 6], [1, 2, 3])).toEqual({ value: 2, stdError: 0 });
    expect(batchRatio([1], [2])).toEqual({ value: 0.5, stdError: null });
    expect(batchRatio([1, 1], [0, 0])).toEqual({ value: null, stdError: null });
  });

  it('gives the error of a ratio of noisy batch sums (its spread over many draws)', () => {
    // 10 batches, num_b = 2 den_b + noise of sd 1 with den_b = 10: SE of R ≈ √10 / 100 = 0.0316.
    let seed = 5;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const normal = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const rs: number[] = [];
    const ses: number[] = [];
    for (let k = 0; k < 2000; k++) {
      const den = new Array<number>(10).fill(10);
      const num = den.map((d) => 2 * d + normal());
      const r = batchRatio(num, den);
      rs.push(r.value!);
      ses.push(r.stdError!);
    }
    const mean = rs.reduce((a, x) => a + x, 0) / rs.length;
    const sd = Math.sqrt(rs.reduce((a, x) => a + (x - mean) ** 2, 0) / (rs.length - 1));
    const rms = Math.sqrt(ses.reduce((a, x) => a + x * x, 0) / ses.length);
    expect(Math.abs(mean - 2)).toBeLessThan(0.003);
    expect(Math.abs(sd / 0.0316 - 1)).toBeLessThan(0.06);
    expect(Math.abs(rms / sd - 1)).toBeLessThan(0.06);
  });
});
