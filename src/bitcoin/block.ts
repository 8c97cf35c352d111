/**
 * 80-byte block headers and whole blocks.
 *
 * Header: version u32 | prev block hash (32, internal order) | merkle root (32) | timestamp u32 |
 * bits u32 | nonce u32. Block: header | CompactSize tx count | transactions. Version is read as
 * unsigned 32 bits, as the reference does (IntType(32)); BIP9 versions (0x20000000 | bits) fit.
 */
import { ByteReader, ByteWriter, compactSizeLength } from './bytes.js';
import { DecodeError } from './errors.js';
import { sha256d } from './hash.js';
import {
  encodeTransaction,
  layoutTxid,
  layoutWeight,
  layoutWtxid,
  readTransactionLayout,
  txSize,
  type Transaction,
  type TxLayout,
} from './transaction.js';

export interface BlockHeader {
  version: number;
  /** Internal byte order. */
  prevBlock: Buffer;
  /** Internal byte order. */
  merkleRoot: Buffer;
  timestamp: number;
  /** Compact target. */
  bits: number;
  nonce: number;
}

export interface Block {
  header: BlockHeader;
  txs: Transaction[];
}

export const HEADER_SIZE = 80;
/**
 * Smallest serialized transaction: version 4 + input count 1 + one input 41 + output count 1 +
 * one output 9 + locktime 4. Bounds a block's tx count by its remaining bytes.
 */
const MIN_TX_SIZE = 60;

export function readHeader(r: ByteReader): BlockHeader {
  const version = r.readU32LE();
  // Copies: a header outlives the (possibly reused) message buffer it came from, and it is small.
  const prevBlock = Buffer.from(r.readHash());
  const merkleRoot = Buffer.from(r.readHash());
  const timestamp = r.readU32LE();
  const bits = r.readU32LE();
  const nonce = r.readU32LE();
  return { version, prevBlock, merkleRoot, timestamp, bits, nonce };
}

/** Exactly 80 bytes. */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  if (bytes.length !== HEADER_SIZE) throw new DecodeError(`block header must be 80 bytes, got ${bytes.length}`);
  return readHeader(new ByteReader(bytes));
}

function writeHeader(w: ByteWriter, h: BlockHeader): void {
  if (h.prevBlock.length !== 32 || h.merkleRoot.length !== 32) throw new RangeError('header hashes must be 32 bytes');
  w.writeU32LE(h.version).writeBytes(h.prevBlock).writeBytes(h.merkleRoot);
  w.writeU32LE(h.timestamp).writeU32LE(h.bits).writeU32LE(h.nonce);
}

export function encodeHeader(h: BlockHeader): Buffer {
  const w = new ByteWriter(HEADER_SIZE);
  writeHeader(w, h);
  return w.toBytes();
}

/** sha256d of the 80-byte header, internal byte order. */
export function headerHash(h: BlockHeader | Uint8Array): Buffer {
  if (h instanceof Uint8Array) {
    if (h.length !== HEADER_SIZE) throw new RangeError(`block header must be 80 bytes, got ${h.length}`);
    return sha256d(h);
  }
  return sha256d(encodeHeader(h));
}

/** One transaction of a block as parsed, with its hashes computed from the wire bytes on demand. */
export class BlockTx {
  private txidCache: Buffer | undefined;
  private wtxidCache: Buffer | undefined;

  constructor(
    readonly tx: Transaction,
    readonly layout: TxLayout,
  ) {}

  /** The transaction's serialization as it appeared in the block (a view into the block bytes). */
  get raw(): Buffer {
    return this.layout.raw;
  }

  get txid(): Buffer {
    return (this.txidCache ??= layoutTxid(this.layout));
  }

  get wtxid(): Buffer {
    return (this.wtxidCache ??= layoutWtxid(this.layout));
  }

  get weight(): number {
    return layoutWeight(this.layout);
  }
}

export interface DecodedBlock {
  header: BlockHeader;
  /** The 80 header bytes as received (a view into the input). */
  headerBytes: Buffer;
  txs: BlockTx[];
}

/**
 * Decode a block and keep each transaction's wire bytes, so txids, wtxids and weights come
 * from the bytes read instead of re-serializing every transaction.
 */
export function decodeBlockWithRaw(bytes: Uint8Array): DecodedBlock {
  const r = new ByteReader(bytes);
  const header = readHeader(r);
  const headerBytes = r.sliceFrom(0);
  const countAt = r.offset;
  const n = r.readCompactSize();
  if (n * MIN_TX_SIZE > r.remaining) throw new DecodeError(`${n} transactions cannot fit in ${r.remaining} bytes`, countAt);
  const txs = new Array<BlockTx>(n);
  for (let i = 0; i < n; i++) {
    const { tx, layout } = readTransactionLayout(r);
    txs[i] = new BlockTx(tx, layout);
  }
  r.expectEnd('block');
  return { header, headerBytes, txs };
}

export function decodeBlock(bytes: Uint8Array): Block {
  const { header, txs } = decodeBlockWithRaw(bytes);
  return { header, txs: txs.map((t) => t.tx) };
}

/** Serialize; with `witness` (default true) segwit transactions keep their witnesses. */
export function encodeBlock(b: Block, opts?: { witness?: boolean }): Buffer {
  const txOpts = { witness: opts?.witness ?? true };
  let size = HEADER_SIZE + compactSizeLength(b.txs.length);
  const encoded = b.txs.map((tx) => encodeTransaction(tx, txOpts));
  for (const e of encoded) size += e.length;
  const w = new ByteWriter(size);
  writeHeader(w, b.header);
  w.writeCompactSize(b.txs.length);
  for (const e of encoded) w.writeBytes(e);
  return w.toBytes();
}

/** Serialized block size (with or without witnesses) without serializing it. */
export function blockSize(b: Block, opts?: { witness?: boolean }): number {
  let size = HEADER_SIZE + compactSizeLength(b.txs.length);
  for (const tx of b.txs) size += txSize(tx, opts);
  return size;
}
