/**
 * The fuzzer's self-test: `node --import ./fuzz/register.mjs fuzz/selftest/main.ts KIND SECONDS`
 * fuzzes the toy decoder from one seed that does not even pass its magic, and prints the
 * finding as JSON (test/fuzz/engine.test.ts checks it was the planted bug of that kind).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fuzzer } from '../engine.js';
import { decodeToy, ToyError } from './toy-decoder.js';

const [kind, seconds] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'p2pool-fuzz-selftest-'));
const fuzzer = new Fuzzer({
  name: `toy-${kind}`,
  about: 'the toy decoder',
  covers: ['fuzz/selftest/toy-decoder.ts'],
  seeds: () => [Buffer.from('xxxxxxxx')],
  // The only help: the kind byte in the dictionary (the magic must be found by coverage).
  dictionary: [Uint8Array.of(Number(kind))],
  maxLen: 64,
  run(data) {
    try {
      decodeToy(data, Number(kind));
    } catch (e) {
      if (!(e instanceof ToyError)) throw e;
    }
  },
}, { seconds: Number(seconds), findingsDir: dir, seed: 1234 });
const r = await fuzzer.run();
console.log(JSON.stringify({ finding: r.finding, execs: r.execs, ownCovered: r.ownCovered, ownTotal: r.ownTotal }));
