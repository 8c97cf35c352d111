/** The P2Pool protocol: every message's payload, and the framing of a TCP stream. */
import { DecodeError } from '../../src/bitcoin/errors.js';
import { COMMAND_LENGTH, encodeFrame, FrameDecoder, MAX_PAYLOAD_LENGTH, payloadChecksum } from '../../src/p2p/framing.js';
import { decodeMessage, encodeMessage, P2POOL_COMMANDS } from '../../src/p2p/messages.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import type { FuzzTarget } from '../engine.js';
import { p2poolFrames } from '../seeds.js';
import { check, decodeOrRefuse, sameBytes } from './check.js';

/** Every command the protocol defines, and one it does not (kept as 'unknown'). */
const COMMANDS = [...P2POOL_COMMANDS, 'foobar'];

export const p2pMessage: FuzzTarget = {
  name: 'p2p-message',
  covers: ['src/p2p/messages.ts'],
  about: 'every P2Pool message payload (first byte picks the command): decodeMessage, then encodeMessage gives the same command and bytes',
  seeds: () => p2poolFrames().filter((f) => COMMANDS.includes(f.command)).map((f) => Buffer.concat([Uint8Array.of(COMMANDS.indexOf(f.command)), Buffer.from(f.payload_hex, 'hex')])),
  maxLen: 8192,
  run(data) {
    const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const command = COMMANDS[(b[0] ?? 0) % COMMANDS.length]!;
    const payload = b.subarray(1);
    const msg = decodeOrRefuse(() => decodeMessage(command, payload), DecodeError);
    if (!msg) return;
    const out = encodeMessage(msg);
    check(out.command === command, `${command} re-encoded as ${out.command}`);
    sameBytes(command, payload, out.payload);
  },
};

const PREFIX = getP2PoolNetwork('regtest').prefix;
const HEADER = PREFIX.length + COMMAND_LENGTH + 8;

/** Put the right checksum into every frame the stream holds, so mutations get past it. */
function fixChecksums(stream: Buffer): void {
  let pos = 0;
  for (;;) {
    const at = stream.indexOf(PREFIX, pos);
    if (at < 0 || at + HEADER > stream.length) return;
    const len = stream.readUInt32LE(at + PREFIX.length + COMMAND_LENGTH);
    if (at + HEADER + len <= stream.length) payloadChecksum(stream.subarray(at + HEADER, at + HEADER + len)).copy(stream, at + PREFIX.length + COMMAND_LENGTH + 4);
    pos = at + 1;
  }
}

export const p2pFraming: FuzzTarget = {
  name: 'p2p-framing',
  covers: ['src/p2p/framing.ts'],
  about: 'a P2Pool TCP stream cut into chunks: every byte is accounted for (frames, bad checksums, oversize headers, bad commands, garbage, buffered), frames re-encode to the bytes they came from, the buffer stays bounded',
  seeds: () => {
    const frames = p2poolFrames().map((f) => Buffer.from(f.frame_hex, 'hex'));
    const seeds: Buffer[] = [];
    for (let i = 0; i + 3 <= frames.length && seeds.length < 40; i += 3) seeds.push(Buffer.concat([Uint8Array.of(1, i & 0xff), ...frames.slice(i, i + 3)]));
    return seeds;
  },
  dictionary: [PREFIX, Buffer.from('version\0\0\0\0\0'), Buffer.from('sharereply\0\0'), Buffer.from('ping\0\0\0\0\0\0\0\0')],
  maxLen: 16384,
  run(data) {
    const b = Buffer.from(data);
    const flags = b[0] ?? 0;
    let seed = (b[1] ?? 0) + 1;
    const stream = b.subarray(2);
    if (flags & 1) fixChecksums(stream);
    const limit = flags & 2 ? 64 : MAX_PAYLOAD_LENGTH;
    const dec = new FrameDecoder(PREFIX, { maxPayload: limit });
    let consumed = 0;
    let pushed = 0;
    while (pushed < stream.length) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = flags & 4 ? 1 + (seed % 7) : 1 + (seed % 97);
      const chunk = stream.subarray(pushed, pushed + n);
      pushed += chunk.length;
      for (const e of dec.push(chunk)) {
        switch (e.kind) {
          case 'frame': {
            const frame = encodeFrame(PREFIX, e.command, e.payload, limit);
            sameBytes('frame', stream.subarray(consumed, consumed + frame.length), frame);
            consumed += frame.length;
            break;
          }
          case 'bad-checksum':
            check(!payloadChecksum(stream.subarray(consumed + HEADER, consumed + HEADER + e.length)).equals(stream.subarray(consumed + HEADER - 4, consumed + HEADER)), 'bad-checksum on a frame whose checksum is right');
            consumed += HEADER + e.length;
            break;
          case 'oversize':
            check(e.length > limit, 'oversize event for a length within the limit');
            consumed += HEADER;
            break;
          case 'bad-command':
            consumed += 1;
            break;
          case 'garbage':
            check(e.skipped > 0, 'empty garbage event');
            consumed += e.skipped;
            break;
        }
        check(consumed <= pushed, `events account for ${consumed} bytes of ${pushed} pushed`);
      }
      check(dec.buffered <= HEADER + limit + chunk.length, `decoder holds ${dec.buffered} bytes (limit ${limit}, chunk ${chunk.length})`);
      check(consumed + dec.buffered === pushed, `bytes lost: ${pushed} pushed, ${consumed} in events, ${dec.buffered} buffered`);
    }
  },
};
