/**
 * The payout variance of a miner with pool fraction f against the PPLNS formula derived in
 * docs/simulate.md#payout-variance. Periods of fixed length with mu expected pool blocks, S
 * expected shares per block (q = 1/S), a window of X blocks' work (N = X*S shares), c = 1 -
 * X/(3 mu) for windows reaching over a period's ends:
 *
 *   CV^2 = (1/mu) [ (1 - q)(1 + (1 - f)/(f X S)) + ((1 - f) c + f)/(f S) ]
 *
 * which tends to the (1/mu)[1 + (1 + 1/X)(1 - f)/(f S)] for small q and long periods.
 * One node (every share at the same target), X = 1 (SPREAD 1), S ~ 18.5, mu ~ 4, 250 periods of
 * 20,000 replicates' block draws each. Tolerance: 3 standard errors from batch means over the
 * periods (the part of the variance that comes from the share history is what limits it).
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/sim/scenario.js';
import { simulate, testRules, POOL_HASHRATE } from './theory-scenarios.js';

describe('PPLNS payout variance', () => {
  it('matches the formula at f = 0.05 and f = 0.25', () => {
    const shares = 20_000;
    const interval = 9.26; // the measured share interval of this setup (the retarget's equilibrium)
    const S = 20;
    const mu = 4;
    const sc = parseScenario({
      name: 'payout variance',
      rules: testRules(1),
      duration: shares * interval,
      parentChain: { difficulty: (S * POOL_HASHRATE * interval) / 2 ** 32, blockReward: 50, blockInterval: '100 d' },
      nodes: { count: 1 },
      miners: [{ hashrate: 0.05 * POOL_HASHRATE }, { hashrate: 0.25 * POOL_HASHRATE }, { hashrate: 0.7 * POOL_HASHRATE }],
      report: { replicates: 20_000, period: mu * S * interval },
    });
    const run = simulate(sc, { seed: 1 });
    const L = run.ledger;
    let found = 0;
    let expectedBlocks = 0;
    for (let i = run.firstFound; i < L.size; i++) {
      found++;
      expectedBlocks += L.pBlock[i]!;
    }
    const sObs = found / expectedBlocks;
    const muObs = expectedBlocks / run.mc.placements.length;
    expect(run.mc.placements.length).toBe(250);
    const all = run.mc.minerStats(3);
    const batches = run.mc.minerStatsByBatch(3, 10);
    for (const [m, f] of [[0, 0.05], [1, 0.25]] as const) {
      const q = 1 / sObs;
      const X = 1;
      const c = 1 - X / (3 * muObs);
      const theory = (1 / muObs) * ((1 - q) * (1 + (1 - f) / (f * X * sObs)) + ((1 - f) * c + f) / (f * sObs));
      const cv2 = all[m]!.cv! ** 2;
      const b = batches.map((s) => s[m]!.cv! ** 2);
      const mean = b.reduce((x, y) => x + y, 0) / b.length;
      const stdErr = Math.sqrt(b.reduce((x, y) => x + (y - mean) ** 2, 0) / (b.length - 1) / b.length);
      expect(Math.abs(cv2 - theory)).toBeLessThan(3 * stdErr);
      expect(stdErr / theory).toBeLessThan(0.05);
      // The pool-luck floor holds for any pool that pays from found blocks.
      expect(cv2).toBeGreaterThan(1 / muObs);
    }
  }, 300_000);
});
