/**
 * The few Bitcoin P2P messages the pool exchanges with its own full node, and their framing.
 *
 * Frame (Core src/protocol.h CMessageHeader): 4 magic bytes, 12-byte NUL-padded ASCII command,
 * u32 payload length, first 4 bytes of sha256d(payload), payload. Every decoder here reads
 * untrusted bytes and throws only DecodeError; counts and sizes are bounded before allocation.
 */
import { ByteReader, ByteWriter } from '../bitcoin/bytes.js';
import { DecodeError } from '../bitcoin/errors.js';
import { sha256d } from '../bitcoin/hash.js';

/** Core MAX_PROTOCOL_MESSAGE_LENGTH (src/net.h): 4,000,000 bytes, enough for any block. */
export const MAX_P2P_PAYLOAD = 4_000_000;
export const FRAME_HEADER_SIZE = 24;
/** Core MAX_INV_SZ (src/net_processing.cpp). */
export const MAX_INV_ITEMS = 50_000;
/** Core MAX_HEADERS_RESULTS (src/net_processing.cpp). */
export const MAX_HEADERS = 2_000;
/** Core MAX_LOCATOR_SZ (src/net_processing.cpp). */
export const MAX_LOCATOR = 101;
/** Core MAX_SUBVERSION_LENGTH (src/net.h). */
export const MAX_USER_AGENT = 256;

/** BIP144 / Core src/protocol.h GetDataMsg. */
export const MSG_TX = 1;
export const MSG_BLOCK = 2;
export const MSG_CMPCT_BLOCK = 4;
export const MSG_WITNESS_FLAG = 1 << 30;
export const MSG_WITNESS_BLOCK = MSG_BLOCK | MSG_WITNESS_FLAG;

/** Service bits (Core src/protocol.h ServiceFlags). */
export const NODE_WITNESS = 1n << 3n;

export interface Frame {
  command: string;
  payload: Buffer;
}

export function encodeFrame(magic: Uint8Array, command: string, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  if (command.length > 12 || !/^[a-z0-9]*$/.test(command)) throw new RangeError(`invalid P2P command ${command}`);
  const out = Buffer.alloc(FRAME_HEADER_SIZE + payload.length);
  Buffer.from(magic).copy(out, 0);
  out.write(command, 4, 'ascii');
  out.writeUInt32LE(payload.length, 16);
  sha256d(payload).copy(out, 20, 0, 4);
  out.set(payload, FRAME_HEADER_SIZE);
  return out;
}

/**
 * Incremental frame reader for a TCP stream: push chunks, take whole frames. A wrong magic,
 * a malformed command, an oversized length or a bad checksum throws DecodeError (the caller
 * drops the connection: after a framing error the stream cannot be resynchronised).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly magic: Uint8Array, private readonly maxPayload = MAX_P2P_PAYLOAD) {}

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    while (this.buffered >= FRAME_HEADER_SIZE) {
      const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [buf];
      if (!buf.subarray(0, 4).equals(this.magic)) {
        throw new DecodeError(`wrong network magic ${buf.subarray(0, 4).toString('hex')} (expected ${Buffer.from(this.magic).toString('hex')})`, 0);
      }
      const rawCommand = buf.subarray(4, 16);
      const nul = rawCommand.indexOf(0);
      const command = rawCommand.subarray(0, nul < 0 ? 12 : nul).toString('latin1');
      if (!/^[\x21-\x7e]*$/.test(command) || (nul >= 0 && rawCommand.subarray(nul).some((b) => b !== 0))) {
        throw new DecodeError('malformed command in P2P frame header', 4);
      }
      const length = buf.readUInt32LE(16);
      if (length > this.maxPayload) throw new DecodeError(`P2P message "${command}" of ${length} bytes exceeds ${this.maxPayload}`, 16);
      if (buf.length < FRAME_HEADER_SIZE + length) break;
      const payload = Buffer.from(buf.subarray(FRAME_HEADER_SIZE, FRAME_HEADER_SIZE + length));
      if (!sha256d(payload).subarray(0, 4).equals(buf.subarray(20, 24))) {
        throw new DecodeError(`bad checksum on P2P message "${command}"`, 20);
      }
      frames.push({ command, payload });
      const rest = buf.subarray(FRAME_HEADER_SIZE + length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
    }
    return frames;
  }
}

export interface VersionMessage {
  version: number;
  services: bigint;
  timestamp: number;
  nonce: bigint;
  userAgent: string;
  startHeight: number;
  relay: boolean;
}

/** BIP14/BIP37 `version`; our address fields are zero (the node learns nothing from them). */
export function encodeVersion(v: VersionMessage): Buffer {
  const w = new ByteWriter(128);
  w.writeI32LE(v.version).writeU64LE(v.services).writeU64LE(BigInt(v.timestamp));
  const emptyAddr = Buffer.alloc(26); // services u64, 16-byte IPv6, port u16 big-endian
  w.writeBytes(emptyAddr).writeBytes(emptyAddr);
  w.writeU64LE(v.nonce).writeVarBytes(Buffer.from(v.userAgent, 'ascii')).writeI32LE(v.startHeight).writeU8(v.relay ? 1 : 0);
  return w.toBytes();
}

export function decodeVersion(payload: Uint8Array): VersionMessage {
  const r = new ByteReader(payload);
  const version = r.readI32LE();
  const services = r.readU64LE();
  const timestamp = Number(r.readU64LE() & 0xffffffffffffn);
  r.readBytes(26); // addr_recv
  r.readBytes(26); // addr_from
  const nonce = r.readU64LE();
  const userAgent = r.readVarBytes(MAX_USER_AGENT).toString('latin1');
  const startHeight = r.readI32LE();
  // BIP37: the relay flag is optional; anything after it is ignored (future fields).
  const relay = r.remaining > 0 ? r.readU8() !== 0 : true;
  return { version, services, timestamp, nonce, userAgent, startHeight, relay };
}

export interface InvItem {
  type: number;
  /** Internal byte order. */
  hash: Buffer;
}

/** `inv`, `getdata` and `notfound` share this payload. */
export function decodeInv(payload: Uint8Array): InvItem[] {
  const r = new ByteReader(payload);
  const items = r.readList(MAX_INV_ITEMS, (rr) => ({ type: rr.readU32LE(), hash: Buffer.from(rr.readHash()) }));
  r.expectEnd('inv');
  return items;
}

export function encodeInv(items: readonly InvItem[]): Buffer {
  return new ByteWriter(1 + items.length * 36).writeList(items, (w, it) => w.writeU32LE(it.type).writeBytes(it.hash)).toBytes();
}

/** `headers`: each entry is an 80-byte header plus a transaction count (always 0). */
export function decodeHeaders(payload: Uint8Array): Buffer[] {
  const r = new ByteReader(payload);
  const headers = r.readList(MAX_HEADERS, (rr) => {
    const h = Buffer.from(rr.readBytes(80));
    rr.readCompactSize();
    return h;
  });
  r.expectEnd('headers');
  return headers;
}

export function encodeHeaders(headers: readonly Uint8Array[]): Buffer {
  return new ByteWriter(1 + headers.length * 81).writeList(headers, (w, h) => w.writeBytes(h).writeCompactSize(0)).toBytes();
}

export interface GetHeadersMessage {
  version: number;
  /** Internal byte order, newest first. */
  locator: Buffer[];
  stop: Buffer;
}

export function decodeGetHeaders(payload: Uint8Array): GetHeadersMessage {
  const r = new ByteReader(payload);
  const version = r.readU32LE();
  const locator = r.readList(MAX_LOCATOR, (rr) => Buffer.from(rr.readHash()));
  const stop = Buffer.from(r.readHash());
  r.expectEnd('getheaders');
  return { version, locator, stop };
}

/** `ping` and `pong` carry one u64 nonce (BIP31). */
export function decodeNonce(payload: Uint8Array): bigint {
  const r = new ByteReader(payload);
  const nonce = r.readU64LE();
  r.expectEnd('ping');
  return nonce;
}

export function encodeNonce(nonce: bigint): Buffer {
  return new ByteWriter(8).writeU64LE(nonce).toBytes();
}

/** The hash of an 80-byte header, internal byte order. */
export function headerHash80(header: Uint8Array): Buffer {
  return sha256d(header.subarray(0, 80));
}
