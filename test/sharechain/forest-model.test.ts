import { describe, expect, it } from 'vitest';
import { Forest } from '../../src/sharechain/forest.js';

interface Item {
  hash: string;
  prevHash: string | null;
  work: bigint;
  minWork: bigint;
}

/**
 * The forest against a naive model of the same items: random trees (forks, missing parents,
 * several chains) added in random order, roots and subtrees removed and items added again;
 * after each step every share's children, whether it is a head, its height, and the heads of
 * the forest are what the items present say (a present share keeps its children on its node,
 * a missing one in the forest's map: both paths are crossed here).
 */
describe('Forest against a naive model', () => {
  it('keeps children, heads and heights through random additions and removals', () => {
    let seed = 12345;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let trial = 0; trial < 50; trial++) {
      const n = 5 + Math.floor(rnd() * 30);
      const items: Item[] = [];
      for (let i = 0; i < n; i++) {
        const r = rnd();
        const prevHash = i === 0 || r < 0.05 ? (r < 0.02 ? null : `missing${Math.floor(rnd() * 3)}`) : `h${Math.floor(rnd() * i)}`;
        items.push({ hash: `h${i}`, prevHash, work: 1n, minWork: 1n });
      }
      const forest = new Forest<Item>();
      const present = new Set<string>();
      const byHash = new Map(items.map((x) => [x.hash, x]));
      const check = (): void => {
        const kidsOf = (h: string): string[] => items.filter((x) => present.has(x.hash) && x.prevHash === h).map((x) => x.hash);
        for (const h of [...present, 'missing0', 'missing1', 'missing2']) {
          expect([...forest.childrenOf(h)].sort()).toEqual(kidsOf(h).sort());
          expect(forest.isHead(h)).toBe(present.has(h) && kidsOf(h).length === 0);
          if (present.has(h)) {
            let height = 0;
            for (let cur: string | null = h; cur !== null && present.has(cur); cur = byHash.get(cur)!.prevHash) height++;
            expect(forest.getHeight(h)).toBe(height);
          }
        }
        expect([...forest.heads().keys()].sort()).toEqual([...present].filter((h) => kidsOf(h).length === 0).sort());
      };
      for (const i of items.map((_, k) => k).sort(() => rnd() - 0.5)) {
        forest.add(items[i]!);
        present.add(items[i]!.hash);
      }
      check();
      for (let k = 0; k < 6 && present.size > 0; k++) {
        const roots = [...forest.tails().keys()];
        if (rnd() < 0.5 && roots.length > 0) {
          const root = roots[Math.floor(rnd() * roots.length)]!;
          forest.removeRoot(root);
          present.delete(root);
        } else {
          const all = [...present];
          for (const x of forest.removeSubtree(all[Math.floor(rnd() * all.length)]!)) present.delete(x.hash);
        }
        check();
        for (const x of items) {
          if (!present.has(x.hash) && rnd() < 0.15) {
            forest.add(x);
            present.add(x.hash);
          }
        }
        check();
      }
    }
  });
});
