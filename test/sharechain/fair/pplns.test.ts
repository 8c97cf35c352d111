/**
 * The PPLNS window (docs/fair-sharechain.md#pplns): the tracker's sliding windows against a plain
 * walk written here, on a random tree of real shares (forks, uncles, sub-shares, references,
 * varied own targets), queried in random order and with every cap binding in turn.
 */
import { describe, expect, it } from 'vitest';
import { getFairNetwork, withFairRules } from '../../../src/sharechain/fair/networks.js';
import type { FairShare } from '../../../src/sharechain/fair/types.js';
import { FairTestChain, testScript } from '../../support/fair-chain-builder.js';

/** A seeded generator (mulberry32), so the tree is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The spec's walk, plainly: entries link by link, caps, the crossing entry pro-rated. */
function modelWindow(chain: FairTestChain, start: string | null, desired: bigint, maxLinks: number, maxEntries: number): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const add = (k: string, v: bigint): void => {
    if (v > 0n) out.set(k, (out.get(k) ?? 0n) + v);
  };
  let counted = 0n;
  let entries = 0;
  let links = 0;
  let cur: FairShare | undefined = chain.tracker.link(start);
  while (cur && links < maxLinks && entries < maxEntries && counted < desired) {
    links++;
    const list: Array<[string, bigint, string | null, bigint]> = [[cur.payee, 10n * cur.work, null, 0n]];
    for (const h of cur.refHashes) {
      const r = chain.tracker.share(h)!;
      list.push([r.payee, 10n * r.work, cur.payee, r.work]);
    }
    for (const [p, w, bp, b] of list) {
      if (entries >= maxEntries || counted >= desired) break;
      entries++;
      if (counted + w + b <= desired) {
        add(p, w);
        if (bp) add(bp, b);
        counted += w + b;
      } else {
        const x = desired - counted;
        add(p, (w * x) / (w + b));
        if (bp) add(bp, (b * x) / (w + b));
        counted = desired;
      }
    }
    cur = chain.tracker.link(cur.prevHash);
  }
  return out;
}

describe('fair PPLNS window', () => {
  it('sliding windows equal the plain walk, on a random tree, every cap binding', () => {
    const net = withFairRules(getFairNetwork('regtest-fair'), { windowLinks: 9, windowEntries: 40 });
    const chain = new FairTestChain(net);
    const rand = rng(7);
    const links: FairShare[] = [chain.link(null, 0)];
    for (let i = 0; i < 60; i++) {
      // Mostly extend a recent link, sometimes fork from one a few links back.
      const parent = links[Math.max(0, links.length - 1 - Math.floor(rand() * rand() * 4))]!;
      const nSubs = Math.floor(rand() * 4);
      for (let j = 0; j < nSubs; j++) {
        const t = parent.linkTarget << BigInt(1 + Math.floor(rand() * 10));
        chain.add({ parent: parent.hash, payoutScript: testScript(20 + Math.floor(rand() * 12), rand() < 0.3 ? 'p2tr' : 'p2wpkh'), kind: 'sub-share', desiredTarget: t });
      }
      links.push(chain.add({ parent: parent.hash, payoutScript: testScript(Math.floor(rand() * 8)), kind: 'link', desiredTarget: parent.linkTarget << BigInt(Math.floor(rand() * 6)) }));
    }
    const refs = links.reduce((a, l) => a + l.refHashes.length, 0);
    expect(refs).toBeGreaterThan(60);
    expect(links.some((l) => l.refHashes.some((h) => chain.tracker.share(h)!.isLink))).toBe(true); // uncles were referenced
    let partial = 0;
    for (let q = 0; q < 300; q++) {
      const start = links[Math.floor(rand() * links.length)]!.hash;
      const full = modelWindow(chain, start, 1n << 300n, net.windowLinks, net.windowEntries);
      const total = [...full.values()].reduce((a, v) => a + v, 0n);
      const desired = rand() < 0.3 ? 1n << 300n : (total * BigInt(Math.floor(rand() * 1000))) / 1000n + 1n;
      const expected = modelWindow(chain, start, desired, net.windowLinks, net.windowEntries);
      const got = chain.tracker.windowWeights(start, desired);
      expect(got.weights).toEqual(expected);
      expect(got.total).toBe([...expected.values()].reduce((a, v) => a + v, 0n));
      if (desired < total) partial++;
    }
    expect(partial).toBeGreaterThan(100);
  });

  it('a reference pays its work to its payee in full and the includer q = 1/10 of it on top', () => {
    const net = getFairNetwork('regtest-fair');
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1);
    const sub = chain.sub(g.hash, 2, { desiredTarget: g.linkTarget << 8n });
    const l = chain.link(g.hash, 3);
    expect(l.refHashes).toEqual([sub.hash]);
    const w = chain.tracker.windowWeights(l.hash, 1n << 300n).weights;
    expect(w.get(sub.payee)).toBe(10n * sub.work);
    expect(w.get(l.payee)).toBe(10n * l.work + sub.work);
    expect(w.get(g.payee)).toBe(10n * g.work);
  });
});
