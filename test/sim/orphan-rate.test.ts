/**
 * The v35 orphan rate against theory (docs/simulate.md#orphan-rate): N equal nodes on a full
 * mesh with one-way latency d, share period T, no node-to-miner or restart delay, so every
 * lost share is an orphan. With x = d/T, v35's chain choice (longest chain, then first seen)
 * gives p = (1 - 1/N) * x / (1 + x): x/(1+x) is exact for many nodes (a share is on the chain
 * iff no chain share was found in the d before it: the chain grows at rate 1/(T + d)), and
 * (1 - 1/N) is the share of races a node's own next share does not win; checked against an
 * idealized model to ~1% (docs). The issue's first-order 1 - e^(-x) is within 1-5% of x/(1+x).
 *
 * T is the run's measured mean share interval (the retarget settles a little below the
 * nominal 10 s). Each run is sized for the test suite's time budget: ~950 orphans at x = 0.1
 * (10% = 3.1 standard errors) and ~750 at x = 0.03 (2.7); x = 0.01 is in orphan-rate-small.test.ts.
 * The seed is fixed, so the outcome is too; bench/sim.ts runs larger samples.
 */
import { describe, expect, it } from 'vitest';
import { orphanCheck } from './theory-scenarios.js';

describe('v35 orphan rate vs theory', () => {
  for (const [x, shares, sigmas] of [[0.1, 12_500, 2.9], [0.03, 30_000, 2.5]] as const) {
    it(`d/T = ${x}: within 10% of (1 - 1/N) x/(1+x)`, () => {
      const r = orphanCheck(x, shares);
      expect(r.stdErr).toBeLessThan(0.1 / sigmas);
      expect(Math.abs(r.measured / r.theory - 1)).toBeLessThan(0.1);
    }, 300_000);
  }
});
