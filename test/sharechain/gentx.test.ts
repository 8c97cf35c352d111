import { describe, expect, it } from 'vitest';
import { hashToDisplayHex, toHex } from '../../src/bitcoin/hex.js';
import { bitsToTarget } from '../../src/bitcoin/target.js';
import { encodeTransaction } from '../../src/bitcoin/transaction.js';
import { GENTX_BEFORE_REFHASH } from '../../src/sharechain/coinbase-layout.js';
import { assembleShare, buildGentx, generateShare } from '../../src/sharechain/gentx.js';
import { decodeShare, encodeShare } from '../../src/sharechain/share.js';
import type { Share } from '../../src/sharechain/types.js';
import { ArrayChain } from '../support/array-chain.js';
import { jtGeneratedNet, loadFixture } from './fixtures.js';

const jt = loadFixture('jt_v35_generated.json');
const orig = loadFixture('orig_v17_generated.json');
const net = jtGeneratedNet();
const shares: Share[] = jt.shares.map((f) => decodeShare(Buffer.from(f.wrapped_share_hex, 'hex'), net));

function paramsFor(i: number) {
  const s = shares[i]!;
  return {
    net,
    chain: new ArrayChain(shares.slice(0, i)),
    version: s.version,
    shareData: s.shareInfo.shareData,
    blockTarget: bitsToTarget(s.minHeader.bits),
    desiredTimestamp: s.shareInfo.timestamp,
    desiredTarget: s.target,
    segwitData: s.shareInfo.segwitData ?? null,
    lastTxoutNonce: s.lastTxoutNonce,
  };
}

it('gentx_before_refhash is the reference constant', () => {
  expect(toHex(GENTX_BEFORE_REFHASH)).toBe(orig.gentx_before_refhash_hex);
});

describe('JT v35 chain: the gentx rebuilt from the chain is the reference\'s', () => {
  for (const f of jt.shares) {
    it(`share #${f.index}: stripped and full hex, txid, outputs`, () => {
      const built = buildGentx(paramsFor(f.index));
      expect(toHex(built.stripped)).toBe(f.gentx_stripped_hex);
      expect(toHex(encodeTransaction(built.gentx))).toBe(f.gentx_full_hex);
      expect(hashToDisplayHex(built.txid)).toBe(f.gentx_txid);
      expect(built.gentx.outputs.map((o) => ({ script: toHex(o.script), value: o.value }))).toEqual(f.payout_outputs);
      expect(toHex(built.refHash)).toBe(f.ref_hash_le_hex);
    });

    it(`share #${f.index}: generation + assembly reproduce the reference's share bytes`, () => {
      const s = shares[f.index]!;
      const gen = generateShare({ ...paramsFor(f.index), lastTxoutNonce: 0n });
      // The miner's view: coinb1 ‖ nonce ‖ coinb2 is the stripped gentx.
      const nonce = Buffer.alloc(8);
      nonce.writeBigUInt64LE(s.lastTxoutNonce);
      expect(toHex(Buffer.concat([gen.coinb1, nonce, gen.coinb2]))).toBe(f.gentx_stripped_hex);
      const assembled = assembleShare(gen, {
        minHeader: s.minHeader,
        lastTxoutNonce: s.lastTxoutNonce,
        merkleLink: s.merkleLink,
        merkleRoot: s.header.subarray(36, 68),
      });
      expect(assembled.hash).toBe(f.share_hash);
      expect(toHex(encodeShare(assembled, net))).toBe(f.wrapped_share_hex);
      expect(assembled.hashLink.state.equals(s.hashLink.state)).toBe(true);
    });
  }

  it('share #3 pays by PPLNS weight from the grandparent down, 0.5% to the finder, dust to the donation', () => {
    // Hand computation: the window of share #3 is shares #1 (P2SH) and #0 (bech32), equal work,
    // no donation. subsidy 5,000,001,000: each gets 5,000,001,000*199//400 = 2,487,500,497;
    // the finder (#3, bech32) adds 5,000,001,000//200 = 25,000,005; the donation gets the rest, 1.
    const built = buildGentx(paramsFor(3));
    const values = built.payouts.map((o) => o.value);
    expect(values).toEqual([2_487_500_497, 2_487_500_497 + 25_000_005, 1]);
    expect(values.reduce((a, b) => a + b, 0)).toBe(5_000_001_000);
  });
});
