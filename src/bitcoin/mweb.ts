/**
 * Litecoin's MWEB extension block (LIP-0002/0003), as far as a pool needs it: the bytes a block
 * carries after its transactions, kept exactly, with the MWEB header decoded for display and to
 * catch garbage early.
 *
 * Litecoin Core (primitives/block.h, CBlock serialization): when a block has at least two
 * transactions and the last is the HogEx, the transactions are followed by an
 * OptionalPtr<mw::Block>: one byte 0x00 (no MWEB block) or 0x01 followed by the MWEB block,
 * which is the MWEB header then the MWEB body (vectors of inputs, outputs and kernels).
 * getblocktemplate gives the MWEB block (without the 0x01) as the hex field `mweb`.
 *
 * MWEB header (libmw mw/models/block/Header.h): VarInt height | output root | kernel root |
 * leafset root | kernel offset | stealth offset (five 32-byte values, raw byte order) |
 * VarInt output MMR size | VarInt kernel MMR size. VarInt is Core's serialize.h VarInt (base
 * 128, most significant group first, each continuation adds one), not CompactSize.
 *
 * The body is kept as opaque bytes: we never build or change MWEB data, only carry what
 * Litecoin Core gave us, and the consensus checks of its contents are the node's.
 */
import { ByteReader } from './bytes.js';
import { DecodeError } from './errors.js';

/** OptionalPtr byte: no MWEB block follows. */
export const MWEB_BLOCK_NONE = 0x00;
/** OptionalPtr byte: an MWEB block follows. */
export const MWEB_BLOCK_PRESENT = 0x01;
/** Smallest MWEB body: three empty vectors (inputs, outputs, kernels), one CompactSize 0 each. */
const MIN_BODY_SIZE = 3;
/** Largest value our VarInt reader returns: MWEB heights and MMR sizes are far below 2^53. */
const MAX_VARINT = Number.MAX_SAFE_INTEGER;

export interface MwebHeader {
  height: number;
  /** Raw byte order, as Litecoin Core prints MWEB hashes. */
  outputRoot: Buffer;
  kernelRoot: Buffer;
  leafsetRoot: Buffer;
  kernelOffset: Buffer;
  stealthOffset: Buffer;
  outputMmrSize: number;
  kernelMmrSize: number;
}

export interface MwebBlock {
  header: MwebHeader;
  /** The serialized header (a view into the input). */
  headerBytes: Buffer;
  /** The serialized body, kept opaque (a view into the input). */
  body: Buffer;
}

/**
 * Core's ReadVarInt (serialize.h): 7 bits per byte, high bit = more follows, and each
 * continuation adds one so every number has exactly one encoding. Overflow is an error.
 */
export function readVarInt(r: ByteReader): number {
  const start = r.offset;
  let n = 0;
  for (;;) {
    const b = r.readU8();
    if (n > Math.floor(MAX_VARINT / 128)) throw new DecodeError('VarInt too large', start);
    n = n * 128 + (b & 0x7f);
    if (!(b & 0x80)) return n;
    if (n === MAX_VARINT) throw new DecodeError('VarInt too large', start);
    n++;
  }
}

export function readMwebHeader(r: ByteReader): MwebHeader {
  const height = readVarInt(r);
  const outputRoot = Buffer.from(r.readHash());
  const kernelRoot = Buffer.from(r.readHash());
  const leafsetRoot = Buffer.from(r.readHash());
  const kernelOffset = Buffer.from(r.readHash());
  const stealthOffset = Buffer.from(r.readHash());
  const outputMmrSize = readVarInt(r);
  const kernelMmrSize = readVarInt(r);
  return { height, outputRoot, kernelRoot, leafsetRoot, kernelOffset, stealthOffset, outputMmrSize, kernelMmrSize };
}

/** Header then body: the body is everything left, and at least three empty vectors. */
function readMwebBlock(r: ByteReader): MwebBlock {
  const start = r.offset;
  const header = readMwebHeader(r);
  const headerBytes = r.sliceFrom(start);
  if (r.remaining < MIN_BODY_SIZE) throw new DecodeError(`MWEB body of ${r.remaining} bytes is shorter than three empty vectors`, r.offset);
  const body = r.readBytes(r.remaining);
  return { header, headerBytes, body };
}

/** An MWEB block as getblocktemplate's `mweb` field holds it (header then body, no OptionalPtr byte). */
export function decodeMwebBlock(bytes: Uint8Array): MwebBlock {
  return readMwebBlock(new ByteReader(bytes));
}

/**
 * The bytes a Litecoin block carries after its transactions when the last one is the HogEx
 * (the OptionalPtr byte and, when it is 0x01, the MWEB block). Returns null for 0x00.
 */
export function decodeMwebSuffix(suffix: Uint8Array): MwebBlock | null {
  const r = new ByteReader(suffix);
  if (r.remaining === 0) throw new DecodeError('missing MWEB block marker after the HogEx transaction', 0);
  const marker = r.readU8();
  if (marker === MWEB_BLOCK_NONE) {
    r.expectEnd('block with no MWEB block');
    return null;
  }
  if (marker !== MWEB_BLOCK_PRESENT) throw new DecodeError(`invalid MWEB block marker ${marker}`, 0);
  return readMwebBlock(r);
}

/** The suffix a block built on a template with an `mweb` field must carry: 0x01 then the MWEB block (validated). */
export function mwebSuffixFromTemplateBlock(mwebBlock: Uint8Array): Buffer {
  decodeMwebBlock(mwebBlock);
  return Buffer.concat([Buffer.of(MWEB_BLOCK_PRESENT), mwebBlock]);
}
