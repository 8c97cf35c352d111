import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { decodeShare } from '../../src/sharechain/share.js';
import {
  LOADABLE_SHARE_VERSIONS, decodeShareContents, decodeShareWrapper, encodeShareContents, encodeShareWrapper, isSegwitActivated,
} from '../../src/sharechain/share-codec.js';
import type { ShareContents } from '../../src/sharechain/types.js';
import { InvalidShare } from '../../src/sharechain/verify.js';
import { jtGeneratedNet, loadFixture } from './fixtures.js';

const btc = getP2PoolNetwork('bitcoin'); // JT: segwit from v33
const h = (b: number): Buffer => Buffer.alloc(32, b);

function contents(version: number, segwit: boolean): ShareContents {
  return {
    minHeader: { version: 0x20000000, prevBlock: h(1), timestamp: 1_600_000_000, bits: 0x1a0513c5, nonce: 7 },
    shareInfo: {
      shareData: {
        previousShareHash: h(2),
        coinbase: Buffer.from('03c8200301', 'hex'),
        nonce: 0x12345678,
        ...(version >= 34 ? { address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4' } : { pubkeyHash: Buffer.alloc(20, 9) }),
        subsidy: 625_000_000,
        donation: 65535,
        staleInfo: version === 33 ? 'doa' : version === 32 ? 7 : 'orphan',
        desiredVersion: 35,
      },
      ...(segwit ? { segwitData: { txidMerkleLink: { branch: [h(3), h(4)], index: 0 }, wtxidMerkleRoot: h(5) } } : {}),
      ...(version < 34 ? { newTransactionHashes: [h(6), h(7)], transactionHashRefs: [[0, 0], [3, 300], [0, 1]] as Array<[number, number]> } : {}),
      farShareHash: null,
      maxBits: 0x1b00ffff,
      bits: 0x1b00ffff,
      timestamp: 1_600_000_001,
      absheight: 4_000_000,
      abswork: (1n << 127n) + 5n,
    },
    refMerkleLink: { branch: [], index: 0 },
    lastTxoutNonce: 0xfedcba9876543210n,
    hashLink: { state: h(8), extraData: Buffer.alloc(0), length: 300 },
    merkleLink: { branch: [h(9)], index: 0 },
  };
}

describe('share layouts', () => {
  for (const version of LOADABLE_SHARE_VERSIONS) {
    it(`v${version}: encode -> decode -> encode is identical; segwit_data iff version >= 33 on JT bitcoin`, () => {
      const segwit = isSegwitActivated(version, btc);
      expect(segwit).toBe(version >= 33);
      const c = contents(version, segwit);
      const bytes = encodeShareContents(c, version, btc);
      const back = decodeShareContents(bytes, version, btc);
      expect(back).toEqual(c);
      expect(encodeShareContents(back, version, btc).equals(bytes)).toBe(true);
      const wrapped = encodeShareWrapper(version, bytes);
      expect(decodeShareWrapper(wrapped)).toEqual({ type: version, contents: bytes });
    });
  }

  it('transaction_hash_refs count pairs (ListType mul=2)', () => {
    const bytes = encodeShareContents(contents(32, false), 32, btc);
    // ... new_transaction_hashes: 02 <h6> <h7>, then refs: 03 (pairs) 00 00 03 fd2c01 00 01
    expect(bytes.toString('hex')).toContain('02' + '06'.repeat(32) + '07'.repeat(32) + '03' + '0000' + '03fd2c01' + '0001');
  });

  it('PossiblyNone: segwit_data None is encoded as the none value and decodes back to null', () => {
    const c = contents(35, true);
    c.shareInfo.segwitData = null;
    const bytes = encodeShareContents(c, 35, btc);
    expect(bytes.toString('hex')).toContain('00' + 'ff'.repeat(32));
    expect(decodeShareContents(bytes, 35, btc).shareInfo.segwitData).toBeNull();
    // ... and a share claiming it is refused on purpose (the reference crashes on it).
    expect(() => decodeShare(encodeShareWrapper(35, bytes), btc)).toThrow(/segwit_data is None/);
  });

  it('explicit none values cannot be encoded', () => {
    const c = contents(35, true);
    c.shareInfo.shareData.previousShareHash = Buffer.alloc(32);
    expect(() => encodeShareContents(c, 35, btc)).toThrow(/none value/);
  });

  it('hard limits: a merkle branch over 32 entries, trailing bytes', () => {
    const c = contents(35, true);
    c.merkleLink = { branch: Array.from({ length: 33 }, (_, i) => h(i)), index: 0 };
    expect(() => encodeShareContents(c, 35, btc)).toThrow(/too long/);
    const ok = encodeShareContents(contents(35, true), 35, btc);
    // Replace the final merkle_link (01 <h9>) with a 33-entry list.
    const cut = ok.subarray(0, ok.length - 33);
    const long = Buffer.concat([cut, Buffer.from([33]), ...Array.from({ length: 33 }, () => h(1))]);
    expect(() => decodeShareContents(long, 35, btc)).toThrow(DecodeError);
    expect(() => decodeShareContents(Buffer.concat([ok, Buffer.from([0])]), 35, btc)).toThrow(DecodeError);
  });
});

describe('fuzz: decodeShare throws only DecodeError or InvalidShare', () => {
  const net = jtGeneratedNet();
  const seeds = loadFixture('jt_v35_generated.json').shares.map((f) => Buffer.from(f.wrapped_share_hex, 'hex'));
  it('on mutated real shares', () => {
    fc.assert(
      fc.property(
        fc.nat(seeds.length - 1),
        fc.array(fc.tuple(fc.nat(400), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        fc.nat(420),
        (which, edits, cut) => {
          const b = Buffer.from(seeds[which]!);
          for (const [pos, val] of edits) b[pos % b.length] = val;
          for (const input of [b, b.subarray(0, cut)]) {
            try {
              decodeShare(input, net);
            } catch (e) {
              if (!(e instanceof DecodeError || e instanceof InvalidShare)) throw e;
            }
          }
        },
      ),
      { numRuns: 1500 },
    );
  });
});
