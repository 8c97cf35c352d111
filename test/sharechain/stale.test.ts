import { describe, expect, it } from 'vitest';
import { StaleAccounting, averageStaleProportion, userStaleProportions } from '../../src/sharechain/stale.js';
import { ShareTracker } from '../../src/sharechain/tracker.js';
import type { Share } from '../../src/sharechain/types.js';
import { makeChain, makeShare } from '../support/synthetic-shares.js';

describe('stale accounting (docs/sharechain.md#stale-accounting)', () => {
  it('announces one lost share at a time: orphans first, then DOAs', () => {
    const t = new ShareTracker({ chainLength: 10 }, () => 1);
    const acc = new StaleAccounting(t);
    const base = makeChain(5, null, () => ({ payee: 'other' }));
    for (const s of base) t.add(s);
    // We made two shares that got orphaned (siblings of the chain) and one DOA.
    const lost = [makeShare({ prev: base[1]!.hash, payee: 'me', salt: 'o1' }), makeShare({ prev: base[2]!.hash, payee: 'me', salt: 'o2' })];
    const doa = makeShare({ prev: base[3]!.hash, payee: 'me', salt: 'd1' });
    for (const s of [...lost, doa]) {
      t.add(s);
      acc.addMine(s.hash, s === doa);
    }
    let tip = base[4]!.hash;
    expect(acc.staleCounts(tip)).toEqual({ orphans: 2, doas: 1, total: 3, orphansRecorded: 0, doasRecorded: 0 });
    const announced: string[] = [];
    for (let i = 0; i < 4; i++) {
      const info = acc.nextStaleInfo(tip);
      announced.push(String(info));
      const s: Share = makeShare({ prev: tip, payee: 'me', staleInfo: info, salt: `n${i}` });
      t.add(s);
      acc.addMine(s.hash, false);
      tip = s.hash;
    }
    expect(announced).toEqual(['orphan', 'orphan', 'doa', 'none']);
    expect(acc.staleCounts(tip)).toEqual({ orphans: 2, doas: 1, total: 7, orphansRecorded: 2, doasRecorded: 1 });
  });

  it('keeps counting our shares that were pruned from below the best share', () => {
    const t = new ShareTracker({ chainLength: 10 }, () => 1);
    const acc = new StaleAccounting(t);
    const chain = makeChain(6, null, (i) => ({ payee: 'me', staleInfo: i === 1 ? 'orphan' : 'none' }));
    for (const s of chain) {
      t.add(s);
      acc.addMine(s.hash, false);
    }
    const before = acc.staleCounts(chain[5]!.hash);
    t.removeRoot(chain[0]!.hash);
    t.removeRoot(chain[1]!.hash);
    acc.forget([chain[0]!.hash, chain[1]!.hash]);
    expect(acc.staleCounts(chain[5]!.hash)).toEqual(before);
    expect(before).toEqual({ orphans: 0, doas: 0, total: 6, orphansRecorded: 1, doasRecorded: 0 });
  });

  it('computes per-payee and average stale proportions like the reference', () => {
    const t = new ShareTracker({ chainLength: 10 }, () => 1);
    const chain = makeChain(6, null, (i) => ({ payee: i % 2 ? 'a' : 'b', staleInfo: i === 5 ? 'doa' : i === 2 ? 'orphan' : 'none' }));
    for (const s of chain) t.add(s);
    // lookbehind 5 -> 4 shares (5, 4, 3, 2): a: 5 (stale), 3; b: 4, 2 (stale).
    expect(userStaleProportions(t, chain[5]!.hash, 5)).toEqual(new Map([['a', 1 / 3], ['b', 1 / 3]]));
    // 5 shares (5..1), 2 stale: 2 / (5 + 2)
    expect(averageStaleProportion(t, chain[5]!.hash, 5)).toBeCloseTo(2 / 7);
  });
});
