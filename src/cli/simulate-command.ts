/**
 * Commander wiring of `p2pool simulate SCENARIO.json [--seed N] [--out DIR]` (docs/simulate.md,
 * docs/cli.md): reads and checks the scenario, runs it (every run of a sweep), writes
 * report.json and report.html (and chain.txt when the scenario emits its chain) into DIR, and
 * prints one JSON line saying where. Progress goes to stderr. Errors propagate to main.ts.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Command } from 'commander';
import { buildReport, REPORT_SCHEMA, type Report } from '../sim/report.js';
import { renderReportHtml, renderSweepHtml } from '../sim/report-html.js';
import { parseScenarioFile, ScenarioError, type Scenario } from '../sim/scenario.js';
import { simulate } from '../sim/simulator.js';
import { formatDuration } from '../sim/units.js';

/** Scenario files are small; anything bigger is not one. */
const MAX_SCENARIO_BYTES = 1_000_000;

export class SimulateInputError extends Error {
  override readonly name = 'SimulateInputError';
}

/**
 * The child's old-generation cap by default. The 30-day baseline holds ~0.4-0.65 GB after a
 * full collection, but V8 lets the old space grow towards the cap before it collects harder, so
 * the cap sets the peak RSS (cap + the young generation + ~130 MB of Buffers): with 1200 and a
 * 64 MB semi-space an 8-day run peaked at 1.48 GB, with 1000 at 1.30 GB for about the same CPU
 * (docs/simulate.md#cost-and-budgets).
 */
const DEFAULT_HEAP_MB = 1000;

interface SimulateFlags {
  seed: string;
  out?: string;
  quiet?: boolean;
  maxHeap: string;
}

function readScenario(file: string): ReturnType<typeof parseScenarioFile> {
  let text: string;
  try {
    if (statSync(file).size > MAX_SCENARIO_BYTES) throw new SimulateInputError(`${file} is larger than ${MAX_SCENARIO_BYTES} bytes: not a scenario file`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof SimulateInputError) throw err;
    throw new SimulateInputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SimulateInputError(`${file} is not JSON: ${(err as Error).message}`);
  }
  try {
    return parseScenarioFile(raw);
  } catch (err) {
    if (err instanceof ScenarioError) throw new SimulateInputError(`${file}: ${err.message}`);
    throw err;
  }
}

function parseSeed(s: string): number {
  const n = Number(s);
  if (!/^[0-9]+$/.test(s) || !Number.isSafeInteger(n)) throw new SimulateInputError(`--seed must be a whole number from 0 to 2^53-1, got ${s}`);
  return n;
}

/** One run, with its wall-clock figures. */
function runOne(sc: Scenario, seed: number, progress: (line: string) => void): { report: Report; emitted: string[] | null } {
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  let lastLine = 0;
  const run = simulate(sc, {
    seed,
    progress: (f) => {
      const now = Date.now();
      if (now - lastLine < 10_000) return;
      lastLine = now;
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      progress(`simulate: ${sc.name}: ${(f * 100).toFixed(0)}% (${formatDuration(f * sc.duration)} of ${formatDuration(sc.duration)}) after ${secs.toFixed(0)} s`);
    },
  });
  const runSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const report = buildReport(run, { runSeconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssBytes: process.resourceUsage().maxRSS * 1024 });
  return { report, emitted: run.emitted };
}

/**
 * The simulation process's young generation, MB per semi-space (see `inHeapCappedProcess`).
 * 64 rather than 32: half the scavenges, each copying about as many survivors (what outlives
 * one share's work outlives two), so ~10% less CPU for the 2-day baseline (docs/simulate.md#cost-and-budgets);
 * 128 saved a few % more for ~120 MB more RSS. Fixed at that size from the start (min = max):
 * V8 otherwise starts small and grows it only while many objects survive, and after the start
 * chain few do (the 2-day baseline: 200 scavenges instead of 155).
 */
const SEMI_SPACE_MB = 64;

/**
 * V8 flags of the simulation process besides the heap sizes. Allocation-site pretenuring off:
 * V8 watches which allocation sites' objects survive scavenges and from then on allocates
 * theirs straight in the old generation. Laying and loading the start chain (every object
 * kept) taught it that of the PPLNS and coinbase code, whose objects afterwards live for one
 * share's work; they then filled the old generation and were found dead only by full
 * collections (2026-12-07, 6-day baseline: 33 full collections either way, but the CPU 105 s
 * -> 88 s and the peak RSS 1.28 -> 0.97 GB). The simulation's results do not depend on it.
 */
const SIMULATION_V8_FLAGS = ['--no-allocation-site-pretenuring'];

/** Set in the process that runs the simulation (see `inHeapCappedProcess`). */
const INNER = 'P2POOL_SIMULATE_HEAP_CAPPED';

/**
 * Run this same command again in a child process whose heap is capped (--max-heap): V8 then
 * collects before growing the large slack it gives a big heap, and a run too big for the cap
 * ends with a clear error instead of taking the machine's memory. The child inherits stdio;
 * returns its exit code, or null when this is the child.
 */
function inHeapCappedProcess(heapMb: number): number | null {
  if (process.env[INNER] === '1') return null;
  // A 64 MB semi-space (young generation) instead of V8's default: a run makes many short-lived
  // objects per share (coinbases of hundreds of outputs); with the default, scavenges promoted
  // enough of them to cost ~10-20% of the baseline's CPU in the collector.
  const child = spawnSync(process.execPath, [
    ...process.execArgv,
    `--max-old-space-size=${heapMb}`,
    `--min-semi-space-size=${SEMI_SPACE_MB}`,
    `--max-semi-space-size=${SEMI_SPACE_MB}`,
    ...SIMULATION_V8_FLAGS,
    process.argv[1]!,
    ...process.argv.slice(2),
  ], {
    stdio: 'inherit',
    env: { ...process.env, [INNER]: '1' },
  });
  if (child.error) throw child.error;
  if (child.signal !== null || child.status === 134) {
    throw new SimulateInputError(`the simulation stopped (${child.signal ?? `exit ${child.status}`}): if it ran out of its ${heapMb} MB heap, --max-heap MB allows more`);
  }
  return child.status ?? 1;
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'simulate a whole P2Pool network in one process on the real sharechain code (docs/simulate.md): ' +
        'writes report.json and report.html into the output directory and prints {"report","html"} as one JSON line',
    )
    .argument('<scenario>', 'scenario file (JSON; sim/scenarios/ has examples)')
    .option('--seed <n>', 'random seed: the same seed gives the same report', '1')
    .option('--out <dir>', 'output directory (created if missing)', 'simulate-out')
    .option('--quiet', 'no progress lines on stderr')
    .option('--max-heap <MB>', 'heap the simulation may use (a larger network needs more)', String(DEFAULT_HEAP_MB))
    .action((file: string, flags: SimulateFlags) => {
      const seed = parseSeed(flags.seed);
      const heapMb = Number(flags.maxHeap);
      if (!Number.isSafeInteger(heapMb) || heapMb < 64 || heapMb > 1_000_000) throw new SimulateInputError(`--max-heap must be a whole number of MB from 64, got ${flags.maxHeap}`);
      const parsed = readScenario(file);
      const code = inHeapCappedProcess(heapMb);
      if (code !== null) {
        process.exitCode = code;
        return;
      }
      const out = resolve(flags.out ?? 'simulate-out');
      mkdirSync(out, { recursive: true });
      const progress = (line: string): void => {
        if (!flags.quiet) process.stderr.write(`${line}\n`);
      };
      const reports: Report[] = [];
      let emitted: string[] | null = null;
      for (const sc of parsed.scenarios) {
        progress(`simulate: ${sc.name}: ${sc.miners.reduce((a, g) => a + g.count, 0)} miners on ${sc.nodes.length} nodes for ${formatDuration(sc.duration)}, seed ${seed}`);
        const r = runOne(sc, seed, progress);
        reports.push(r.report);
        emitted ??= r.emitted;
        progress(`simulate: ${sc.name}: done in ${r.report.wallClock.runSeconds.toFixed(1)} s, ${r.report.pool.shares.found} shares, orphaned + dead ${((r.report.pool.stale ?? 0) * 100).toFixed(2)}%`);
      }
      const reportPath = join(out, 'report.json');
      const htmlPath = join(out, 'report.html');
      if (parsed.sweep === null) {
        writeFileSync(reportPath, `${JSON.stringify(reports[0], null, 1)}\n`);
        writeFileSync(htmlPath, renderReportHtml(reports[0]!));
      } else {
        writeFileSync(reportPath, `${JSON.stringify({ schema: `${REPORT_SCHEMA.replace('/', '-sweep/')}`, sweep: parsed.sweep, runs: reports }, null, 1)}\n`);
        writeFileSync(htmlPath, renderSweepHtml(parsed.sweep, reports));
      }
      const result: Record<string, string> = { report: reportPath, html: htmlPath };
      if (emitted !== null) {
        const chainPath = join(out, 'chain.txt');
        writeFileSync(chainPath, `${emitted.join('\n')}\n`);
        result['chain'] = chainPath;
      }
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}
