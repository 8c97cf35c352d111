/**
 * Transactions, legacy and segwit (BIP141/BIP144 serialization), and Litecoin's MWEB HogEx form.
 *
 * Wire format (BIP144): version u32 | [marker 0x00, flag] | inputs | outputs |
 * [one witness stack per input] | locktime u32. The txid hashes the form without marker, flag
 * and witnesses; the wtxid hashes the full form.
 *
 * Litecoin (LIP-0002/0003, Litecoin Core primitives/transaction.h UnserializeTransaction) adds
 * flag bit 0x08: after the witnesses comes an optional MWEB transaction (one byte 0x00 = none,
 * 0x01 + data). With bit 0x08 and no MWEB transaction the transaction is the block's HogEx
 * ("integrating transaction"), which must have an output. Its txid is still the hash of the
 * legacy form, and its wtxid equals its txid unless it also has witnesses (fixture
 * litecoin/litecoin.json, checked against Litecoin Core's getblock). MWEB transactions
 * themselves live in the MWEB block after a block's transactions (bitcoin/mweb.ts), never in
 * a block's transaction list, so a non-empty MWEB part is refused here.
 *
 * Decoded scripts and witness items are views into the input buffer (no copies: this decoder
 * runs over 1,000+-transaction blocks); copy the input first if its memory is reused.
 */
import { ByteReader, ByteWriter, compactSizeLength } from './bytes.js';
import { DecodeError } from './errors.js';
import { sha256d } from './hash.js';

export interface OutPoint {
  /** txid of the spent output, internal (little-endian) byte order. */
  hash: Buffer;
  index: number;
}

export interface TxIn {
  prevout: OutPoint;
  script: Buffer;
  sequence: number;
  /** Witness stack items; empty when the input has none. */
  witness: Buffer[];
}

export interface TxOut {
  /** Satoshis. */
  value: number;
  script: Buffer;
}

export interface Transaction {
  version: number;
  inputs: TxIn[];
  outputs: TxOut[];
  locktime: number;
  /**
   * Litecoin's HogEx: serialized with the MWEB flag (0x08) and an empty MWEB part (one 0x00
   * byte before the locktime). Absent/false everywhere else.
   */
  hogEx?: boolean;
}

/** Options for decoders that may meet Litecoin data. */
export interface TxDecodeOptions {
  /** Accept Litecoin's MWEB flag (0x08, the HogEx form). Default false: Bitcoin Core rejects it. */
  mweb?: boolean;
}

/** BIP144 flag bit: witnesses follow the outputs. */
export const TX_FLAG_WITNESS = 0x01;
/** Litecoin Core SerializeTransaction: MWEB part (the HogEx's empty one) follows the witnesses. */
export const TX_FLAG_MWEB = 0x08;
/** OptionalPtr<mw::Transaction> with no transaction: the one byte a HogEx carries. */
const MWEB_TX_NONE = 0x00;

/** Core's MAX_SCRIPT_SIZE (script/script.h); we also apply it to coinbase scriptSigs and scriptPubKeys. */
export const MAX_SCRIPT_SIZE = 10_000;
/** Total witness item bytes per transaction: a block's whole weight budget (BIP141 MAX_BLOCK_WEIGHT). */
export const MAX_TX_WITNESS_BYTES = 4_000_000;
/** Core's MAX_MONEY: 21 million coins of 1e8 satoshis (amount.h); values outside 0..MAX_MONEY are invalid. */
export const MAX_MONEY = 21_000_000 * 100_000_000;
/** Smallest serialized input: outpoint 36 + script length 1 + sequence 4. */
const MIN_TXIN_SIZE = 41;
/** Smallest serialized output: value 8 + script length 1. */
const MIN_TXOUT_SIZE = 9;
const TWO_POW_32 = 0x1_0000_0000;

function readTxIn(r: ByteReader): TxIn {
  const hash = r.readHash();
  const index = r.readU32LE();
  const script = r.readVarBytes(MAX_SCRIPT_SIZE);
  const sequence = r.readU32LE();
  return { prevout: { hash, index }, script, sequence, witness: [] };
}

function readTxOut(r: ByteReader): TxOut {
  const start = r.offset;
  // Two u32 halves instead of a bigint: the value must be <= MAX_MONEY (< 2^53) anyway.
  const lo = r.readU32LE();
  const hi = r.readU32LE();
  const value = hi * TWO_POW_32 + lo;
  if (value > MAX_MONEY) throw new DecodeError('output value above 21,000,000 coins', start);
  const script = r.readVarBytes(MAX_SCRIPT_SIZE);
  return { value, script };
}

/** A count of items of at least `minSize` bytes each must fit in what is left (checked before allocating). */
function readCount(r: ByteReader, minSize: number, what: string): number {
  const start = r.offset;
  const n = r.readCompactSize();
  if (n * minSize > r.remaining) throw new DecodeError(`${n} ${what} cannot fit in ${r.remaining} bytes`, start);
  return n;
}

/**
 * Byte layout of a transaction as it was read, so txid and wtxid can be hashed straight from the
 * input bytes: the stripped form is raw[0..4) + raw[bodyStart..witnessStart) + raw[end-4..end).
 */
export interface TxLayout {
  /** The whole serialization as read (with witness if it had one); a view into the input. */
  raw: Buffer;
  /** Offset in `raw` where the input count starts (4, or 6 after marker and flag). */
  bodyStart: number;
  /** Offset in `raw` where the witnesses (or the MWEB part) start (raw.length - 4 when there are none). */
  witnessStart: number;
  /** The marker's flag byte: 0 for the legacy form, else TX_FLAG_WITNESS and/or TX_FLAG_MWEB. */
  flags: number;
}

/** Parse one transaction and report where its parts lie in the input. */
export function readTransactionLayout(r: ByteReader, opts?: TxDecodeOptions): { tx: Transaction; layout: TxLayout } {
  const start = r.offset;
  const version = r.readU32LE();
  let bodyStart = r.offset - start;
  let nIn = readCount(r, MIN_TXIN_SIZE, 'inputs');
  // BIP144: a zero where the input count would be is the marker, followed by a non-zero flag
  // byte. As in Core, a transaction with no inputs therefore cannot be serialized unambiguously.
  let flags = 0;
  if (nIn === 0) {
    const flagAt = r.offset;
    flags = r.readU8();
    checkFlags(flags, flagAt, opts?.mweb === true);
    bodyStart = r.offset - start;
    nIn = readCount(r, MIN_TXIN_SIZE, 'inputs');
  }
  const inputs = new Array<TxIn>(nIn);
  for (let i = 0; i < nIn; i++) inputs[i] = readTxIn(r);
  const nOut = readCount(r, MIN_TXOUT_SIZE, 'outputs');
  const outputs = new Array<TxOut>(nOut);
  for (let i = 0; i < nOut; i++) outputs[i] = readTxOut(r);

  const witnessStart = r.offset - start;
  if (flags & TX_FLAG_WITNESS) readWitnesses(r, inputs, start);
  const tx: Transaction = { version, inputs, outputs, locktime: 0 };
  if (flags & TX_FLAG_MWEB) {
    const at = r.offset;
    const mwebTx = r.readU8();
    // Litecoin Core: a non-null MWEB tx is a relayed MWEB transaction (mempool only); in blocks
    // and templates MWEB data sits in the MWEB block, so only the HogEx form is accepted.
    if (mwebTx !== MWEB_TX_NONE) {
      throw new DecodeError(mwebTx === 0x01 ? 'transactions carrying MWEB data are not supported (only the HogEx form)' : `invalid MWEB transaction marker ${mwebTx}`, at);
    }
    // Litecoin Core: "Missing HogEx output".
    if (nOut === 0) throw new DecodeError('HogEx transaction without outputs', at);
    tx.hogEx = true;
  }
  tx.locktime = r.readU32LE();
  return { tx, layout: { raw: r.sliceFrom(start), bodyStart, witnessStart, flags } };
}

/**
 * Flags Core accepts: 0x01 (BIP144); Litecoin also 0x08 and 0x09. Anything else is "Unknown
 * transaction optional data" (Core), and 0 is not a flag (or a transaction with no inputs).
 */
function checkFlags(flags: number, at: number, mweb: boolean): void {
  if (flags === 0) throw new DecodeError('unknown segwit flag 0 (or a transaction with no inputs)', at);
  const known = TX_FLAG_WITNESS | (mweb ? TX_FLAG_MWEB : 0);
  if ((flags & ~known) === 0) return;
  if (!mweb && (flags & ~(TX_FLAG_WITNESS | TX_FLAG_MWEB)) === 0) {
    throw new DecodeError(`transaction flag ${flags} has Litecoin's MWEB bit (0x08), which this chain does not have`, at);
  }
  throw new DecodeError(`unknown transaction flag ${flags} (unknown optional data)`, at);
}

function readWitnesses(r: ByteReader, inputs: TxIn[], txStart: number): void {
  let budget = MAX_TX_WITNESS_BYTES;
  let any = false;
  for (const input of inputs) {
    // Every item has at least its one-byte length, so the count is bounded by what is left.
    const nItems = readCount(r, 1, 'witness items');
    if (nItems === 0) continue;
    const items = new Array<Buffer>(nItems);
    for (let j = 0; j < nItems; j++) {
      const item = r.readVarBytes(budget);
      budget -= item.length;
      items[j] = item;
    }
    input.witness = items;
    any = true;
  }
  // Core (primitives/transaction.h, "Superfluous witness record"): the marker promises witness
  // data, so all-empty stacks are a non-canonical encoding.
  if (!any) throw new DecodeError('segwit marker with no witness data', txStart + 4);
}

/** Read one transaction (with or without witness data) from the reader. */
export function readTransaction(r: ByteReader, opts?: TxDecodeOptions): Transaction {
  return readTransactionLayout(r, opts).tx;
}

/** Decode exactly one transaction; trailing bytes are a DecodeError. */
export function decodeTransaction(bytes: Uint8Array, opts?: TxDecodeOptions): Transaction {
  const r = new ByteReader(bytes);
  const tx = readTransaction(r, opts);
  r.expectEnd('transaction');
  return tx;
}

/** Size of the stripped (no-witness) serialization of a parsed transaction. */
function layoutStrippedSize(layout: TxLayout): number {
  return layout.bodyStart === 4 ? layout.raw.length : 4 + (layout.witnessStart - layout.bodyStart) + 4;
}

/** txid straight from the bytes a transaction was parsed from (no re-serialization). */
export function layoutTxid(layout: TxLayout): Buffer {
  const { raw, bodyStart, witnessStart } = layout;
  if (bodyStart === 4) return sha256d(raw);
  const stripped = Buffer.allocUnsafe(layoutStrippedSize(layout));
  raw.copy(stripped, 0, 0, 4);
  raw.copy(stripped, 4, bodyStart, witnessStart);
  raw.copy(stripped, 4 + witnessStart - bodyStart, raw.length - 4);
  return sha256d(stripped);
}

/** wtxid straight from the bytes a transaction was parsed from (the txid when it has no witness, e.g. a HogEx). */
export function layoutWtxid(layout: TxLayout): Buffer {
  return layout.flags & TX_FLAG_WITNESS ? sha256d(layout.raw) : layoutTxid(layout);
}

/**
 * Bytes of the MWEB serialization that weight does not count: Litecoin Core weighs
 * transactions in their SERIALIZE_NO_MWEB form (checked on mainnet block 2383206: weight
 * 78,601 = 3 x stripped 16,303 + 29,866 bytes - 171 MWEB block bytes - 3 HogEx MWEB bytes).
 * Flag 0x08 alone: marker, flag and the empty MWEB byte; 0x09: only the MWEB byte.
 */
function mwebOverhead(flags: number): number {
  if (!(flags & TX_FLAG_MWEB)) return 0;
  return flags & TX_FLAG_WITNESS ? 1 : 3;
}

/** BIP141 weight from the parsed layout: stripped size * 3 + total size (without MWEB bytes). */
export function layoutWeight(layout: TxLayout): number {
  return layoutStrippedSize(layout) * 3 + layout.raw.length - mwebOverhead(layout.flags);
}

export function hasWitness(tx: Transaction): boolean {
  for (const input of tx.inputs) if (input.witness.length > 0) return true;
  return false;
}

function strippedSize(tx: Transaction): number {
  let n = 8 + compactSizeLength(tx.inputs.length) + compactSizeLength(tx.outputs.length);
  for (const i of tx.inputs) n += 40 + compactSizeLength(i.script.length) + i.script.length;
  for (const o of tx.outputs) n += 8 + compactSizeLength(o.script.length) + o.script.length;
  return n;
}

function witnessSize(tx: Transaction): number {
  let n = 0;
  for (const i of tx.inputs) {
    n += compactSizeLength(i.witness.length);
    for (const item of i.witness) n += compactSizeLength(item.length) + item.length;
  }
  return n;
}

/** The flag byte of the full serialization: 0 (legacy form), or witness and/or MWEB bits. */
function serializationFlags(tx: Transaction): number {
  return (hasWitness(tx) ? TX_FLAG_WITNESS : 0) | (tx.hogEx === true ? TX_FLAG_MWEB : 0);
}

/** Bytes the full form adds to the stripped one: marker and flag, witnesses, the HogEx's MWEB byte. */
function extensionSize(tx: Transaction, flags: number): number {
  if (flags === 0) return 0;
  return 2 + (flags & TX_FLAG_WITNESS ? witnessSize(tx) : 0) + (flags & TX_FLAG_MWEB ? 1 : 0);
}

/** Serialized size; with `witness` (default true) the witness (and HogEx MWEB) part counts when the tx has one. */
export function txSize(tx: Transaction, opts?: { witness?: boolean }): number {
  const base = strippedSize(tx);
  return (opts?.witness ?? true) ? base + extensionSize(tx, serializationFlags(tx)) : base;
}

function checkValue(value: number): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_MONEY) throw new RangeError(`invalid output value ${value}`);
}

/**
 * Serialize; with `witness` (default true) segwit transactions get marker, flag and witnesses,
 * and a HogEx its MWEB flag and empty MWEB byte. `witness: false` is the legacy form txids hash.
 */
export function encodeTransaction(tx: Transaction, opts?: { witness?: boolean }): Buffer {
  const flags = (opts?.witness ?? true) ? serializationFlags(tx) : 0;
  const segwit = (flags & TX_FLAG_WITNESS) !== 0;
  const w = new ByteWriter(strippedSize(tx) + extensionSize(tx, flags));
  w.writeU32LE(tx.version);
  if (flags !== 0) w.writeU8(0x00).writeU8(flags);
  w.writeCompactSize(tx.inputs.length);
  for (const i of tx.inputs) {
    w.writeBytes(i.prevout.hash).writeU32LE(i.prevout.index).writeVarBytes(i.script).writeU32LE(i.sequence);
  }
  w.writeCompactSize(tx.outputs.length);
  for (const o of tx.outputs) {
    checkValue(o.value);
    w.writeU32LE(o.value % TWO_POW_32).writeU32LE(Math.floor(o.value / TWO_POW_32)).writeVarBytes(o.script);
  }
  if (segwit) {
    for (const i of tx.inputs) {
      w.writeCompactSize(i.witness.length);
      for (const item of i.witness) w.writeVarBytes(item);
    }
  }
  if (flags & TX_FLAG_MWEB) w.writeU8(MWEB_TX_NONE);
  w.writeU32LE(tx.locktime);
  return w.toBytes();
}

/** sha256d of the serialization without witness, internal byte order. */
export function txid(tx: Transaction): Buffer {
  return sha256d(encodeTransaction(tx, { witness: false }));
}

/** sha256d of the serialization with witness; the txid when there is none (a HogEx included). */
export function wtxid(tx: Transaction): Buffer {
  return hasWitness(tx) ? sha256d(encodeTransaction(tx, { witness: true })) : txid(tx);
}

/** BIP141 weight: stripped size * 3 + total size, MWEB bytes not counted (see mwebOverhead). */
export function txWeight(tx: Transaction): number {
  const base = strippedSize(tx);
  const flags = serializationFlags(tx);
  return base * 4 + extensionSize(tx, flags) - mwebOverhead(flags);
}

/** ceil(weight / 4). */
export function txVsize(tx: Transaction): number {
  return Math.ceil(txWeight(tx) / 4);
}
