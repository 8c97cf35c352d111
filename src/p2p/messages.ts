/**
 * P2Pool P2P messages (docs/protocol.md#messages, JT p2pool/p2p.py at protocol 3501): one typed record per
 * command, with a decoder and an encoder that are exact inverses on canonical bytes.
 *
 * Byte order: every uint256 (share hashes, request ids, tx hashes) stays in wire order, the 32
 * little-endian bytes of the integer the reference packs with IntType(256); show them with
 * hashToDisplayHex. Ports inside `version`/`addrs` records are big-endian (the reference's
 * address_type, as in Bitcoin), the `addrme` port is little-endian (a plain IntType(16)).
 *
 * Decoders take untrusted payloads, throw only DecodeError, bound every list before allocating
 * and reject trailing bytes (the p2pool protocol is built without ignore_trailing_payload, so
 * the reference disconnects on them too). Share wrappers are kept as raw bytes: decodeShare
 * (sharechain/share.ts) turns them into Shares, and re-encoding is byte-identical.
 */
import { ByteReader, ByteWriter } from '../bitcoin/bytes.js';
import { encodeHeader, readHeader, type BlockHeader } from '../bitcoin/block.js';
import { DecodeError } from '../bitcoin/errors.js';
import { encodeTransaction, readTransaction, type Transaction } from '../bitcoin/transaction.js';
import { MAX_PAYLOAD_LENGTH } from './framing.js';

// ---- limits -------------------------------------------------------------------------------

/**
 * Hashes per `sharereq`. The reference answers `parents = min(parents, 1000 // len(hashes))`
 * ancestors per hash, so past 1,000 hashes a request only buys one share per hash; its own
 * requests carry one hash (download_shares) or [0] (the /pings probe).
 */
export const MAX_SHAREREQ_HASHES = 1000;
/** `stops` per `sharereq`: the reference sends heads plus their 10th parents, cut to [:100]; 10x slack. */
export const MAX_SHAREREQ_STOPS = 1000;
/**
 * Shares per `shares`/`sharereply`. A reference reply holds at most
 * len(hashes) * (1000 // len(hashes) + 1) <= 1000 + len(hashes) shares; broadcasts carry <= 5.
 */
export const MAX_SHARES_PER_MESSAGE = 1000 + MAX_SHAREREQ_HASHES;
/**
 * Records per `addrs`. The reference answers getaddrs with at most min(count, 100) and relays
 * single records; 1,000 is Bitcoin Core's MAX_ADDR_TO_SEND.
 */
export const MAX_ADDRS_PER_MESSAGE = 1000;
/**
 * Hashes per have_tx/losing_tx/forget_tx/remember_tx. JT sends its whole known-tx set in one
 * have_tx (pre-v34 chains), so the only real bound is the payload cap: 32 bytes per hash.
 */
export const MAX_TX_HASHES_PER_MESSAGE = Math.floor(MAX_PAYLOAD_LENGTH / 32);
/** Transactions per remember_tx: a minimal transaction is 60 bytes, so the payload cap bounds it. */
export const MAX_TXS_PER_MESSAGE = Math.floor(MAX_PAYLOAD_LENGTH / 60);
/** `version.sub_version`: the reference sends a short git-describe string ("unknown 6a74" in the capture); 256 as Bitcoin Core's MAX_SUBVERSION_LENGTH. */
export const MAX_SUB_VERSION_LENGTH = 256;

// ---- types --------------------------------------------------------------------------------

/** The reference's address_type: services u64 | 16-byte IPv6 (IPv4-mapped) | port u16 BE. */
export interface PeerAddress {
  services: bigint;
  /** 16 raw bytes; IPv4 as ::ffff:a.b.c.d. See addressFromString / addressToString. */
  address: Buffer;
  port: number;
}

/** An `addrs` record: when the address was last seen (unix seconds, u64) and where. */
export interface AddrRecord {
  timestamp: bigint;
  address: PeerAddress;
}

/**
 * One share as it travels: the share_type wrapper (VarInt type | VarStr contents). `raw` is the
 * whole wrapper, exactly as received; decodeShare(raw, net) parses and hashes it.
 */
export interface WireShare {
  type: number;
  raw: Buffer;
}

/** The reference's EnumType for sharereply.result; values above 6 do not decode there either. */
export const SHARE_REPLY_RESULTS = ['good', 'too long', 'unk2', 'unk3', 'unk4', 'unk5', 'unk6'] as const;
export type ShareReplyResult = (typeof SHARE_REPLY_RESULTS)[number];

export interface VersionMessage {
  command: 'version';
  /** Protocol version (3501 for JT's current network). */
  version: number;
  services: bigint;
  addrTo: PeerAddress;
  addrFrom: PeerAddress;
  /** One random u64 per node process: detects self-connections and duplicate peers. */
  nonce: bigint;
  subVersion: string;
  /** Always 1 (the 2011 "send whole shares" mode). */
  mode: number;
  /** Internal byte order; null is encoded as 32 zero bytes (PossiblyNoneType(0, ...)). */
  bestShareHash: Buffer | null;
}

export type P2PoolMessage =
  | VersionMessage
  | { command: 'ping' }
  | { command: 'addrme'; port: number }
  | { command: 'addrs'; addrs: AddrRecord[] }
  | { command: 'getaddrs'; count: number }
  | { command: 'shares'; shares: WireShare[] }
  | { command: 'sharereq'; id: Buffer; hashes: Buffer[]; parents: number; stops: Buffer[] }
  | { command: 'sharereply'; id: Buffer; result: ShareReplyResult; shares: WireShare[] }
  | { command: 'bestblock'; header: BlockHeader }
  | { command: 'have_tx'; txHashes: Buffer[] }
  | { command: 'losing_tx'; txHashes: Buffer[] }
  | { command: 'forget_tx'; txHashes: Buffer[] }
  | { command: 'remember_tx'; txHashes: Buffer[]; txs: Transaction[] }
  /** A command the reference does not define; it ignores these, and so should the peer layer. */
  | { command: 'unknown'; name: string; payload: Buffer };

export type P2PoolCommand = Exclude<P2PoolMessage['command'], 'unknown'>;
export type MessageOf<C extends P2PoolMessage['command']> = Extract<P2PoolMessage, { command: C }>;

export const P2POOL_COMMANDS: readonly P2PoolCommand[] = [
  'version', 'ping', 'addrme', 'addrs', 'getaddrs', 'shares', 'sharereq', 'sharereply',
  'bestblock', 'have_tx', 'losing_tx', 'forget_tx', 'remember_tx',
];

// ---- addresses ----------------------------------------------------------------------------

const V4_MAPPED_PREFIX = Buffer.from('00000000000000000000ffff', 'hex');
const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function parseIpv4(s: string): number[] | null {
  const m = IPV4_RE.exec(s);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

/**
 * "a.b.c.d" -> ::ffff:a.b.c.d; any IPv6 text form (with "::" and an optional dotted tail) ->
 * its 16 bytes. Throws RangeError for anything else.
 */
export function addressFromString(ip: string): Buffer {
  const v4 = parseIpv4(ip);
  if (v4) return Buffer.concat([V4_MAPPED_PREFIX, Buffer.from(v4)]);
  let text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const dotted = lastColon >= 0 ? parseIpv4(text.slice(lastColon + 1)) : null;
  if (dotted) {
    tail.push((dotted[0]! << 8) | dotted[1]!, (dotted[2]! << 8) | dotted[3]!);
    text = text.slice(0, lastColon + 1) + '0'; // placeholder group, dropped below
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new RangeError(`not an IP address: ${ip}`);
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((g) => {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new RangeError(`not an IP address: ${ip}`);
      return parseInt(g, 16);
    });
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (dotted) (halves.length === 2 ? rest : head).pop();
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) throw new RangeError(`not an IP address: ${ip}`);
  const groups = [...head, ...new Array<number>(8 - given).fill(0), ...rest, ...tail];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/**
 * 16 bytes -> "a.b.c.d" when IPv4-mapped, else eight 4-digit hex groups joined by ':' (the
 * reference's IPV6AddressType text form, which is also valid input for node:net).
 */
export function addressToString(address: Uint8Array): string {
  if (address.length !== 16) throw new RangeError('an address is 16 bytes');
  const b = Buffer.from(address.buffer, address.byteOffset, 16);
  if (b.subarray(0, 12).equals(V4_MAPPED_PREFIX)) return Array.from(b.subarray(12)).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.subarray(i, i + 2).toString('hex'));
  return groups.join(':');
}

// ---- field codecs -------------------------------------------------------------------------

const ZERO_HASH = Buffer.alloc(32);

function readHashCopy(r: ByteReader): Buffer {
  return Buffer.from(r.readHash());
}

function writeHash(w: ByteWriter, h: Buffer, what: string): void {
  if (h.length !== 32) throw new RangeError(`${what} must be 32 bytes`);
  w.writeBytes(h);
}

function readPeerAddress(r: ByteReader): PeerAddress {
  const services = r.readU64LE();
  const address = Buffer.from(r.readBytes(16));
  const port = r.readU16BE();
  return { services, address, port };
}

function writePeerAddress(w: ByteWriter, a: PeerAddress): void {
  if (a.address.length !== 16) throw new RangeError('address must be 16 bytes');
  checkUint(a.port, 0xffff, 'port');
  w.writeU64LE(a.services).writeBytes(a.address).writeU16BE(a.port);
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} out of range`);
}

function checkU64(v: bigint, what: string): void {
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`${what} ${v} out of range`);
}

function readHashList(r: ByteReader, max: number): Buffer[] {
  // readList bounds the count by the remaining bytes (one byte per item); 32-byte items are
  // checked once more so a lying count fails before the array is built.
  const start = r.offset;
  const count = r.readCompactSize(max);
  if (count * 32 > r.remaining) throw new DecodeError(`list of ${count} hashes cannot fit in ${r.remaining} bytes`, start);
  const out = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) out[i] = readHashCopy(r);
  return out;
}

function writeHashList(w: ByteWriter, hashes: readonly Buffer[], max: number, what: string): void {
  if (hashes.length > max) throw new RangeError(`${hashes.length} ${what} exceed the limit of ${max}`);
  w.writeList(hashes, (ww, h) => writeHash(ww, h, what));
}

function readWireShare(r: ByteReader): WireShare {
  const start = r.offset;
  const type = r.readCompactSize();
  r.readVarBytes(MAX_PAYLOAD_LENGTH);
  return { type, raw: Buffer.from(r.sliceFrom(start)) };
}

/**
 * Wrap share_type bytes (e.g. Share.raw or encodeShare's output) for a shares/sharereply
 * message. Throws DecodeError unless `raw` is exactly one wrapper.
 */
export function toWireShare(raw: Uint8Array): WireShare {
  const r = new ByteReader(raw);
  const share = readWireShare(r);
  r.expectEnd('share wrapper');
  return share;
}

function readShareList(r: ByteReader): WireShare[] {
  return r.readList(MAX_SHARES_PER_MESSAGE, readWireShare);
}

function writeShareList(w: ByteWriter, shares: readonly WireShare[]): void {
  if (shares.length > MAX_SHARES_PER_MESSAGE) {
    throw new RangeError(`${shares.length} shares exceed the limit of ${MAX_SHARES_PER_MESSAGE}`);
  }
  w.writeList(shares, (ww, s) => ww.writeBytes(s.raw));
}

// ---- messages -----------------------------------------------------------------------------

function readVersion(r: ByteReader): VersionMessage {
  const version = r.readU32LE();
  const services = r.readU64LE();
  const addrTo = readPeerAddress(r);
  const addrFrom = readPeerAddress(r);
  const nonce = r.readU64LE();
  const subStart = r.offset;
  const sub = r.readVarBytes(MAX_SUB_VERSION_LENGTH);
  const subVersion = sub.toString('utf8');
  // Reject bytes that are not valid UTF-8, so decode -> encode stays byte-identical.
  if (!Buffer.from(subVersion, 'utf8').equals(sub)) throw new DecodeError('sub_version is not valid UTF-8', subStart);
  const mode = r.readU32LE();
  const best = r.readHash();
  return {
    command: 'version', version, services, addrTo, addrFrom, nonce, subVersion, mode,
    bestShareHash: best.equals(ZERO_HASH) ? null : Buffer.from(best),
  };
}

function writeVersion(w: ByteWriter, m: VersionMessage): void {
  checkUint(m.version, 0xffffffff, 'version');
  checkUint(m.mode, 0xffffffff, 'mode');
  checkU64(m.services, 'services');
  checkU64(m.nonce, 'nonce');
  const sub = Buffer.from(m.subVersion, 'utf8');
  if (sub.length > MAX_SUB_VERSION_LENGTH) throw new RangeError(`sub_version longer than ${MAX_SUB_VERSION_LENGTH} bytes`);
  w.writeU32LE(m.version).writeU64LE(m.services);
  writePeerAddress(w, m.addrTo);
  writePeerAddress(w, m.addrFrom);
  w.writeU64LE(m.nonce).writeVarBytes(sub).writeU32LE(m.mode);
  if (m.bestShareHash === null) {
    w.writeBytes(ZERO_HASH);
  } else {
    // PossiblyNoneType: the none value itself must not be written explicitly.
    if (m.bestShareHash.equals(ZERO_HASH)) throw new RangeError('best_share_hash: give null, not zero');
    writeHash(w, m.bestShareHash, 'best_share_hash');
  }
}

function readBody(command: P2PoolCommand, r: ByteReader): P2PoolMessage {
  switch (command) {
    case 'version':
      return readVersion(r);
    case 'ping':
      return { command };
    case 'addrme':
      return { command, port: r.readU16LE() };
    case 'addrs':
      return {
        command,
        addrs: r.readList(MAX_ADDRS_PER_MESSAGE, (rr) => ({ timestamp: rr.readU64LE(), address: readPeerAddress(rr) })),
      };
    case 'getaddrs':
      return { command, count: r.readU32LE() };
    case 'shares':
      return { command, shares: readShareList(r) };
    case 'sharereq': {
      const id = readHashCopy(r);
      const hashes = readHashList(r, MAX_SHAREREQ_HASHES);
      const parents = r.readCompactSize();
      const stops = readHashList(r, MAX_SHAREREQ_STOPS);
      return { command, id, hashes, parents, stops };
    }
    case 'sharereply': {
      const id = readHashCopy(r);
      const at = r.offset;
      const code = r.readCompactSize();
      const result = SHARE_REPLY_RESULTS[code];
      if (result === undefined) throw new DecodeError(`sharereply result ${code} is not a known value`, at);
      return { command, id, result, shares: readShareList(r) };
    }
    case 'bestblock':
      return { command, header: readHeader(r) };
    case 'have_tx':
    case 'losing_tx':
    case 'forget_tx':
      return { command, txHashes: readHashList(r, MAX_TX_HASHES_PER_MESSAGE) };
    case 'remember_tx': {
      const txHashes = readHashList(r, MAX_TX_HASHES_PER_MESSAGE);
      // A Litecoin peer's known transactions may include the template's HogEx (flag 0x08).
      // The message carries no network, and these transactions are only remembered, never
      // mined from (v35 shares list none), so the MWEB form is accepted on every network.
      const txs = r.readList(MAX_TXS_PER_MESSAGE, (rr) => readTransaction(rr, { mweb: true }));
      return { command, txHashes, txs };
    }
  }
}

function isKnownCommand(command: string): command is P2PoolCommand {
  return (P2POOL_COMMANDS as readonly string[]).includes(command);
}

/**
 * Decode one payload for `command` (as read from the frame). Commands the reference does not
 * define come back as {command: 'unknown'}; malformed payloads throw DecodeError.
 */
export function decodeMessage(command: string, payload: Uint8Array): P2PoolMessage {
  if (!isKnownCommand(command)) return { command: 'unknown', name: command, payload: Buffer.from(payload) };
  const r = new ByteReader(payload);
  const msg = readBody(command, r);
  r.expectEnd(`${command} payload`);
  return msg;
}

/**
 * Encode a message to its frame command and payload. Out-of-range fields (wrong hash length,
 * over-limit lists, ports above 65535) throw RangeError: that is our bug, not the peer's.
 */
export function encodeMessage(msg: P2PoolMessage): { command: string; payload: Buffer } {
  const w = new ByteWriter();
  switch (msg.command) {
    case 'unknown':
      return { command: msg.name, payload: Buffer.from(msg.payload) };
    case 'version':
      writeVersion(w, msg);
      break;
    case 'ping':
      break;
    case 'addrme':
      checkUint(msg.port, 0xffff, 'port');
      w.writeU16LE(msg.port);
      break;
    case 'addrs':
      if (msg.addrs.length > MAX_ADDRS_PER_MESSAGE) throw new RangeError(`${msg.addrs.length} addrs exceed the limit`);
      w.writeList(msg.addrs, (ww, a) => {
        checkU64(a.timestamp, 'timestamp');
        ww.writeU64LE(a.timestamp);
        writePeerAddress(ww, a.address);
      });
      break;
    case 'getaddrs':
      checkUint(msg.count, 0xffffffff, 'count');
      w.writeU32LE(msg.count);
      break;
    case 'shares':
      writeShareList(w, msg.shares);
      break;
    case 'sharereq':
      writeHash(w, msg.id, 'id');
      writeHashList(w, msg.hashes, MAX_SHAREREQ_HASHES, 'hashes');
      w.writeCompactSize(msg.parents);
      writeHashList(w, msg.stops, MAX_SHAREREQ_STOPS, 'stops');
      break;
    case 'sharereply':
      writeHash(w, msg.id, 'id');
      w.writeCompactSize(SHARE_REPLY_RESULTS.indexOf(msg.result));
      writeShareList(w, msg.shares);
      break;
    case 'bestblock':
      w.writeBytes(encodeHeader(msg.header));
      break;
    case 'have_tx':
    case 'losing_tx':
    case 'forget_tx':
      writeHashList(w, msg.txHashes, MAX_TX_HASHES_PER_MESSAGE, 'tx_hashes');
      break;
    case 'remember_tx':
      writeHashList(w, msg.txHashes, MAX_TX_HASHES_PER_MESSAGE, 'tx_hashes');
      if (msg.txs.length > MAX_TXS_PER_MESSAGE) throw new RangeError(`${msg.txs.length} txs exceed the limit`);
      w.writeList(msg.txs, (ww, tx) => ww.writeBytes(encodeTransaction(tx)));
      break;
  }
  return { command: msg.command, payload: w.toBytes() };
}
