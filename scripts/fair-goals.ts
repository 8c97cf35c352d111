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
import { batchRatio } from '../src/sim/work-efficiency.js';

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
interface Miner {
  hashrate: number; efficiency: number | null; shares: { found: number }; maxOutputs: number | null; expectedPayoutSats: number; node: number;
  /** Per time batch: expected and ideal payouts (reports from before the efficiency against the work found lack it). */
  byBatch?: { expectedSats: number[]; idealSats: number[] };
  perBlock: { meanSats: number; cv: number | null; zeroFraction: number } | null;
}
interface Node { meanLatencyMs: number; efficiency: number | null; shares: { found: number }; p2p: { sentBytesPerSecond: number; receivedBytesPerSecond: number } }
interface Report {
  scenario: { name: string; seed: number; durationSeconds: number; poolHashrate: number; rules: Record<string, unknown>; parentChain: { blockTarget: string } };
  pool: {
    shares: { found: number; orphan: number; dead: number; uncle: number; subShare: number };
    orphan: number; dead: number; stale: number; unpaidWork: number | null;
    coinbaseOutputs: { max: number | null; p50: number | null };
    perBlock: { expectedBlocksPerPeriod: number; periodSeconds: number; luckFloor: { cv: number; zeroPayoutFraction: number } };
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

/** The small miners: SMALL="lo-hi" in TH/s (default 0.8-1.25: "a 1 TH/s miner"). */
const [LO, HI] = (process.env['SMALL'] ?? '0.8-1.25').split('-').map((x) => Number(x) * 1e12) as [number, number];
function small(_r: Report): Cls {
  return { label: `${LO / 1e12}-${HI / 1e12} TH/s`, minHashrate: LO, maxHashrate: HI } as Cls;
}
const inSmall = (r: Report): Miner[] => r.miners.filter((m) => m.hashrate >= LO && m.hashrate < HI);

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

/**
 * Efficiency against the work found (luck removed; docs/simulate.md#efficiency-against-the-work-found)
 * for a set of miners: Σ expected / Σ ideal, ± the batch means' standard error.
 */
function workEff(_r: Report, ms: Miner[]): string {
  if (ms.length === 0 || ms.some((m) => m.byBatch === undefined)) return 'n/a';
  const B = ms[0]!.byBatch!.expectedSats.length;
  const num = Array.from({ length: B }, (_, b) => ms.reduce((a, m) => a + m.byBatch!.expectedSats[b]!, 0));
  const den = Array.from({ length: B }, (_, b) => ms.reduce((a, m) => a + m.byBatch!.idealSats[b]!, 0));
  const x = batchRatio(num, den);
  if (x.value === null) return 'n/a';
  return x.stdError === null ? x.value.toFixed(4) : `${x.value.toFixed(4)} ± ${x.stdError.toPrecision(2)}`;
}

/** The efficiency row of a set of miners, then its row against the work found. */
function effRows(what: string, pick: (r: Report) => Miner[], note: (r: Report) => string = () => ''): void {
  out.push(row(`efficiency: ${what}`, reports.map((r) => `${eff(r, pick(r))}${note(r)}`), '1'));
  out.push(row(`efficiency vs the work found (luck removed): ${what}`, reports.map((r) => `${workEff(r, pick(r))}${note(r)}`), '1'));
}

/**
 * Payout figures of "a miner of this class" (docs/simulate.md#payout-per-block), from the
 * miners' own per-block figures: each payout scaled by the miner's hash-rate share, moments
 * pooled over the class (a miner never paid counts as 0), so its bad luck stays in; standard
 * errors by resampling the class's miners (400 draws, seeded).
 */
function pooled(r: Report, c: Cls, muGiven?: number): { cv: [number, number]; zero: [number, number]; dcv: [number, number]; dzero: [number, number] } {
  const mu = muGiven ?? r.pool.perBlock.expectedBlocksPerPeriod;
  const ms = r.miners.filter((m) => m.hashrate >= c.minHashrate && m.hashrate < c.maxHashrate);
  const xs = ms.map((m) => {
    const f = m.hashrate / r.scenario.poolHashrate;
    const b = m.perBlock;
    const m1 = b ? b.meanSats / f : 0;
    const cv = b?.cv ?? 0;
    return { m1, m2: m1 * m1 * (1 + cv * cv), zero: b ? b.zeroFraction : 1 };
  });
  const stats = (sample: typeof xs): [number, number, number, number] => {
    const n = sample.length;
    const m1 = sample.reduce((a, x) => a + x.m1, 0) / n;
    const m2 = sample.reduce((a, x) => a + x.m2, 0) / n;
    const zero = sample.reduce((a, x) => a + x.zero, 0) / n;
    const dzero = sample.reduce((a, x) => a + Math.exp(-mu * (1 - x.zero)), 0) / n;
    return [Math.sqrt(Math.max(0, m2 - m1 * m1)) / m1, zero, Math.sqrt(m2 / (mu * m1 * m1)), dzero];
  };
  const point = stats(xs);
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const draws: number[][] = [];
  for (let k = 0; k < 400; k++) draws.push(stats(xs.map(() => xs[Math.floor(rand() * xs.length)]!)));
  const sd = (j: number): number => {
    const v = draws.map((d) => d[j]!).filter(Number.isFinite);
    const mean = v.reduce((a, x) => a + x, 0) / v.length;
    return Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (v.length - 1));
  };
  return { cv: [point[0], sd(0)], zero: [point[1], sd(1)], dcv: [point[2], sd(2)], dzero: [point[3], sd(3)] };
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
out.push(row(`${s0.label} miners (${inSmall(reports[0]!).length}): time between a miner's shares`, reports.map((r) => dur((r.scenario.durationSeconds * inSmall(r).length) / inSmall(r).reduce((a, m) => a + m.shares.found, 0))), ''));
const P = reports.map((r) => pooled(r, small(r)));
/**
 * The population's own μ: the pool's expected blocks per period from its hash rate and the block
 * target, the same for every rule set. Each run's μ̂ (its shares' Σ p) differs from it by the
 * run's luck in work found, which is not the rules'; at the common μ the two columns differ by
 * the per-block figures alone.
 */
const muOf = (r: Report): number => {
  const blockWork = Number((1n << 256n) / (BigInt(r.scenario.parentChain.blockTarget) + 1n));
  return (r.scenario.poolHashrate * r.pool.perBlock.periodSeconds) / blockWork;
};
const mu0 = muOf(reports[0]!);
const PC = reports.map((r) => pooled(r, small(r), mu0));
out.push(row(`${s0.label} miners: 30-day payout CV (derived from per block)`, P.map((p) => pm(p.dcv[0], p.dcv[1])), `${f(reports[0]!.pool.perBlock.luckFloor.cv)} (pool luck, √(1/μ), μ = ${f(reports[0]!.pool.perBlock.expectedBlocksPerPeriod)})`));
out.push(row(`${s0.label} miners: fraction of 30-day periods paying nothing`, P.map((p) => pm(p.dzero[0], p.dzero[1])), `${f(reports[0]!.pool.perBlock.luckFloor.zeroPayoutFraction)} (e^-μ)`));
out.push(row(`${s0.label} miners: 30-day payout CV at the population's μ = ${mu0.toFixed(4)} (every column)`, PC.map((p) => pm(p.dcv[0], p.dcv[1])), `${f(Math.sqrt(1 / mu0))} (√(1/μ))`));
out.push(row(`${s0.label} miners: fraction of 30-day periods paying nothing at the population's μ`, PC.map((p) => pm(p.dzero[0], p.dzero[1])), `${f(Math.exp(-mu0))} (e^-μ)`));
out.push(row('μ̂: the run\'s own expected blocks per 30 days (Σ p of its shares)', reports.map((r) => f(r.pool.perBlock.expectedBlocksPerPeriod, 4)), `${mu0.toFixed(4)} (the population's)`));
out.push(row(`${s0.label} miners: CV of one block's payout`, P.map((p) => pm(p.cv[0], p.cv[1])), '0'));
out.push(row(`${s0.label} miners: fraction of blocks paying nothing`, P.map((p) => pm(p.zero[0], p.zero[1])), '0'));
effRows(`the ${s0.label} miners`, inSmall);
effRows('the smallest 10% of miners', (r) => [...r.miners].sort((a, b) => a.hashrate - b.hashrate).slice(0, Math.ceil(r.miners.length / 10)));
const median = (r: Report): Miner[] => {
  const sorted = [...r.miners].sort((a, b) => a.hashrate - b.hashrate);
  const m = sorted[Math.floor(sorted.length / 2)]!;
  return sorted.filter((x) => x.hashrate >= m.hashrate / 1.5 && x.hashrate <= m.hashrate * 1.5);
};
effRows('miners within 1.5x of the median miner', median);
const largest = (r: Report): Miner[] => [[...r.miners].sort((a, b) => b.hashrate - a.hashrate)[0]!];
effRows('the largest miner', largest);
const distant = (r: Report): number => r.nodes.reduce((best, n, i) => (n.meanLatencyMs > r.nodes[best]!.meanLatencyMs ? i : best), 0);
effRows('the miners of the most distant node (highest mean latency)', (r) => r.miners.filter((m) => m.node === distant(r)), (r) => ` (${f(r.nodes[distant(r)]!.meanLatencyMs)} ms)`);
const classes = (r: Report, e: (r: Report, ms: Miner[]) => string): string => {
  const groups = new Map<string, Miner[]>();
  for (const m of r.miners) {
    const k = m.maxOutputs === null ? 'default' : `~${m.maxOutputs}`;
    groups.set(k, [...(groups.get(k) ?? []), m]);
  }
  return groups.size < 2 ? 'one class' : [...groups].map(([k, ms]) => `${k}: ${e(r, ms)}`).join('; ');
};
out.push(row('efficiency by the miners\' requested output class', reports.map((r) => classes(r, eff)), '1'));
out.push(row('efficiency vs the work found (luck removed) by the miners\' requested output class', reports.map((r) => classes(r, workEff)), '1'));
out.push(row('coinbase outputs per share/block (max / p50; fair: payouts + 2)', reports.map((r) => `${r.pool.coinbaseOutputs.max} / ${r.pool.coinbaseOutputs.p50}`), ''));
out.push(row('P2P sent per node (mean; max node)', reports.map((r) => `${f(r.pool.p2p.meanSentBytesPerSecondPerNode)} B/s; ${f(Math.max(...r.nodes.map((n) => n.p2p.sentBytesPerSecond)))} B/s`), ''));
out.push(row('share-verification CPU per node (each share verified once, as a node does)', reports.map((r) => pct(r.wallClock.nodes.reduce((a, n) => a + n.verifyMs, 0) / 1000 / r.scenario.durationSeconds, 4)), ''));
process.stdout.write(out.join('\n') + '\n');
process.stdout.write(reports.map((r) => `${r.scenario.name}: seed ${r.scenario.seed}, ${f(r.scenario.durationSeconds / 86400)} days, ${r.pool.shares.found} shares`).join('; ') + '\n');
