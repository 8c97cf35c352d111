/**
 * `npm run fuzz [-- TARGET ...] [--seconds N] [--runs N] [--jobs N] [--corpus DIR] [--seed N] [--list]`
 *
 * Runs each fuzz target (fuzz/targets/) for N seconds (default 10) in a process of its own with
 * src/ instrumented for coverage, and prints one line per target and a table at the end.
 * Corpora persist in .fuzz/corpus/TARGET (or --corpus DIR/TARGET), so a later run resumes;
 * findings go to .fuzz/findings/ and make the exit code 1. docs/testing.md#fuzzing has the
 * whole story, and how a finding becomes a regression test.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FuzzResult } from './engine.js';
import { TARGETS } from './targets/index.js';

const root = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = args[i + 1];
  args.splice(i, 2);
  if (v === undefined) throw new Error(`--${name} needs a value`);
  return v;
};
const seconds = Number(opt('seconds', '10'));
const runs = opt('runs', '');
const jobs = Math.max(1, Number(opt('jobs', '1')));
const corpusRoot = opt('corpus', join(root, '.fuzz', 'corpus'));
const seed = opt('seed', '');
const findings = join(root, '.fuzz', 'findings');
if (args.includes('--list')) {
  for (const t of TARGETS) console.log(`${t.name.padEnd(16)} ${t.about}`);
  process.exit(0);
}
const names = args.filter((a) => !a.startsWith('--'));
for (const n of names) if (!TARGETS.some((t) => t.name === n)) throw new Error(`unknown target ${n}; --list shows them`);
const chosen = names.length ? TARGETS.filter((t) => names.includes(t.name)) : TARGETS;

function runOne(name: string): Promise<{ result: FuzzResult | null; output: string; code: number | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--enable-source-maps', '--max-old-space-size=2048', '--import', './fuzz/register.mjs', 'fuzz/worker.ts', name, String(seconds), join(corpusRoot, name), findings, seed, runs], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      process.stderr.write(d);
    });
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({ result: line ? (JSON.parse(line.slice(7)) as FuzzResult) : null, output: err, code });
    });
  });
}

const results: FuzzResult[] = [];
let failed = false;
const queue = [...chosen];
const t0 = Date.now();
await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, async () => {
  for (let t = queue.shift(); t; t = queue.shift()) {
    const { result, code, output } = await runOne(t.name);
    if (!result) {
      failed = true;
      console.log(`${t.name}: the fuzzer process ended without a result (exit ${code}); see above${output.includes('FINDING') ? '' : `\n${output.slice(-2000)}`}`);
      continue;
    }
    results.push(result);
    const r = result;
    console.log(`${r.target.padEnd(16)} ${String(r.execs).padStart(10)} execs ${String(Math.round(r.execs / r.seconds)).padStart(7)}/s  corpus ${String(r.corpus).padStart(5)}  own edges ${r.ownCovered}/${r.ownTotal} (${r.ownTotal ? Math.round((100 * r.ownCovered) / r.ownTotal) : 0}%)  all ${r.edgesCovered}/${r.edgesTotal}  features ${r.features}  slowest ${r.slowestMs} ms${r.finding ? `  FINDING ${r.finding.kind}: ${r.finding.file}` : ''}`);
    if (r.finding) {
      failed = true;
      console.log(`  ${r.finding.message.split('\n').slice(0, 12).join('\n  ')}\n  reproduce: node --import ./fuzz/register.mjs fuzz/repro.ts ${r.target} ${r.finding.file}`);
    }
  }
}));
const total = results.reduce((n, r) => n + r.execs, 0);
console.log(`fuzz: ${results.length} targets, ${total} executions in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${failed ? 'FINDINGS (see above)' : 'nothing found'}`);
process.exit(failed ? 1 : 0);
