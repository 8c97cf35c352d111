/**
 * `npm run bench`: runs every bench module and prints ONE JSON object, one key per area, then
 * the budgets' verdicts as a table on stderr (bench/budgets.ts).
 * Benchmarks are measurements against the budgets in docs/architecture.md#budgets, not timed tests.
 *
 * The sharechain bench (bench/sharechain.ts, exporting `benchSharechain`) is loaded
 * dynamically so that the harness runs before that file exists; an area that is absent is
 * reported as such instead of breaking the whole run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchBitcoin } from './bitcoin.js';
import { budgetLines, formatBudgets } from './budgets.js';
import { nodeExecutableFlags } from './node-flags.js';

type BenchResult = Record<string, unknown>;

/**
 * Load an optional bench module. Only its absence is tolerated (checked on disk: built .js,
 * or .ts when run through tsx); any error from inside it fails the run.
 */
async function optionalBench(file: string, exportName: string): Promise<BenchResult | { skipped: string }> {
  const url = new URL(file, import.meta.url);
  const path = fileURLToPath(url);
  if (!existsSync(path) && !existsSync(path.replace(/\.js$/, '.ts'))) return { skipped: `${file} not present` };
  const mod = (await import(url.href)) as Record<string, unknown>;
  const fn = mod[exportName];
  if (typeof fn !== 'function') throw new Error(`${file} does not export ${exportName}()`);
  return (await (fn as () => BenchResult | Promise<BenchResult>)()) ?? {};
}

/**
 * Sections, in order. `npm run bench -- NAME ...` runs only those; with no names, every
 * section that is not `alone` (the soak takes 20 minutes: `npm run bench -- soak`).
 */
const SECTIONS: Array<{ name: string; alone?: true; run: () => unknown }> = [
  { name: 'bitcoin', run: () => benchBitcoin() },
  { name: 'sharechain', run: () => optionalBench('./sharechain.js', 'benchSharechain') },
  { name: 'fairSharechain', run: () => optionalBench('./fair-sharechain.js', 'benchFairSharechain') },
  { name: 'mining', run: () => optionalBench('./mining.js', 'benchMining') },
  { name: 'p2p', run: () => optionalBench('./p2p.js', 'benchP2p') },
  // Last of the default sections: the simulator's baseline runs for minutes (bench/sim.ts).
  { name: 'sim', run: () => optionalBench('./sim.js', 'benchSim') },
  { name: 'soak', alone: true, run: () => optionalBench('./soak.js', 'benchSoak') },
];

/**
 * The V8 flags this run needs, re-run with those it lacks (one process hop), else false:
 * - every section measures the process an operator runs: Node with the `p2pool` executable's
 *   flags (bench/node-flags.ts; a 2 MB young generation). Until 2026-12-07 the bench ran with
 *   V8's defaults: its collector was not the node's;
 * - the soak runs the node the way docs/operations.md recommends for thousands of miners, with
 *   V8's old space capped (SOAK_HEAP_MB, default 256; 0 for V8's default), so the heap is
 *   collected before it grows to V8's default limit.
 * A flag already given (by name) is kept as given.
 */
function rerunWithFlags(names: string[]): boolean {
  const wanted = nodeExecutableFlags();
  const heapMb = Number(process.env.SOAK_HEAP_MB ?? 256);
  if (names.includes('soak') && heapMb !== 0) wanted.push(`--max-old-space-size=${heapMb}`);
  const missing = wanted.filter((f) => !process.execArgv.some((a) => a.split('=')[0] === f.split('=')[0]));
  if (missing.length === 0) return false;
  const r = spawnSync(process.execPath, [...missing, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
  return true;
}

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  if (rerunWithFlags(names)) return;
  for (const n of names) if (!SECTIONS.some((s) => s.name === n)) throw new Error(`unknown bench section ${n} (${SECTIONS.map((s) => s.name).join(', ')})`);
  const results: Record<string, unknown> = { node: process.version, nodeFlags: process.execArgv.join(' ') };
  for (const s of SECTIONS) {
    if (names.length ? names.includes(s.name) : !s.alone) results[s.name] = await s.run();
    else if (s.alone && !names.length) results[s.name] = { skipped: `runs alone: npm run bench -- ${s.name}` };
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  // The verdicts, readable, on stderr: stdout stays one JSON object.
  process.stderr.write(formatBudgets(budgetLines(results)));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
