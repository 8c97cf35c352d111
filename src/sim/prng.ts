/**
 * The simulator's only source of randomness (docs/simulate.md#determinism): xoshiro128**
 * seeded through splitmix32, with the draws the simulation needs. One seed gives one run, bit
 * for bit: integer arithmetic, IEEE doubles and V8's Math.log/log1p (its own fdlibm port, the
 * same on every platform Node 20 runs on).
 *
 * `fork(label)` derives an independent stream, so each part of a run (a miner's share draws,
 * link jitter, Monte Carlo replicates) has its own and adding draws to one part does not shift
 * another's.
 */

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a of a label, to fold names into seeds. */
function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

const TWO_32 = 0x100000000;

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed`: any safe integer (the CLI's --seed). */
  constructor(seed: number, label = '') {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const st = { s: (seed % TWO_32) ^ Math.floor(seed / TWO_32) ^ hashLabel(label) };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
    this.seed = seed;
    this.label = label;
  }

  private readonly seed: number;
  private readonly label: string;

  /** An independent stream for one part of the run, named by `label`. */
  fork(label: string): Prng {
    return new Prng(this.seed, `${this.label}/${label}`);
  }

  /** Uniform u32 (xoshiro128**). */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  float(): number {
    const hi = this.u32() >>> 5; // 27 bits
    const lo = this.u32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in (0, 1]: safe under log(). */
  floatOpen(): number {
    return 1 - this.float();
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** Exponential with the given mean (> 0). */
  exponential(mean: number): number {
    return -Math.log(this.floatOpen()) * mean;
  }

  /**
   * Number of failures before the first success of Bernoulli(p) trials (p in (0, 1]); used to
   * skip straight to the next success in a long run of independent trials.
   */
  geometric(p: number): number {
    if (p >= 1) return 0;
    if (!(p > 0)) return Infinity;
    return Math.floor(Math.log(this.floatOpen()) / Math.log1p(-p));
  }

  /** Uniform integer in [0, max] (max >= 0), exact (rejection on the top word). */
  bigintUpTo(max: bigint): bigint {
    if (max < 0n) throw new RangeError('bigintUpTo needs max >= 0');
    if (max === 0n) return 0n;
    const bits = max.toString(2).length;
    const words = Math.ceil(bits / 32);
    const topBits = bits - 32 * (words - 1);
    const topMask = topBits === 32 ? 0xffffffff : (1 << topBits) - 1;
    for (;;) {
      let v = BigInt((this.u32() & topMask) >>> 0);
      for (let i = 1; i < words; i++) v = (v << 32n) | BigInt(this.u32());
      if (v <= max) return v;
    }
  }

  /** `n` random bytes. */
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
