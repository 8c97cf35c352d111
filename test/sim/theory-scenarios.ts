/**
 * Small, fast scenarios for the theory tests (docs/simulate.md#theory-and-the-tests-that-hold-the-simulator-to-it): regtest's v35
 * network with a short chain (CHAIN_LENGTH = REAL_CHAIN_LENGTH = TARGET_LOOKBEHIND = 100) and
 * 10 s shares, a 1 TH/s pool, no parent-chain blocks by anyone else. The look-behind stays at
 * 100 shares: with 20 the retarget's noise makes share arrivals bursty enough to raise the
 * orphan rate by ~7% (measured), which is the retarget's doing, not the chain choice's.
 */
import { expect } from 'vitest';
import { parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { simulate, type RunData } from '../../src/sim/simulator.js';

export const SHARE_PERIOD = 10;
export const POOL_HASHRATE = 1e12;

export function testRules(spread = 3): Record<string, unknown> {
  return {
    name: 'v35',
    network: 'regtest',
    overrides: { sharePeriod: SHARE_PERIOD, chainLength: 100, realChainLength: 100, targetLookbehind: 100, spread },
  };
}

export function scenario(raw: Record<string, unknown>): Scenario {
  return parseScenario({
    rules: testRules(),
    // Hard enough that no share is a block unless a test wants blocks.
    parentChain: { difficulty: 1e12, blockReward: 50, blockInterval: '100 d' },
    report: { replicates: 0 },
    ...raw,
  });
}

/** Fates of the shares found in the run (the start chain excluded). */
export function fates(run: RunData): { found: number; chain: number; orphan: number; dead: number } {
  const c = { found: 0, chain: 0, orphan: 0, dead: 0 };
  for (let i = run.firstFound; i < run.ledger.size; i++) {
    c.found++;
    const f = run.ledger.fates[i]!;
    if (f === 'chain') c.chain++;
    else if (f === 'orphan') c.orphan++;
    else if (f === 'dead') c.dead++;
  }
  return c;
}

export { simulate };

const ORPHAN_NODES = 5;

/**
 * ORPHAN_NODES equal nodes (one 0.2 TH/s miner each, no miner delays) on a full mesh with
 * one-way latency x * SHARE_PERIOD; about `shares` shares. Returns the orphan rate, the theory
 * (1 - 1/N) x/(1+x) with x from the measured share interval, and the orphan count's relative
 * standard error.
 */
export function orphanCheck(x: number, shares: number): { measured: number; theory: number; stdErr: number; found: number } {
  const sc = scenario({
    name: `orphans x=${x}`,
    duration: shares * SHARE_PERIOD * 0.93,
    nodes: { count: ORPHAN_NODES },
    links: { latency: x * SHARE_PERIOD },
    miners: [{ count: ORPHAN_NODES, hashrate: POOL_HASHRATE / ORPHAN_NODES, node: 'round-robin' }],
  });
  const run = simulate(sc, { seed: 1 });
  const c = fates(run);
  expect(c.dead).toBe(0);
  const T = sc.duration / c.found;
  const xr = (x * SHARE_PERIOD) / T;
  const theory = ((1 - 1 / ORPHAN_NODES) * xr) / (1 + xr);
  return { measured: c.orphan / c.found, theory, stdErr: 1 / Math.sqrt(c.orphan), found: c.found };
}
