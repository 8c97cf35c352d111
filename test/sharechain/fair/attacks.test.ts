/**
 * The attacks of docs/fair-sharechain.md#attacks, each shown on the real code: block withholding,
 * selfish mining of links and of sub-shares, reference spam, timestamp games, one miner posing
 * as many to fill the outputs, and the output class chosen after seeing the lottery.
 */
import { describe, expect, it } from 'vitest';
import { targetToWork } from '../../../src/bitcoin/target.js';
import type { FairChainView } from '../../../src/sharechain/fair/chain-view.js';
import { getFairNetwork } from '../../../src/sharechain/fair/networks.js';
import { fairPayouts } from '../../../src/sharechain/fair/gentx.js';
import { lotteryPlan, type PayoutBase, type WeightedPayee } from '../../../src/sharechain/fair/payouts.js';
import { rawFloorTarget, rawLinkTarget } from '../../../src/sharechain/fair/retarget.js';
import type { FairShare } from '../../../src/sharechain/fair/types.js';
import { FairTestChain, HARD_BLOCK_BITS, testScript } from '../../support/fair-chain-builder.js';

const net = getFairNetwork('regtest-fair');

function seedOf(i: number): bigint {
  let x = BigInt(i) * 0x9e3779b97f4a7c15n + 77n;
  let out = 0n;
  for (let k = 0; k < 4; k++) {
    x ^= x << 13n;
    x ^= x >> 7n;
    x ^= x << 17n;
    x &= (1n << 64n) - 1n;
    out = (out << 64n) | x;
  }
  return out;
}

function base(entries: Array<[string, bigint]>, seed: bigint): PayoutBase {
  const payees: WeightedPayee[] = entries.map(([key, weight]) => ({ key, weight }));
  payees.sort((a, b) => (a.weight !== b.weight ? (a.weight > b.weight ? -1 : 1) : a.key < b.key ? -1 : 1));
  return { payees, total: entries.reduce((a, [, w]) => a + w, 0n), seed, plans: new Map() };
}

describe('attacks', () => {
  it('block withholding: a withheld block costs its finder its own window share of it; finding pays no bonus', () => {
    const chain = new FairTestChain(net);
    const top = chain.grow(null, 6, 2);
    const subsidy = 312_500_000;
    const x = testScript(1);
    const y = testScript(2);
    const payouts = (finder: Buffer) =>
      fairPayouts(chain.tracker, net, top.hash, { blockBits: HARD_BLOCK_BITS, subsidy, finderScript: finder, maxOutputs: 200 }).outputs;
    const valueOf = (finder: Buffer, who: Buffer): number =>
      payouts(finder).filter((o) => o.script.equals(who)).reduce((a, o) => a + o.value, 0);
    const whenXFinds = valueOf(x, x);
    const whenYFinds = valueOf(y, x);
    // x has weight in the window: the block it would withhold pays it that much, which it loses.
    expect(whenYFinds).toBeGreaterThan(subsidy / 100);
    // Finding the block itself pays x only the floors' dust (less than one satoshi per payee)...
    expect(whenXFinds - whenYFinds).toBeGreaterThanOrEqual(0);
    expect(whenXFinds - whenYFinds).toBeLessThan(20);
    // ...and every output but the finder's is the same whoever finds the block.
    const total = (outs: ReturnType<typeof payouts>): number => outs.reduce((a, o) => a + o.value, 0);
    expect(total(payouts(x))).toBe(subsidy);
    expect(total(payouts(y))).toBe(subsidy);
  });

  it('selfish mining of links: a released private chain that wins still leaves the honest link referenced and paid', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1);
    const p = chain.link(g.hash, 2);
    // The attacker mines two links on p in private, referencing nothing (it hides from the pool).
    const a1 = chain.mine({ parent: p.hash, payoutScript: testScript(66), kind: 'link', refs: [], desiredTarget: p.linkTarget });
    // Honest: one link on p, published.
    const h1 = chain.link(p.hash, 3, { desiredTarget: p.linkTarget });
    chain.state.addShares([a1.share]);
    const a2 = chain.mine({ parent: a1.share.hash, payoutScript: testScript(66), kind: 'link', refs: [], desiredTarget: p.linkTarget });
    chain.state.addShares([a2.share]);
    expect(chain.state.best).toBe(a2.share.hash); // two links outweigh one
    // Honest miners build on the attacker's chain and reference the honest link as an uncle.
    const next = chain.link(a2.share.hash, 4);
    expect(next.refHashes).toContain(h1.hash);
    expect(chain.state.classify(h1.hash)).toEqual({ status: 'referenced', kind: 'uncle', by: next.hash });
    const w = chain.tracker.windowWeights(next.hash, 1n << 300n).weights;
    expect(w.get(h1.payee)).toBe(10n * h1.work);
  });

  it('selfish mining of links: only a lead of more than H = 4 links leaves the honest link unpaid', () => {
    const chain = new FairTestChain(net);
    const p = chain.grow(null, 2);
    const h1 = chain.link(p.hash, 3, { desiredTarget: p.linkTarget });
    let a = p.hash;
    for (let i = 0; i < 5; i++) {
      const m = chain.mine({ parent: a, payoutScript: testScript(66), kind: 'link', refs: [], desiredTarget: p.linkTarget });
      chain.state.addShares([m.share]);
      a = m.share.hash;
    }
    expect(chain.state.best).toBe(a);
    expect(chain.state.classify(h1.hash)).toEqual({ status: 'orphaned', kind: 'uncle' });
  });

  it('selfish mining of sub-shares: a sub-share held back is paid if released within H links, lost after; it can never be a parent', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1);
    const held = chain.mine({ parent: g.hash, payoutScript: testScript(70), kind: 'sub-share' }).share;
    const heldLong = chain.mine({ parent: g.hash, payoutScript: testScript(71), kind: 'sub-share', nonceStart: 500 }).share;
    let top = chain.grow(g.hash, 3);
    chain.state.addShares([held]);
    top = chain.link(top.hash, 5); // height 5 = 1 + 4: still admissible
    expect(top.refHashes).toContain(held.hash);
    chain.state.addShares([heldLong]);
    expect(chain.state.classify(heldLong.hash)).toEqual({ status: 'orphaned', kind: 'sub-share' });
    expect(() => chain.link(held.hash, 6)).toThrow(/parent link .* unknown/);
  });

  it('reference spam: floor-level shares cannot crowd honest ones out of R_MAX, and only raise the floor', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1);
    const l1 = chain.link(g.hash, 2);
    const honest = [0, 1, 2, 3, 4].map((i) => chain.sub(l1.hash, 10 + i, { desiredTarget: l1.linkTarget << 3n }));
    const spam = Array.from({ length: 100 }, (_, i) => chain.sub(l1.hash, 200 + i));
    expect(spam[0]!.work < honest[0]!.work).toBe(true);
    const l2 = chain.link(l1.hash, 3);
    expect(l2.refHashes).toHaveLength(net.maxRefs);
    for (const h of honest) expect(l2.refHashes).toContain(h.hash);
    // Each spam share is paid exactly its own (small) work, no more.
    const w = chain.tracker.windowWeights(l2.hash, 1n << 300n).weights;
    const ref = spam.find((s) => l2.refHashes.includes(s.hash))!;
    expect(w.get(ref.payee)).toBe(10n * ref.work);
  });

  it('timestamp games: 300 s ahead moves the link target by the timestamp\'s share of the lookbehind, at most 10%; the floor ignores time', () => {
    interface L { hash: string; prevHash: string | null; info: { timestamp: number; height: number; refs: unknown[] }; linkTarget: bigint; floorTarget: bigint; linkWork: bigint }
    const make = (lastSkew: number): { view: FairChainView; top: FairShare } => {
      const links: L[] = [];
      const t = 1n << 200n;
      for (let i = 0; i < 200; i++) {
        links.push({ hash: `h${i}`, prevHash: i ? `h${i - 1}` : null, info: { timestamp: 10_000 + 30 * i + (i === 199 ? lastSkew : 0), height: i + 1, refs: new Array(i % 3) }, linkTarget: t, floorTarget: t << 8n, linkWork: targetToWork(t) });
      }
      const idx = (h: string | null | undefined): number => (h == null ? -1 : Number(h.slice(1)));
      const view = {
        link: (h: string | null | undefined) => links[idx(h)],
        share: (h: string | null | undefined) => links[idx(h)],
        linkDepth: (h: string | null | undefined) => idx(h) + 1,
        nthLink: (h: string, n: number) => `h${idx(h) - n}`,
        sumLinkWork: (_h: string, count: number) => targetToWork(t) * BigInt(count),
      } as unknown as FairChainView;
      return { view, top: links[199] as unknown as FairShare };
    };
    const honest = make(0);
    const skewed = make(300);
    const a = rawLinkTarget(honest.view, getFairNetwork('bitcoin-fair'), honest.top);
    const b = rawLinkTarget(skewed.view, getFairNetwork('bitcoin-fair'), skewed.top);
    const ratio = Number((b * 10_000n) / a) / 10_000;
    expect(ratio).toBeGreaterThan(1);
    expect(ratio).toBeLessThan(1 + 300 / (30 * 199) + 0.001);
    const bf = getFairNetwork('bitcoin-fair');
    expect(rawFloorTarget(skewed.view, bf, skewed.top, a)).toBe(rawFloorTarget(honest.view, bf, honest.top, a));
  });

  it('one miner posing as many: honest payees stay exact in expectation; their variance grows with the slot size, as a(c - a)', () => {
    const honest: Array<[string, bigint]> = Array.from({ length: 150 }, (_, i) => [`h${String(i).padStart(3, '0')}`, 1_000n + BigInt(i * 13)]);
    const honestTotal = honest.reduce((a, [, w]) => a + w, 0n);
    // The attacker holds as much weight as all honest payees, as 1 identity or as 60 that take exact slots.
    const one: Array<[string, bigint]> = [['a000', honestTotal]];
    const many: Array<[string, bigint]> = Array.from({ length: 60 }, (_, i) => [`a${String(i).padStart(3, '0')}`, honestTotal / 60n]);
    const K = 46;
    const measure = (attacker: Array<[string, bigint]>) => {
      const sums = new Map<string, number>();
      const sq = new Map<string, number>();
      const draws = 3000;
      let slot = 0;
      for (let i = 0; i < draws; i++) {
        const b = base([...honest, ...attacker], seedOf(i));
        const plan = lotteryPlan(b, K, net.finderDivisor > 0);
        slot = Number(plan.tailTotal) / plan.slots;
        const got = new Map<string, number>();
        for (let e = 0; e < plan.exact; e++) got.set(b.payees[e]!.key, Number(b.payees[e]!.weight));
        for (const w of plan.winners) got.set(w.key, Number(w.weight));
        for (const [k] of honest) {
          const v = got.get(k) ?? 0;
          sums.set(k, (sums.get(k) ?? 0) + v);
          sq.set(k, (sq.get(k) ?? 0) + v * v);
        }
      }
      return { slot, mean: (k: string) => sums.get(k)! / draws, variance: (k: string) => sq.get(k)! / draws - (sums.get(k)! / draws) ** 2, draws };
    };
    const m1 = measure(one);
    const m60 = measure(many);
    expect(m60.slot).toBeGreaterThan(m1.slot); // the attacker's identities took slots from the tail
    for (const m of [m1, m60]) {
      for (const [k, a] of honest) {
        const av = Number(a);
        const sd = Math.sqrt((av * (m.slot - av)) / m.draws);
        expect(Math.abs(m.mean(k) - av), k).toBeLessThanOrEqual(5 * sd + 1);
      }
      const [k, a] = honest[75]!;
      const expected = Number(a) * (m.slot - Number(a));
      expect(m.variance(k) / expected).toBeGreaterThan(0.8);
      expect(m.variance(k) / expected).toBeLessThan(1.25);
    }
  });

  it('the output class chosen after seeing the lottery: a finder can raise its tail identities\' take, by at most one class\'s worth per class', () => {
    const honest: Array<[string, bigint]> = Array.from({ length: 400 }, (_, i) => [`h${String(i).padStart(3, '0')}`, 10_000n + BigInt(i * 37)]);
    const sybils: Array<[string, bigint]> = Array.from({ length: 20 }, (_, i) => [`s${String(i).padStart(3, '0')}`, 9_000n]);
    const aS = 20 * 9000;
    const draws = 1500;
    let best = 0;
    for (let i = 0; i < draws; i++) {
      const b = base([...honest, ...sybils], seedOf(i));
      let top = 0;
      for (const K of net.outputClasses) {
        const plan = lotteryPlan(b, K, net.finderDivisor > 0);
        let got = 0;
        for (let e = 0; e < plan.exact; e++) if (b.payees[e]!.key.startsWith('s')) got += Number(b.payees[e]!.weight);
        for (const w of plan.winners) if (w.key.startsWith('s')) got += Number(w.weight);
        top = Math.max(top, got);
      }
      best += top;
    }
    const gain = best / draws / aS;
    expect(gain).toBeGreaterThan(1); // the manipulation exists...
    expect(gain).toBeLessThanOrEqual(net.outputClasses.length); // ...bounded by the number of classes
  });
});
