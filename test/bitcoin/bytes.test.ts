import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { decodeBlock, decodeBlockWithRaw, decodeHeader } from '../../src/bitcoin/block.js';
import { ByteReader, ByteWriter, MAX_VAR_BYTES, compactSizeLength } from '../../src/bitcoin/bytes.js';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { fromHex } from '../../src/bitcoin/hex.js';
import { decodeTransaction } from '../../src/bitcoin/transaction.js';

const fixture = (rel: string) => new URL(`../fixtures/${rel}`, import.meta.url);

/** Runs `f` and fails the property if it throws anything but DecodeError. */
function onlyDecodeError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw new Error(`expected DecodeError, got ${String(e)}`);
  }
}

describe('CompactSize', () => {
  const sizes = fc.oneof(
    fc.integer({ min: 0, max: 0xfc }),
    fc.integer({ min: 0xfd, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0xffffffff }),
    fc.integer({ min: 0x100000000, max: Number.MAX_SAFE_INTEGER }),
  );

  it('round-trips with the canonical (shortest) length', () => {
    fc.assert(
      fc.property(sizes, (v) => {
        const bytes = new ByteWriter().writeCompactSize(v).toBytes();
        expect(bytes.length).toBe(compactSizeLength(v));
        const r = new ByteReader(bytes);
        expect(r.readCompactSize()).toBe(v);
        expect(r.remaining).toBe(0);
      }),
    );
  });

  it('boundary encodings (Bitcoin Core serialize.h)', () => {
    const enc = (v: number) => new ByteWriter().writeCompactSize(v).toBytes().toString('hex');
    expect(enc(0xfc)).toBe('fc');
    expect(enc(0xfd)).toBe('fdfd00');
    expect(enc(0xffff)).toBe('fdffff');
    expect(enc(0x10000)).toBe('fe00000100');
    expect(enc(0x100000000)).toBe('ff0000000001000000');
  });

  it('rejects non-canonical encodings with DecodeError', () => {
    // A value written with a longer prefix than it needs.
    const nonCanonical = fc.oneof(
      fc.integer({ min: 0, max: 0xfc }).map((v) => Buffer.concat([Buffer.of(0xfd), u16(v)])),
      fc.integer({ min: 0, max: 0xffff }).map((v) => Buffer.concat([Buffer.of(0xfe), u32(v)])),
      fc.integer({ min: 0, max: 0xffffffff }).map((v) => Buffer.concat([Buffer.of(0xff), u32(v), u32(0)])),
    );
    fc.assert(
      fc.property(nonCanonical, (bytes) => {
        expect(() => new ByteReader(bytes).readCompactSize()).toThrow(DecodeError);
      }),
    );
  });

  it('rejects values above the caller limit and beyond 2^53', () => {
    expect(() => new ByteReader(Buffer.from('fd0001', 'hex')).readCompactSize(255)).toThrow(DecodeError);
    expect(() => new ByteReader(Buffer.from('ffffffffffffffffff', 'hex')).readCompactSize()).toThrow(DecodeError);
  });
});

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
}
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v);
  return b;
}

describe('var bytes, lists and integers round-trip', () => {
  it('var bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (data) => {
        const bytes = new ByteWriter().writeVarBytes(data).toBytes();
        const r = new ByteReader(bytes);
        expect(Buffer.from(r.readVarBytes())).toEqual(Buffer.from(data));
        r.expectEnd();
      }),
    );
  });

  it('var bytes longer than the limit are rejected before reading them', () => {
    const bytes = new ByteWriter().writeVarBytes(Buffer.alloc(11)).toBytes();
    expect(() => new ByteReader(bytes).readVarBytes(10)).toThrow(DecodeError);
    expect(() => new ByteReader(Buffer.from('fe00000004', 'hex')).readVarBytes()).toThrow(DecodeError);
    expect(MAX_VAR_BYTES).toBe(32 * 1024 * 1024);
  });

  it('lists of var bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 }), (items) => {
        const bytes = new ByteWriter().writeList(items, (w, x) => w.writeVarBytes(x)).toBytes();
        const r = new ByteReader(bytes);
        const back = r.readList(1000, (rr) => rr.readVarBytes());
        expect(back.map((b) => Buffer.from(b).toString('hex'))).toEqual(items.map((b) => Buffer.from(b).toString('hex')));
        r.expectEnd();
      }),
    );
  });

  it('list counts above the limit or the remaining bytes are rejected', () => {
    const bytes = new ByteWriter().writeList([1, 2, 3], (w, x) => w.writeU8(x)).toBytes();
    expect(() => new ByteReader(bytes).readList(2, (r) => r.readU8())).toThrow(DecodeError);
    expect(() => new ByteReader(Buffer.from('fdff00', 'hex')).readList(1000, (r) => r.readU8())).toThrow(DecodeError);
  });

  it('fixed-width integers', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xff }),
        fc.nat({ max: 0xffff }),
        fc.nat({ max: 0xffffffff }),
        fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        (a, b, c, d, e, f) => {
          const bytes = new ByteWriter(1)
            .writeU8(a)
            .writeU16LE(b)
            .writeU16BE(b)
            .writeU32LE(c)
            .writeI32LE(d)
            .writeU64LE(e)
            .writeUIntLE(f, 32)
            .toBytes();
          expect(bytes.length).toBe(1 + 2 + 2 + 4 + 4 + 8 + 32);
          const r = new ByteReader(bytes);
          expect(r.readU8()).toBe(a);
          expect(r.readU16LE()).toBe(b);
          expect(r.readU16BE()).toBe(b);
          expect(r.readU32LE()).toBe(c);
          expect(r.readI32LE()).toBe(d);
          expect(r.readU64LE()).toBe(e);
          expect(r.readUIntLE(32)).toBe(f);
          r.expectEnd();
        },
      ),
    );
  });

  it('reading past the end is a DecodeError carrying the offset', () => {
    const r = new ByteReader(Buffer.alloc(3));
    r.readU16LE();
    try {
      r.readU32LE();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
      expect((e as DecodeError).offset).toBe(2);
    }
    expect(() => new ByteReader(Buffer.alloc(7)).readU64LESafe()).toThrow(DecodeError);
    expect(() => new ByteReader(Buffer.alloc(8, 0xff)).readU64LESafe()).toThrow(DecodeError);
    // The edge: 2**53 - 1 reads (high half 0x1fffff), 2**53 does not; both halves count.
    const u64 = (v: bigint): Buffer => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b; };
    for (const v of [0n, 1n, 0xffffffffn, 0x100000000n, 2_100_000_000_000_000n, BigInt(Number.MAX_SAFE_INTEGER)]) {
      expect(new ByteReader(u64(v)).readU64LESafe()).toBe(Number(v));
    }
    expect(() => new ByteReader(u64(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).readU64LESafe()).toThrow('64-bit value too large');
  });

  it('readVarStringLatin1 reads a VarStr as latin1 (every byte value), bounded like readVarBytes', () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const w = new ByteWriter(300).writeVarBytes(bytes).toBytes();
    const r = new ByteReader(w);
    expect(r.readVarStringLatin1()).toBe(bytes.toString('latin1'));
    expect(r.remaining).toBe(0);
    expect(() => new ByteReader(w).readVarStringLatin1(255)).toThrow(DecodeError);
    expect(() => new ByteReader(w.subarray(0, 100)).readVarStringLatin1()).toThrow(DecodeError);
  });
});

// Valid real encodings to corrupt: Core's regtest transactions and block, and a mainnet header.
const gbt = JSON.parse(readFileSync(fixture('bitcoin-core-regtest/gbt-height111-24tx.json'), 'utf8')) as {
  transactions: { data: string }[];
};
const chained = JSON.parse(readFileSync(fixture('bitcoin-core-regtest/gbt-height112-chained.json'), 'utf8')) as {
  transactions: { data: string }[];
};
const realTxs = [...gbt.transactions, ...chained.transactions].map((t) => fromHex(t.data));
const realBlock = fromHex(readFileSync(fixture('bitcoin-core-regtest/block-height111.hex'), 'utf8').trim());

/** A valid encoding with one of: truncation, byte overwrite, byte insertion, byte deletion. */
function corrupted(valid: readonly Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 }))
    .map(([src, at, byte, kind, times]) => {
      let b = Buffer.from(src);
      for (let k = 0; k < times; k++) {
        const i = at % (b.length + 1);
        if (kind === 0) b = b.subarray(0, i);
        else if (kind === 1 && b.length > 0) b[i % b.length] = byte;
        else if (kind === 2) b = Buffer.concat([b.subarray(0, i), Buffer.of(byte), b.subarray(i)]);
        else b = Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
      }
      return b;
    });
}

describe('decoders of untrusted bytes throw only DecodeError (fuzz)', () => {
  it('transactions: truncations and mutations of real ones', () => {
    fc.assert(fc.property(corrupted(realTxs), (b) => onlyDecodeError(() => decodeTransaction(b))), { numRuns: 2000 });
  });

  it('every truncation of real transactions (legacy and segwit) is rejected', () => {
    const sample = [...realTxs.slice(0, 4), ...realTxs.slice(-4)];
    expect(sample.some((t) => t[4] === 0) && sample.some((t) => t[4] !== 0)).toBe(true);
    for (const tx of sample) {
      for (let n = 0; n < tx.length; n++) expect(() => decodeTransaction(tx.subarray(0, n))).toThrow(DecodeError);
    }
  });

  it('headers: any 80 bytes decode, other lengths are DecodeErrors', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
        if (b.length === 80) decodeHeader(b);
        else expect(() => decodeHeader(b)).toThrow(DecodeError);
      }),
    );
  });

  it('blocks: truncations and mutations of the real regtest block', () => {
    fc.assert(
      fc.property(corrupted([realBlock]), (b) => {
        onlyDecodeError(() => decodeBlock(b));
        onlyDecodeError(() => decodeBlockWithRaw(b).txs.map((t) => t.txid));
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        onlyDecodeError(() => decodeTransaction(b));
        onlyDecodeError(() => decodeBlock(b));
      }),
      { numRuns: 1000 },
    );
  });
});
