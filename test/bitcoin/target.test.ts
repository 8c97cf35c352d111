import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_UINT256,
  bitsToDifficulty,
  bitsToTarget,
  difficultyToTarget,
  targetToBitsUpperBound,
  targetToDifficulty,
  targetToWork,
  workNumberToTarget,
  workToTarget,
} from '../../src/bitcoin/target.js';

const fixture = (path: string): Buffer => readFileSync(new URL(`../fixtures/${path}`, import.meta.url));
const json = <T>(path: string): T => JSON.parse(fixture(path).toString('utf8')) as T;

interface ShareVector {
  bits: string;
  absheight: number;
  abswork: number;
  max_bits?: string;
  max_target?: string;
  share_target?: string;
}
const reference = json<{ getwork_cases: { cases: { data: string; target: string }[] } }>(
  'p2pool-reference/repo_test_vectors.json',
);
const origV17 = json<{ shares: Required<ShareVector>[] }>('p2pool-reference/orig_v17_generated.json');
const jtV35 = json<{ shares: ShareVector[] }>('p2pool-reference/jt_v35_generated.json');

/** A 32-byte little-endian hex string (getwork's target encoding) as an integer. */
function leHexToBigInt(hex: string): bigint {
  return BigInt(`0x${Buffer.from(hex, 'hex').reverse().toString('hex')}`);
}

/** The bits field (bytes 72..76, u32 LE) of a serialized header. */
function headerBits(header: Buffer): number {
  return header.readUInt32LE(72);
}

describe('bitsToTarget', () => {
  it('decodes difficulty-1 bits 0x1d00ffff to 0xffff * 2**208', () => {
    expect(bitsToTarget(0x1d00ffff)).toBe(0xffffn << 208n);
  });

  it('decodes regtest 0x207fffff to 0x7fffff * 2**232', () => {
    expect(bitsToTarget(0x207fffff)).toBe(0x7fffffn << 232n);
  });

  it('decodes the bits of real mainnet block 413567 (0x18058436)', () => {
    const block = fixture('bitcoin-core/block413567.raw');
    const bits = headerBits(block);
    expect(bits).toBe(0x18058436);
    const target = bitsToTarget(bits);
    expect(target).toBe(0x058436n << 168n);
    // The block's hash (SOURCES.md) must meet its own target.
    expect(BigInt('0x0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069') <= target).toBe(true);
  });

  it('shifts right for exponents below 3 (as Core SetCompact)', () => {
    expect(bitsToTarget(0x01010000)).toBe(1n);
    expect(bitsToTarget(0x02012300)).toBe(0x123n);
    expect(bitsToTarget(0x00000000)).toBe(0n);
  });

  it('matches the reference share vectors (max_target of the ORIG v17 chain)', () => {
    for (const share of origV17.shares) {
      expect(bitsToTarget(parseInt(share.max_bits, 16))).toBe(BigInt(`0x${share.max_target}`));
      expect(bitsToTarget(parseInt(share.bits, 16))).toBe(BigInt(`0x${share.share_target}`));
    }
  });

  it('matches the getwork targets of the reference test vectors', () => {
    // test_getwork.py: each case's target (LE hex) equals the bits in its header data
    // (getwork data is byte-swapped per 32-bit word, so bits read big-endian at bytes 72..76).
    for (const c of reference.getwork_cases.cases) {
      const data = Buffer.from(c.data, 'hex');
      const bits = data.readUInt32BE(72);
      expect(bitsToTarget(bits)).toBe(leHexToBigInt(c.target));
      expect(targetToBitsUpperBound(leHexToBigInt(c.target))).toBe(bits);
    }
  });

  it('rejects values that are not a u32', () => {
    expect(() => bitsToTarget(-1)).toThrow(RangeError);
    expect(() => bitsToTarget(2 ** 32)).toThrow(RangeError);
    expect(() => bitsToTarget(1.5)).toThrow(RangeError);
  });
});

describe('targetToBitsUpperBound (reference FloatingInteger.from_target_upper_bound)', () => {
  it('encodes known targets to the reference bits', () => {
    expect(targetToBitsUpperBound(0xffffn << 208n)).toBe(0x1d00ffff);
    expect(targetToBitsUpperBound(0x058436n << 168n)).toBe(0x18058436);
    // The vectors' MAX_TARGET override 2**256//2 - 1 truncates to the share chain's 0x207fffff.
    expect(targetToBitsUpperBound((1n << 256n) / 2n - 1n)).toBe(0x207fffff);
    for (const share of [...origV17.shares, ...jtV35.shares]) {
      expect(targetToBitsUpperBound(bitsToTarget(parseInt(share.bits, 16)))).toBe(parseInt(share.bits, 16));
    }
  });

  it('adds a leading zero byte when the top mantissa bit would be set', () => {
    // 0x80 << 8*2 needs a 0x00 prefix: exponent 4, mantissa 0x008000.
    expect(targetToBitsUpperBound(0x800000n)).toBe(0x04008000);
    expect(targetToBitsUpperBound(MAX_UINT256)).toBe(0x2100ffff);
    expect(targetToBitsUpperBound(0x7fffffn)).toBe(0x037fffff);
  });

  it('truncates toward a smaller target', () => {
    expect(targetToBitsUpperBound((0xffffn << 208n) + 0xffffn)).toBe(0x1d00ffff);
    expect(targetToBitsUpperBound(0x12345678n)).toBe(0x04123456);
  });

  it('handles short and zero targets like the reference (right-padded mantissa)', () => {
    expect(targetToBitsUpperBound(0n)).toBe(0);
    expect(targetToBitsUpperBound(1n)).toBe(0x01010000);
    expect(targetToBitsUpperBound(0x123n)).toBe(0x02012300);
  });

  const target = fc.bigInt({ min: 0n, max: MAX_UINT256 });

  it('round trips to a value <= the target, less than one mantissa step below it', () => {
    fc.assert(
      fc.property(target, (t) => {
        const bits = targetToBitsUpperBound(t);
        const back = bitsToTarget(bits);
        expect(back <= t).toBe(true);
        const exponent = bits >>> 24;
        const step = exponent >= 3 ? 1n << BigInt(8 * (exponent - 3)) : 1n;
        expect(t - back < step).toBe(true);
        expect(bits & 0x800000).toBe(0); // never a "negative" mantissa
      }),
    );
  });

  it('gives the largest representable target <= t: no other bits in between', () => {
    fc.assert(
      fc.property(target, fc.integer({ min: 0, max: 0x21 }), fc.integer({ min: 0, max: 0x7fffff }), (t, exp, mant) => {
        const other = bitsToTarget(((exp << 24) | mant) >>> 0);
        const best = bitsToTarget(targetToBitsUpperBound(t));
        if (other <= t) expect(other <= best).toBe(true);
      }),
    );
  });

  it('is the identity on targets that are already compact', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 0x20 }), fc.integer({ min: 0x8000, max: 0x7fffff }), (exp, mant) => {
        const bits = ((exp << 24) | mant) >>> 0;
        expect(targetToBitsUpperBound(bitsToTarget(bits))).toBe(bits);
      }),
    );
  });
});

describe('work', () => {
  it('targetToWork is 2**256 // (t+1): 2 per share of the vectors (abswork steps of 2)', () => {
    for (const chain of [origV17.shares, jtV35.shares]) {
      for (const share of chain) {
        expect(targetToWork(bitsToTarget(parseInt(share.bits, 16))) * BigInt(share.absheight)).toBe(BigInt(share.abswork));
      }
    }
    expect(targetToWork(MAX_UINT256)).toBe(1n);
    expect(targetToWork(0n)).toBe(1n << 256n);
    // Difficulty-1 work, as Core's GetBlockProof: 2**256 / (0xffff * 2**208 + 1) = 0x100010001.
    expect(targetToWork(bitsToTarget(0x1d00ffff))).toBe(0x100010001n);
  });

  it('workToTarget rounds 2**256/a - 1 half up, capped at 2**256-1', () => {
    expect(workToTarget(1n)).toBe(MAX_UINT256);
    expect(workToTarget(2n)).toBe((1n << 255n) - 1n);
    // 2**256/3 - 1 = ...5.333 -> ...5 (floor after +0.5)
    expect(workToTarget(3n)).toBe((1n << 256n) / 3n - 1n);
    expect(workToTarget(0n)).toBe(MAX_UINT256);
    expect(workToTarget(1n << 257n)).toBe(0n);
    expect(workToTarget(1n << 256n)).toBe(0n); // 1 - 1 + 0.5 -> 0
  });

  it('workToTarget is exactly floor(2**256/a - 1 + 1/2)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 200n }), (a) => {
        const t = workToTarget(a);
        // t <= 2**256/a - 1/2 < t + 1, multiplied through by 2a.
        const twoPow257 = 1n << 257n;
        expect(2n * a * t <= twoPow257 - a).toBe(true);
        expect(twoPow257 - a < 2n * a * (t + 1n)).toBe(true);
      }),
    );
  });

  it('workNumberToTarget agrees with workToTarget on integers and handles fractions exactly', () => {
    expect(workNumberToTarget(3)).toBe(workToTarget(3n));
    expect(workNumberToTarget(2 ** 40)).toBe(workToTarget(1n << 40n));
    // a = 0.5: 2**257 - 0.5 -> capped
    expect(workNumberToTarget(0.5)).toBe(MAX_UINT256);
    // a = 2.5 = 5/2: floor(2**257/5 - 1/2)
    expect(workNumberToTarget(2.5)).toBe(((1n << 258n) - 5n) / 10n);
    expect(workNumberToTarget(0)).toBe(MAX_UINT256);
    expect(() => workNumberToTarget(NaN)).toThrow(RangeError);
  });
});

describe('difficulty', () => {
  it('bits 0x1d00ffff is difficulty 1 exactly', () => {
    expect(bitsToDifficulty(0x1d00ffff)).toBe(1);
    expect(difficultyToTarget(1)).toBe(bitsToTarget(0x1d00ffff));
  });

  it("block 413567's difficulty is the network's 199,312,067,531.24", () => {
    const bits = headerBits(fixture('bitcoin-core/block413567.raw'));
    expect(bitsToDifficulty(bits)).toBeCloseTo(199312067531.24, 1);
  });

  it('regtest 0x207fffff is difficulty 4.6565423739069247e-10 (Core getdifficulty on regtest)', () => {
    expect(bitsToDifficulty(0x207fffff)).toBeCloseTo(4.6565423739069247e-10, 20);
  });

  it('is the correctly rounded double of the exact ratio (Python true division)', () => {
    // (0xffff0000 * 2**192 + 1) / (2**256) and a ratio needing round-to-nearest.
    expect(targetToDifficulty(MAX_UINT256)).toBe(0xffff0000 / 2 ** 64);
    expect(targetToDifficulty(0n)).toBe(Number(0xffff0000n * (1n << 192n) + 1n));
    const n = 0xffff0000n * (1n << 192n) + 1n;
    const scale = 1n << 128n;
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_UINT256 }), (t) => {
        const d = targetToDifficulty(t);
        let e = Math.floor(Math.log2(d));
        if (2 ** e > d) e -= 1;
        if (2 ** (e + 1) <= d) e += 1;
        const halfUlp = 2 ** (e - 53);
        const exact = (n * scale) / (t + 1n); // floor of the exact quotient, scaled
        const got = ratioTimes(d, scale);
        const err = got > exact ? got - exact : exact - got;
        expect(err <= ratioTimes(halfUlp, scale) + 1n).toBe(true);
      }),
    );
  });

  it('difficultyToTarget rounds like the reference and caps at 2**256-1', () => {
    expect(difficultyToTarget(0)).toBe(MAX_UINT256);
    expect(difficultyToTarget(-5)).toBe(MAX_UINT256);
    expect(difficultyToTarget(Infinity)).toBe(0n);
    // d = 2: (N / 2 - 1 + 0.5) with N = 0xffff0000*2**192 + 1 odd -> N/2 - 1/2 exactly.
    const n = 0xffff0000n * (1n << 192n) + 1n;
    expect(difficultyToTarget(2)).toBe((n - 1n) / 2n);
    expect(difficultyToTarget(65536)).toBe((2n * n - 65536n) / (2n * 65536n));
    expect(() => difficultyToTarget(NaN)).toThrow(RangeError);
  });

  it('difficulty -> target -> difficulty round trips within float precision', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-6, max: 1e15, noNaN: true }), (d) => {
        const back = targetToDifficulty(difficultyToTarget(d));
        expect(Math.abs(back - d) / d).toBeLessThan(1e-12);
      }),
    );
  });
});

/** floor(x * scale) for a double x >= 0, exactly. */
function ratioTimes(x: number, scale: bigint): bigint {
  let m = x;
  let shift = 0n;
  while (!Number.isInteger(m)) {
    m *= 2;
    shift += 1n;
  }
  return (BigInt(m) * scale) >> shift;
}
