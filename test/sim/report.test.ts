/**
 * report.json and report.html of `p2pool simulate`: the same seed gives the same report byte
 * for byte (everything but `wallClock`, the machine's own measurements), another seed gives
 * another run, and the figures hang together (shares add up, payout shares sum to at most 1,
 * P2P bytes are whole frames). A small 2-hour network with miner delays, so every kind of
 * share fate occurs.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type Report } from '../../src/sim/report.js';
import { renderReportHtml } from '../../src/sim/report-html.js';
import { scenario, simulate } from './theory-scenarios.js';

const sc = scenario({
  name: 'report check',
  description: 'a small network for the report tests',
  duration: '2 h',
  parentChain: { difficulty: (200 * 9.3e12) / 2 ** 32, blockReward: 50 },
  nodes: { count: 4, weights: { zipf: 1 } },
  links: { topology: { random: { outgoing: 2 } }, latency: { uniform: ['50 ms', '400 ms'] }, jitter: { uniform: ['0 ms', '30 ms'] } },
  miners: [{ count: 30, hashrate: { zipf: { min: '5 GH/s', max: '300 GH/s', total: '1 TH/s' } }, nodeDelay: { uniform: ['5 ms', '80 ms'] }, restartDelay: { uniform: ['0.2 s', '3 s'] } }],
  report: { period: '20 min', replicates: 3000, seriesInterval: '10 min' },
});

function reportFor(seed: number): { report: Report; json: string } {
  const report = buildReport(simulate(sc, { seed }), { runSeconds: 1, peakRssBytes: 1 });
  const { wallClock: _wall, ...rest } = report;
  return { report, json: JSON.stringify(rest) };
}

describe('simulate report', () => {
  it('is identical for the same seed, different for another, and consistent', () => {
    const a = reportFor(7);
    const b = reportFor(7);
    const c = reportFor(8);
    expect(b.json).toBe(a.json);
    expect(c.json).not.toBe(a.json);
    const r = a.report;
    const p = r.pool.shares;
    expect(p.found).toBeGreaterThan(500);
    expect(p.chain + p.orphan + p.dead).toBe(p.found);
    expect(p.dead).toBeGreaterThan(0);
    expect(r.miners.reduce((s, m) => s + m.shares.found, 0)).toBe(p.found);
    expect(r.nodes.reduce((s, n) => s + n.shares.found, 0)).toBe(p.found);
    const payoutShare = r.miners.reduce((s, m) => s + m.payoutShare, 0);
    expect(payoutShare).toBeGreaterThan(0.99);
    expect(payoutShare).toBeLessThanOrEqual(1.000001);
    // Every message is a whole frame: 28 bytes of header and at least one share.
    for (const n of r.nodes) expect(n.p2p.bytesSent).toBeGreaterThanOrEqual(n.p2p.messagesSent * (28 + 200));
    expect(r.nodes.reduce((s, n) => s + n.p2p.bytesSent, 0)).toBe(r.nodes.reduce((s, n) => s + n.p2p.bytesReceived, 0));
    expect(r.pool.coinbaseOutputs.max).toBeGreaterThanOrEqual(r.pool.coinbaseOutputs.p50!);
    expect(r.series.found.reduce((s, x) => s + x, 0)).toBe(p.found);
    for (const m of r.miners) expect(m.period.zeroPayoutFraction).toBeGreaterThanOrEqual(0);
    // Efficiency against the work found (docs/simulate.md#efficiency-against-the-work-found). The
    // ideal pool hands out what the coinbases pay the miners, no more, no less: the pool's ratio is 1.
    expect(r.pool.idealPayout.workEfficiency).toBe(1);
    expect(r.pool.idealPayout.unmatchedSats).toBe(0);
    expect(r.pool.idealPayout.windowSeconds).toBe(100 * 10); // REAL_CHAIN_LENGTH x SHARE_PERIOD
    // v35 pays no orphaned or dead work, so a node's miners, with a fraction u_n of their work
    // unpaid, get (1 - u_n)/(1 - u_pool) of what their found work would get, but for the finder's
    // 0.5%, which follows the work found: 0.995 (1 - u_n)/(1 - u_pool) + 0.005. What is left is
    // noise (window edges, the finder's draw, the start chain's paid work in the first windows),
    // held to 4 of the report's standard errors; those are far below the share-count noise that
    // `efficiency` carries (1/√shares), which is the point of the figure.
    let worst = r.nodes[0]!;
    for (const n of r.nodes) {
      const predicted = (0.995 * (1 - n.unpaidWork!)) / (1 - r.pool.unpaidWork!) + 0.005;
      expect(Math.abs(n.workEfficiency! - predicted)).toBeLessThan(4 * n.workEfficiencyStdError!);
      expect(n.workEfficiencyStdError!).toBeLessThan(0.5 / Math.sqrt(n.shares.found));
      if (n.unpaidWork! > worst.unpaidWork!) worst = n;
    }
    expect(worst.unpaidWork!).toBeGreaterThan(r.pool.unpaidWork! + 0.1);
    expect(worst.workEfficiency!).toBeLessThan(0.85);
    for (const m of r.miners) if (m.idealPayoutSats > 0) expect(m.workEfficiency).toBeCloseTo(m.expectedPayoutSats / m.idealPayoutSats, 4);
    const html = renderReportHtml(r);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(8);
  }, 120_000);
});
