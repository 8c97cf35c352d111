/**
 * Message codec against the real traffic of a reference node (jtoomim/p2pool 6dac42e on
 * btcregtest, test/fixtures/p2pool-reference-node/p2p-capture.json, see SOURCES.md): every
 * payload decodes to the fields the capture tool decoded independently and re-encodes byte for
 * byte; every share in it decodes and hashes to the recorded hash. Then round trips of every
 * message type and fuzzing (fast-check).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { headerHash } from '../../src/bitcoin/block.js';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { decodeTransaction, txid } from '../../src/bitcoin/transaction.js';
import { fromHex, hashToDisplayHex, toHex } from '../../src/bitcoin/hex.js';
import {
  MAX_ADDRS_PER_MESSAGE, MAX_SHAREREQ_HASHES, MAX_SHAREREQ_STOPS, MAX_SHARES_PER_MESSAGE, P2POOL_COMMANDS,
  SHARE_REPLY_RESULTS, addressFromString, addressToString, decodeMessage, encodeMessage, toWireShare,
  type P2PoolMessage, type PeerAddress, type VersionMessage, type WireShare,
} from '../../src/p2p/messages.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { decodeShare } from '../../src/sharechain/share.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the capture's `decoded` is free-form JSON */
interface CaptureFrame {
  seq: number;
  conn: string;
  direction: 'in' | 'out';
  command: string;
  checksum_ok: boolean;
  payload_hex: string;
  decoded: any;
}
interface CaptureShare {
  type: number;
  contents_length: number;
  wrapper_hex: string;
  hash: string;
  contents: any;
}
interface Capture {
  meta: { p2p: { protocol_version: number } };
  frames: CaptureFrame[];
  share_verification: Array<{ hash: string; type: number; first_frame_seq: number; web_share_data_matches_wire_bytes: boolean }>;
}

const capture = JSON.parse(
  readFileSync(new URL('../fixtures/p2pool-reference-node/p2p-capture.json', import.meta.url), 'utf8'),
) as Capture;
const net = getP2PoolNetwork('regtest');

const display = (h: Buffer | null): string | null => (h === null ? null : hashToDisplayHex(h));

function addrView(a: PeerAddress): Record<string, unknown> {
  return { services: Number(a.services), address: addressToString(a.address), address_raw_hex: toHex(a.address), port: a.port };
}

function sharesView(shares: WireShare[]): unknown[] {
  return shares.map((s) => ({ type: s.type, wrapper_hex: toHex(s.raw) }));
}

/** Our decoded message in the capture's `decoded` shape (only the fields the capture records). */
function captureView(m: P2PoolMessage): Record<string, unknown> {
  switch (m.command) {
    case 'version':
      return {
        version: m.version, services: Number(m.services), addr_to: addrView(m.addrTo), addr_from: addrView(m.addrFrom),
        nonce_hex: m.nonce.toString(16).padStart(16, '0'), sub_version: m.subVersion, mode: m.mode,
        best_share_hash: display(m.bestShareHash),
      };
    case 'ping':
      return {};
    case 'getaddrs':
      return { count: m.count };
    case 'addrs':
      return { addrs: m.addrs.map((a) => ({ timestamp: Number(a.timestamp), ...addrView(a.address) })) };
    case 'sharereq':
      return { id: display(m.id), hashes: m.hashes.map(hashToDisplayHex), parents: m.parents, stops: m.stops.map(hashToDisplayHex) };
    case 'sharereply':
      return {
        id: display(m.id), result_raw: SHARE_REPLY_RESULTS.indexOf(m.result), result: m.result,
        count: m.shares.length, shares: sharesView(m.shares),
      };
    case 'shares':
      return { count: m.shares.length, shares: sharesView(m.shares) };
    case 'bestblock':
      return {
        header: {
          version: m.header.version, previous_block: display(m.header.prevBlock), merkle_root: display(m.header.merkleRoot),
          timestamp: m.header.timestamp, bits: m.header.bits, nonce: m.header.nonce,
        },
        computed_block_hash: display(headerHash(m.header)),
      };
    case 'unknown':
      return { unknown_command: true };
    default:
      throw new Error(`no capture view for ${m.command}`);
  }
}

/** The capture's `decoded`, cut to the keys captureView produces. */
function expectedView(d: any, command: string): unknown {
  const pick = (o: any, keys: string[]): any => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k]]));
  switch (command) {
    case 'version':
      return { ...pick(d, ['version', 'services', 'addr_to', 'addr_from', 'nonce_hex', 'sub_version', 'mode', 'best_share_hash']) };
    case 'bestblock':
      return { header: pick(d.header, ['version', 'previous_block', 'merkle_root', 'timestamp', 'bits', 'nonce']), computed_block_hash: d.computed_block_hash };
    case 'shares':
    case 'sharereply':
      return { ...d, shares: d.shares.map((s: CaptureShare) => ({ type: s.type, wrapper_hex: s.wrapper_hex })) };
    default:
      return d;
  }
}

const goodFrames = capture.frames.filter((f) => f.checksum_ok);

describe('every payload of the reference capture', () => {
  for (const f of goodFrames) {
    it(`#${f.seq} ${f.conn} ${f.direction} ${f.command}: fields as recorded, re-encodes byte for byte`, () => {
      const payload = fromHex(f.payload_hex);
      const msg = decodeMessage(f.command, payload);
      expect(msg.command).toBe(f.command === 'foobar' ? 'unknown' : f.command);
      expect(captureView(msg)).toEqual(expectedView(f.decoded, f.command));
      const again = encodeMessage(msg);
      expect(again.command).toBe(f.command);
      expect(toHex(again.payload)).toBe(f.payload_hex);
    });
  }

  it('covers every command the reference sent or answered, and the unknown one', () => {
    const seen = new Set(goodFrames.map((f) => f.command));
    expect([...seen].sort()).toEqual(['addrs', 'bestblock', 'foobar', 'getaddrs', 'ping', 'sharereply', 'sharereq', 'shares', 'version']);
  });
});

describe('every share in the capture', () => {
  const byHash = new Map<string, { share: CaptureShare; seq: number }>();
  for (const f of goodFrames) {
    for (const s of (f.decoded.shares ?? []) as CaptureShare[]) if (!byHash.has(s.hash)) byHash.set(s.hash, { share: s, seq: f.seq });
  }

  it('35 distinct shares, types 17 and 35, the ones share_verification lists', () => {
    expect(byHash.size).toBe(35);
    expect(new Set([...byHash.values()].map((v) => v.share.type))).toEqual(new Set([17, 35]));
    expect(capture.share_verification.map((v) => v.hash).sort()).toEqual([...byHash.keys()].sort());
    expect(capture.share_verification.every((v) => v.web_share_data_matches_wire_bytes)).toBe(true);
  });

  for (const [hash, { share: c, seq }] of byHash) {
    it(`type ${c.type} ${hash.slice(0, 16)}… (frame #${seq}): decodeShare hashes to the recorded hash`, () => {
      const msg = decodeMessage(capture.frames[seq]!.command, fromHex(capture.frames[seq]!.payload_hex));
      if (msg.command !== 'shares' && msg.command !== 'sharereply') throw new Error('not a share message');
      const wire = msg.shares.find((s) => toHex(s.raw) === c.wrapper_hex)!;
      const share = decodeShare(wire.raw, net);
      const computed = c.contents.computed;
      expect(share.version).toBe(c.type);
      expect(share.hash).toBe(hash);
      expect(share.hash).toBe(computed.share_hash);
      expect(hashToDisplayHex(share.gentxHash)).toBe(computed.gentx_hash);
      expect(hashToDisplayHex(share.refHash)).toBe(computed.ref_hash);
      expect(toHex(share.header)).toBe(computed.header_hex);
      expect(share.prevHash).toBe(c.contents.share_info.share_data.previous_share_hash);
      expect(share.shareInfo.absheight).toBe(c.contents.share_info.absheight);
      expect(share.raw.equals(wire.raw)).toBe(true);
      // Wrapper = type VarInt (1 byte, < 0xfd) + contents length VarInt (0xfd + u16 for 253..65535 bytes) + contents.
      expect(c.contents_length).toBeGreaterThanOrEqual(0xfd);
      expect(share.raw.length).toBe(1 + 3 + c.contents_length);
    });
  }
});

describe('handshake compatibility', () => {
  const refVersion = capture.frames[0]!;
  it("we encode the reference's version message identically from the same values", () => {
    expect(refVersion.command).toBe('version');
    const d = refVersion.decoded;
    const ours: VersionMessage = {
      command: 'version',
      version: capture.meta.p2p.protocol_version,
      services: 0n,
      addrTo: { services: 0n, address: addressFromString(d.addr_to.address), port: d.addr_to.port },
      addrFrom: { services: 0n, address: addressFromString('127.0.0.1'), port: net.p2pPort },
      nonce: BigInt(`0x${d.nonce_hex}`),
      subVersion: d.sub_version,
      mode: 1,
      bestShareHash: fromHex(d.best_share_hash).reverse(),
    };
    expect(toHex(encodeMessage(ours).payload)).toBe(refVersion.payload_hex);
  });

  it('best_share_hash null is 32 zero bytes (the capture client sent none), and zero must be given as null', () => {
    const client = decodeMessage('version', fromHex(capture.frames[1]!.payload_hex)) as VersionMessage;
    expect(client.bestShareHash).toBeNull();
    expect(toHex(encodeMessage(client).payload).endsWith('00'.repeat(32))).toBe(true);
    expect(() => encodeMessage({ ...client, bestShareHash: Buffer.alloc(32) })).toThrow(RangeError);
  });
});

describe('addresses', () => {
  it('IPv4 is IPv4-mapped IPv6, both ways', () => {
    expect(toHex(addressFromString('127.0.0.1'))).toBe('00000000000000000000ffff7f000001');
    expect(addressToString(fromHex('00000000000000000000ffff7f000001'))).toBe('127.0.0.1');
    expect(toHex(addressFromString('::ffff:10.1.2.3'))).toBe('00000000000000000000ffff0a010203');
  });

  it('IPv6 text forms parse; output is the reference form (eight 4-digit groups)', () => {
    expect(toHex(addressFromString('::1'))).toBe('00000000000000000000000000000001');
    expect(toHex(addressFromString('2001:db8::8a2e:370:7334'))).toBe('20010db80000000000008a2e03707334');
    expect(toHex(addressFromString('[fe80::1]'))).toBe('fe800000000000000000000000000001');
    expect(addressToString(fromHex('20010db80000000000008a2e03707334'))).toBe('2001:0db8:0000:0000:0000:8a2e:0370:7334');
    expect(toHex(addressFromString('2001:0db8:0000:0000:0000:8a2e:0370:7334'))).toBe('20010db80000000000008a2e03707334');
  });

  it('rejects what is not an address', () => {
    for (const s of ['', 'localhost', '256.0.0.1', '1.2.3', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', ':::']) {
      expect(() => addressFromString(s)).toThrow(RangeError);
    }
  });

  it('any 16 bytes survive bytes -> string -> bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      expect(toHex(addressFromString(addressToString(b)))).toBe(toHex(b));
    }));
  });
});

// ---- round trips and fuzzing ----------------------------------------------------------------

const capturedShares = goodFrames.flatMap((f) => ((f.decoded.shares ?? []) as CaptureShare[]).map((s) => s.wrapper_hex));
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b));
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const peerAddress = fc.record({ services: u64, address: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b)), port: fc.integer({ min: 0, max: 0xffff }) });
const wireShare = fc.oneof(
  fc.constantFrom(...capturedShares).map((h) => toWireShare(fromHex(h))),
  fc.tuple(fc.integer({ min: 0, max: 100_000 }), fc.uint8Array({ maxLength: 300 })).map(([type, contents]) =>
    toWireShare(Buffer.concat([encodeCompact(type), encodeCompact(contents.length), contents]))),
);
// Real regtest transactions, legacy and segwit (Bitcoin Core 29.99, see SOURCES.md).
const gbt = JSON.parse(
  readFileSync(new URL('../fixtures/bitcoin-core-regtest/gbt-height112-chained.json', import.meta.url), 'utf8'),
) as { transactions: Array<{ data: string }> };
const tx = fc.constantFrom(...gbt.transactions.map((t) => decodeTransaction(fromHex(t.data))));

function encodeCompact(n: number): Buffer {
  if (n < 0xfd) return Buffer.from([n]);
  if (n <= 0xffff) { const b = Buffer.alloc(3); b[0] = 0xfd; b.writeUInt16LE(n, 1); return b; }
  const b = Buffer.alloc(5); b[0] = 0xfe; b.writeUInt32LE(n, 1); return b;
}

const message: fc.Arbitrary<P2PoolMessage> = fc.oneof(
  fc.record({
    command: fc.constant('version' as const), version: u32, services: u64, addrTo: peerAddress, addrFrom: peerAddress,
    nonce: u64, subVersion: fc.string({ maxLength: 60 }), mode: u32,
    bestShareHash: fc.option(hash.filter((h) => !h.equals(Buffer.alloc(32))), { nil: null }),
  }),
  fc.constant({ command: 'ping' as const }),
  fc.record({ command: fc.constant('addrme' as const), port: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ command: fc.constant('addrs' as const), addrs: fc.array(fc.record({ timestamp: u64, address: peerAddress }), { maxLength: 5 }) }),
  fc.record({ command: fc.constant('getaddrs' as const), count: u32 }),
  fc.record({ command: fc.constant('shares' as const), shares: fc.array(wireShare, { maxLength: 4 }) }),
  fc.record({ command: fc.constant('sharereq' as const), id: hash, hashes: fc.array(hash, { maxLength: 4 }), parents: fc.nat(), stops: fc.array(hash, { maxLength: 4 }) }),
  fc.record({ command: fc.constant('sharereply' as const), id: hash, result: fc.constantFrom(...SHARE_REPLY_RESULTS), shares: fc.array(wireShare, { maxLength: 4 }) }),
  fc.record({
    command: fc.constant('bestblock' as const),
    header: fc.record({ version: u32, prevBlock: hash, merkleRoot: hash, timestamp: u32, bits: u32, nonce: u32 }),
  }),
  fc.record({ command: fc.constantFrom('have_tx' as const, 'losing_tx' as const, 'forget_tx' as const), txHashes: fc.array(hash, { maxLength: 5 }) }),
  fc.record({ command: fc.constant('remember_tx' as const), txHashes: fc.array(hash, { maxLength: 3 }), txs: fc.array(tx, { maxLength: 3 }) }),
);

/** Decode errors only: anything else escaping a decoder is a bug. */
function decodeOrDecodeError(command: string, payload: Uint8Array): void {
  try {
    decodeMessage(command, payload);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

describe('transaction messages (never sent on a v35 chain, so built from real transactions)', () => {
  it("remember_tx carries Core's own transaction bytes; have_tx/forget_tx are hash lists", () => {
    const hexes = gbt.transactions.map((t) => t.data);
    const txids = gbt.transactions.map((t) => (t as unknown as { txid: string }).txid);
    const payload = Buffer.concat([
      encodeCompact(2), ...txids.slice(0, 2).map((h) => fromHex(h).reverse()),
      encodeCompact(hexes.length), ...hexes.map((h) => fromHex(h)),
    ]);
    const m = decodeMessage('remember_tx', payload);
    if (m.command !== 'remember_tx') throw new Error('wrong command');
    expect(m.txHashes.map(hashToDisplayHex)).toEqual(txids.slice(0, 2));
    expect(m.txs.map((t) => hashToDisplayHex(txid(t)))).toEqual(txids);
    expect(encodeMessage(m).payload.equals(payload)).toBe(true);
    for (const command of ['have_tx', 'losing_tx', 'forget_tx'] as const) {
      const p = Buffer.concat([encodeCompact(txids.length), ...txids.map((h) => fromHex(h).reverse())]);
      const h = decodeMessage(command, p);
      expect(h).toEqual({ command, txHashes: txids.map((t) => fromHex(t).reverse()) });
      expect(encodeMessage(h).payload.equals(p)).toBe(true);
    }
  });
});

describe('round trips (fast-check)', () => {
  it('every message type: encode -> decode -> encode is the identity', () => {
    const seen = new Set<string>();
    fc.assert(fc.property(message, (m) => {
      seen.add(m.command);
      const { command, payload } = encodeMessage(m);
      const back = decodeMessage(command, payload);
      expect(back).toEqual(m);
      expect(encodeMessage(back).payload.equals(payload)).toBe(true);
    }), { numRuns: 1500 });
    expect([...seen].sort()).toEqual([...P2POOL_COMMANDS].sort());
  });
});

describe('bad payloads only throw DecodeError (fast-check)', () => {
  const samples: Array<[string, Buffer]> = goodFrames.map((f) => [f.command, fromHex(f.payload_hex)]);

  it('every truncation of every captured payload', () => {
    for (const [command, payload] of samples) {
      for (let n = 0; n < payload.length; n += payload.length > 400 ? 37 : 1) {
        if (command === 'foobar') continue;
        expect(() => decodeMessage(command, payload.subarray(0, n))).toThrow(DecodeError);
      }
    }
  });

  it('random byte mutations of captured payloads and of random messages', () => {
    const source = fc.oneof(fc.constantFrom(...samples), message.map((m) => {
      const e = encodeMessage(m);
      return [e.command, e.payload] as [string, Buffer];
    }));
    fc.assert(fc.property(source, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), ([command, payload], edits) => {
      const p = Buffer.from(payload);
      if (p.length === 0) return;
      for (const [at, v] of edits) p[at % p.length] = v;
      decodeOrDecodeError(command, p);
    }), { numRuns: 2000 });
  });

  it('random payloads for every command', () => {
    fc.assert(fc.property(fc.constantFrom(...P2POOL_COMMANDS), fc.uint8Array({ maxLength: 200 }), (command, bytes) => {
      decodeOrDecodeError(command, bytes);
    }), { numRuns: 3000 });
  });
});

describe('limits and strictness', () => {
  const id = Buffer.alloc(32, 1);

  it('trailing bytes are an error', () => {
    for (const [command, hex] of [['ping', '00'], ['getaddrs', '0800000000'], ['addrs', '0000'], ['addrme', '4bf400']]) {
      expect(() => decodeMessage(command!, fromHex(hex!))).toThrow(DecodeError);
    }
  });

  it('sharereq: more hashes or stops than the limit are refused before reading them', () => {
    const manyHashes = Buffer.concat([id, encodeCompact(MAX_SHAREREQ_HASHES + 1)]);
    expect(() => decodeMessage('sharereq', manyHashes)).toThrow(/exceeds limit/);
    const manyStops = Buffer.concat([id, encodeCompact(0), encodeCompact(0), encodeCompact(MAX_SHAREREQ_STOPS + 1)]);
    expect(() => decodeMessage('sharereq', manyStops)).toThrow(/exceeds limit/);
    // A count that cannot fit the bytes left is refused before allocating.
    expect(() => decodeMessage('sharereq', Buffer.concat([id, encodeCompact(1000), Buffer.alloc(64)]))).toThrow(DecodeError);
    const limit = encodeMessage({ command: 'sharereq', id, hashes: new Array<Buffer>(MAX_SHAREREQ_HASHES).fill(id), parents: 0, stops: [] });
    expect((decodeMessage('sharereq', limit.payload) as { hashes: Buffer[] }).hashes).toHaveLength(MAX_SHAREREQ_HASHES);
    expect(() => encodeMessage({ command: 'sharereq', id, hashes: new Array<Buffer>(MAX_SHAREREQ_HASHES + 1).fill(id), parents: 0, stops: [] })).toThrow(RangeError);
  });

  it('shares and addrs over their limits are refused', () => {
    expect(() => decodeMessage('shares', encodeCompact(MAX_SHARES_PER_MESSAGE + 1))).toThrow(/exceeds limit/);
    expect(() => decodeMessage('addrs', encodeCompact(MAX_ADDRS_PER_MESSAGE + 1))).toThrow(/exceeds limit/);
  });

  it('sharereply: result codes 0..6 are the reference enum, 7 and up do not decode', () => {
    for (let code = 0; code <= 6; code++) {
      const m = decodeMessage('sharereply', Buffer.concat([id, Buffer.from([code, 0])]));
      expect(m).toMatchObject({ command: 'sharereply', result: SHARE_REPLY_RESULTS[code] });
    }
    expect(SHARE_REPLY_RESULTS.slice(0, 2)).toEqual(['good', 'too long']);
    expect(() => decodeMessage('sharereply', Buffer.concat([id, Buffer.from([7, 0])]))).toThrow(DecodeError);
  });

  it('non-canonical VarInts are refused (the reference asserts canonical packing)', () => {
    expect(() => decodeMessage('shares', fromHex('fd0000'))).toThrow(/non-canonical/);
    expect(() => decodeMessage('sharereq', Buffer.concat([id, fromHex('00fd1400'), encodeCompact(0)]))).toThrow(/non-canonical/);
  });

  it('a sub_version that is not UTF-8 is refused (it could not re-encode identically)', () => {
    const v = fromHex(capture.frames[1]!.payload_hex);
    const subAt = 4 + 8 + 26 + 26 + 8 + 1; // version, services, two addresses, nonce, VarStr length
    v[subAt] = 0xff;
    expect(() => decodeMessage('version', v)).toThrow(/UTF-8/);
  });

  it('toWireShare accepts exactly one wrapper', () => {
    const raw = fromHex(capturedShares[0]!);
    expect(toWireShare(raw)).toEqual({ type: 35, raw });
    expect(() => toWireShare(Buffer.concat([raw, Buffer.from([0])]))).toThrow(DecodeError);
    expect(() => toWireShare(raw.subarray(0, raw.length - 1))).toThrow(DecodeError);
  });

  it('unknown commands keep their payload and re-encode as they came', () => {
    const m = decodeMessage('foobar', fromHex('010203'));
    expect(m).toEqual({ command: 'unknown', name: 'foobar', payload: fromHex('010203') });
    expect(encodeMessage(m)).toEqual({ command: 'foobar', payload: fromHex('010203') });
  });
});
