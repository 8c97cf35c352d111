/**
 * Scenario files and the simulator's building blocks: units, validation with errors that name
 * the field, sweeps, the seeded PRNG, the event queue's order, Zipf hash rates and FIFO links.
 */
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../src/sim/event-queue.js';
import { Links } from '../../src/sim/links.js';
import { zipfHashrates } from '../../src/sim/population.js';
import { Prng } from '../../src/sim/prng.js';
import { parseScenario, parseScenarioFile } from '../../src/sim/scenario.js';
import { parseDuration, parseHashrate } from '../../src/sim/units.js';

const base = {
  rules: { name: 'v35', network: 'bitcoin' },
  duration: '1 d',
  parentChain: { difficulty: 1.2e14, blockReward: 3.125 },
  nodes: { count: 3 },
  miners: [{ count: 2, hashrate: '14 TH/s' }],
};

describe('units', () => {
  it('parses durations and hash rates with their units', () => {
    expect(parseDuration('250 ms', 'x')).toBe(0.25);
    expect(parseDuration('30 d', 'x')).toBe(30 * 86400);
    expect(parseDuration(12, 'x')).toBe(12);
    expect(parseHashrate('25 PH/s', 'x')).toBe(25e15);
    expect(parseHashrate('0.5TH/s', 'x')).toBe(0.5e12);
    expect(() => parseDuration('3 weeks', 'links.latency')).toThrow(/links\.latency: expected a duration/);
    expect(() => parseHashrate('5 TH', 'miners[0].hashrate')).toThrow(/miners\[0\]\.hashrate/);
  });
});

describe('scenario files', () => {
  it('normalizes a scenario with defaults', () => {
    const sc = parseScenario(base);
    expect(sc.nodes).toHaveLength(3);
    expect(sc.parentChain.blockReward).toBe(312_500_000);
    expect(sc.report.period).toBe(86400);
    expect(sc.options.verifyCache).toBe(true);
    expect(sc.links.topology).toEqual({ kind: 'full' });
  });

  it('names the field of every error', () => {
    expect(() => parseScenario({ ...base, rules: { name: 'p2pool-v99', network: 'bitcoin' } })).toThrow(/rules\.name: unknown rules "p2pool-v99"/);
    // Each rule set takes only its own networks, overrides and miner fields.
    expect(() => parseScenario({ ...base, rules: { name: 'fair', network: 'bitcoin' } })).toThrow(/rules\.network: unknown network "bitcoin" for the fair rules/);
    expect(() => parseScenario({ ...base, rules: { name: 'v35', network: 'bitcoin-fair' } })).toThrow(/rules\.network: unknown network "bitcoin-fair" for the v35 rules/);
    expect(() => parseScenario({ ...base, rules: { name: 'fair', network: 'regtest-fair', overrides: { sharePeriod: 10 } } })).toThrow(/rules\.overrides/);
    expect(() => parseScenario({ ...base, miners: [{ hashrate: '1 TH/s', maxOutputs: 11 }] })).toThrow(/miners\[0\]\.maxOutputs: only the fair rules/);
    expect(() => parseScenario({ ...base, rules: { name: 'fair', network: 'regtest-fair' }, miners: [{ hashrate: '1 TH/s', maxOutputs: 1 }] })).toThrow(/maxOutputs/);
    expect(() => parseScenario({ ...base, nodes: { count: 0 } })).toThrow(/nodes\.count/);
    expect(() => parseScenario({ ...base, miners: [{ count: 2, hashrate: '1 TH/s', node: 7 }] })).toThrow(/miners\[0\]\.node/);
    expect(() => parseScenario({ ...base, links: { latency: { uniform: ['300 ms', '20 ms'] } } })).toThrow(/links\.latency\.uniform: the upper bound/);
    expect(() => parseScenario({ ...base, typo: 1 })).toThrow(/unknown field "typo"/);
    expect(() => parseScenario({ ...base, warmup: '2 d' })).toThrow(/warmup: must be shorter/);
    expect(() => parseScenario({ ...base, miners: [{ count: 2, hashrate: { zipf: { min: '1 TH/s', max: '2 TH/s', total: '1 PH/s' } } }] })).not.toThrow();
  });

  it('expands a sweep into one scenario per value', () => {
    const f = parseScenarioFile({ ...base, name: 'lat', sweep: { parameter: 'links.latency', values: ['0 ms', '1 s'] } });
    expect(f.scenarios.map((s) => s.links.latency)).toEqual([{ kind: 'fixed', value: 0 }, { kind: 'fixed', value: 1 }]);
    expect(f.scenarios[1]!.name).toBe('lat [links.latency=1 s]');
    expect(() => parseScenarioFile({ ...base, sweep: { parameter: 'links.latency', values: ['soon'] } })).toThrow(/sweep\.values\[0\]: links\.latency/);
  });
});

describe('building blocks', () => {
  it('the PRNG is seeded, forks independent streams and draws bigints uniformly', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    expect(Array.from({ length: 5 }, () => a.u32())).toEqual(Array.from({ length: 5 }, () => b.u32()));
    expect(new Prng(42).fork('x').u32()).not.toBe(new Prng(42).fork('y').u32());
    const r = new Prng(1);
    const max = (1n << 200n) + 12345n;
    let low = 0;
    for (let i = 0; i < 4000; i++) {
      const v = r.bigintUpTo(max);
      expect(v >= 0n && v <= max).toBe(true);
      if (v <= max / 2n) low++;
    }
    // Half fall in the lower half: 2000 +- 3 standard errors (sqrt(1000) = 32).
    expect(Math.abs(low - 2000)).toBeLessThan(100);
  });

  it('the event queue runs by time, then in scheduling order', () => {
    const q = new EventQueue<string>();
    q.push(5, 'c');
    q.push(1, 'a');
    q.push(5, 'd');
    q.push(3, 'b');
    const out: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) out.push(e.event);
    expect(out).toEqual(['a', 'b', 'c', 'd']);
  });

  it('Zipf hash rates meet min, max and total', () => {
    const h = zipfHashrates(1000, 0.5e12, 2e15, 25e15);
    expect(h[0]).toBe(2e15);
    expect(h[999]).toBe(0.5e12);
    expect(h.reduce((a, b) => a + b, 0) / 25e15).toBeCloseTo(1, 6);
    for (let i = 1; i < h.length; i++) expect(h[i]!).toBeLessThanOrEqual(h[i - 1]!);
    expect(() => zipfHashrates(10, 1e12, 2e12, 1e15)).toThrow(/can sum to between/);
  });

  it('links deliver in order even when jitter would reorder', () => {
    const sc = parseScenario({ ...base, links: { latency: '100 ms', jitter: { uniform: ['0 ms', '500 ms'] } } });
    const links = new Links(sc, new Prng(3));
    expect(links.of.map((l) => l.map((x) => x.peer))).toEqual([[1, 2], [0, 2], [0, 1]]);
    const rng = new Prng(4);
    const link = links.of[0]![0]!;
    let last = -Infinity;
    for (let t = 0; t < 1000; t += 10) {
      const at = links.arrival(link, t, rng);
      expect(at).toBeGreaterThanOrEqual(Math.max(last, t + 100));
      last = at;
    }
  });
});
