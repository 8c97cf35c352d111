/**
 * `node --import ./fuzz/register.mjs ...`: installs the fuzzer's module hooks (loader.mjs) and
 * the coverage counters the instrumented code bumps. globalThis.__p2poolFuzzEdges() says how
 * many edges have been instrumented so far.
 */
import { Buffer } from 'node:buffer';
import { register } from 'node:module';
import { COUNTERS } from './instrument.mjs';

globalThis.__p2poolFuzzCounters = new Uint8Array(COUNTERS);
// The loader thread writes the number of edges it has instrumented here (a message would
// only arrive when this thread's event loop turns, which a fuzzing loop rarely lets it do).
const edges = new Int32Array(new SharedArrayBuffer(4));
globalThis.__p2poolFuzzEdges = () => Atomics.load(edges, 0);
// Each instrumented file's edge id range and path (relative to the repository), for coverage per file.
const files = new Int32Array(new SharedArrayBuffer(4 * (1 + 4 * 2048)));
const names = new Uint8Array(new SharedArrayBuffer(128 * 1024));
globalThis.__p2poolFuzzFiles = () => {
  const out = [];
  const n = Atomics.load(files, 0);
  for (let i = 0; i < n; i++) {
    const [start, end, at, len] = files.subarray(1 + 4 * i, 5 + 4 * i);
    out.push({ file: Buffer.from(names.subarray(at, at + len)).toString('utf8'), start, end });
  }
  return out;
};
register('./loader.mjs', { parentURL: import.meta.url, data: { edges, files, names } });
