import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/bitcoin/hex.js';
import { bitsToTarget, targetToBitsUpperBound } from '../../src/bitcoin/target.js';
import { encodeTransaction } from '../../src/bitcoin/transaction.js';
import { GENTX_BEFORE_REFHASH } from '../../src/sharechain/coinbase-layout.js';
import { buildGentx } from '../../src/sharechain/gentx.js';
import { prefixToHashLink } from '../../src/sharechain/hash-link.js';
import { getP2PoolNetwork, type P2PoolNetwork } from '../../src/sharechain/networks.js';
import { decodeShare, encodeShare, shareFromContents } from '../../src/sharechain/share.js';
import type { HashLink, Share, ShareContents, ShareData, ShareInfo } from '../../src/sharechain/types.js';
import { InvalidShare, checkShare, verifyShareDetailed, verifyShare } from '../../src/sharechain/verify.js';
import { ArrayChain } from '../support/array-chain.js';
import { buildChain, emptyTemplate } from '../support/chain-builder.js';
import { jtGeneratedNet, loadFixture } from './fixtures.js';

const jt = loadFixture('jt_v35_generated.json');
const net = jtGeneratedNet();
const shares: Share[] = jt.shares.map((f) => decodeShare(Buffer.from(f.wrapped_share_hex, 'hex'), net));

describe('JT v35 chain verifies share by share', () => {
  for (const f of jt.shares) {
    it(`share #${f.index}`, () => {
      const chain = new ArrayChain(shares.slice(0, f.index));
      const built = verifyShareDetailed(shares[f.index]!, chain, net, { now: f.timestamp });
      expect(built.gentx.outputs.map((o) => ({ script: toHex(o.script), value: o.value }))).toEqual(f.payout_outputs);
      // The node's lean check (no gentx built) accepts the reference's share too.
      expect(() => checkShare(shares[f.index]!, chain, net, { now: f.timestamp })).not.toThrow();
    });
  }
});

// ---- tampering: re-encode a valid share with one field changed ----

const regtestEasy: P2PoolNetwork = { ...getP2PoolNetwork('regtest'), maxTarget: (1n << 256n) - 1n };
const ADDRS = [
  'n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ',
  '2MxFajLApXpYk4VodBSZSt7rw8y4ryABkfA',
  'bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9',
  'bcrt1qan8gntac7z7me2ejt4hpru42ad2f759fmy0m3ejvs98656znv7eqga4uhv',
];
const T0 = 1_700_000_000;
const built = buildChain(
  regtestEasy,
  emptyTemplate({ bits: 0x1d00ffff }),
  Array.from({ length: 8 }, (_, i) => ({ address: ADDRS[i % 4]!, timestamp: T0 + 17 * i, donation: i === 2 ? 1000 : 0 })),
);
const victim = built.shares[7]!;
const below = new ArrayChain(built.shares.slice(0, 7));
const NOW = T0 + 1000;

/**
 * hash_link of the victim's true coinbase with one satoshi moved between the donation output
 * and the first miner output (the deltas are applied to donation, miner).
 */
function linkWithMovedSatoshi(donationDelta: number, minerDelta: number): HashLink {
  const b = buildGentx({
    net: regtestEasy, chain: below, version: 35, shareData: victim.shareInfo.shareData,
    blockTarget: bitsToTarget(victim.minHeader.bits), desiredTimestamp: victim.shareInfo.timestamp,
    desiredTarget: victim.target, segwitData: victim.shareInfo.segwitData ?? null,
    lastTxoutNonce: victim.lastTxoutNonce,
  });
  const outputs = b.gentx.outputs.map((o) => ({ ...o }));
  outputs[1]!.value += minerDelta; // first miner payout (output 0 is the witness commitment)
  outputs[outputs.length - 2]!.value += donationDelta; // donation
  expect(outputs.every((o) => o.value >= 0)).toBe(true);
  const stripped = encodeTransaction({ ...b.gentx, outputs }, { witness: false });
  return prefixToHashLink(stripped.subarray(0, stripped.length - 44), GENTX_BEFORE_REFHASH);
}

type Mutation = (c: ShareContents) => ShareContents;
const withInfo = (f: (i: ShareInfo) => ShareInfo): Mutation => (c) => ({ ...c, shareInfo: f(c.shareInfo) });
const withData = (f: (d: ShareData) => ShareData): Mutation =>
  withInfo((i) => ({ ...i, shareData: f(i.shareData) }));

/**
 * The share re-derived from changed contents (round-tripped through the wire format), its
 * header nonce ground until it meets its (possibly changed) target again, as a forger would.
 */
function tampered(m: Mutation, share: Share = victim): Share {
  const contents = m(share);
  for (let nonce = contents.minHeader.nonce; ; nonce++) {
    try {
      const s = shareFromContents(share.version, { ...contents, minHeader: { ...contents.minHeader, nonce } }, regtestEasy);
      return decodeShare(encodeShare(s, regtestEasy), regtestEasy);
    } catch (e) {
      if (!(e instanceof InvalidShare && e.reason === 'share PoW invalid')) throw e;
    }
  }
}

function reasonOf(s: Share, chain: ArrayChain = below): string {
  // checkShare (the node's check, which only hashes the rebuilt gentx) must give the same
  // verdict and reason as verifyShare, which builds it.
  const lean = leanReasonOf(s, chain);
  try {
    verifyShare(s, chain, regtestEasy, { now: NOW });
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidShare);
    expect(lean).toBe((e as InvalidShare).reason);
    return (e as InvalidShare).reason;
  }
  expect(lean).toBe('valid');
  return 'valid';
}

function leanReasonOf(s: Share, chain: ArrayChain): string {
  try {
    checkShare(s, chain, regtestEasy, { now: NOW });
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidShare);
    return (e as InvalidShare).reason;
  }
  return 'valid';
}

describe('tampered shares fail with a reason naming what is wrong', () => {
  it('the untouched share verifies', () => {
    expect(reasonOf(victim)).toBe('valid');
  });

  it('a payout (hash_link committing to a coinbase paying one satoshi more to a miner)', () => {
    expect(reasonOf(tampered((c) => ({ ...c, hashLink: linkWithMovedSatoshi(-1, 1) })))).toMatch(/gentx doesn't match hash_link: payout/);
  });

  it('the subsidy', () => {
    expect(reasonOf(tampered(withData((d) => ({ ...d, subsidy: d.subsidy - 1 }))))).toMatch(/gentx doesn't match hash_link: payout/);
  });

  it('the payee', () => {
    expect(reasonOf(tampered(withData((d) => ({ ...d, address: ADDRS[0]! }))))).toMatch(/gentx doesn't match hash_link: payout/);
  });

  it('the donation output (hash_link committing to one satoshi moved from a miner to the donation)', () => {
    expect(reasonOf(tampered((c) => ({ ...c, hashLink: linkWithMovedSatoshi(1, -1) })))).toMatch(/gentx doesn't match hash_link: payout/);
  });

  it('bits: beyond 30x the minimum difficulty', () => {
    const tooHard = targetToBitsUpperBound(victim.maxTarget / 64n);
    // Below TARGET_LOOKBEHIND shares the minimum difficulty is MAX_TARGET itself (unrounded).
    const clipped = targetToBitsUpperBound(regtestEasy.maxTarget / 30n).toString(16).padStart(8, "0");
    expect(reasonOf(tampered(withInfo((i) => ({ ...i, bits: tooHard })))))
      .toBe(`share_info.bits mismatch: expected ${clipped}, got ${tooHard.toString(16).padStart(8, '0')}`);
  });

  it('bits within the allowed range: the claimed work no longer adds up (abswork)', () => {
    const harder = targetToBitsUpperBound(victim.target / 2n);
    expect(reasonOf(tampered(withInfo((i) => ({ ...i, bits: harder }))))).toMatch(/^share_info\.abswork mismatch/);
  });

  it('max_bits', () => {
    const other = targetToBitsUpperBound(victim.maxTarget / 2n);
    expect(reasonOf(tampered(withInfo((i) => ({ ...i, maxBits: other }))))).toMatch(/^share_info\.max_bits mismatch/);
  });

  it('timestamp: not after the parent, and too far in the future', () => {
    const prevTs = built.shares[6]!.shareInfo.timestamp;
    expect(reasonOf(tampered(withInfo((i) => ({ ...i, timestamp: prevTs })))))
      .toBe(`share_info.timestamp mismatch: expected ${prevTs + 1}, got ${prevTs}`);
    expect(reasonOf(tampered(withInfo((i) => ({ ...i, timestamp: NOW + 601 }))))).toMatch(/601 seconds in the future/);
  });

  it('far_share_hash', () => {
    expect(reasonOf(tampered(withInfo((i) => ({ ...i, farShareHash: built.shares[0]!.hashBytes })))))
      .toBe(`share_info.far_share_hash mismatch: expected None, got ${built.shares[0]!.hash}`);
  });

  it('absheight and abswork', () => {
    expect(reasonOf(tampered(withInfo((i) => ({ ...i, absheight: i.absheight + 1 }))))).toBe('share_info.absheight mismatch: expected 8, got 9');
    expect(reasonOf(tampered(withInfo((i) => ({ ...i, abswork: i.abswork + 1n }))))).toMatch(/^share_info\.abswork mismatch/);
  });

  it('the previous share: another one, or an unknown one', () => {
    const grandparent = built.shares[5]!;
    expect(reasonOf(tampered(withData((d) => ({ ...d, previousShareHash: grandparent.hashBytes })))))
      .toMatch(/^share_info\.(timestamp|absheight) mismatch/);
    const unknown = Buffer.alloc(32, 7);
    expect(reasonOf(tampered(withData((d) => ({ ...d, previousShareHash: unknown })))))
      .toBe(`previous share ${'07'.repeat(32)} unknown`);
  });

  it('the header nonce (PoW) on the reference chain', () => {
    const s = shares[3]!;
    let reason = '';
    for (let nonce = 1; reason === ''; nonce++) {
      try {
        decodeShare(encodeShare({ ...s, minHeader: { ...s.minHeader, nonce } }, net), net);
      } catch (e) {
        reason = (e as InvalidShare).reason;
      }
    }
    expect(reason).toBe('share PoW invalid');
  });
});

describe('leniency: what the reference accepts, we accept', () => {
  it('changed stale_info, desired_version or own donation field (none of them shapes its own coinbase)', () => {
    expect(reasonOf(tampered(withData((d) => ({ ...d, staleInfo: 'doa' }))))).toBe('valid');
    expect(reasonOf(tampered(withData((d) => ({ ...d, desiredVersion: 99 }))))).toBe('valid');
    // A share's donation only weighs in the PPLNS window of the shares two and more above it.
    expect(reasonOf(tampered(withData((d) => ({ ...d, donation: 655 }))))).toBe('valid');
  });

  it('a non-empty ref_merkle_link', () => {
    const s = tampered((c) => ({ ...c, refMerkleLink: { branch: [Buffer.alloc(32, 1)], index: 0 } }));
    expect(s.refMerkleLink.branch).toHaveLength(1);
    expect(reasonOf(s)).toBe('valid');
  });

  it('a claimed subsidy above the template\'s', () => {
    const greedy = buildChain(regtestEasy, emptyTemplate({ bits: 0x1d00ffff }), [
      { address: ADDRS[2]!, timestamp: T0 + 500, subsidy: 60 * 100_000_000 },
    ], { chain: new ArrayChain(built.shares), parent: victim.hash }).shares[0]!;
    expect(greedy.shareInfo.shareData.subsidy).toBe(6_000_000_000);
    expect(reasonOf(greedy, new ArrayChain(built.shares))).toBe('valid');
  });
});
