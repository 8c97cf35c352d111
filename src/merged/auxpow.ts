/**
 * The AuxPoW: the proof, attached to an aux chain block, that a parent block's proof of work
 * commits to it (Namecoin Core src/auxpow.h, CAuxPow; docs/mining.md#miningsubmit-answers).
 *
 * Wire format (the fixture's `auxpow_serialization`, Namecoin's CAuxPow serialization):
 *   parent coinbase tx (legacy: never marker/flag/witness)
 *   | parent block hash (32; CMerkleTx::hashBlock, ignored by consensus)
 *   | CompactSize n | n x 32 coinbase merkle branch | int32 coinbase index (must be 0)
 *   | CompactSize m | m x 32 aux chain branch       | int32 chain index
 *   | 80-byte parent header
 * An aux block header "with AuxPoW" is the aux chain's 80-byte header followed by that.
 */
import { ByteReader, ByteWriter } from '../bitcoin/bytes.js';
import { DecodeError } from '../bitcoin/errors.js';
import { HEADER_SIZE } from '../bitcoin/block.js';
import { MAX_MONEY, MAX_SCRIPT_SIZE, type Transaction, type TxIn, type TxOut } from '../bitcoin/transaction.js';

export interface AuxPow {
  /** The parent coinbase, decoded from its legacy serialization. */
  coinbase: Transaction;
  /** Its exact wire bytes (the txid is their sha256d). */
  coinbaseBytes: Buffer;
  /** CMerkleTx::hashBlock: by convention the parent header's hash; consensus ignores it. */
  parentHash: Buffer;
  coinbaseBranch: Buffer[];
  coinbaseIndex: number;
  chainBranch: Buffer[];
  chainIndex: number;
  /** The 80-byte parent header. */
  parentHeader: Buffer;
}

/**
 * Decoder bound on either branch. The coinbase branch of a real block is at most ~20 deep; the
 * chain branch's consensus limit (30) is the checker's business, so that an over-long branch
 * is reported as such rather than as undecodable (Namecoin parses it, then rejects it).
 */
export const MAX_DECODED_BRANCH = 64;
/** Bound on the coinbase's inputs and outputs (a parent coinbase has one input, a few outputs). */
const MAX_COINBASE_ITEMS = 10_000;

/**
 * A transaction in the legacy serialization only. The AuxPoW coinbase is always serialized
 * that way, so a zero input count means "no inputs" (which the checker rejects with Namecoin's
 * reason), not a segwit marker as in src/bitcoin/transaction.ts's reader.
 */
function readLegacyTransaction(r: ByteReader): Transaction {
  const version = r.readU32LE();
  const inputs = r.readList<TxIn>(MAX_COINBASE_ITEMS, (rr) => {
    const hash = Buffer.from(rr.readHash());
    const index = rr.readU32LE();
    const script = Buffer.from(rr.readVarBytes(MAX_SCRIPT_SIZE));
    const sequence = rr.readU32LE();
    return { prevout: { hash, index }, script, sequence, witness: [] };
  });
  const outputs = r.readList<TxOut>(MAX_COINBASE_ITEMS, (rr) => {
    const at = rr.offset;
    const value = rr.readU64LE();
    if (value > BigInt(MAX_MONEY)) throw new DecodeError('output value above 21,000,000 coins', at);
    return { value: Number(value), script: Buffer.from(rr.readVarBytes(MAX_SCRIPT_SIZE)) };
  });
  const locktime = r.readU32LE();
  return { version, inputs, outputs, locktime };
}

function readBranch(r: ByteReader): Buffer[] {
  return r.readList(MAX_DECODED_BRANCH, (rr) => Buffer.from(rr.readHash()));
}

/** Read one AuxPoW from `r` (DecodeError on bad input). */
export function readAuxPow(r: ByteReader): AuxPow {
  const start = r.offset;
  const coinbase = readLegacyTransaction(r);
  const coinbaseBytes = Buffer.from(r.sliceFrom(start));
  const parentHash = Buffer.from(r.readHash());
  const coinbaseBranch = readBranch(r);
  const coinbaseIndex = r.readI32LE();
  const chainBranch = readBranch(r);
  const chainIndex = r.readI32LE();
  const parentHeader = Buffer.from(r.readBytes(HEADER_SIZE));
  return { coinbase, coinbaseBytes, parentHash, coinbaseBranch, coinbaseIndex, chainBranch, chainIndex, parentHeader };
}

/** Exactly one AuxPoW; trailing bytes are a DecodeError. */
export function decodeAuxPow(bytes: Uint8Array): AuxPow {
  const r = new ByteReader(bytes);
  const a = readAuxPow(r);
  r.expectEnd('auxpow');
  return a;
}

/** An aux block header followed by its AuxPoW, nothing after (Namecoin's header-with-auxpow). */
export function decodeAuxBlockHeader(bytes: Uint8Array): { header: Buffer; auxpow: AuxPow } {
  const r = new ByteReader(bytes);
  const header = Buffer.from(r.readBytes(HEADER_SIZE));
  const auxpow = readAuxPow(r);
  r.expectEnd('aux block header with auxpow');
  return { header, auxpow };
}

export function encodeAuxPow(a: Omit<AuxPow, 'coinbase'>): Buffer {
  if (a.parentHash.length !== 32 || a.parentHeader.length !== HEADER_SIZE) throw new RangeError('auxpow parent hash/header of the wrong size');
  const branch = (w: ByteWriter, b: Buffer): void => {
    if (b.length !== 32) throw new RangeError('merkle branch hashes must be 32 bytes');
    w.writeBytes(b);
  };
  const w = new ByteWriter(a.coinbaseBytes.length + 200 + 32 * (a.coinbaseBranch.length + a.chainBranch.length));
  w.writeBytes(a.coinbaseBytes).writeBytes(a.parentHash);
  w.writeList(a.coinbaseBranch, branch).writeI32LE(a.coinbaseIndex);
  w.writeList(a.chainBranch, branch).writeI32LE(a.chainIndex);
  w.writeBytes(a.parentHeader);
  return w.toBytes();
}
