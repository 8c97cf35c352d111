import { describe, expect, it } from 'vitest';
import { bitsToTarget, targetToBitsUpperBound, targetToWork } from '../../src/bitcoin/target.js';
import { getP2PoolNetwork, type P2PoolNetwork } from '../../src/sharechain/networks.js';
import {
  computeFarShareHash, computeShareTargets, computeShareTimestamp, nextAbsheight, nextAbswork,
} from '../../src/sharechain/retarget.js';
import type { Share } from '../../src/sharechain/types.js';
import { verifyShare } from '../../src/sharechain/verify.js';
import { ArrayChain } from '../support/array-chain.js';
import { buildChain, emptyTemplate } from '../support/chain-builder.js';

// A regtest-like network small enough to compute by hand: look back 10 shares, aim at 30 s,
// and a MAX_TARGET of ~4096 hashes per share so that retargeting has room to move both ways.
const net: P2PoolNetwork = {
  ...getP2PoolNetwork('regtest'),
  targetLookbehind: 10,
  maxTarget: (1n << 256n) / 4096n - 1n,
};
const T0 = 1_600_000_000;
// Irregular gaps: bursts of fast shares and long pauses.
const GAPS = [3, 50, 7, 1, 90, 12, 30, 5, 60, 2, 2, 2, 1, 45, 120, 9, 1, 1, 33, 70, 4, 15, 8, 200, 1, 6, 30, 30, 3, 11];
const times: number[] = [T0];
for (const g of GAPS) times.push(times[times.length - 1]! + g);

const ADDR = 'bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9';
// Every fifth share asks for a 4x harder target than the minimum; share 12 for 100x (clipped to 30x).
const desired = (i: number, pre: bigint): bigint | undefined =>
  i === 12 ? pre / 100n : i % 5 === 4 ? pre / 4n : undefined;

describe('retarget on a chain with irregular share times', () => {
  // Mine share by share so that the desired targets can refer to the expected minimum.
  const chain = new ArrayChain();
  const shares: Share[] = [];
  const expectedPre: bigint[] = [];
  for (let i = 0; i < times.length; i++) {
    // ---- the hand computation (docs/sharechain.md#generation-transaction-buildgentx), straight from the array ----
    let pre: bigint;
    if (i < net.targetLookbehind) {
      pre = net.maxTarget;
    } else {
      const prev = shares[i - 1]!;
      const far = shares[i - net.targetLookbehind]!; // the 9th parent of prev
      let minWork = 0n;
      for (let k = i - net.targetLookbehind + 1; k <= i - 1; k++) minWork += 2n ** 256n / (shares[k]!.maxTarget + 1n);
      const dt = Math.max(1, prev.shareInfo.timestamp - far.shareInfo.timestamp);
      const aps = minWork / BigInt(dt);
      let p = aps === 0n ? 2n ** 256n - 1n : 2n ** 256n / (30n * aps) - 1n;
      const lo = (prev.maxTarget * 9n) / 10n;
      const hi = (prev.maxTarget * 11n) / 10n;
      p = p < lo ? lo : p > hi ? hi : p;
      p = p < net.minTarget ? net.minTarget : p > net.maxTarget ? net.maxTarget : p;
      pre = p;
    }
    expectedPre.push(pre);
    const want = desired(i, pre);
    const [share] = buildChain(net, emptyTemplate({ bits: 0x1d00ffff }), [
      { address: ADDR, timestamp: times[i]!, ...(want !== undefined ? { desiredTarget: want } : {}) },
    ], { chain, parent: i === 0 ? null : shares[i - 1]!.hash }).shares;
    shares.push(share!);
  }

  it('max_bits follows the hand computation and moves both ways', () => {
    for (let i = 0; i < shares.length; i++) {
      expect(shares[i]!.shareInfo.maxBits, `share ${i}`).toBe(targetToBitsUpperBound(expectedPre[i]!));
    }
    const maxTargets = shares.map((s) => s.maxTarget);
    const ups = maxTargets.filter((t, i) => i > 0 && t > maxTargets[i - 1]!).length;
    const downs = maxTargets.filter((t, i) => i > 0 && t < maxTargets[i - 1]!).length;
    expect(ups).toBeGreaterThan(0);
    expect(downs).toBeGreaterThan(0);
    // ±10% per share at most; compact rounding (3 significant bytes) only ever makes the
    // target smaller, by less than 2**-15 of it.
    for (let i = 1; i < shares.length; i++) {
      const p = shares[i - 1]!.maxTarget;
      expect(shares[i]!.maxTarget * 10n).toBeLessThanOrEqual(p * 11n);
      expect(shares[i]!.maxTarget).toBeGreaterThanOrEqual((p * 9n) / 10n - (p >> 15n));
    }
  });

  it('bits: the desired target clipped to [pre/30, pre]', () => {
    for (let i = 0; i < shares.length; i++) {
      const pre = expectedPre[i]!;
      const want = desired(i, pre) ?? (1n << 256n) - 1n;
      const clipped = want < pre / 30n ? pre / 30n : want > pre ? pre : want;
      expect(shares[i]!.shareInfo.bits, `share ${i}`).toBe(targetToBitsUpperBound(clipped));
    }
    expect(bitsToTarget(shares[12]!.shareInfo.bits)).toBe(bitsToTarget(targetToBitsUpperBound(expectedPre[12]! / 30n)));
  });

  it('timestamps, absheight and abswork', () => {
    for (let i = 1; i < shares.length; i++) {
      expect(shares[i]!.shareInfo.timestamp).toBe(Math.max(times[i]!, times[i - 1]! + 1));
      expect(shares[i]!.shareInfo.absheight).toBe(i + 1);
      expect(shares[i]!.shareInfo.abswork).toBe(shares[i - 1]!.shareInfo.abswork + targetToWork(shares[i]!.target));
    }
  });

  it('the whole chain verifies', () => {
    const v = new ArrayChain();
    for (const s of shares) {
      verifyShare(s, v, net, { now: T0 + 10_000 });
      v.add(s);
    }
    expect(v.shares.size).toBe(shares.length);
  });

  it('computeShareTargets agrees when asked directly', () => {
    const prev = shares[shares.length - 1]!;
    const t = computeShareTargets(chain, net, prev, chain.getHeight(prev.hash), 1n);
    expect(t.bits).toBe(targetToBitsUpperBound(t.preTarget / 30n));
    expect(t.maxBits).toBe(targetToBitsUpperBound(t.preTarget));
  });
});

describe('small rules', () => {
  const regtest = getP2PoolNetwork('regtest');
  const fakePrev = (ts: number, absheight: number, abswork: bigint): Share =>
    ({ shareInfo: { timestamp: ts, absheight, abswork } }) as unknown as Share;

  it('timestamp: v >= 32 takes max(desired, prev+1); older versions clip to prev + 2*period - 1', () => {
    const prev = fakePrev(1000, 0, 0n);
    expect(computeShareTimestamp(35, regtest, prev, 900)).toBe(1001);
    expect(computeShareTimestamp(35, regtest, prev, 5000)).toBe(5000);
    expect(computeShareTimestamp(17, regtest, prev, 5000)).toBe(1000 + 59);
    expect(computeShareTimestamp(35, regtest, null, 42)).toBe(42);
  });

  it('absheight wraps at 2**32, abswork at 2**128', () => {
    expect(nextAbsheight(fakePrev(0, 2 ** 32 - 1, 0n))).toBe(0);
    expect(nextAbsheight(null)).toBe(1);
    const bits = 0x207fffff; // target 2**255 - 2**232: work 2
    expect(nextAbswork(fakePrev(0, 0, (1n << 128n) - 1n), bits)).toBe(1n);
  });

  it('far_share_hash: None on a rooted chain below 99 shares', () => {
    const c = new ArrayChain();
    expect(computeFarShareHash(c, null, 0, null)).toBeNull();
    expect(computeFarShareHash(c, 'ab'.repeat(32), 98, null)).toBeNull();
  });
});
