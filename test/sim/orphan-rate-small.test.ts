/**
 * The v35 orphan rate at d/T = 0.01 (see orphan-rate.test.ts for the theory): ~0.8% of shares,
 * so 50,000 shares give ~430 orphans and 10% is 2.1 standard errors: as many as the suite's time
 * budget allows (the fixed seed makes the outcome fixed; bench/sim.ts checks a larger sample).
 * Its own file so that it runs beside the other theory tests.
 */
import { describe, expect, it } from 'vitest';
import { orphanCheck } from './theory-scenarios.js';

describe('v35 orphan rate vs theory, small latency', () => {
  it('d/T = 0.01: within 10% of (1 - 1/N) x/(1+x)', () => {
    const r = orphanCheck(0.01, 50_000);
    expect(r.stdErr).toBeLessThan(0.1 / 1.9);
    expect(Math.abs(r.measured / r.theory - 1)).toBeLessThan(0.1);
  }, 600_000);
});
