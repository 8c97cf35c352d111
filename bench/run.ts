/**
 * `npm run bench`: runs every bench module and prints ONE JSON object, one key per area.
 * Benchmarks are measurements against the budgets in docs/architecture.md#budgets, not timed tests.
 *
 * The sharechain bench (bench/sharechain.ts, exporting `benchSharechain`) is loaded
 * dynamically so that the harness runs before that file exists; an area that is absent is
 * reported as such instead of breaking the whole run.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchBitcoin } from './bitcoin.js';

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

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    node: process.version,
    bitcoin: benchBitcoin(),
    sharechain: await optionalBench('./sharechain.js', 'benchSharechain'),
    fairSharechain: await optionalBench('./fair-sharechain.js', 'benchFairSharechain'),
    mining: await optionalBench('./mining.js', 'benchMining'),
    p2p: await optionalBench('./p2p.js', 'benchP2p'),
    // Last: the simulator's baseline runs for minutes (bench/sim.ts).
    sim: await optionalBench('./sim.js', 'benchSim'),
  };
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
