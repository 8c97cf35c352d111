/**
 * 80-byte block headers and whole blocks.
 *
 * Header: version u32 | prev block hash (32, internal order) | merkle root (32) | timestamp u32 |
 * bits u32 | nonce u32. Block: header | CompactSize tx count | transactions. Version is read as
 * unsigned 32 bits, as the reference does (IntType(32)); BIP9 versions (0x20000000 | bits) fit.
 *
 * Litecoin (decoders given `{ mweb: true }`): when a block's last transaction is the HogEx, the
 * transactions are followed by the MWEB block's OptionalPtr byte and data (bitcoin/mweb.ts).
 * Those bytes are kept exactly as `mwebSuffix` and written back by the encoders, so a block
 * re-encodes byte for byte and a block built from a template carries what Litecoin Core gave.
 */
import { ByteReader, ByteWriter, compactSizeLength } from './bytes.js';
import { DecodeError } from './errors.js';
import { sha256d } from './hash.js';
import { decodeMwebSuffix, type MwebBlock } from './mweb.js';
import {
  encodeTransaction,
  layoutTxid,
  layoutWeight,
  layoutWtxid,
  readTransactionLayout,
  txSize,
  type Transaction,
  type TxDecodeOptions,
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
  /** Litecoin: the bytes after the transactions (MWEB block marker and data); absent or empty elsewhere. */
  mwebSuffix?: Buffer;
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

/**
 * A solved 80-byte header's fields other than the merkle root (which a share derives rather
 * than carries): the prevBlock is copied, since the header buffer is usually reused.
 */
export function headerFieldsWithoutRoot(header: Uint8Array): Omit<BlockHeader, 'merkleRoot'> {
  if (header.length !== HEADER_SIZE) throw new RangeError(`block header must be 80 bytes, got ${header.length}`);
  const v = new DataView(header.buffer, header.byteOffset, HEADER_SIZE);
  return {
    version: v.getUint32(0, true),
    prevBlock: Buffer.from(header.subarray(4, 36)),
    timestamp: v.getUint32(68, true),
    bits: v.getUint32(72, true),
    nonce: v.getUint32(76, true),
  };
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
  /** Litecoin: the bytes after the transactions, exactly as read (empty when there are none). */
  mwebSuffix: Buffer;
  /** Litecoin: the MWEB block those bytes hold, or null. */
  mweb: MwebBlock | null;
}

/**
 * Decode a block and keep each transaction's wire bytes, so txids, wtxids and weights come
 * from the bytes read instead of re-serializing every transaction. `{ mweb: true }` accepts
 * Litecoin's HogEx and MWEB block (Litecoin Core CBlock serialization).
 */
export function decodeBlockWithRaw(bytes: Uint8Array, opts?: TxDecodeOptions): DecodedBlock {
  const r = new ByteReader(bytes);
  const header = readHeader(r);
  const headerBytes = r.sliceFrom(0);
  const countAt = r.offset;
  const n = r.readCompactSize();
  if (n * MIN_TX_SIZE > r.remaining) throw new DecodeError(`${n} transactions cannot fit in ${r.remaining} bytes`, countAt);
  const txs = new Array<BlockTx>(n);
  for (let i = 0; i < n; i++) {
    const at = r.offset;
    const { tx, layout } = readTransactionLayout(r, opts);
    // Litecoin Core (validation.cpp CheckBlock, "bad-hogex-position"): the HogEx is the last
    // transaction and never the coinbase; anywhere else the MWEB data could not be located.
    if (tx.hogEx === true && (i === 0 || i !== n - 1)) throw new DecodeError(`HogEx transaction at position ${i} of ${n}: it must be the last, after the coinbase`, at);
    txs[i] = new BlockTx(tx, layout);
  }
  let mwebSuffix: Buffer = Buffer.alloc(0);
  let mweb: MwebBlock | null = null;
  if (txs[n - 1]?.tx.hogEx === true) {
    // Litecoin Core CBlock: with >= 2 transactions and the HogEx last, the OptionalPtr<mw::Block> follows.
    const at = r.offset;
    mwebSuffix = r.readBytes(r.remaining);
    try {
      mweb = decodeMwebSuffix(mwebSuffix);
    } catch (e) {
      if (e instanceof DecodeError) throw new DecodeError(`after the HogEx: ${e.message}`, at);
      throw e;
    }
  }
  r.expectEnd('block');
  return { header, headerBytes, txs, mwebSuffix, mweb };
}

export function decodeBlock(bytes: Uint8Array, opts?: TxDecodeOptions): Block {
  const { header, txs, mwebSuffix } = decodeBlockWithRaw(bytes, opts);
  const block: Block = { header, txs: txs.map((t) => t.tx) };
  if (mwebSuffix.length > 0) block.mwebSuffix = mwebSuffix;
  return block;
}

/** Serialize; with `witness` (default true) segwit transactions keep their witnesses. */
export function encodeBlock(b: Block, opts?: { witness?: boolean }): Buffer {
  const txOpts = { witness: opts?.witness ?? true };
  const suffix = txOpts.witness ? (b.mwebSuffix ?? EMPTY) : EMPTY;
  let size = HEADER_SIZE + compactSizeLength(b.txs.length) + suffix.length;
  const encoded = b.txs.map((tx) => encodeTransaction(tx, txOpts));
  for (const e of encoded) size += e.length;
  const w = new ByteWriter(size);
  writeHeader(w, b.header);
  w.writeCompactSize(b.txs.length);
  for (const e of encoded) w.writeBytes(e);
  w.writeBytes(suffix);
  return w.toBytes();
}

/** Serialized block size (with or without witnesses) without serializing it. */
export function blockSize(b: Block, opts?: { witness?: boolean }): number {
  let size = HEADER_SIZE + compactSizeLength(b.txs.length) + ((opts?.witness ?? true) ? (b.mwebSuffix?.length ?? 0) : 0);
  for (const tx of b.txs) size += txSize(tx, opts);
  return size;
}

const EMPTY = Buffer.alloc(0);

/** What a block builder needs of a block template (chain/block-template.ts BlockTemplate has it). */
export interface BlockBody {
  /** The template's transactions after the coinbase, serialized as the node gave them. */
  transactions: readonly { data: Uint8Array }[];
  /** Bytes after the transactions: Litecoin's 0x01 + MWEB block, empty elsewhere. */
  mwebSuffix: Uint8Array;
}

/**
 * A whole block ready for submitblock: header | CompactSize(1 + n) | coinbase (full, with its
 * witness) | the template's transactions | the template's MWEB suffix. Litecoin Core expects
 * exactly that when its template has `mweb` (the HogEx last, then 0x01 and the MWEB block).
 */
export function assembleBlock(header: Uint8Array, coinbase: Uint8Array, body: BlockBody): Buffer {
  if (header.length !== HEADER_SIZE) throw new RangeError(`block header must be 80 bytes, got ${header.length}`);
  const n = 1 + body.transactions.length;
  let size = HEADER_SIZE + compactSizeLength(n) + coinbase.length + body.mwebSuffix.length;
  for (const t of body.transactions) size += t.data.length;
  const w = new ByteWriter(size);
  w.writeBytes(header).writeCompactSize(n).writeBytes(coinbase);
  for (const t of body.transactions) w.writeBytes(t.data);
  w.writeBytes(body.mwebSuffix);
  return w.toBytes();
}
