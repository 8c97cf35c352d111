import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { fromHex } from '../../src/bitcoin/hex.js';
import {
  decodeGetHeaders, decodeHeaders, decodeInv, decodeVersion, encodeFrame, encodeHeaders, encodeInv, encodeVersion,
  FrameReader, headerHash80, MAX_P2P_PAYLOAD, MSG_BLOCK,
} from '../../src/chain/p2p-messages.js';

const regtest = getChainParams('regtest');

// The regtest genesis header (Core kernel/chainparams.cpp CRegTestParams), hash 0f9188f1...2206.
const GENESIS_HEADER = fromHex(
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4adae5494dffff7f2002000000',
);

describe('P2P framing', () => {
  it('a frame has magic, NUL-padded command, length and sha256d checksum (Core CMessageHeader)', () => {
    // The empty verack frame on regtest: checksum of nothing is 5df6e0e2 (sha256d("")[0..4]).
    expect(encodeFrame(regtest.magic, 'verack').toString('hex')).toBe('fabfb5da76657261636b000000000000000000005df6e0e2');
  });

  it('frames split at any byte boundary come out whole and in order', () => {
    const frames = [
      encodeFrame(regtest.magic, 'verack'),
      encodeFrame(regtest.magic, 'headers', encodeHeaders([GENESIS_HEADER])),
      encodeFrame(regtest.magic, 'ping', Buffer.alloc(8, 7)),
    ];
    const stream = Buffer.concat(frames);
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 8 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const reader = new FrameReader(regtest.magic);
      const got: string[] = [];
      let last = 0;
      for (const p of [...points, stream.length]) {
        for (const f of reader.push(stream.subarray(last, p))) got.push(f.command);
        last = p;
      }
      expect(got).toEqual(['verack', 'headers', 'ping']);
    }));
  });

  it('wrong magic, bad checksum, oversized length, garbage command: DecodeError', () => {
    const good = encodeFrame(regtest.magic, 'ping', Buffer.alloc(8));
    const mainnet = encodeFrame(getChainParams('bitcoin').magic, 'ping', Buffer.alloc(8));
    expect(() => new FrameReader(regtest.magic).push(mainnet)).toThrow(/wrong network magic f9beb4d9/);
    const badSum = Buffer.from(good);
    badSum[20]! ^= 1;
    expect(() => new FrameReader(regtest.magic).push(badSum)).toThrow(/bad checksum/);
    const huge = Buffer.from(good);
    huge.writeUInt32LE(MAX_P2P_PAYLOAD + 1, 16);
    // Refused from the header alone, before the payload arrives.
    expect(() => new FrameReader(regtest.magic).push(huge.subarray(0, 24))).toThrow(/exceeds 4000000/);
    const badCmd = Buffer.from(good);
    badCmd.write('pi\0g', 4, 'latin1');
    expect(() => new FrameReader(regtest.magic).push(badCmd)).toThrow(DecodeError);
  });
});

describe('messages', () => {
  it('headers: the hash of a header is sha256d of its 80 bytes', () => {
    const [h] = decodeHeaders(encodeHeaders([GENESIS_HEADER]));
    expect(Buffer.from(headerHash80(h!)).reverse().toString('hex')).toBe(regtest.genesisHash);
  });

  it('inv round trip; truncated or oversized lists are DecodeError', () => {
    const hash = Buffer.alloc(32, 9);
    expect(decodeInv(encodeInv([{ type: MSG_BLOCK, hash }]))).toEqual([{ type: MSG_BLOCK, hash }]);
    expect(() => decodeInv(encodeInv([{ type: MSG_BLOCK, hash }]).subarray(0, 20))).toThrow(DecodeError);
    expect(() => decodeInv(fromHex('fe51c30000'))).toThrow(DecodeError); // 50,001 items
    expect(() => decodeHeaders(fromHex('fdd107'))).toThrow(DecodeError); // 2,001 headers
  });

  it('version round trip; the relay byte is optional (BIP37)', () => {
    const v = { version: 70016, services: 9n, timestamp: 1_700_000_000, nonce: 42n, userAgent: '/Satoshi:29.0.0/', startHeight: 432, relay: false };
    const bytes = encodeVersion(v);
    expect(decodeVersion(bytes)).toEqual(v);
    expect(decodeVersion(bytes.subarray(0, bytes.length - 1)).relay).toBe(true);
    expect(() => decodeVersion(bytes.subarray(0, 50))).toThrow(DecodeError);
  });

  it('getheaders with more than 101 locator hashes is refused', () => {
    const ok = Buffer.concat([Buffer.from([0x80, 0x38, 1, 0]), Buffer.from([1]), Buffer.alloc(64)]);
    expect(decodeGetHeaders(ok).locator).toHaveLength(1);
    const tooMany = Buffer.concat([Buffer.from([0x80, 0x38, 1, 0]), Buffer.from([102]), Buffer.alloc(103 * 32)]);
    expect(() => decodeGetHeaders(tooMany)).toThrow(DecodeError);
  });

  it('random bytes never throw anything but DecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      for (const decode of [decodeInv, decodeHeaders, decodeVersion, decodeGetHeaders]) {
        try {
          decode(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }
      try {
        new FrameReader(regtest.magic).push(Buffer.from(bytes));
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
      }
    }), { numRuns: 500 });
  });
});
