/**
 * P2Pool P2P framing (docs/protocol.md#framing, p2pool/util/p2protocol.py):
 *
 *   prefix (8 bytes, P2PoolNetwork.prefix) | command (12 bytes ASCII, NUL padded) |
 *   length u32 LE | checksum = sha256d(payload)[0..4] | payload
 *
 * FrameDecoder is a streaming parser: feed it socket chunks, get typed events back. It never
 * throws on peer bytes; everything a peer can get wrong comes back as an event so the peer layer
 * decides what it costs (the reference drops the connection and counts a bad checksum against
 * the peer, skips an over-long frame, and resynchronises by scanning for the prefix).
 */
import { sha256d } from '../bitcoin/hash.js';

/**
 * Largest payload we accept or send: 8,000,000 bytes. ORIG allows 1,000,000 and JT 32,000,000,
 * a limit sized for v17-era shares that referenced block transactions (remember_tx could carry
 * megabytes). Share v35 carries no transactions: a v35 share is ~300 bytes, so the largest
 * honest message, a sharereply of <= 2,000 shares (see messages.ts), is under 1 MB. 8 MB keeps
 * a wide margin over that (and over ORIG's limit) while a hostile peer can make us buffer at
 * most 8 MB per connection instead of 32.
 */
export const MAX_PAYLOAD_LENGTH = 8_000_000;
/** The command field is 12 bytes, NUL padded (as in Bitcoin's P2P header). */
export const COMMAND_LENGTH = 12;
/** length u32 + checksum 4 bytes. */
const LENGTH_AND_CHECKSUM = 8;

/** Sending a payload above the limit: the caller should split its lists (the reference's fragment()). */
export class PayloadTooLong extends RangeError {
  override readonly name = 'PayloadTooLong';
  constructor(readonly length: number, readonly limit: number) {
    super(`payload of ${length} bytes exceeds the limit of ${limit}`);
  }
}

/** First four bytes of sha256d(payload). */
export function payloadChecksum(payload: Uint8Array): Buffer {
  return sha256d(payload).subarray(0, 4);
}

/** Command bytes that may appear before the padding: printable ASCII without space. */
function isCommandChar(c: number): boolean {
  return c > 0x20 && c < 0x7f;
}

/**
 * The command held in a 12-byte field, or null when the field is not canonical: it must be
 * 1..12 printable ASCII characters followed only by NULs. (The reference just strips trailing
 * NULs; a field it would accept and we refuse names no command it knows, so it would ignore
 * the message anyway.)
 */
export function parseCommandField(field: Uint8Array): string | null {
  if (field.length !== COMMAND_LENGTH) return null;
  let end = field.indexOf(0);
  if (end < 0) end = COMMAND_LENGTH;
  if (end === 0) return null;
  for (let i = 0; i < end; i++) if (!isCommandChar(field[i]!)) return null;
  for (let i = end; i < COMMAND_LENGTH; i++) if (field[i] !== 0) return null;
  return Buffer.from(field.buffer, field.byteOffset, end).toString('latin1');
}

function commandField(command: string): Buffer {
  const bytes = Buffer.from(command, 'latin1');
  if (command.length === 0 || command.length > COMMAND_LENGTH || ![...bytes].every(isCommandChar)) {
    throw new RangeError(`invalid P2P command ${JSON.stringify(command)}`);
  }
  const field = Buffer.alloc(COMMAND_LENGTH);
  bytes.copy(field);
  return field;
}

/** Serialize one frame. Throws PayloadTooLong above `maxPayload`, RangeError for a bad command. */
export function encodeFrame(
  prefix: Uint8Array,
  command: string,
  payload: Uint8Array = Buffer.alloc(0),
  maxPayload: number = MAX_PAYLOAD_LENGTH,
): Buffer {
  if (prefix.length === 0) throw new RangeError('empty network prefix');
  if (payload.length > maxPayload) throw new PayloadTooLong(payload.length, maxPayload);
  const out = Buffer.allocUnsafe(prefix.length + COMMAND_LENGTH + LENGTH_AND_CHECKSUM + payload.length);
  let pos = 0;
  out.set(prefix, pos);
  pos += prefix.length;
  commandField(command).copy(out, pos);
  pos += COMMAND_LENGTH;
  out.writeUInt32LE(payload.length, pos);
  pos += 4;
  payloadChecksum(payload).copy(out, pos);
  pos += 4;
  out.set(payload, pos);
  return out;
}

/** What the decoder found in the stream, in stream order. */
export type FrameEvent =
  /**
   * A complete frame whose checksum matches. `payload` may be a view into a pushed chunk;
   * `frame` is the whole frame as received (header and payload, a view over the same bytes): a
   * node forwarding a message unchanged sends these bytes instead of encoding them again.
   */
  | { kind: 'frame'; command: string; payload: Buffer; frame: Buffer }
  /**
   * A complete frame whose checksum does not match (the reference: badPeerHappened, i.e. the
   * connection is dropped and the peer's ban score rises). The frame was consumed.
   */
  | { kind: 'bad-checksum'; command: string; length: number; checksum: Buffer; expected: Buffer }
  /**
   * The header announced more than the payload limit. Nothing of the payload is buffered: the
   * decoder skips the header and scans on for the prefix (as the reference does), but a peer
   * that sends this is misbehaving.
   */
  | { kind: 'oversize'; command: string; length: number; limit: number }
  /**
   * A prefix followed by a command field that is not 1..12 printable ASCII characters padded
   * with NULs. The decoder resumes scanning one byte after that prefix.
   */
  | { kind: 'bad-command'; field: Buffer }
  /** Bytes dropped while scanning for the prefix (before a frame, or as the stream stands). */
  | { kind: 'garbage'; skipped: number };

export interface FrameDecoderOptions {
  /** Payload limit; defaults to MAX_PAYLOAD_LENGTH. */
  maxPayload?: number;
}

/**
 * Streaming frame parser for one connection. push() returns the events the new bytes
 * complete. Memory stays bounded: at most one frame (header + maxPayload) plus the last chunk
 * is held, and bytes that cannot start a prefix are dropped as garbage.
 */
export class FrameDecoder {
  private readonly prefix: Buffer;
  private readonly headerLength: number;
  private readonly maxPayload: number;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes needed from the start of the buffer before parsing can progress. */
  private need: number;
  private totalSkipped = 0;

  constructor(prefix: Uint8Array, options: FrameDecoderOptions = {}) {
    if (prefix.length === 0) throw new RangeError('empty network prefix');
    this.prefix = Buffer.from(prefix);
    this.headerLength = prefix.length + COMMAND_LENGTH + LENGTH_AND_CHECKSUM;
    this.maxPayload = options.maxPayload ?? MAX_PAYLOAD_LENGTH;
    this.need = this.prefix.length;
  }

  /** Bytes held waiting for the rest of a frame. */
  get buffered(): number {
    return this.size;
  }

  /** Garbage bytes skipped over this decoder's life. */
  get skipped(): number {
    return this.totalSkipped;
  }

  push(chunk: Uint8Array): FrameEvent[] {
    if (chunk.length === 0) return [];
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.chunks.push(b);
    this.size += b.length;
    const events: FrameEvent[] = [];
    if (this.size < this.need) return events;

    // Join only when a step can complete: a large payload arriving in many chunks is copied
    // once, not once per chunk.
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    let pos = 0;
    let skipped = 0;
    const flushSkipped = (): void => {
      if (skipped > 0) {
        events.push({ kind: 'garbage', skipped });
        this.totalSkipped += skipped;
        skipped = 0;
      }
    };

    for (;;) {
      const at = buf.indexOf(this.prefix, pos);
      if (at < 0) {
        // Keep only a tail that might be the start of a prefix split across chunks.
        const keep = Math.min(buf.length - pos, this.prefix.length - 1);
        skipped += buf.length - pos - keep;
        pos = buf.length - keep;
        this.need = this.prefix.length;
        break;
      }
      skipped += at - pos;
      pos = at;
      flushSkipped();
      if (buf.length - pos < this.headerLength) {
        this.need = this.headerLength;
        break;
      }
      const cmdStart = pos + this.prefix.length;
      const field = buf.subarray(cmdStart, cmdStart + COMMAND_LENGTH);
      const command = parseCommandField(field);
      if (command === null) {
        events.push({ kind: 'bad-command', field: Buffer.from(field) });
        pos += 1;
        continue;
      }
      const length = buf.readUInt32LE(cmdStart + COMMAND_LENGTH);
      if (length > this.maxPayload) {
        events.push({ kind: 'oversize', command, length, limit: this.maxPayload });
        pos += this.headerLength;
        continue;
      }
      const frameLength = this.headerLength + length;
      if (buf.length - pos < frameLength) {
        this.need = frameLength;
        break;
      }
      const checksumAt = cmdStart + COMMAND_LENGTH + 4;
      const checksum = buf.subarray(checksumAt, checksumAt + 4);
      const payload = buf.subarray(pos + this.headerLength, pos + frameLength);
      const expected = payloadChecksum(payload);
      if (expected.equals(checksum)) {
        events.push({ kind: 'frame', command, payload, frame: buf.subarray(pos, pos + frameLength) });
      } else {
        events.push({ kind: 'bad-checksum', command, length, checksum: Buffer.from(checksum), expected });
      }
      pos += frameLength;
    }
    flushSkipped();

    const rest = buf.subarray(pos);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return events;
  }
}
