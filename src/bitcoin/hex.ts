/**
 * The one place where byte order of hashes is converted.
 *
 * Internally every 32-byte hash is kept in Bitcoin's wire order (little-endian bytes, as
 * sha256d produces it). People, RPC and explorers show the same bytes reversed
 * ("display hex", big-endian). Mixing the two is the commonest bug in this field, so nothing
 * else in the code base reverses hashes by hand.
 */
import { DecodeError } from './errors.js';

/** Lower-case hex of bytes in the order given. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** Strict hex -> bytes: an odd length or a non-hex character is a DecodeError. */
export function fromHex(hex: string, expectedLength?: number): Buffer {
  // Node's decoder stops at the first pair that is not two hex digits (and drops an odd last
  // digit), so an ASCII string is strict hex exactly when every character made it into the
  // bytes. A character beyond ASCII must be refused first: the decoder reads a UTF-16 code
  // unit by its low byte ('\u0661' as 'a'). test/bitcoin/hex.test.ts holds this to
  // /^(?:[0-9a-fA-F]{2})*$/; that pattern, tested first, took twice the decode's own time (a
  // 3,000-transaction template: ~9 ms against ~4, 2026-12-08).
  if (Buffer.byteLength(hex, 'utf8') !== hex.length) throw new DecodeError(`invalid hex string (length ${hex.length}): not ASCII`);
  const out = Buffer.from(hex, 'hex');
  if (out.length * 2 !== hex.length) throw new DecodeError(`invalid hex string (length ${hex.length})`);
  if (expectedLength !== undefined && out.length !== expectedLength) {
    throw new DecodeError(`expected ${expectedLength} bytes of hex, got ${out.length}`);
  }
  return out;
}

/** The reversed bytes of a 32-byte hash, rewritten per call (single-threaded, never held). */
const reversed = Buffer.alloc(32);

/**
 * Internal (little-endian) 32-byte hash -> display hex (big-endian). Two per share decoded
 * (its hash and its parent's): reversed in a scratch buffer, no Buffer made per call.
 */
export function hashToDisplayHex(hash: Uint8Array): string {
  if (hash.length !== 32) return toHex(Buffer.from(hash).reverse());
  for (let i = 0; i < 32; i++) reversed[i] = hash[31 - i]!;
  return reversed.toString('hex');
}

/** Display hex (big-endian, as RPC shows it) -> internal little-endian bytes. */
export function displayHexToHash(hex: string): Buffer {
  return fromHex(hex, 32).reverse();
}

/**
 * Little-endian bytes -> unsigned bigint. Read in 32-bit words from the top (a 256-bit hash
 * is 8 BigInt steps, not 32: each step allocates), the bytes below a whole word first.
 * `start`/`length` read a range without making a view of it.
 */
export function bytesToBigIntLE(bytes: Uint8Array, start = 0, length = bytes.length - start): bigint {
  const rest = length & 3;
  let n = 0n;
  let i = start + length - 1;
  for (; i >= start + length - rest; i--) n = (n << 8n) | BigInt(bytes[i]!);
  for (; i >= start + 3; i -= 4) {
    const w = ((bytes[i]! << 24) | (bytes[i - 1]! << 16) | (bytes[i - 2]! << 8) | bytes[i - 3]!) >>> 0;
    n = (n << 32n) | BigInt(w);
  }
  return n;
}

/** Unsigned bigint -> little-endian bytes of a fixed width; throws RangeError if it does not fit. */
export function bigIntToBytesLE(value: bigint, length: number): Buffer {
  if (value < 0n) throw new RangeError('negative value cannot be encoded unsigned');
  const out = Buffer.alloc(length);
  let v = value;
  let i = 0;
  // Eight bytes a step (a byte a step made 64 BigInts for a 32-byte hash: a job's targets on
  // its first submit, bench/mining.ts `inProcess.firstSubmitOnNewJobUs`), then byte by byte.
  for (; i + 8 <= length && v !== 0n; i += 8) {
    out.writeBigUInt64LE(BigInt.asUintN(64, v), i);
    v >>= 64n;
  }
  for (; i < length && v !== 0n; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new RangeError(`value does not fit in ${length} bytes`);
  return out;
}

/** A 32-byte hash (little-endian bytes) as the unsigned integer the reference compares with targets. */
export function hashToBigInt(hash: Uint8Array): bigint {
  return bytesToBigIntLE(hash);
}

/** The integer form of a hash back to its 32 little-endian bytes. */
export function bigIntToHash(value: bigint): Buffer {
  return bigIntToBytesLE(value, 32);
}

/** Display hex of a hash held as an integer (the form the reference prints with '%064x'). */
export function bigIntToDisplayHex(value: bigint): string {
  return value.toString(16).padStart(64, '0');
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/**
 * Reverse the bytes of every 4-byte word: Stratum's prevhash field and getwork's data and
 * midstate carry 32-bit words in the other byte order.
 */
export function swapWords32(bytes: Uint8Array): Buffer {
  if (bytes.length % 4 !== 0) throw new RangeError('length must be a multiple of 4');
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    out[i] = bytes[i + 3]!;
    out[i + 1] = bytes[i + 2]!;
    out[i + 2] = bytes[i + 1]!;
    out[i + 3] = bytes[i]!;
  }
  return out;
}
