/**
 * NAT-PMP (RFC 6886) client: ask the default gateway to forward a TCP port to us, and to remove
 * that mapping again. One UDP request to the gateway's port 5351, retransmitted with a doubling
 * delay (RFC 6886 §3.1 starts at 250 ms and doubles up to 9 times; we stop much earlier because
 * a router that does not answer within a few seconds does not speak NAT-PMP, and the node's
 * startup must not wait on it).
 *
 * Only answers from the gateway's own address and port are read (RFC 6886 §3.1: "MUST silently
 * ignore" others); every answer is decoded with its length and fields checked.
 */
import { createSocket, type RemoteInfo } from 'node:dgram';
import { ByteReader } from '../bitcoin/bytes.js';
import { DecodeError } from '../bitcoin/errors.js';

/** RFC 6886 §3.1: the gateway listens on UDP 5351. */
export const NAT_PMP_PORT = 5351;
/** RFC 6886 §3.3: opcode 2 maps a TCP port; the response opcode is 128 + the request's. */
const OP_MAP_TCP = 2;
const OP_EXTERNAL_ADDRESS = 0;
const RESPONSE_BIT = 128;
/** RFC 6886 §3.5 result codes, for the log. */
const RESULT_NAMES: Record<number, string> = {
  1: 'unsupported version',
  2: 'not authorized/refused',
  3: 'network failure',
  4: 'out of resources',
  5: 'unsupported opcode',
};

export class NatPmpError extends Error {
  override readonly name = 'NatPmpError';
}

export interface NatPmpMapping {
  internalPort: number;
  externalPort: number;
  /** Seconds the gateway keeps it (0 after a deletion). */
  lifetime: number;
}

/** A TCP mapping request (RFC 6886 §3.3); lifetime 0 and external port 0 delete the mapping. */
export function encodeMapRequest(internalPort: number, externalPort: number, lifetime: number): Buffer {
  // version 0, opcode, 2 reserved bytes, internal port, suggested external port, lifetime (BE).
  const b = Buffer.alloc(12);
  b.writeUInt8(0, 0);
  b.writeUInt8(OP_MAP_TCP, 1);
  b.writeUInt16BE(internalPort, 4);
  b.writeUInt16BE(externalPort, 6);
  b.writeUInt32BE(lifetime, 8);
  return b;
}

/** The public address request (RFC 6886 §3.2): two bytes. */
export function encodeExternalAddressRequest(): Buffer {
  return Buffer.from([0, OP_EXTERNAL_ADDRESS]);
}

/**
 * A mapping response (16 bytes, RFC 6886 §3.3). Throws DecodeError for a malformed datagram,
 * NatPmpError for a well-formed refusal.
 */
export function decodeMapResponse(msg: Uint8Array): NatPmpMapping {
  const r = header(msg, OP_MAP_TCP, 16);
  const internalPort = r.readU16BE();
  const externalPort = r.readU16BE();
  const lifetime = readU32BE(r);
  r.expectEnd();
  return { internalPort, externalPort, lifetime };
}

/** The public address response (12 bytes, RFC 6886 §3.2): dotted IPv4. */
export function decodeExternalAddressResponse(msg: Uint8Array): string {
  const r = header(msg, OP_EXTERNAL_ADDRESS, 12);
  const ip = [...r.readBytes(4)].join('.');
  r.expectEnd();
  return ip;
}

/** NAT-PMP is big-endian throughout (RFC 6886 §3); ByteReader reads u32 little-endian only. */
function readU32BE(r: ByteReader): number {
  return r.readBytes(4).readUInt32BE(0);
}

/** Version, opcode, result code and epoch; returns a reader at the opcode-specific fields. */
function header(msg: Uint8Array, op: number, length: number): ByteReader {
  if (msg.length !== length) throw new DecodeError(`NAT-PMP response of ${msg.length} bytes, expected ${length}`);
  const r = new ByteReader(msg);
  const version = r.readU8();
  if (version !== 0) throw new DecodeError(`NAT-PMP version ${version}, expected 0`);
  const opcode = r.readU8();
  if (opcode !== RESPONSE_BIT + op) throw new DecodeError(`NAT-PMP opcode ${opcode}, expected ${RESPONSE_BIT + op}`);
  const result = r.readU16BE();
  readU32BE(r); // seconds since the gateway's start of epoch: unused
  if (result !== 0) throw new NatPmpError(`gateway refused: ${RESULT_NAMES[result] ?? `result code ${result}`}`);
  return r;
}

export interface NatPmpTarget {
  gateway: string;
  /** Default NAT_PMP_PORT; tests point it at a fake gateway. */
  port?: number;
  /** First retransmission delay (RFC 6886: 250 ms), doubled each time. */
  initialTimeoutMs?: number;
  /** Requests sent before giving up. */
  attempts?: number;
}

/**
 * Send `request` to the gateway until a datagram from it decodes with `decode` (retransmitting
 * on silence or on a malformed answer); rejects after the last attempt's wait.
 */
export function natPmpRequest<T>(target: NatPmpTarget, request: Buffer, decode: (msg: Buffer) => T): Promise<T> {
  const port = target.port ?? NAT_PMP_PORT;
  const attempts = target.attempts ?? 4; // 250 + 500 + 1000 + 2000 ms: under 4 s in all
  let delay = target.initialTimeoutMs ?? 250;
  return new Promise<T>((resolve, reject) => {
    const socket = createSocket('udp4');
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    let lastProblem = 'no answer';
    const done = (err: Error | null, value?: T): void => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve(value as T);
    };
    const send = (): void => {
      if (sent >= attempts) return done(new NatPmpError(`${lastProblem} from ${target.gateway}:${port} after ${sent} tries`));
      sent++;
      socket.send(request, port, target.gateway, (e) => {
        if (e) done(new NatPmpError(`cannot send to ${target.gateway}:${port}: ${e.message}`));
      });
      timer = setTimeout(send, delay);
      delay *= 2;
    };
    socket.on('message', (msg: Buffer, from: RemoteInfo) => {
      if (from.address !== target.gateway || from.port !== port) return;
      try {
        done(null, decode(msg));
      } catch (e) {
        if (e instanceof NatPmpError) return done(e);
        if (!(e instanceof DecodeError)) return done(e instanceof Error ? e : new Error(String(e)));
        lastProblem = `malformed answer (${e.message})`;
      }
    });
    socket.on('error', (e) => done(new NatPmpError(`socket error: ${e.message}`)));
    socket.bind(0, send);
  });
}

/** Map TCP `internalPort` (suggesting the same external port) for `lifetime` seconds. */
export function natPmpMap(target: NatPmpTarget, internalPort: number, lifetime: number): Promise<NatPmpMapping> {
  return natPmpRequest(target, encodeMapRequest(internalPort, internalPort, lifetime), (msg) => {
    const m = decodeMapResponse(msg);
    if (m.internalPort !== internalPort) throw new DecodeError(`answer for port ${m.internalPort}, asked ${internalPort}`);
    if (m.externalPort === 0 || m.lifetime === 0) throw new NatPmpError('gateway answered with an empty mapping');
    return m;
  });
}

/** Remove the mapping of TCP `internalPort` (RFC 6886 §3.4: lifetime 0, external port 0). */
export async function natPmpUnmap(target: NatPmpTarget, internalPort: number): Promise<void> {
  await natPmpRequest(target, encodeMapRequest(internalPort, 0, 0), (msg) => {
    const m = decodeMapResponse(msg);
    if (m.internalPort !== internalPort) throw new DecodeError(`answer for port ${m.internalPort}, asked ${internalPort}`);
    return m;
  });
}

/** The gateway's public IPv4 address (for the log line). */
export function natPmpExternalAddress(target: NatPmpTarget): Promise<string> {
  return natPmpRequest(target, encodeExternalAddressRequest(), decodeExternalAddressResponse);
}
