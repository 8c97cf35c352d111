/**
 * `node --import ./fuzz/register.mjs ...`: installs the fuzzer's module hooks (loader.mjs) and
 * the coverage counters the instrumented code bumps. globalThis.__p2poolFuzzEdges() says how
 * many edges have been instrumented so far.
 */
import { register } from 'node:module';
import { COUNTERS } from './instrument.mjs';

globalThis.__p2poolFuzzCounters = new Uint8Array(COUNTERS);
// The loader thread writes the number of edges it has instrumented here (a message would
// only arrive when this thread's event loop turns, which a fuzzing loop rarely lets it do).
const edges = new Int32Array(new SharedArrayBuffer(4));
globalThis.__p2poolFuzzEdges = () => Atomics.load(edges, 0);
register('./loader.mjs', { parentURL: import.meta.url, data: { edges } });
