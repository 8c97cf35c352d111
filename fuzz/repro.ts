/**
 * Run one input through a target once, outside the fuzzer, and print what happened:
 * `node --import ./fuzz/register.mjs fuzz/repro.ts TARGET FILE`.
 */
import { readFileSync } from 'node:fs';
import { TARGETS } from './targets/index.js';

const [name, file] = process.argv.slice(2);
const target = TARGETS.find((t) => t.name === name);
if (!target || !file) {
  console.error('usage: fuzz/repro.ts TARGET FILE');
  process.exit(2);
}
const t0 = performance.now();
try {
  await target.run(readFileSync(file));
  console.log(`no finding (${(performance.now() - t0).toFixed(1)} ms)`);
} catch (e) {
  console.log(`finding after ${(performance.now() - t0).toFixed(1)} ms:`);
  console.log(e);
  process.exit(1);
}
