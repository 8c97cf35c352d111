/**
 * The goals table of docs/fair-sharechain.md#goals from `p2pool simulate` reports:
 *
 *   npx tsx scripts/fair-goals.ts V35_REPORT.json FAIR_REPORT.json [FAIR_K1000_REPORT.json]
 *
 * prints the rows (markdown) for one population: v35, the fair rules with the default
 * 200-output class, optionally the fair rules with every miner in the 1,000-output class, and
 * the floor no rule set can beat. `SMALL` picks the small miners' class by label (default the
 * class holding 1 TH/s).
 */
import { readFileSync } from 'node:fs';

interface Cls {
  label: string;
  minHashrate: number;
  maxHashrate: number;
  miners: number;
  shares: { found: number };
  efficiency: number | null;
  efficiencyStdError: number | null;
  secondsBetweenShares: number | null;
  unpaidWork: number | null;
  perBlock: { cv: number | null; cvStdError: number | null; zeroFraction: number | null; zeroFractionStdError: number | null };
  derivedPeriod: { cv: number | null; cvStdError: number | null; zeroPayoutFraction: number | null; zeroPayoutFractionStdError: number | null };
}
interface Miner { hashrate: number; efficiency: number | null; shares: { found: number }; maxOutputs: number | null; expectedPayoutSats: number; node: number }
interface Node { meanLatencyMs: number; efficiency: number | null; shares: { found: number }; p2p: { sentBytesPerSecond: number; receivedBytesPerSecond: number } }
interface Report {
  scenario: { name: string; seed: number; durationSeconds: number; poolHashrate: number; rules: Record<string, unknown> };
  pool: {
    shares: { found: number; orphan: number; dead: number; uncle: number; subShare: number };
    orphan: number; dead: number; stale: number; unpaidWork: number | null;
    coinbaseOutputs: { max: number | null; p50: number | null };
    perBlock: { expectedBlocksPerPeriod: number; luckFloor: { cv: number; zeroPayoutFraction: number } };
    expectedPayout: { totalSats: number };
    p2p: { meanSentBytesPerSecondPerNode: number };
  };
  classes: Cls[];
  miners: Miner[];
  nodes: Node[];
  wallClock: { nodes: Array<{ verifyMs: number }> };
}

const load = (p: string): Report => JSON.parse(readFileSync(p, 'utf8')) as Report;
const reports = process.argv.slice(2).map(load);
if (reports.length < 2) {
  process.stderr.write('usage: tsx scripts/fair-goals.ts V35_REPORT.json FAIR_REPORT.json [FAIR_K1000_REPORT.json]\n');
  process.exit(1);
}

const f = (x: number | null | undefined, d = 3): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : Number(x.toPrecision(d)).toLocaleString('en-US'));
const pct = (x: number | null | undefined, d = 2): string => (x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(d)}%`);
const pm = (x: number | null, e: number | null, d = 3): string => (e === null || e === undefined ? f(x, d) : `${f(x, d)} ± ${f(e, 2)}`);
const dur = (s: number | null): string => (s === null ? 'n/a' : s >= 86400 ? `${f(s / 86400)} d` : s >= 3600 ? `${f(s / 3600)} h` : `${f(s / 60)} min`);

function small(r: Report): Cls {
  const want = process.env['SMALL'];
  return r.classes.find((c) => (want ? c.label === want : c.minHashrate <= 1e12 && c.maxHashrate > 1e12))!;
}

/** Efficiency with its share-count standard error for a set of miners. */
function eff(r: Report, ms: Miner[]): string {
  if (ms.length === 0) return 'n/a';
  const pool = r.scenario.poolHashrate;
  const payout = ms.reduce((a, m) => a + m.expectedPayoutSats, 0);
  const hash = ms.reduce((a, m) => a + m.hashrate, 0);
  const n = ms.reduce((a, m) => a + m.shares.found, 0);
  const e = payout / r.pool.expectedPayout.totalSats / (hash / pool);
  return n > 0 ? `${e.toFixed(3)} ± ${(e / Math.sqrt(n)).toFixed(3)}` : `${e.toFixed(3)}`;
}

function row(what: string, cells: string[], floor: string): string {
  return `| ${what} | ${cells.join(' | ')} | ${floor} |`;
}

const out: string[] = [];
const head = reports.map((r) => `${r.scenario.name} (${r.scenario.rules['name']})`);
out.push(`| what | ${head.join(' | ')} | floor |`);
out.push(`| --- | ${reports.map(() => '---').join(' | ')} | --- |`);
out.push(row('pool-wide unpaid work (orphaned + dead, by work)', reports.map((r) => pct(r.pool.unpaidWork)), '0'));
out.push(row('shares: orphaned / dead / uncles / sub-shares referenced', reports.map((r) => `${pct(r.pool.orphan)} / ${pct(r.pool.dead)} / ${r.pool.shares.uncle} / ${r.pool.shares.subShare}`), ''));
const s0 = small(reports[0]!);
out.push(row(`${s0.label} miners: time between a miner's shares`, reports.map((r) => dur(small(r).secondsBetweenShares)), ''));
out.push(row(`${s0.label} miners: 30-day payout CV (derived from per block)`, reports.map((r) => pm(small(r).derivedPeriod.cv, small(r).derivedPeriod.cvStdError)), `${f(reports[0]!.pool.perBlock.luckFloor.cv)} (pool luck, √(1/μ), μ = ${f(reports[0]!.pool.perBlock.expectedBlocksPerPeriod)})`));
out.push(row(`${s0.label} miners: fraction of 30-day periods paying nothing`, reports.map((r) => pm(small(r).derivedPeriod.zeroPayoutFraction, small(r).derivedPeriod.zeroPayoutFractionStdError)), `${f(reports[0]!.pool.perBlock.luckFloor.zeroPayoutFraction)} (e^-μ)`));
out.push(row(`${s0.label} miners: CV of one block's payout`, reports.map((r) => pm(small(r).perBlock.cv, small(r).perBlock.cvStdError)), '0'));
out.push(row(`${s0.label} miners: fraction of blocks paying nothing`, reports.map((r) => pm(small(r).perBlock.zeroFraction, small(r).perBlock.zeroFractionStdError)), '0'));
out.push(row(`efficiency: ${s0.label} class`, reports.map((r) => (small(r).efficiency === null ? 'n/a' : `${small(r).efficiency!.toFixed(3)} ± ${small(r).efficiencyStdError!.toFixed(3)}`)), '1'));
const median = (r: Report): Miner[] => {
  const sorted = [...r.miners].sort((a, b) => a.hashrate - b.hashrate);
  const m = sorted[Math.floor(sorted.length / 2)]!;
  return sorted.filter((x) => x.hashrate >= m.hashrate / 1.5 && x.hashrate <= m.hashrate * 1.5);
};
out.push(row('efficiency: miners within 1.5x of the median miner', reports.map((r) => eff(r, median(r))), '1'));
const largest = (r: Report): Miner[] => [[...r.miners].sort((a, b) => b.hashrate - a.hashrate)[0]!];
out.push(row('efficiency: the largest miner', reports.map((r) => eff(r, largest(r))), '1'));
const distant = (r: Report): number => r.nodes.reduce((best, n, i) => (n.meanLatencyMs > r.nodes[best]!.meanLatencyMs ? i : best), 0);
out.push(row('efficiency: the miners of the most distant node (highest mean latency)', reports.map((r) => `${eff(r, r.miners.filter((m) => m.node === distant(r)))} (${f(r.nodes[distant(r)]!.meanLatencyMs)} ms)`), '1'));
const classes = (r: Report): string => {
  const groups = new Map<string, Miner[]>();
  for (const m of r.miners) {
    const k = m.maxOutputs === null ? 'default' : `~${m.maxOutputs}`;
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  return groups.size < 2 ? 'one class' : [...groups].map(([k, ms]) => `${k}: ${eff(r, ms)}`).join('; ');
};
out.push(row('efficiency by the miners\' requested output class', reports.map(classes), '1'));
out.push(row('coinbase outputs per share/block (max / p50; fair: payouts + 2)', reports.map((r) => `${r.pool.coinbaseOutputs.max} / ${r.pool.coinbaseOutputs.p50}`), ''));
out.push(row('P2P sent per node (mean; max node)', reports.map((r) => `${f(r.pool.p2p.meanSentBytesPerSecondPerNode)} B/s; ${f(Math.max(...r.nodes.map((n) => n.p2p.sentBytesPerSecond)))} B/s`), ''));
out.push(row('share-verification CPU per node (each share verified once, as a node does)', reports.map((r) => pct(r.wallClock.nodes.reduce((a, n) => a + n.verifyMs, 0) / 1000 / r.scenario.durationSeconds, 4)), ''));
process.stdout.write(out.join('\n') + '\n');
process.stdout.write(reports.map((r) => `${r.scenario.name}: seed ${r.scenario.seed}, ${f(r.scenario.durationSeconds / 86400)} days, ${r.pool.shares.found} shares`).join('; ') + '\n');
