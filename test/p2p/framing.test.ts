/**
 * Frame codec against the real traffic of a reference node (jtoomim/p2pool 6dac42e on
 * btcregtest, test/fixtures/p2pool-reference-node/p2p-capture.json, see SOURCES.md), plus the
 * hostile cases the capture cannot show: garbage before a frame, a 40 MB length, bad commands.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/bitcoin/hex.js';
import {
  COMMAND_LENGTH, FrameDecoder, MAX_PAYLOAD_LENGTH, PayloadTooLong, encodeFrame, parseCommandField, payloadChecksum,
  type FrameEvent,
} from '../../src/p2p/framing.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';

interface CaptureFrame {
  seq: number;
  conn: string;
  direction: 'in' | 'out';
  command: string;
  length: number;
  checksum_hex: string;
  checksum_ok: boolean;
  payload_hex: string;
  frame_hex: string;
}
interface Capture {
  meta: { p2p: { prefix: string; protocol_version: number } };
  frames: CaptureFrame[];
}

const capture = JSON.parse(
  readFileSync(new URL('../fixtures/p2pool-reference-node/p2p-capture.json', import.meta.url), 'utf8'),
) as Capture;
const net = getP2PoolNetwork('regtest');
const PREFIX = net.prefix;
const HEADER = PREFIX.length + COMMAND_LENGTH + 8;

/**
 * Events with payloads shown as hex, so toEqual compares them by value; a frame's bytes as
 * received (`frame`, what a node forwards unchanged) too when `withFrame`.
 */
function show(events: FrameEvent[], withFrame = false): unknown[] {
  return events.map((e) =>
    e.kind === 'frame'
      ? { kind: e.kind, command: e.command, payload: toHex(e.payload), ...(withFrame ? { frame: toHex(e.frame) } : {}) }
      : e,
  );
}

function frameHeader(command: string, length: number, checksum = Buffer.alloc(4)): Buffer {
  const h = Buffer.alloc(HEADER);
  PREFIX.copy(h);
  Buffer.from(command, 'latin1').copy(h, PREFIX.length);
  h.writeUInt32LE(length, PREFIX.length + COMMAND_LENGTH);
  checksum.copy(h, PREFIX.length + COMMAND_LENGTH + 4);
  return h;
}

describe('the capture matches our network', () => {
  it('regtest PREFIX is the one the reference node used', () => {
    expect(toHex(PREFIX)).toBe(capture.meta.p2p.prefix);
  });
});

describe('every frame of the reference capture', () => {
  it('holds 165 frames, one of them with a bad checksum', () => {
    expect(capture.frames).toHaveLength(165);
    expect(capture.frames.filter((f) => !f.checksum_ok).map((f) => f.seq)).toEqual([142]);
  });

  for (const f of capture.frames) {
    it(`#${f.seq} ${f.conn} ${f.direction} ${f.command}: decodes${f.checksum_ok ? ' and re-encodes byte for byte' : ' as a bad checksum'}`, () => {
      const bytes = fromHex(f.frame_hex);
      const events = new FrameDecoder(PREFIX).push(bytes);
      expect(events).toHaveLength(1);
      const e = events[0]!;
      if (f.checksum_ok) {
        expect(e).toMatchObject({ kind: 'frame', command: f.command });
        expect(e.kind === 'frame' && toHex(e.payload)).toBe(f.payload_hex);
        expect(e.kind === 'frame' && toHex(e.frame)).toBe(f.frame_hex);
        expect(toHex(payloadChecksum(fromHex(f.payload_hex)))).toBe(f.checksum_hex);
        expect(toHex(encodeFrame(PREFIX, f.command, fromHex(f.payload_hex)))).toBe(f.frame_hex);
      } else {
        expect(e.kind).toBe('bad-checksum');
        if (e.kind !== 'bad-checksum') return;
        expect(e.command).toBe(f.command);
        expect(e.length).toBe(f.length);
        expect(toHex(e.checksum)).toBe(f.checksum_hex);
        expect(e.expected.equals(payloadChecksum(fromHex(f.payload_hex)))).toBe(true);
      }
    });
  }
});

describe('streams as they came off the sockets', () => {
  // Each (connection, direction) is one TCP byte stream: the concatenation of its frames.
  const streams = new Map<string, CaptureFrame[]>();
  for (const f of capture.frames) {
    const key = `${f.conn} ${f.direction}`;
    streams.set(key, [...(streams.get(key) ?? []), f]);
  }
  const expectedEvents = (frames: CaptureFrame[]): unknown[] =>
    frames.map((f) =>
      f.checksum_ok
        ? { kind: 'frame', command: f.command, payload: f.payload_hex, frame: f.frame_hex }
        : { kind: 'bad-checksum', command: f.command, length: f.length, checksum: fromHex(f.checksum_hex),
          expected: payloadChecksum(fromHex(f.payload_hex)) },
    );

  it('every stream decodes to its frames in order, however TCP splits it', () => {
    const all = [...streams.values()];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 40 }), (which, cuts) => {
        const frames = all[which]!;
        const bytes = Buffer.concat(frames.map((f) => fromHex(f.frame_hex)));
        const d = new FrameDecoder(PREFIX);
        const events: FrameEvent[] = [];
        let pos = 0;
        for (let i = 0; pos < bytes.length; i++) {
          const n = cuts[i % cuts.length]!;
          events.push(...d.push(bytes.subarray(pos, pos + n)));
          pos += n;
        }
        expect(show(events, true)).toEqual(expectedEvents(frames));
        expect(d.buffered).toBe(0);
        expect(d.skipped).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('a stream fed one byte at a time gives the same frames', () => {
    const frames = streams.get('A in')!;
    const bytes = Buffer.concat(frames.map((f) => fromHex(f.frame_hex)));
    const d = new FrameDecoder(PREFIX);
    const events: FrameEvent[] = [];
    for (let i = 0; i < bytes.length; i++) events.push(...d.push(bytes.subarray(i, i + 1)));
    expect(show(events, true)).toEqual(expectedEvents(frames));
  });
});

describe('resynchronisation by scanning for the prefix', () => {
  const ping = fromHex(capture.frames.find((f) => f.command === 'ping' && f.checksum_ok)!.frame_hex);
  const getaddrs = fromHex(capture.frames.find((f) => f.command === 'getaddrs')!.frame_hex);

  it('garbage before a frame is skipped and counted', () => {
    const garbage = Buffer.from('hello, this is not a p2pool frame');
    const d = new FrameDecoder(PREFIX);
    const events = d.push(Buffer.concat([garbage, ping, getaddrs]));
    expect(show(events)).toEqual([
      { kind: 'garbage', skipped: garbage.length },
      { kind: 'frame', command: 'ping', payload: '' },
      { kind: 'frame', command: 'getaddrs', payload: '08000000' },
    ]);
    expect(d.skipped).toBe(garbage.length);
  });

  it('garbage that holds part of the prefix, across chunks, is skipped and counted exactly', () => {
    // A near-prefix (first 7 bytes) right before the real prefix, split mid-way between pushes.
    const garbage = Buffer.concat([Buffer.from([1, 2, 3]), PREFIX.subarray(0, 7), PREFIX.subarray(0, 3)]);
    const stream = Buffer.concat([garbage, ping]);
    const d = new FrameDecoder(PREFIX);
    const events: FrameEvent[] = [];
    let pos = 0;
    for (const cut of [5, 11, 14, stream.length]) {
      events.push(...d.push(stream.subarray(pos, cut)));
      pos = cut;
    }
    const skipped = events.filter((e) => e.kind === 'garbage').reduce((n, e) => n + (e.kind === 'garbage' ? e.skipped : 0), 0);
    expect(skipped).toBe(garbage.length);
    expect(show(events.filter((e) => e.kind !== 'garbage'))).toEqual([{ kind: 'frame', command: 'ping', payload: '' }]);
  });

  it('pure garbage is reported as it arrives and never buffered beyond a partial prefix', () => {
    const d = new FrameDecoder(PREFIX);
    const events = d.push(Buffer.alloc(100_000, 0xab));
    expect(events).toEqual([{ kind: 'garbage', skipped: 100_000 - (PREFIX.length - 1) }]);
    expect(d.buffered).toBe(PREFIX.length - 1);
    expect(d.push(Buffer.alloc(10, 0xab))).toEqual([{ kind: 'garbage', skipped: 10 }]);
  });

  it('random bytes never make the decoder throw and never grow its buffer past one frame', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.boolean(), (chunks, seedPrefix) => {
        const d = new FrameDecoder(PREFIX, { maxPayload: 1000 });
        for (const c of chunks) {
          const bytes = seedPrefix ? Buffer.concat([PREFIX, c]) : Buffer.from(c);
          for (const e of d.push(bytes)) expect(['frame', 'bad-checksum', 'oversize', 'bad-command', 'garbage']).toContain(e.kind);
          expect(d.buffered).toBeLessThanOrEqual(HEADER + 1000 + bytes.length);
        }
      }),
    );
  });
});

describe('payload limit', () => {
  it('is 8,000,000 bytes by default', () => {
    expect(MAX_PAYLOAD_LENGTH).toBe(8_000_000);
  });

  it('a 40 MB length is rejected from the header alone, without waiting for or buffering the payload', () => {
    const d = new FrameDecoder(PREFIX);
    const events = d.push(frameHeader('shares', 40_000_000));
    expect(events).toEqual([{ kind: 'oversize', command: 'shares', length: 40_000_000, limit: MAX_PAYLOAD_LENGTH }]);
    expect(d.buffered).toBe(0);
    // What follows is scanned as garbage until the next prefix; a real frame after it decodes.
    const ping = fromHex(capture.frames.find((f) => f.command === 'ping' && f.checksum_ok)!.frame_hex);
    const after = d.push(Buffer.concat([Buffer.alloc(1000, 0x55), ping]));
    expect(show(after)).toEqual([{ kind: 'garbage', skipped: 1000 }, { kind: 'frame', command: 'ping', payload: '' }]);
  });

  it('a payload exactly at the limit is accepted; one byte more is oversize', () => {
    const payload = Buffer.alloc(1000, 7);
    const d = new FrameDecoder(PREFIX, { maxPayload: 1000 });
    expect(show(d.push(encodeFrame(PREFIX, 'shares', payload, 1000)))).toEqual([
      { kind: 'frame', command: 'shares', payload: toHex(payload) },
    ]);
    expect(d.push(frameHeader('shares', 1001))).toEqual([{ kind: 'oversize', command: 'shares', length: 1001, limit: 1000 }]);
  });

  it('encodeFrame refuses to send above the limit (PayloadTooLong, so the caller can split)', () => {
    expect(() => encodeFrame(PREFIX, 'shares', Buffer.alloc(1001), 1000)).toThrow(PayloadTooLong);
    expect(() => encodeFrame(PREFIX, 'shares', Buffer.alloc(MAX_PAYLOAD_LENGTH + 1))).toThrow(PayloadTooLong);
  });
});

describe('command field', () => {
  const field = (bytes: number[]): Buffer => {
    const b = Buffer.alloc(COMMAND_LENGTH);
    Buffer.from(bytes).copy(b);
    return b;
  };

  it('accepts NUL-padded ASCII, including 12 characters with no padding', () => {
    expect(parseCommandField(field([...Buffer.from('have_tx')]))).toBe('have_tx');
    expect(parseCommandField(Buffer.from('abcdefghijkl'))).toBe('abcdefghijkl');
  });

  it('rejects an empty command, bytes after the first NUL, and non-ASCII', () => {
    expect(parseCommandField(field([]))).toBeNull();
    expect(parseCommandField(field([...Buffer.from('ping'), 0, 0x78]))).toBeNull();
    expect(parseCommandField(field([0x70, 0xe9]))).toBeNull();
    expect(parseCommandField(field([0x70, 0x20, 0x71]))).toBeNull();
  });

  it('a frame with a bad command is reported and the decoder rescans just past its prefix', () => {
    const bad = Buffer.concat([frameHeader('ping', 0), Buffer.alloc(0)]);
    bad[PREFIX.length + 5] = 0x41; // "ping\0A..." : a byte after the padding starts
    const ping = encodeFrame(PREFIX, 'ping');
    const events = new FrameDecoder(PREFIX).push(Buffer.concat([bad, ping]));
    expect(events[0]).toEqual({ kind: 'bad-command', field: bad.subarray(PREFIX.length, PREFIX.length + COMMAND_LENGTH) });
    expect(events.slice(1).map((e) => e.kind)).toEqual(['garbage', 'frame']);
    expect(events[1]).toEqual({ kind: 'garbage', skipped: bad.length - 1 });
  });

  it('encodeFrame refuses commands it could not send canonically', () => {
    for (const c of ['', 'thirteen_char', 'p ng', 'pïng']) expect(() => encodeFrame(PREFIX, c)).toThrow(RangeError);
  });
});
