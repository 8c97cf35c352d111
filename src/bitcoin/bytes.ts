/**
 * Bounded byte reader and growable writer for Bitcoin-style serialization.
 *
 * Every read checks its bounds first and throws DecodeError (with the offset) on truncated,
 * oversized or non-canonical input, so callers decoding untrusted bytes only ever see that
 * one error type. Integers are little-endian unless the method name says otherwise.
 */
import { DecodeError } from './errors.js';
import { bytesToBigIntLE } from './hex.js';

/** Upper bound for any single length prefix we accept, whatever the caller's limit (32 MiB). */
export const MAX_VAR_BYTES = 32 * 1024 * 1024;

export class ByteReader {
  private readonly buf: Buffer;
  private pos: number;

  constructor(bytes: Uint8Array, offset = 0) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** The underlying bytes from `start` to the current position (a view, not a copy). */
  sliceFrom(start: number): Buffer {
    return this.buf.subarray(start, this.pos);
  }

  /**
   * `what` names the value for the error; without it, "`n` bytes". (The name is made only when
   * the input is short: a template string per read was a string made per field decoded.)
   */
  private need(n: number, what?: string): void {
    if (this.buf.length - this.pos < n) {
      throw new DecodeError(`truncated input: ${what ?? `${n} bytes`} needs ${n} bytes, ${this.buf.length - this.pos} left`, this.pos);
    }
  }

  readU8(): number {
    this.need(1, 'u8');
    return this.buf[this.pos++]!;
  }

  readU16LE(): number {
    this.need(2, 'u16');
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  readU16BE(): number {
    this.need(2, 'u16be');
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  readU32LE(): number {
    this.need(4, 'u32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  readI32LE(): number {
    this.need(4, 'i32');
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  readU64LE(): bigint {
    this.need(8, 'u64');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * A u64 that must fit in a JS number exactly (satoshi amounts: 21e14 < 2^53). Read as two
   * 32-bit halves: no BigInt made and compared per value (one per decoded share).
   */
  readU64LESafe(): number {
    this.need(8, 'u64');
    const lo = this.buf.readUInt32LE(this.pos);
    const hi = this.buf.readUInt32LE(this.pos + 4);
    // 2^53 - 1 = hi 0x1fffff, lo 0xffffffff: every value with hi <= 0x1fffff is safe.
    if (hi > 0x1fffff) throw new DecodeError('64-bit value too large', this.pos);
    this.pos += 8;
    return hi * 0x100000000 + lo;
  }

  /** Unsigned little-endian integer of `n` bytes as bigint (u128 abswork, u256 hashes). */
  readUIntLE(n: number): bigint {
    if (this.buf.length - this.pos < n) this.need(n, `u${n * 8}`);
    const v = bytesToBigIntLE(this.buf, this.pos, n);
    this.pos += n;
    return v;
  }

  /** CompactSize length then that many bytes as a latin1 string (no Buffer view made); `maxLength` bounds the length. */
  readVarStringLatin1(maxLength: number = MAX_VAR_BYTES): string {
    const len = this.readCompactSize(Math.min(maxLength, MAX_VAR_BYTES));
    this.need(len);
    const s = this.buf.toString('latin1', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /**
   * The input itself, with `n` bytes checked to be there from `offset`: for reading them in
   * place (no view made), then `skip(n)`.
   */
  inPlace(n: number, what?: string): Buffer {
    this.need(n, what);
    return this.buf;
  }

  /** Move past `n` bytes checked by `inPlace`. */
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  /** `n` raw bytes (a view into the input; copy it if the input buffer is reused). */
  readBytes(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A 32-byte hash in wire (little-endian) order. */
  readHash(): Buffer {
    return this.readBytes(32);
  }

  /**
   * Bitcoin CompactSize. Only the canonical (shortest) encoding is accepted, and values above
   * `max` (default Number.MAX_SAFE_INTEGER) are rejected before anything is allocated.
   */
  readCompactSize(max: number = Number.MAX_SAFE_INTEGER): number {
    const start = this.pos;
    const first = this.readU8();
    let v: number;
    if (first < 0xfd) {
      v = first;
    } else if (first === 0xfd) {
      v = this.readU16LE();
      if (v < 0xfd) throw new DecodeError('non-canonical CompactSize', start);
    } else if (first === 0xfe) {
      v = this.readU32LE();
      if (v <= 0xffff) throw new DecodeError('non-canonical CompactSize', start);
    } else {
      const big = this.readU64LE();
      if (big <= 0xffffffffn) throw new DecodeError('non-canonical CompactSize', start);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError(`CompactSize ${big} exceeds limit ${max}`, start);
      v = Number(big);
    }
    if (v > max) throw new DecodeError(`CompactSize ${v} exceeds limit ${max}`, start);
    return v;
  }

  /** CompactSize length then that many bytes; `maxLength` bounds the length. */
  readVarBytes(maxLength: number = MAX_VAR_BYTES): Buffer {
    const len = this.readCompactSize(Math.min(maxLength, MAX_VAR_BYTES));
    return this.readBytes(len);
  }

  /** CompactSize count then `count` items, `count <= maxCount`. */
  readList<T>(maxCount: number, readItem: (r: ByteReader) => T): T[] {
    const count = this.readCompactSize(maxCount);
    // Each item is at least one byte: a count larger than what is left is truncation, found
    // before allocating anything.
    if (count > this.remaining) throw new DecodeError(`list of ${count} items cannot fit in ${this.remaining} bytes`, this.pos);
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = readItem(this);
    return out;
  }

  /** Throws unless every byte was consumed. */
  expectEnd(what = 'input'): void {
    if (this.pos !== this.buf.length) {
      throw new DecodeError(`${this.buf.length - this.pos} trailing bytes after ${what}`, this.pos);
    }
  }
}

/** Growable writer; `toBytes()` returns exactly the bytes written. */
export class ByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialCapacity = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialCapacity));
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  writeU8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }

  writeU16LE(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
    return this;
  }

  writeU16BE(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  writeU32LE(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
    return this;
  }

  writeI32LE(v: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.pos);
    this.pos += 4;
    return this;
  }

  writeU64LE(v: bigint | number): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.pos);
    this.pos += 8;
    return this;
  }

  /** Unsigned little-endian integer in exactly `n` bytes; throws RangeError if it does not fit. */
  writeUIntLE(v: bigint, n: number): this {
    if (v < 0n) throw new RangeError('negative value');
    this.ensure(n);
    let x = v;
    for (let i = 0; i < n; i++) {
      this.buf[this.pos + i] = Number(x & 0xffn);
      x >>= 8n;
    }
    if (x !== 0n) throw new RangeError(`value does not fit in ${n} bytes`);
    this.pos += n;
    return this;
  }

  writeBytes(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  writeCompactSize(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`invalid CompactSize ${v}`);
    if (v < 0xfd) return this.writeU8(v);
    if (v <= 0xffff) return this.writeU8(0xfd).writeU16LE(v);
    if (v <= 0xffffffff) return this.writeU8(0xfe).writeU32LE(v);
    return this.writeU8(0xff).writeU64LE(BigInt(v));
  }

  writeVarBytes(bytes: Uint8Array): this {
    return this.writeCompactSize(bytes.length).writeBytes(bytes);
  }

  writeList<T>(items: readonly T[], writeItem: (w: ByteWriter, item: T) => void): this {
    this.writeCompactSize(items.length);
    for (const item of items) writeItem(this, item);
    return this;
  }

  /** A copy of the written bytes. */
  toBytes(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

/** Serialized size of a CompactSize. */
export function compactSizeLength(v: number): number {
  return v < 0xfd ? 1 : v <= 0xffff ? 3 : v <= 0xffffffff ? 5 : 9;
}
