import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { sha256d } from '../../src/bitcoin/hash.js';
import { hashToDisplayHex, toHex } from '../../src/bitcoin/hex.js';
import { decodeShare, encodeShare } from '../../src/sharechain/share.js';
import { InvalidShare } from '../../src/sharechain/verify.js';
import { jtGeneratedNet, loadFixture, origGeneratedNet } from './fixtures.js';

const jt = loadFixture('jt_v35_generated.json');
const orig = loadFixture('orig_v17_generated.json');

describe('JT v35 generated chain: identity', () => {
  const net = jtGeneratedNet();
  it('a decoded share owns its bytes: overwriting the buffer it came from changes none of its fields', () => {
    const raw = Buffer.from(jt.shares[1]!.wrapped_share_hex, 'hex');
    const s = decodeShare(raw, net);
    const before = { enc: encodeShare(s, net), prev: toHex(s.shareInfo.shareData.previousShareHash!), coinbase: toHex(s.shareInfo.shareData.coinbase), state: toHex(s.hashLink.state) };
    raw.fill(0xaa);
    expect(encodeShare(s, net).equals(before.enc)).toBe(true);
    expect(toHex(s.shareInfo.shareData.previousShareHash!)).toBe(before.prev);
    expect(toHex(s.shareInfo.shareData.coinbase)).toBe(before.coinbase);
    expect(toHex(s.hashLink.state)).toBe(before.state);
    expect(s.raw.equals(before.enc)).toBe(true);
  });
  for (const f of jt.shares) {
    it(`share #${f.index}: decode, hashes, header, payee; encode is byte-identical`, () => {
      const raw = Buffer.from(f.wrapped_share_hex, 'hex');
      const s = decodeShare(raw, net);
      expect(s.version).toBe(35);
      expect(s.hash).toBe(f.share_hash);
      expect(hashToDisplayHex(s.powHash)).toBe(f.pow_hash);
      expect(toHex(s.refHash)).toBe(f.ref_hash_le_hex);
      expect(hashToDisplayHex(s.gentxHash)).toBe(f.gentx_txid);
      expect(toHex(s.header)).toBe(f.header_hex);
      expect(s.merkleLink.branch.map(hashToDisplayHex)).toEqual(f.merkle_link_branch);
      expect(s.shareInfo.segwitData!.txidMerkleLink.branch.map(hashToDisplayHex))
        .toEqual(f.segwit_data!.txid_merkle_link_branch);
      expect(hashToDisplayHex(s.shareInfo.segwitData!.wtxidMerkleRoot)).toBe(f.segwit_data!.wtxid_merkle_root);
      const d = s.shareInfo.shareData;
      expect(d.address).toBe(f.miner_address);
      expect(s.payee).toBe(f.miner_address);
      expect(toHex(s.payoutScript)).toBe((jt.address_scripts as Record<string, string>)[f.miner_address]);
      expect(d.subsidy).toBe(f.subsidy);
      expect(d.donation).toBe(f.donation_field);
      expect(s.shareInfo.timestamp).toBe(f.timestamp);
      expect(s.shareInfo.absheight).toBe(f.absheight);
      expect(s.shareInfo.abswork).toBe(BigInt(f.abswork));
      expect(s.shareInfo.bits.toString(16)).toBe(f.bits);
      expect(s.target).toBe(0x7fffffn << 232n);
      expect(encodeShare(s, net).equals(raw)).toBe(true);
      expect(s.raw.equals(raw)).toBe(true);
      if (f.index > 0) expect(s.prevHash).toBe(jt.shares[f.index - 1]!.share_hash);
      else expect(s.prevHash).toBeNull();
    });
  }

  it('decoded in order, a share names its parent by the parent\'s own hashBytes and the parent block by the Buffer it shares with its neighbours', () => {
    const decoded = jt.shares.slice(0, 4).map((f) => decodeShare(Buffer.from(f.wrapped_share_hex, 'hex'), net));
    for (let i = 1; i < decoded.length; i++) {
      const d = decoded[i]!.shareInfo.shareData;
      expect(d.previousShareHash).toBe(decoded[i - 1]!.hashBytes);
      if (decoded[i]!.minHeader.prevBlock!.equals(decoded[i - 1]!.minHeader.prevBlock!)) {
        expect(decoded[i]!.minHeader.prevBlock).toBe(decoded[i - 1]!.minHeader.prevBlock);
      }
    }
  });

  it('share hash of #0 is the one the reference text quotes', () => {
    expect(decodeShare(Buffer.from(jt.shares[0]!.wrapped_share_hex, 'hex'), net).hash)
      .toBe('34982769dba1d5963f8b185d77bba652d4096d33fa04c6eab7215723e39cb995');
  });
});

describe('ORIG v17 generated chain: the common fields', () => {
  // ORIG v17 differs from JT v17: ORIG activates segwit at v17 on bitcoin (JT at 33), and the
  // PPLNS key / payout tie order is the script in ORIG, the address string in JT. The header,
  // hash_link and merkle link derivation is common to both.
  const net = origGeneratedNet();
  for (const f of orig.shares) {
    it(`share #${f.index}: decode/encode, share hash, hash_link -> gentx txid, merkle link`, () => {
      const raw = Buffer.from(f.wrapped_share_hex, 'hex');
      const s = decodeShare(raw, net);
      expect(s.version).toBe(17);
      expect(encodeShare(s, net).equals(raw)).toBe(true);
      expect(s.hash).toBe(f.share_hash);
      expect(toHex(s.header)).toBe(f.header_hex);
      expect(hashToDisplayHex(s.gentxHash)).toBe(f.gentx_txid);
      expect(toHex(s.refHash)).toBe(f.ref_hash_le_hex);
      expect(s.hashLink.length).toBe(f.hash_link!.length);
      expect(toHex(s.hashLink.state)).toBe(f.hash_link!.state);
      expect(s.merkleLink.branch.map(hashToDisplayHex)).toEqual(f.merkle_link_branch);
      expect(s.shareInfo.newTransactionHashes!.map(hashToDisplayHex)).toEqual(f.new_transaction_hashes);
      // The txid hash_link yields is the txid of the reference's stripped gentx.
      expect(s.gentxHash.equals(sha256d(Buffer.from(f.gentx_stripped_hex, 'hex')))).toBe(true);
      expect(s.payee).toBe(f.miner_address);
      expect(s.prevHash).toBe(f.previous_share_hash ?? null);
    });
  }
});

describe('bad shares are refused from their own bytes', () => {
  const net = jtGeneratedNet();
  const raw = Buffer.from(jt.shares[0]!.wrapped_share_hex, 'hex');

  it('obsolete and unknown versions', () => {
    const withType = (t: number): Buffer => Buffer.concat([Buffer.from([t]), raw.subarray(1)]);
    expect(() => decodeShare(withType(16), net)).toThrow(/obsolete share version 16/);
    expect(() => decodeShare(withType(36), net)).toThrow(/unknown share version 36/);
    expect(() => decodeShare(withType(36), net)).toThrow(InvalidShare);
  });

  it('truncation and trailing bytes are DecodeErrors', () => {
    for (const cut of [1, 2, 10, 100, raw.length - 1]) {
      expect(() => decodeShare(raw.subarray(0, cut), net)).toThrow(DecodeError);
    }
    expect(() => decodeShare(Buffer.concat([raw, Buffer.from([0])]), net)).toThrow(DecodeError);
  });

  it('a target above the network maximum', () => {
    const strict = { ...net, maxTarget: (1n << 256n) / (1n << 32n) - 1n };
    expect(() => decodeShare(raw, strict)).toThrow(/share target invalid/);
  });

  it('PoW above the share target', () => {
    const s = decodeShare(raw, net);
    // Find a header nonce whose hash misses the 2**255 target (half of all nonces do).
    for (let nonce = 1; ; nonce++) {
      const t = { ...s, minHeader: { ...s.minHeader, nonce } };
      let err: unknown = null;
      try {
        decodeShare(encodeShare(t, net), net);
      } catch (e) {
        err = e;
      }
      if (err) {
        expect(err).toBeInstanceOf(InvalidShare);
        expect((err as InvalidShare).reason).toMatch(/share PoW invalid/);
        break;
      }
    }
  });
});
