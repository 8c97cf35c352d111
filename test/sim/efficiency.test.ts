/**
 * With zero latency and no miner delays nothing is orphaned or dead, so PPLNS pays each miner
 * its share of the work: efficiency (expected payout share / hash-rate share, as report.json
 * states it) is 1 up to the noise of how many shares each miner happened to find. Two equal
 * miners on two nodes, 25,000 shares: that noise is 1/sqrt(25,000) = 0.63%, so 2% is over 3
 * standard errors. Blocks are made common (about one per 40 shares) so the run also goes
 * through the block path (submission, parent chain, new templates) many times.
 */
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../src/sim/report.js';
import { fates, scenario, simulate, SHARE_PERIOD, POOL_HASHRATE } from './theory-scenarios.js';

describe('efficiency at zero latency', () => {
  it('is 1 within 2% for every miner', () => {
    const shares = 25_000;
    const sc = scenario({
      name: 'zero latency',
      duration: shares * SHARE_PERIOD * 0.93,
      // ~40 shares of ~9.3e12 hashes per block.
      parentChain: { difficulty: (40 * 9.3e12) / 2 ** 32, blockReward: 50, blockInterval: '100 d' },
      nodes: { count: 2 },
      links: { latency: 0 },
      miners: [{ count: 2, hashrate: POOL_HASHRATE / 2, node: 'round-robin' }],
    });
    const run = simulate(sc, { seed: 1 });
    const c = fates(run);
    expect(c.orphan + c.dead).toBe(0);
    expect(c.found).toBeGreaterThan(23_000);
    const report = buildReport(run, { runSeconds: 0, peakRssBytes: 0 });
    expect(report.blocks.length).toBeGreaterThan(400);
    for (const m of report.miners) {
      expect(m.shares.found).toBeGreaterThan(0.45 * c.found);
      expect(Math.abs(m.efficiency! - 1)).toBeLessThan(0.02);
    }
    // Realized blocks pay out in proportion too, only noisier.
    const realized = report.miners.map((m) => m.realizedPayoutSats);
    expect(Math.abs(realized[0]! / realized[1]! - 1)).toBeLessThan(0.15);
  }, 300_000);
});
