import { describe, expect, it } from 'vitest';
import { pruneTracker } from '../../src/sharechain/prune.js';
import { chooseBest, compareScores, scoreHead, think } from '../../src/sharechain/score.js';
import { ShareTracker } from '../../src/sharechain/tracker.js';
import { makeChain } from '../support/synthetic-shares.js';

const L = 32; // CHAIN_LENGTH: 15/16 -> end point 30 shares down, 1/16 -> 2 shares sampled
const TIP = 'bb'.repeat(32);
const OLD = 'aa'.repeat(32);
const heights = new Map([[TIP, 0], [OLD, -4]]);
const opts = { chainLength: L, blockPeriod: 600, getHeightRelHighest: (h: string) => heights.get(h) ?? -1e9, punish: () => 0 };

function verifiedTracker(): ShareTracker {
  return new ShareTracker({ chainLength: L }, () => true);
}

describe('chain score (docs/sharechain.md#best-share)', () => {
  it('is (height, none) below CHAIN_LENGTH and work over the window / elapsed parent blocks above', () => {
    const t = verifiedTracker();
    const chain = makeChain(40, null, (i) => ({ work: BigInt(10 + i), prevBlock: i < 12 ? OLD : TIP }));
    for (const s of chain.slice(0, 20)) t.add(s);
    t.verifyHeads();
    expect(scoreHead(t, chain[19]!.hash, opts)).toEqual({ height: 20, rate: null });
    for (const s of chain.slice(20)) t.add(s);
    t.verifyHeads();
    // end point = share 39 - 30 = 9; sampled shares 9 and 8 were mined on OLD (-4): max -4.
    // work over (end point, head] = shares 10..39.
    let work = 0n;
    for (let i = 10; i < 40; i++) work += BigInt(10 + i);
    expect(scoreHead(t, chain[39]!.hash, opts)).toEqual({ height: L, rate: work / BigInt((1 + 4) * 600) });
  });

  it('takes the highest parent block over the sampled shares, looking each block up once per call', () => {
    const L64 = { ...opts, chainLength: 64 }; // end point 60 down, 4 shares sampled
    const t = new ShareTracker({ chainLength: 64 }, () => true);
    // Sampled (from the end point down): shares 3, 2, 1, 0 on OLD, OLD, TIP, OLD.
    const prevs = [OLD, TIP, OLD, OLD];
    const chain = makeChain(64, null, (i) => ({ work: 7n, prevBlock: i < 4 ? prevs[i]! : TIP }));
    for (const s of chain) t.add(s);
    t.verifyHeads();
    const asked: string[] = [];
    const counting = { ...L64, getHeightRelHighest: (h: string) => (asked.push(h), opts.getHeightRelHighest(h)) };
    // Highest is TIP (0) although the first sampled share is on OLD (-4): rate = work / 600.
    expect(scoreHead(t, chain[63]!.hash, counting)).toEqual({ height: 64, rate: (60n * 7n) / 600n });
    expect(asked).toEqual([OLD, TIP]);
    // The blocks below an end point are remembered (by its hash), their heights are not: the
    // parent chain moved on (TIP is now 2 blocks old, OLD 6), and another tracker holding the
    // same shares gets the same answer.
    asked.length = 0;
    const moved = new Map([[TIP, -2], [OLD, -6]]);
    const later = { ...L64, getHeightRelHighest: (h: string) => (asked.push(h), moved.get(h) ?? -1e9) };
    const other = new ShareTracker({ chainLength: 64 }, () => true);
    for (const s of chain) other.add(s);
    other.verifyHeads();
    expect(scoreHead(other, chain[63]!.hash, later)).toEqual({ height: 64, rate: (60n * 7n) / (3n * 600n) });
    expect(asked).toEqual([OLD, TIP]);
  });

  it('the blocks below each successive end point (derived from the one below it) are those a walk finds', () => {
    const L64 = { ...opts, chainLength: 64 }; // end point 60 down, 4 shares sampled
    const blocks = ['c1', 'c2', 'c3', 'c4'].map((c) => c.repeat(32));
    // Runs of 1-5 shares per block, blocks revisited (a share may build on an older block).
    let b = 0;
    let left = 0;
    const prevOf: string[] = [];
    for (let i = 0; i < 160; i++) {
      if (left === 0) {
        b = (b * 7 + i) % blocks.length;
        left = 1 + ((i * 13) % 5);
      }
      left--;
      prevOf.push(blocks[b]!);
    }
    const chain = makeChain(160, null, (i) => ({ work: 3n, prevBlock: prevOf[i]! }));
    const t = new ShareTracker({ chainLength: 64 }, () => true);
    for (const s of chain.slice(0, 64)) t.add(s);
    t.verifyHeads();
    for (let h = 63; h < 160; h++) {
      if (h >= 64) {
        t.add(chain[h]!);
        t.verifyHeads();
      }
      const asked: string[] = [];
      scoreHead(t, chain[h]!.hash, { ...L64, getHeightRelHighest: (x: string) => (asked.push(x), -1) });
      // The walk: shares h-60 down to h-63, distinct blocks in that order.
      const walked = [...new Set([0, 1, 2, 3].map((k) => prevOf[h - 60 - k]!))];
      expect(asked).toEqual(walked);
    }
  });

  it('orders scores like the reference tuples', () => {
    expect(compareScores({ height: 5, rate: null }, { height: 6, rate: null })).toBeLessThan(0);
    expect(compareScores({ height: L, rate: null }, { height: L, rate: 0n })).toBeLessThan(0);
    expect(compareScores({ height: L, rate: 3n }, { height: L, rate: 2n })).toBeGreaterThan(0);
  });

  it('picks the best head by work to the 5th ancestor, then punishment, then first seen', () => {
    const t = verifiedTracker();
    const base = makeChain(10, null, () => ({ work: 5n }));
    const light = makeChain(6, base[9]!.hash, () => ({ work: 5n, salt: `l${Math.random()}`, timeSeen: 100 }));
    const heavy = makeChain(6, base[9]!.hash, (i) => ({ work: i === 0 ? 50n : 5n, salt: `h${i}`, timeSeen: 200 }));
    for (const s of [...base, ...light, ...heavy]) t.add(s);
    t.verifyHeads();
    expect(chooseBest(t, opts).best).toBe(heavy[5]!.hash);
    // Equal work: the earlier seen head wins; a punished one loses; a block solution (-1) wins.
    const twin = makeChain(6, base[9]!.hash, () => ({ work: 5n, salt: `t${Math.random()}`, timeSeen: 50 }));
    for (const s of twin) t.add(s);
    t.verifyHeads();
    const punishHead = { ...opts, punish: (s: { hash: string }) => (s.hash === heavy[5]!.hash ? 1 : 0) };
    // heavy's head is punished: JT subtracts one share's work (5) from its key, so it still
    // leads by 40, and then steps down to its first unpunished ancestor.
    const punished = chooseBest(t, punishHead);
    expect(punished.decoratedHeads.at(-1)!.hash).toBe(heavy[5]!.hash);
    expect(punished.best).toBe(heavy[4]!.hash);
    const withoutHeavy = verifiedTracker();
    for (const s of [...base, ...light, ...twin]) withoutHeavy.add(s);
    withoutHeavy.verifyHeads();
    expect(chooseBest(withoutHeavy, opts).best).toBe(twin[5]!.hash); // seen at 50 < 100
    const lightIsBlock = { ...opts, punish: (s: { hash: string }) => (s.hash === light[5]!.hash ? -1 : 0) };
    expect(chooseBest(withoutHeavy, lightIsBlock).best).toBe(light[5]!.hash);
  });

  it('think filters desired parents older than an hour before the best share', () => {
    const t = verifiedTracker();
    const chain = makeChain(3, null, (i) => ({ timestamp: 10_000 + i }));
    for (const s of chain) t.add(s);
    const orphanOld = makeChain(2, 'cc'.repeat(32), () => ({ timestamp: 5_000, salt: `o${Math.random()}` }));
    const orphanNew = makeChain(2, 'dd'.repeat(32), () => ({ timestamp: 9_500, salt: `n${Math.random()}` }));
    for (const s of [...orphanOld, ...orphanNew]) t.add(s, 'peer9');
    const r = think(t, { ...opts, now: 20_000 });
    expect(r.best).toBe(chain[2]!.hash);
    expect(r.desired.map((d) => [d.hash, d.peer])).toEqual([['dd'.repeat(32), 'peer9']]);
  });
});

describe('pruning (docs/sharechain.md#pruning)', () => {
  it('eats old non-best heads and cuts tails to 2*CHAIN_LENGTH+10', () => {
    const t = verifiedTracker();
    const main = makeChain(2 * L + 30, null, () => ({ timeSeen: 1_000_000 }));
    const stub = makeChain(3, main[60]!.hash, () => ({ timeSeen: 1_000_000, salt: `s${Math.random()}` }));
    for (const s of [...main, ...stub]) t.add(s);
    t.verifyHeads();
    const keep = new Set([main[main.length - 1]!.hash]);
    // Seen 100 s ago: the stub is not eaten, and its head (64 high) keeps the tail in place.
    expect(pruneTracker(t, { now: 1_100, chainLength: L, keep })).toEqual([]);
    expect(t.has(stub[2]!.hash)).toBe(true);
    const removed = pruneTracker(t, { now: 10_000, chainLength: L, keep });
    // The stub goes head first, then the 21 bottom shares above 2*CHAIN_LENGTH+9.
    expect(removed.slice(0, 3).map((s) => s.hash).sort()).toEqual(stub.map((s) => s.hash).sort());
    expect(removed.slice(3).map((s) => s.hash)).toEqual(main.slice(0, 21).map((s) => s.hash));
    expect(t.getHeight(main[main.length - 1]!.hash)).toBe(2 * L + 9);
    expect(t.size).toBe(2 * L + 9);
  });
});
