/**
 * Link target and floor target (docs/fair-sharechain.md#link-target, #floor-target) on synthetic
 * chains: the formulas recomputed in the test, the clamps, the bootstrap, and the floor
 * controller's behaviour under a flood of floor-level shares.
 */
import { describe, expect, it } from 'vitest';
import { bitsToTarget, targetToBitsUpperBound, targetToWork } from '../../../src/bitcoin/target.js';
import type { FairChainView } from '../../../src/sharechain/fair/chain-view.js';
import { getFairNetwork, withFairRules } from '../../../src/sharechain/fair/networks.js';
import { deriveFairTargets, easiestFloor, rawFloorTarget, rawLinkTarget } from '../../../src/sharechain/fair/retarget.js';
import type { FairShare } from '../../../src/sharechain/fair/types.js';

const net = getFairNetwork('bitcoin-fair');

interface FakeLink {
  hash: string;
  prevHash: string | null;
  info: { timestamp: number; height: number; refs: unknown[] };
  linkTarget: bigint;
  floorTarget: bigint;
  linkWork: bigint;
}

/** A single chain of links in an array (index 0 at the bottom). */
class FakeChain {
  readonly links: FakeLink[] = [];
  push(timestamp: number, linkTarget: bigint, floorTarget: bigint, refs: number): FakeLink {
    const l: FakeLink = {
      hash: `h${this.links.length}`,
      prevHash: this.links.length ? this.links[this.links.length - 1]!.hash : null,
      info: { timestamp, height: this.links.length + 1, refs: new Array(refs) },
      linkTarget, floorTarget, linkWork: targetToWork(linkTarget),
    };
    this.links.push(l);
    return l;
  }
  get top(): FairShare {
    return this.links[this.links.length - 1] as unknown as FairShare;
  }
  view(): FairChainView {
    const idx = (h: string | null | undefined): number => (h == null ? -1 : Number(h.slice(1)));
    return {
      link: (h) => this.links[idx(h)] as unknown as FairShare | undefined,
      share: (h) => this.links[idx(h)] as unknown as FairShare | undefined,
      linkDepth: (h) => (idx(h) < 0 ? 0 : idx(h) + 1),
      nthLink: (h, n) => (n <= idx(h) ? `h${idx(h) - n}` : null),
      sumLinkWork: (h, count) => this.links.slice(Math.max(0, idx(h) - count + 1), idx(h) + 1).reduce((a, l) => a + l.linkWork, 0n),
      isAncestorLink: () => false,
      refsOf: () => new Set(),
      windowWeights: () => ({ weights: new Map(), total: 0n, links: 0, entries: 0 }),
      payoutBase: () => { throw new Error('unused'); },
    };
  }
}

const round = (t: bigint): bigint => bitsToTarget(targetToBitsUpperBound(t));

describe('link target', () => {
  it('the first linkLookbehind links use linkMaxTarget', () => {
    const c = new FakeChain();
    expect(rawLinkTarget(c.view(), net, null)).toBe(net.linkMaxTarget);
    for (let i = 0; i < net.linkLookbehind - 1; i++) c.push(1000 + 30 * i, net.linkMaxTarget, net.maxTarget, 0);
    expect(rawLinkTarget(c.view(), net, c.top)).toBe(net.linkMaxTarget);
  });

  it('follows 2**256 // (period * aps) - 1 over the lookbehind, within 10% of the parent', () => {
    const t = 1n << 200n;
    for (const spacing of [30, 31, 29, 60, 10]) {
      const c = new FakeChain();
      for (let i = 0; i < net.linkLookbehind + 5; i++) c.push(1_000_000 + spacing * i, t, t << 16n, 0);
      const work = targetToWork(t) * BigInt(net.linkLookbehind - 1);
      const aps = work / BigInt(spacing * (net.linkLookbehind - 1));
      let expected = (1n << 256n) / (30n * aps) - 1n;
      if (expected > (t * 11n) / 10n) expected = (t * 11n) / 10n;
      if (expected < (t * 9n) / 10n) expected = (t * 9n) / 10n;
      expect(rawLinkTarget(c.view(), net, c.top), `spacing ${spacing}`).toBe(expected);
    }
  });

  it('timestamps going backwards count as one second', () => {
    const c = new FakeChain();
    const t = 1n << 200n;
    for (let i = 0; i < net.linkLookbehind; i++) c.push(5000 - i, t, t, 0);
    expect(rawLinkTarget(c.view(), net, c.top)).toBe((t * 9n) / 10n);
  });
});

describe('floor target', () => {
  const small = withFairRules(net, { floorLookbehind: 4 });
  const t = 1n << 200n;
  const chainWith = (refs: number[], floor: bigint): FakeChain => {
    const c = new FakeChain();
    refs.forEach((r, i) => c.push(1000 + 30 * i, t, floor, r));
    return c;
  };

  it('starts at min(link * 2**16, maxTarget) and never leaves [link, that]', () => {
    expect(easiestFloor(net, t)).toBe(t << 16n);
    expect(easiestFloor(net, net.linkMaxTarget)).toBe(net.maxTarget);
    expect(rawFloorTarget(new FakeChain().view(), small, null, t)).toBe(t << 16n);
    // Far above the ceiling for long: the floor stops at the link target.
    expect(rawFloorTarget(chainWith([60, 60, 60, 60], t).view(), small, chainWith([60, 60, 60, 60], t).top, t)).toBe(t);
  });

  it('harder by 1/32 above 30 refs per link, easier by 1/32 below 15, unchanged between', () => {
    const prev = t << 10n;
    const at = (refs: number[]): bigint => {
      const c = chainWith(refs, prev);
      return rawFloorTarget(c.view(), small, c.top, t);
    };
    expect(at([31, 30, 30, 30])).toBe(prev - prev / 32n); // 121 > 120
    expect(at([30, 30, 30, 30])).toBe(prev); // 120: at the ceiling, stays
    expect(at([15, 15, 15, 15])).toBe(prev); // 60 = half: stays
    expect(at([15, 15, 15, 14])).toBe(prev + prev / 32n); // 59 < 60
    expect(at([0, 0, 0])).toBe(t << 16n); // fewer links than the lookbehind: the easiest
  });

  it('a flood at the floor raises it until the refs per link are back under the ceiling, without oscillating out of the band', () => {
    // Spam hash rate G mines at the floor; honest shares give 5 refs per link; R_MAX caps what is referenced.
    const linkTarget = 1n << 190n;
    const linkWork = targetToWork(linkTarget);
    // A griefer with as much hash rate as the whole pool (one link's work every 30 s), all at the floor.
    const G = linkWork / 30n;
    const c = new FakeChain();
    let floor = easiestFloor(net, linkTarget);
    const series: number[] = [];
    for (let i = 0; i < 1200; i++) {
      const spamRefs = Number((G * 30n) / targetToWork(floor));
      const refs = Math.min(net.maxRefs, 5 + spamRefs);
      c.push(1000 + 30 * i, linkTarget, floor, refs);
      series.push(refs);
      floor = round(rawFloorTarget(c.view(), net, c.top, linkTarget));
    }
    // After the ramp the refs settle inside the dead band [15, 30] and stay there.
    const tail = series.slice(-300);
    expect(Math.max(...tail)).toBeLessThanOrEqual(net.ceilingRefsPerLink);
    expect(Math.min(...tail)).toBeGreaterThanOrEqual(net.ceilingRefsPerLink / 2 - 1);
    // The floor ended where the spam's rate fits the ceiling: G * 30 / floorWork <= 25 refs per link.
    expect(Number((G * 30n) / targetToWork(floor))).toBeLessThanOrEqual(25);
  });

  it('deriveFairTargets rounds both to compact values, floor never below the link target', () => {
    const c = new FakeChain();
    for (let i = 0; i < net.linkLookbehind + 1; i++) c.push(1000 + 30 * i, 1n << 200n, 1n << 216n, 3);
    const d = deriveFairTargets(c.view(), net, c.top);
    expect(bitsToTarget(d.linkBits)).toBe(d.linkTarget);
    expect(bitsToTarget(d.floorBits)).toBe(d.floorTarget);
    expect(d.floorTarget >= d.linkTarget).toBe(true);
    expect(d.floorTarget).toBeLessThanOrEqual(easiestFloor(net, d.linkTarget));
  });
});
