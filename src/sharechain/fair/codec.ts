/**
 * Wire format of the fair share (docs/fair-sharechain.md#wire-format). The wrapper is v35's
 * (VarInt type ‖ VarStr contents, src/sharechain/share-codec.ts), so the P2P `shares` message
 * carries both; the contents:
 *
 *   header      u32 version ‖ 32 prev_block ‖ u32 timestamp ‖ u32 bits ‖ u32 nonce
 *   share_info  32 prev_share (0 = none) ‖ VarStr coinbase ‖ VarStr payout_script ‖ u64 subsidy ‖
 *               u32 timestamp ‖ u32 share_bits ‖ u32 link_bits ‖ u32 floor_bits ‖ u32 height ‖
 *               u16 max_outputs ‖ VarInt n ‖ n x 32 refs ‖ 32 wtxid_root
 *   merkle_branch  VarInt n ‖ n x 32
 *   last_txout_nonce  u64
 *   hash_link   32 state ‖ VarStr extra_data ‖ VarInt length
 *
 * Decoding enforces the hard limits (lengths, list sizes, canonical CompactSize, no trailing
 * bytes) and throws only DecodeError; the rules on the values are checked in share.ts.
 * Decode -> encode is byte-identical.
 */
import { ByteReader, ByteWriter } from '../../bitcoin/bytes.js';
import { MAX_MERKLE_BRANCH } from '../share-codec.js';
import type { FairHashLink, FairHeaderFields, FairShareContents, FairShareInfo } from './types.js';

/** Read limits (the rules are tighter: coinbase 2..100 bytes, scripts <= 34, refs <= R_MAX). */
export const MAX_COINBASE_BYTES = 255;
export const MAX_PAYOUT_SCRIPT_BYTES = 64;
/** No network allows more references than this (R_MAX is checked per network). */
export const MAX_REFS_DECODE = 255;
/** The unprocessed part of a SHA-256 block. */
export const MAX_EXTRA_DATA = 63;

const ZERO_HASH = Buffer.alloc(32);

function readOptionalHash(r: ByteReader): Buffer | null {
  const h = Buffer.from(r.readHash());
  return h.equals(ZERO_HASH) ? null : h;
}

function writeHash(w: ByteWriter, h: Buffer, what: string): void {
  if (h.length !== 32) throw new RangeError(`${what} must be 32 bytes`);
  w.writeBytes(h);
}

function readHeader(r: ByteReader): FairHeaderFields {
  const version = r.readU32LE();
  const prevBlock = Buffer.from(r.readHash());
  const timestamp = r.readU32LE();
  const bits = r.readU32LE();
  const nonce = r.readU32LE();
  return { version, prevBlock, timestamp, bits, nonce };
}

function writeHeader(w: ByteWriter, h: FairHeaderFields): void {
  w.writeU32LE(h.version);
  writeHash(w, h.prevBlock, 'header.prev_block');
  w.writeU32LE(h.timestamp).writeU32LE(h.bits).writeU32LE(h.nonce);
}

function readInfo(r: ByteReader): FairShareInfo {
  const prevShare = readOptionalHash(r);
  const coinbase = Buffer.from(r.readVarBytes(MAX_COINBASE_BYTES));
  const payoutScript = Buffer.from(r.readVarBytes(MAX_PAYOUT_SCRIPT_BYTES));
  const subsidy = r.readU64LESafe();
  const timestamp = r.readU32LE();
  const shareBits = r.readU32LE();
  const linkBits = r.readU32LE();
  const floorBits = r.readU32LE();
  const height = r.readU32LE();
  const maxOutputs = r.readU16LE();
  const refs = r.readList(MAX_REFS_DECODE, (x) => Buffer.from(x.readHash()));
  const wtxidRoot = Buffer.from(r.readHash());
  return { prevShare, coinbase, payoutScript, subsidy, timestamp, shareBits, linkBits, floorBits, height, maxOutputs, refs, wtxidRoot };
}

function writeInfo(w: ByteWriter, i: FairShareInfo): void {
  if (i.prevShare === null) w.writeBytes(ZERO_HASH);
  else {
    writeHash(w, i.prevShare, 'prev_share');
    if (i.prevShare.equals(ZERO_HASH)) throw new RangeError('prev_share: the none value (zero) must be given as null');
  }
  if (i.coinbase.length > MAX_COINBASE_BYTES) throw new RangeError('coinbase too long');
  w.writeVarBytes(i.coinbase);
  if (i.payoutScript.length > MAX_PAYOUT_SCRIPT_BYTES) throw new RangeError('payout_script too long');
  w.writeVarBytes(i.payoutScript);
  if (!Number.isSafeInteger(i.subsidy) || i.subsidy < 0) throw new RangeError(`invalid subsidy ${i.subsidy}`);
  w.writeU64LE(BigInt(i.subsidy));
  w.writeU32LE(i.timestamp).writeU32LE(i.shareBits).writeU32LE(i.linkBits).writeU32LE(i.floorBits).writeU32LE(i.height);
  if (!Number.isInteger(i.maxOutputs) || i.maxOutputs < 0 || i.maxOutputs > 0xffff) throw new RangeError(`invalid max_outputs ${i.maxOutputs}`);
  w.writeU16LE(i.maxOutputs);
  if (i.refs.length > MAX_REFS_DECODE) throw new RangeError('too many refs');
  w.writeList(i.refs, (x, h) => writeHash(x, h, 'ref'));
  writeHash(w, i.wtxidRoot, 'wtxid_root');
}

function readHashLink(r: ByteReader): FairHashLink {
  const state = Buffer.from(r.readBytes(32));
  const extraData = Buffer.from(r.readVarBytes(MAX_EXTRA_DATA));
  const length = r.readCompactSize();
  return { state, extraData, length };
}

function writeHashLink(w: ByteWriter, h: FairHashLink): void {
  writeHash(w, h.state, 'hash_link.state');
  if (h.extraData.length > MAX_EXTRA_DATA) throw new RangeError('hash_link.extra_data too long');
  w.writeVarBytes(h.extraData).writeCompactSize(h.length);
}

/** share_info serialized (hashed behind the identifier into ref_hash). */
export function encodeFairShareInfo(info: FairShareInfo): Buffer {
  const w = new ByteWriter(192 + 32 * info.refs.length);
  writeInfo(w, info);
  return w.toBytes();
}

/** Decode the contents (the wrapper's VarStr), also returning the share_info bytes as on the wire. */
export function decodeFairContents(contents: Uint8Array): { contents: FairShareContents; infoBytes: Buffer } {
  const r = new ByteReader(contents);
  const header = readHeader(r);
  const infoStart = r.offset;
  const info = readInfo(r);
  const infoBytes = r.sliceFrom(infoStart);
  const merkleBranch = r.readList(MAX_MERKLE_BRANCH, (x) => Buffer.from(x.readHash()));
  const lastTxoutNonce = r.readU64LE();
  const hashLink = readHashLink(r);
  r.expectEnd('fair share contents');
  return { contents: { header, info, merkleBranch, lastTxoutNonce, hashLink }, infoBytes };
}

export function encodeFairContents(c: FairShareContents): Buffer {
  const w = new ByteWriter(320 + 32 * (c.info.refs.length + c.merkleBranch.length));
  writeHeader(w, c.header);
  writeInfo(w, c.info);
  if (c.merkleBranch.length > MAX_MERKLE_BRANCH) throw new RangeError('merkle branch too long');
  w.writeList(c.merkleBranch, (x, h) => writeHash(x, h, 'merkle branch entry'));
  w.writeU64LE(c.lastTxoutNonce);
  writeHashLink(w, c.hashLink);
  return w.toBytes();
}
