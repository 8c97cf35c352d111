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

  it('answers n-th parents as a walk does, asked share by share up and down chains with forks, through removals', () => {
    // Forest.ancestor answers the same distance one share up or down from its last answer
    // (the checks of a loaded chain ask so): every answer here is compared with a walk.
    let seed = 777;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
    for (let trial = 0; trial < 20; trial++) {
      const items: Item[] = [];
      const n = 120 + Math.floor(rnd() * 80);
      for (let i = 0; i < n; i++) {
        // Mostly a chain on the share before, with forks off recent shares.
        const prevHash = i === 0 ? null : rnd() < 0.1 ? `h${Math.max(0, i - 1 - Math.floor(rnd() * 8))}` : `h${i - 1}`;
        items.push({ hash: `h${i}`, prevHash, work: 1n, minWork: 1n });
      }
      const byHash = new Map(items.map((x) => [x.hash, x]));
      const forest = new Forest<Item>();
      for (const x of items) forest.add(x);
      const walk = (h: string, k: number): string | null => {
        let cur: string | null = h;
        for (let i = 0; i < k && cur !== null; i++) cur = byHash.get(cur)!.prevHash;
        return cur;
      };
      const ask = (h: string, k: number): void => {
        if (!forest.has(h) || k >= forest.getHeight(h)) return;
        expect(forest.getNthParent(h, k)).toBe(walk(h, k));
      };
      const present = (): string[] => items.map((x) => x.hash).filter((h) => forest.has(h));
      for (let round = 0; round < 4; round++) {
        for (const k of [16, 17, 40, 99]) {
          const hs = present();
          for (const h of hs) ask(h, k);
          for (const h of [...hs].reverse()) ask(h, k);
          // Interleaved distances, and jumps between branches.
          for (let q = 0; q < 200; q++) ask(hs[Math.floor(rnd() * hs.length)]!, rnd() < 0.5 ? k : 1 + Math.floor(rnd() * 120));
        }
        // Remove a subtree or the root, and add some shares back: answers must not outlive them.
        const hs = present();
        if (hs.length === 0) break;
        if (rnd() < 0.5) {
          forest.removeSubtree(hs[Math.floor(rnd() * hs.length)]!);
        } else {
          const root = [...forest.tails().keys()][0]!;
          forest.removeRoot(root);
        }
        for (const x of items) if (!forest.has(x.hash) && rnd() < 0.3 && x.prevHash !== null && forest.has(x.prevHash)) forest.add(x);
      }
    }
  });
});
