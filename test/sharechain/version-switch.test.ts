import { describe, expect, it } from 'vitest';
import { getP2PoolNetwork, type P2PoolNetwork } from '../../src/sharechain/networks.js';
import { InvalidShare, verifyShare } from '../../src/sharechain/verify.js';
import { desiredVersionCounts } from '../../src/sharechain/version-switch.js';
import { ArrayChain } from '../support/array-chain.js';
import { buildChain, emptyTemplate } from '../support/chain-builder.js';

// A short chain length so that "a full chain" is 20 shares; trivial proof of work.
const net: P2PoolNetwork = { ...getP2PoolNetwork('regtest'), chainLength: 20, realChainLength: 20, maxTarget: (1n << 256n) - 1n };
const ADDR = 'bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9';
const T0 = 1_650_000_000;
const template = emptyTemplate({ bits: 0x1d00ffff });

function v34Chain(n: number, vote: (i: number) => number) {
  return buildChain(net, template, Array.from({ length: n }, (_, i) => ({ address: ADDR, timestamp: T0 + 30 * i, desiredVersion: vote(i) })), { version: 34 });
}

function reason(f: () => unknown): string {
  try {
    f();
    return 'valid';
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidShare);
    return (e as InvalidShare).reason;
  }
}

describe('share version switch rules (JT check())', () => {
  it('v34 -> v35 with a full chain whose oldest tenth voted for v35', () => {
    const { chain, shares } = v34Chain(20, () => 35);
    const [v35] = buildChain(net, template, [{ address: ADDR, timestamp: T0 + 600 }], { chain, parent: shares[19]!.hash, version: 35 }).shares;
    const below = new ArrayChain(shares);
    expect(reason(() => verifyShare(v35!, below, net, { now: T0 + 1000 }))).toBe('valid');
    // The counts are work-weighted votes over CHAIN_LENGTH/10 shares from the 18th parent.
    const counts = desiredVersionCounts(below, below.getNthParent(shares[19]!.hash, 18)!, 2);
    expect([...counts.keys()]).toEqual([35]);
  });

  it('v34 -> v35 without enough votes, or without enough history', () => {
    const few = v34Chain(20, (i) => (i < 10 ? 34 : 35)); // the oldest tenth (shares 0, 1) voted 34
    const [s] = buildChain(net, template, [{ address: ADDR, timestamp: T0 + 600 }], { chain: few.chain, parent: few.shares[19]!.hash, version: 35 }).shares;
    expect(reason(() => verifyShare(s!, new ArrayChain(few.shares), net, { now: T0 + 1000 }))).toBe('switch without enough hash power upgraded');

    const short = v34Chain(10, () => 35);
    const [t] = buildChain(net, template, [{ address: ADDR, timestamp: T0 + 600 }], { chain: short.chain, parent: short.shares[9]!.hash, version: 35 }).shares;
    expect(reason(() => verifyShare(t!, new ArrayChain(short.shares), net, { now: T0 + 1000 }))).toBe('switch without enough history');
  });

  it("v34 can't follow v35 on a full chain", () => {
    const v35 = buildChain(net, template, Array.from({ length: 20 }, (_, i) => ({ address: ADDR, timestamp: T0 + 30 * i })));
    const [back] = buildChain(net, template, [{ address: ADDR, timestamp: T0 + 600 }], { chain: v35.chain, parent: v35.shares[19]!.hash, version: 34 }).shares;
    expect(reason(() => verifyShare(back!, new ArrayChain(v35.shares), net, { now: T0 + 1000 }))).toBe("v34 can't follow v35");
  });

  it('older versions are not verified', () => {
    const { shares } = v34Chain(1, () => 34);
    expect(reason(() => verifyShare({ ...shares[0]!, version: 33 }, new ArrayChain(), net, { now: T0 }))).toBe('version 33 not verifiable');
  });
});

describe('a chain past 100 shares', () => {
  it('far_share_hash is the 99th parent of the previous share, and every share verifies', () => {
    const n: P2PoolNetwork = { ...net, chainLength: 360, realChainLength: 360 };
    const { shares } = buildChain(n, template, Array.from({ length: 106 }, (_, i) => ({ address: ADDR, timestamp: T0 + 30 * i })));
    expect(shares[98]!.shareInfo.farShareHash).toBeNull();
    expect(shares[99]!.shareInfo.farShareHash).toBeNull(); // rooted, 99 shares below: past the root
    expect(shares[100]!.shareInfo.farShareHash!.equals(shares[0]!.hashBytes)).toBe(true);
    expect(shares[105]!.shareInfo.farShareHash!.equals(shares[5]!.hashBytes)).toBe(true);
    const v = new ArrayChain();
    for (const s of shares) {
      verifyShare(s, v, n, { now: T0 + 10_000 });
      v.add(s);
    }
  });
});
