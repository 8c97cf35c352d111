/**
 * One fuzz target in this process (started by fuzz/main.ts through register.mjs, so src/ is
 * instrumented): `worker.ts TARGET SECONDS CORPUS_DIR FINDINGS_DIR [SEED] [RUNS]`. Prints one
 * JSON line `RESULT {...}` at the end; exit code 1 when it found something.
 */
import { Fuzzer } from './engine.js';
import { TARGETS } from './targets/index.js';

const [name, seconds, corpusDir, findingsDir, seed, runs] = process.argv.slice(2);
const target = TARGETS.find((t) => t.name === name);
if (!target) {
  console.error(`unknown fuzz target ${name}`);
  process.exit(2);
}
const fuzzer = new Fuzzer(target, {
  seconds: Number(seconds),
  runs: runs ? Number(runs) : 0,
  corpusDir: corpusDir || undefined,
  findingsDir: findingsDir!,
  seed: seed ? Number(seed) : undefined,
  log: (m) => console.error(m),
});
const result = await fuzzer.run();
console.log(`RESULT ${JSON.stringify(result)}`);
process.exit(result.finding ? 1 : 0);
