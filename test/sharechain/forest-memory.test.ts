/**
 * The forest's memory stays bounded by what it holds (src/sharechain/forest.ts, sweepRemoved):
 * pruning a long chain from the bottom must not leave the removed shares reachable through the
 * jump tables of the shares above (p2pool simulate's month-long runs grew by that).
 */
import { describe, expect, it } from 'vitest';
import { Forest } from '../../src/sharechain/forest.js';

const hash = (i: number): string => i.toString(16).padStart(64, '0');
const item = (i: number) => ({ hash: hash(i), prevHash: i === 0 ? null : hash(i - 1), work: BigInt(3 + (i % 5)), minWork: 1n });

describe('forest memory under pruning', () => {
  it('keeps at most max(1024, size/8) removed shares reachable, and answers as before', () => {
    const W = 8000;
    const f = new Forest<ReturnType<typeof item>>();
    for (let i = 0; i < W; i++) f.add(item(i));
    // A node that pruned 12,000 shares off the bottom while as many were added on top: each
    // share's table reaches 2^k shares down, so without the sweep about half a chain's worth
    // of removed shares stays reachable (~4,000 here), and on a real chain, per forest, more.
    for (let i = W; i < W + 12_000; i++) {
      f.add(item(i));
      f.removeRoot(hash(i - W));
    }
    expect(f.size).toBe(W);
    expect(f.removedInJumpTables()).toBeLessThanOrEqual(1024);
    // Ancestors and sums are still exact after the sweeps cleared table entries.
    const top = W + 12_000 - 1;
    for (const n of [1, 5, 1000, 4096, 5000, W - 1]) expect(f.getNthParent(hash(top), n)).toBe(hash(top - n));
    let work = 0n;
    for (let i = top; i > top - 3000; i--) work += item(i).work;
    expect(f.sumWork(hash(top), 3000)).toBe(work);
  });
});

describe('pruning a root with several children', () => {
  it('splits the forest into one tree per child, each with its own heads, heights and ancestors', () => {
    const f = new Forest<ReturnType<typeof item>>();
    f.add(item(0));
    // An orphan on the bottom share, added before the chain's next share (the order that made
    // pruning walk the whole chain): two shares on 0 that are not 1.
    const orphan = [{ hash: 'ee'.repeat(32), prevHash: hash(0), work: 3n, minWork: 1n }, { hash: 'ef'.repeat(32), prevHash: 'ee'.repeat(32), work: 3n, minWork: 1n }];
    for (const o of orphan) f.add(o);
    for (let i = 1; i < 500; i++) f.add(item(i));
    f.removeRoot(hash(0));
    const tails = f.tails();
    expect(tails.size).toBe(2);
    expect([...tails.get(hash(1))!]).toEqual([hash(499)]);
    expect([...tails.get('ee'.repeat(32))!]).toEqual(['ef'.repeat(32)]);
    expect(f.getHeight(hash(499))).toBe(499);
    expect(f.getHeight('ef'.repeat(32))).toBe(2);
    expect(f.rootOf('ef'.repeat(32))).toBe('ee'.repeat(32));
    expect(f.getNthParent(hash(499), 498)).toBe(hash(1));
    // The chain goes on growing and pruning as one tree.
    f.add(item(500));
    f.removeRoot(hash(1));
    expect(f.getHeight(hash(500))).toBe(499);
  });
});
