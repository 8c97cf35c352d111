/**
 * A small coverage-guided fuzzer in the manner of libFuzzer (docs/testing.md#fuzzing), for
 * decoders written in TypeScript: inputs are byte strings, mutated (bit flips, integer tweaks,
 * inserts, erasures, copies, dictionary words, crossover), and an input is kept in the corpus
 * when it reaches a new *feature*: an edge of the instrumented code (fuzz/instrument.mjs) hit a
 * new number of times (bucketed 1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+, as AFL does).
 *
 * Properties checked on every input (a violation is a *finding*: the input is written to
 * .fuzz/findings/ and the run stops):
 * - crash: the target threw (each target lets through only its decoder's own typed errors, so
 *   anything else, a TypeError, a RangeError from a bad index, an assertion, is a crash);
 * - hang: one input took over 100 ms, three times in a row (a single slow run can be the GC
 *   or a loaded machine); an input stuck for 10 s is caught by the watchdog thread, which
 *   saves it and kills the process;
 * - allocation: one Buffer allocation larger than max(1 MiB, 256 x the input) (a length
 *   field trusted before the bytes are there), or the process passing 1.5 GB (the watchdog);
 * - round trip: the target's own check that decode -> encode gives the same bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

export interface FuzzTarget {
  name: string;
  /** One line: what it feeds and to what. */
  about: string;
  /** Seed inputs (from the real captures in test/fixtures). */
  seeds(): Uint8Array[];
  /** Tokens worth inserting (command names, JSON keys, interesting byte strings). */
  dictionary?: Array<string | Uint8Array>;
  /** The decoder's own source files (repository paths): coverage is reported over their edges. */
  covers: string[];
  /** Longest input to try (default 4,096 bytes; seeds may be longer and are kept as they are). */
  maxLen?: number;
  /** Feed one input; throw only when a property is violated. */
  run(data: Uint8Array): void | Promise<void>;
}

export interface FuzzOptions {
  seconds: number;
  /** Stop after this many executions (0: no limit). */
  runs?: number;
  /** Corpus directory to load from and save new inputs to. */
  corpusDir?: string;
  findingsDir: string;
  seed?: number;
  log?: (msg: string) => void;
}

export interface Finding {
  kind: 'crash' | 'hang' | 'allocation' | 'timeout' | 'memory';
  message: string;
  file: string;
}

export interface FuzzResult {
  target: string;
  execs: number;
  seconds: number;
  corpus: number;
  /** Edges hit at least once, and edges instrumented in the process. */
  edgesCovered: number;
  edgesTotal: number;
  /** Edges covered / instrumented in the target's own decoder files (`covers`). */
  ownCovered: number;
  ownTotal: number;
  features: number;
  slowestMs: number;
  finding: Finding | null;
}

export const HANG_MS = 100;
const HARD_TIMEOUT_MS = 10_000;
const RSS_LIMIT = 1536 * 1024 * 1024;
const MIN_ALLOC_LIMIT = 1024 * 1024;

declare global {
  var __p2poolFuzzCounters: Uint8Array | undefined;
  var __p2poolFuzzEdges: (() => number) | undefined;
  var __p2poolFuzzFiles: (() => Array<{ file: string; start: number; end: number }>) | undefined;
}

/** count -> feature bit (AFL's buckets). */
const BUCKET = new Uint8Array(256);
for (let c = 1; c < 256; c++) BUCKET[c] = c === 1 ? 1 : c === 2 ? 2 : c === 3 ? 4 : c < 8 ? 8 : c < 16 ? 16 : c < 32 ? 32 : c < 128 ? 64 : 128;

/**
 * mulberry32, seeded: a run is repeatable with --seed. (A 32-bit port of xorshift128+ used here
 * first cycled after ~8,000 values, so the same few mutations repeated: the fuzzer's self-test,
 * test/fuzz/engine.test.ts, found it.)
 */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) | 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  below(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 4294967296 < p;
  }
}

const INTERESTING: bigint[] = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0xfcn, 0xfdn, 0xfen, 0x100n, 0x7fffn, 0x8000n, 0xffffn, 0x10000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, 0x1fffffffffffffn, 0x7fffffffffffffffn, 0xffffffffffffffffn];
/** CompactSize prefixes with lengths: the most common way into a decoder's limits. */
const VARINTS: Uint8Array[] = [
  Uint8Array.of(0xfc), Uint8Array.of(0xfd, 0xfd, 0x00), Uint8Array.of(0xfd, 0xff, 0xff), Uint8Array.of(0xfe, 0x00, 0x00, 0x01, 0x00),
  Uint8Array.of(0xfe, 0xff, 0xff, 0xff, 0xff), Uint8Array.of(0xff, 0, 0, 0, 0, 1, 0, 0, 0), Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
  Uint8Array.of(0xfd, 0x00, 0x00), Uint8Array.of(0xfd, 0xfc, 0x00),
];

export class Fuzzer {
  private readonly rng: Rng;
  private readonly corpus: Uint8Array[] = [];
  private readonly corpusKeys = new Set<string>();
  private readonly seen = new Uint8Array(1 << 16);
  private readonly counters: Uint8Array;
  private readonly dict: Uint8Array[];
  private readonly maxLen: number;
  private features = 0;
  private edgesCovered = 0;
  private execs = 0;
  private slowest = 0;
  private allocViolation: number | null = null;
  private currentLen = 0;
  private readonly shared: { state: Int32Array; len: Int32Array; start: Float64Array; bytes: Uint8Array };
  private readonly watchdog: Worker;
  private readonly log: (msg: string) => void;

  constructor(
    private readonly target: FuzzTarget,
    private readonly opts: FuzzOptions,
  ) {
    const counters = globalThis.__p2poolFuzzCounters;
    if (!counters) throw new Error('no coverage counters: run the fuzzer through `npm run fuzz` (node --import ./fuzz/register.mjs)');
    this.counters = counters;
    this.rng = new Rng(opts.seed ?? (Date.now() ^ process.pid));
    this.log = opts.log ?? ((m) => console.log(m));
    this.dict = [...(target.dictionary ?? []).map((d) => (typeof d === 'string' ? Buffer.from(d, 'utf8') : d)), ...VARINTS];
    const seeds = target.seeds();
    this.maxLen = Math.max(target.maxLen ?? 4096, 1);
    // The watchdog: a thread that sees the input being run, its start time and the process's
    // RSS; it saves the input and kills the process when one input never returns.
    const sab = new SharedArrayBuffer(16 + Math.max(this.maxLen, ...seeds.map((s) => s.length)) + 64);
    this.shared = { state: new Int32Array(sab, 0, 1), len: new Int32Array(sab, 4, 1), start: new Float64Array(sab, 8, 1), bytes: new Uint8Array(sab, 16) };
    mkdirSync(opts.findingsDir, { recursive: true });
    this.watchdog = new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { sab, dir: opts.findingsDir, target: target.name, timeoutMs: HARD_TIMEOUT_MS, rssLimit: RSS_LIMIT } });
    this.watchdog.unref();
    this.initialSeeds = seeds;
  }

  private readonly initialSeeds: Uint8Array[];

  /** Run for the configured time; resolves with the figures and the first finding, if any. */
  async run(): Promise<FuzzResult> {
    const restore = this.hookAllocations();
    const t0 = performance.now();
    let finding: Finding | null = null;
    try {
      const start: Uint8Array[] = [...this.initialSeeds, ...this.loadCorpusDir()];
      if (start.length === 0) start.push(new Uint8Array(0));
      for (const s of start) {
        finding = await this.exec(s, true);
        if (finding) break;
      }
      const deadline = t0 + this.opts.seconds * 1000;
      const runs = this.opts.runs ?? 0;
      let nextReport = performance.now() + 10_000;
      while (!finding && performance.now() < deadline && (runs === 0 || this.execs < runs)) {
        for (let i = 0; i < 200 && !finding; i++) finding = await this.exec(this.mutate(), false);
        await new Promise((r) => setImmediate(r));
        if (performance.now() > nextReport) {
          nextReport += 10_000;
          this.log(`  ${this.target.name}: ${this.execs} execs, ${Math.round(this.execs / ((performance.now() - t0) / 1000))}/s, corpus ${this.corpus.length}, edges ${this.edgesCovered}, features ${this.features}`);
        }
      }
    } finally {
      restore();
      await this.watchdog.terminate();
    }
    this.saveCorpusDir();
    let ownCovered = 0;
    let ownTotal = 0;
    for (const f of globalThis.__p2poolFuzzFiles?.() ?? []) {
      if (!this.target.covers.includes(f.file)) continue;
      for (let i = f.start; i < f.end; i++) {
        ownTotal++;
        if (this.seen[i % this.seen.length] !== 0) ownCovered++;
      }
    }
    return {
      target: this.target.name,
      execs: this.execs,
      seconds: (performance.now() - t0) / 1000,
      corpus: this.corpus.length,
      edgesCovered: this.edgesCovered,
      edgesTotal: globalThis.__p2poolFuzzEdges?.() ?? 0,
      ownCovered,
      ownTotal,
      features: this.features,
      slowestMs: Math.round(this.slowest * 10) / 10,
      finding,
    };
  }

  private hookAllocations(): () => void {
    const B = Buffer as unknown as Record<'alloc' | 'allocUnsafe' | 'allocUnsafeSlow', (size: number, ...rest: unknown[]) => Buffer>;
    const orig = { alloc: B.alloc, allocUnsafe: B.allocUnsafe, allocUnsafeSlow: B.allocUnsafeSlow };
    for (const k of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
      const fn = orig[k];
      B[k] = (size: number, ...rest: unknown[]) => {
        if (typeof size === 'number' && size > Math.max(MIN_ALLOC_LIMIT, 256 * this.currentLen) && this.allocViolation === null) this.allocViolation = size;
        return fn.call(Buffer, size, ...rest);
      };
    }
    return () => Object.assign(B, orig);
  }

  /** Run one input; returns a finding or null. */
  private async exec(data: Uint8Array, isSeed: boolean): Promise<Finding | null> {
    const counters = this.counters;
    const n = Math.min(globalThis.__p2poolFuzzEdges?.() || counters.length, counters.length);
    counters.fill(0, 0, n);
    this.currentLen = data.length;
    this.allocViolation = null;
    const sh = this.shared;
    if (data.length <= sh.bytes.length) {
      sh.bytes.set(data);
      sh.len[0] = data.length;
    } else sh.len[0] = -1;
    sh.start[0] = Date.now();
    Atomics.store(sh.state, 0, 1);
    const t = performance.now();
    let error: unknown = null;
    try {
      const r = this.target.run(data);
      if (r) await r;
    } catch (e) {
      error = e;
    }
    const dt = performance.now() - t;
    Atomics.store(sh.state, 0, 0);
    this.execs++;
    if (error !== null) return this.report('crash', data, describeError(error));
    if (this.allocViolation !== null) return this.report('allocation', data, `one allocation of ${this.allocViolation} bytes for a ${data.length}-byte input`);
    if (dt > HANG_MS && !isSeed) {
      // Three slow runs in a row, or it was the machine.
      let slow = 0;
      for (let i = 0; i < 3; i++) {
        const t1 = performance.now();
        try {
          await this.target.run(data);
        } catch {
          /* reported above if it throws consistently */
        }
        if (performance.now() - t1 > HANG_MS) slow++;
      }
      if (slow === 3) return this.report('hang', data, `took ${dt.toFixed(0)} ms (> ${HANG_MS} ms) on every one of 4 runs`);
    }
    if (dt > this.slowest) this.slowest = dt;
    // New features?
    let fresh = 0;
    const seen = this.seen;
    for (let i = 0; i < n; i++) {
      const c = counters[i]!;
      if (c === 0) continue;
      const b = BUCKET[c]!;
      const s = seen[i]!;
      if ((s & b) === 0) {
        if (s === 0) this.edgesCovered++;
        seen[i] = s | b;
        fresh++;
      }
    }
    if (fresh > 0 || isSeed) {
      this.features += fresh;
      this.addToCorpus(data);
    }
    return null;
  }

  private addToCorpus(data: Uint8Array): void {
    const key = sha1(data);
    if (this.corpusKeys.has(key)) return;
    this.corpusKeys.add(key);
    this.corpus.push(Uint8Array.from(data));
  }

  private report(kind: Finding['kind'], data: Uint8Array, message: string): Finding {
    const file = join(this.opts.findingsDir, `${this.target.name}-${kind}-${sha1(data).slice(0, 16)}.bin`);
    writeFileSync(file, data);
    return { kind, message, file };
  }

  private loadCorpusDir(): Uint8Array[] {
    const dir = this.opts.corpusDir;
    if (!dir || !existsSync(dir)) return [];
    return readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
  }

  private saveCorpusDir(): void {
    const dir = this.opts.corpusDir;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    const have = new Set(readdirSync(dir));
    for (const c of this.corpus) {
      const name = sha1(c);
      if (!have.has(name)) writeFileSync(join(dir, name), c);
    }
  }

  // --- mutation -----------------------------------------------------------------------------

  private pick(): Uint8Array {
    // Newer entries a little more often: they are where coverage grew last.
    const n = this.corpus.length;
    const i = this.rng.chance(0.5) ? n - 1 - this.rng.below(Math.min(n, 16)) : this.rng.below(n);
    return this.corpus[i]!;
  }

  private mutate(): Uint8Array {
    let data: Uint8Array = this.pick();
    const rounds = 1 + this.rng.below(5);
    for (let r = 0; r < rounds; r++) data = this.mutateOnce(data);
    return data.length > Math.max(this.maxLen, 1) && data.length > this.pick().length ? data.subarray(0, this.maxLen) : data;
  }

  private mutateOnce(src: Uint8Array): Uint8Array {
    const rng = this.rng;
    const len = src.length;
    const d = Uint8Array.from(src);
    switch (rng.below(13)) {
      case 0: // flip a bit
        if (len) d[rng.below(len)]! ^= 1 << rng.below(8);
        return d;
      case 1: // random byte
        if (len) d[rng.below(len)] = rng.below(256);
        return d;
      case 2: { // erase a run
        if (len < 2) return d;
        const at = rng.below(len);
        const n = 1 + rng.below(Math.min(len - at, rng.chance(0.8) ? 8 : 256));
        return concat(d.subarray(0, at), d.subarray(at + n));
      }
      case 3: { // insert random bytes (or a repeated one)
        const at = rng.below(len + 1);
        const n = 1 + rng.below(rng.chance(0.8) ? 4 : 128);
        const ins = new Uint8Array(n);
        const rep = rng.chance(0.5) ? rng.below(256) : -1;
        for (let i = 0; i < n; i++) ins[i] = rep >= 0 ? rep : rng.below(256);
        return concat(d.subarray(0, at), ins, d.subarray(at));
      }
      case 4: { // add or subtract a little from an integer of 1, 2, 4 or 8 bytes, either endian
        const size = [1, 2, 4, 8][rng.below(4)]!;
        if (len < size) return d;
        const at = rng.below(len - size + 1);
        const le = rng.chance(0.7);
        let v = readInt(d, at, size, le);
        v += BigInt(rng.below(71) - 35);
        writeInt(d, at, size, le, v);
        return d;
      }
      case 5: { // an interesting value
        const size = [1, 2, 4, 8][rng.below(4)]!;
        if (len < size) return d;
        writeInt(d, rng.below(len - size + 1), size, rng.chance(0.7), INTERESTING[rng.below(INTERESTING.length)]!);
        return d;
      }
      case 6: { // copy a part over another place
        if (len < 2) return d;
        const from = rng.below(len);
        const to = rng.below(len);
        const n = 1 + rng.below(Math.min(len - from, len - to));
        d.copyWithin(to, from, from + n);
        return d;
      }
      case 7: { // insert a copy of a part
        if (len < 1) return d;
        const from = rng.below(len);
        const n = 1 + rng.below(Math.min(len - from, 64));
        const at = rng.below(len + 1);
        return concat(d.subarray(0, at), d.slice(from, from + n), d.subarray(at));
      }
      case 8:
      case 9: { // a dictionary word, inserted or written over
        const w = this.dict[rng.below(this.dict.length)]!;
        const at = rng.below(len + 1);
        if (rng.chance(0.5) || at + w.length > len) return concat(d.subarray(0, at), w, d.subarray(at));
        d.set(w, at);
        return d;
      }
      case 10: { // crossover with another corpus entry
        const other = this.pick();
        if (!other.length) return d;
        const a = rng.below(len + 1);
        const b = rng.below(other.length);
        return concat(d.subarray(0, a), other.subarray(b, b + 1 + rng.below(other.length - b)));
      }
      case 11: { // an ASCII digit string changed (JSON numbers, text lengths)
        const s = Buffer.from(d).toString('latin1');
        const m = [...s.matchAll(/-?\d+/g)];
        if (!m.length) return d;
        const hit = m[rng.below(m.length)]!;
        const choices = ['0', '-1', '1e308', '4294967296', '9007199254740993', '-0', '1.5', String(Number(hit[0]) + rng.below(5) - 2), '99999999999999999999'];
        const rep = Buffer.from(choices[rng.below(choices.length)]!, 'latin1');
        return concat(d.subarray(0, hit.index), rep, d.subarray(hit.index + hit[0].length));
      }
      default: { // truncate
        if (len < 1) return d;
        return d.slice(0, rng.below(len));
      }
    }
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function readInt(d: Uint8Array, at: number, size: number, le: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < size; i++) v |= BigInt(d[le ? at + i : at + size - 1 - i]!) << BigInt(8 * i);
  return v;
}

function writeInt(d: Uint8Array, at: number, size: number, le: boolean, v: bigint): void {
  const mask = (1n << BigInt(8 * size)) - 1n;
  v &= mask;
  for (let i = 0; i < size; i++) d[le ? at + i : at + size - 1 - i] = Number((v >> BigInt(8 * i)) & 0xffn);
}

export function sha1(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}\n${e.stack ?? ''}`;
  return `thrown non-error: ${String(e)}`;
}

const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeFileSync } = require('node:fs');
const { createHash } = require('node:crypto');
const { join } = require('node:path');
const { sab, dir, target, timeoutMs, rssLimit } = workerData;
const state = new Int32Array(sab, 0, 1), len = new Int32Array(sab, 4, 1), start = new Float64Array(sab, 8, 1), bytes = new Uint8Array(sab, 16);
function die(kind, why) {
  const n = len[0];
  const data = n >= 0 ? Buffer.from(bytes.subarray(0, n)) : Buffer.alloc(0);
  const file = join(dir, target + '-' + kind + '-' + createHash('sha1').update(data).digest('hex').slice(0, 16) + '.bin');
  writeFileSync(file, data);
  process.stderr.write('FINDING ' + kind + ' in ' + target + ': ' + why + '; input saved to ' + file + '\\n');
  process.kill(process.pid, 'SIGKILL');
}
setInterval(() => {
  if (Atomics.load(state, 0) === 1 && Date.now() - start[0] > timeoutMs) die('timeout', 'one input ran for over ' + timeoutMs + ' ms');
  const rss = process.memoryUsage.rss();
  if (rss > rssLimit) die('memory', 'the process reached ' + Math.round(rss / 1048576) + ' MB');
}, 100);
`;
