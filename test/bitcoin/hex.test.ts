import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteReader } from '../../src/bitcoin/bytes.js';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { bigIntToBytesLE, bigIntToHash, bytesToBigIntLE, fromHex, hashToDisplayHex } from '../../src/bitcoin/hex.js';

/** The definition: sum of byte[i] * 256**i, from the display (big-endian) hex. */
function byDefinition(bytes: Uint8Array): bigint {
  const hex = Buffer.from(bytes).reverse().toString('hex');
  return hex === '' ? 0n : BigInt('0x' + hex);
}

describe('bytesToBigIntLE (read in 32-bit words)', () => {
  it('equals the little-endian integer for every length 0..40, including all-0xff and bytes past a word', () => {
    for (let len = 0; len <= 40; len++) {
      for (const bytes of [randomBytes(len), Buffer.alloc(len, 0xff), Buffer.alloc(len), Buffer.from(Array.from({ length: len }, (_, i) => i + 1))]) {
        expect(bytesToBigIntLE(bytes)).toBe(byDefinition(bytes));
      }
    }
  });

  it('reads a view at an odd offset (a hash inside a larger buffer), and ByteReader.readUIntLE agrees', () => {
    const big = randomBytes(64);
    const view = big.subarray(3, 35);
    expect(bytesToBigIntLE(view)).toBe(byDefinition(view));
    const r = new ByteReader(big);
    r.readBytes(3);
    expect(r.readUIntLE(16)).toBe(byDefinition(big.subarray(3, 19)));
    expect(r.offset).toBe(19);
    // A range read without a view: the same integer for every start and length.
    for (let start = 0; start <= 8; start++) {
      for (const len of [0, 1, 5, 16, 32]) expect(bytesToBigIntLE(big, start, len)).toBe(byDefinition(big.subarray(start, start + len)));
    }
  });
});

describe('bigIntToBytesLE (written eight bytes at a time)', () => {
  it('writes the integer of every byte string of length 0..40 back to those bytes, in that length', () => {
    for (let len = 0; len <= 40; len++) {
      for (const bytes of [randomBytes(len), Buffer.alloc(len, 0xff), Buffer.alloc(len), Buffer.from(Array.from({ length: len }, (_, i) => i + 1))]) {
        expect(bigIntToBytesLE(byDefinition(bytes), len).equals(bytes)).toBe(true);
      }
    }
    // Small values in a long field (the zero-padded high bytes), and a hash's form.
    expect(bigIntToBytesLE(0x0102n, 11).toString('hex')).toBe('0201' + '00'.repeat(9));
    const target = (1n << 224n) - 1n;
    expect(bigIntToHash(target).toString('hex')).toBe('ff'.repeat(28) + '00'.repeat(4));
  });

  it('refuses a value that does not fit, one byte or one bit past, and a negative one', () => {
    for (const len of [1, 7, 8, 9, 16, 31, 32, 33]) {
      expect(() => bigIntToBytesLE(1n << BigInt(8 * len), len)).toThrow(RangeError);
      expect(bigIntToBytesLE((1n << BigInt(8 * len)) - 1n, len).equals(Buffer.alloc(len, 0xff))).toBe(true);
    }
    expect(() => bigIntToBytesLE(1n, 0)).toThrow(RangeError);
    expect(() => bigIntToBytesLE(-1n, 32)).toThrow(RangeError);
  });
});

describe('fromHex (strict)', () => {
  /** The definition: an even number of hex digits, nothing else. */
  const STRICT = /^(?:[0-9a-fA-F]{2})*$/;
  const decodes = (s: string): boolean => {
    try {
      fromHex(s);
      return true;
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
      return false;
    }
  };

  it('takes exactly the strings of an even number of hex digits, and gives their bytes', () => {
    // Hex digits with a few characters that are not (near misses, space, non-ASCII, a surrogate).
    const ch = fc.constantFrom(...'0123456789abcdefABCDEF', 'g', 'G', ' ', 'x', '-', '\u00e9', '\u0661', '\ud800', '\u0000', '/', ':', '@', '`');
    fc.assert(fc.property(fc.array(ch, { maxLength: 40 }).map((a) => a.join('')), (s) => {
      const ok = STRICT.test(s);
      expect(decodes(s)).toBe(ok);
      if (ok) expect(fromHex(s).equals(Buffer.from(s, 'hex'))).toBe(true);
    }), { numRuns: 3000 });
  });

  it('refuses one bad character at every position of real hex, and an odd length', () => {
    const good = randomBytes(40).toString('hex');
    expect(fromHex(good).toString('hex')).toBe(good);
    for (let i = 0; i < good.length; i++) {
      for (const bad of ['g', ' ', '\u00e9']) expect(decodes(good.slice(0, i) + bad + good.slice(i + 1)), `${bad} at ${i}`).toBe(false);
    }
    expect(decodes(good.slice(1))).toBe(false);
    expect(decodes(good + 'a')).toBe(false);
    expect(decodes('')).toBe(true);
    expect(() => fromHex(good, 39)).toThrow(DecodeError);
  });
});

describe('hashToDisplayHex', () => {
  it('is the reversed bytes in hex, for hashes and for other lengths, and leaves its input alone', () => {
    for (const len of [32, 0, 20, 33]) {
      const bytes = randomBytes(len);
      const copy = Buffer.from(bytes);
      expect(hashToDisplayHex(bytes)).toBe(Buffer.from(bytes).reverse().toString('hex'));
      expect(bytes.equals(copy)).toBe(true);
    }
    // Two calls in one expression: the second does not change the first's string.
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect([hashToDisplayHex(a), hashToDisplayHex(b)]).toEqual([Buffer.from(a).reverse().toString('hex'), Buffer.from(b).reverse().toString('hex')]);
  });
});
