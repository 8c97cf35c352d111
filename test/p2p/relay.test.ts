import { describe, expect, it } from 'vitest';
import { KnownShares, KnownSharesTable, sharesToRelay } from '../../src/p2p/relay.js';
import { serveShareRequest } from '../../src/p2p/share-server.js';
import { displayHexToHash } from '../../src/bitcoin/hex.js';
import { TestChain } from './p2p-support.js';

const chain = new TestChain();
chain.extend(12);
const source = { get: (h: string) => chain.array.get(h) };

describe('relay', () => {
  it('sends at most 5 newest shares of the best chain, oldest first', () => {
    const known = new KnownShares();
    expect(sharesToRelay(source, chain.tip.hash, known).map((s) => s.hash)).toEqual(chain.shares.slice(-5).map((s) => s.hash));
  });

  it('stops at the first share the peer has', () => {
    const known = new KnownShares();
    known.add(chain.shares[9]!.hash);
    expect(sharesToRelay(source, chain.tip.hash, known).map((s) => s.hash)).toEqual([chain.shares[10]!.hash, chain.shares[11]!.hash]);
    known.add(chain.tip.hash);
    expect(sharesToRelay(source, chain.tip.hash, known)).toEqual([]);
  });

  it('always remembers the newest half of its capacity and never holds more than it', () => {
    const k = new KnownShares(4);
    for (const h of ['a', 'b', 'c']) k.add(h);
    expect([k.has('a'), k.has('b'), k.has('c'), k.size]).toEqual([true, true, true, 3]);
    k.add('d');
    // A generation of 2 completed: the older one (a, b) is dropped, the newest 2 kept.
    expect([k.has('a'), k.has('b'), k.has('c'), k.has('d'), k.size]).toEqual([false, false, true, true, 2]);
    k.add('c');
    expect(k.size).toBe(2);
    const big = new KnownShares(1000);
    for (let i = 0; i < 10_000; i++) {
      big.add(String(i));
      expect(big.size).toBeLessThanOrEqual(1000);
    }
    for (let i = 10_000 - 500; i < 10_000; i++) expect(big.has(String(i))).toBe(true);
    expect(big.has('0')).toBe(false);
  });
});

describe('KnownSharesTable', () => {
  /** A small deterministic generator (the test's own; any sequence will do). */
  const lcg = (seed: number) => () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);

  it('remembers for every peer exactly what that peer\'s own KnownShares remembers', () => {
    const peers = 5;
    const capacity = 40;
    const table = new KnownSharesTable(peers, capacity);
    const sets = Array.from({ length: peers }, () => new KnownShares(capacity));
    const rnd = lcg(7);
    const got: boolean[] = [];
    const want: boolean[] = [];
    for (let i = 0; i < 8_000; i++) {
      const p = Math.floor(rnd() * peers);
      // Mostly recent hashes, sometimes old ones (forgotten, or not yet).
      const h = String(Math.max(0, Math.floor(i / 3 - rnd() * (rnd() < 0.1 ? 200 : 10))));
      if (rnd() < 0.5) {
        table.add(p, h);
        sets[p]!.add(h);
      }
      for (let q = 0; q < peers; q++) {
        got.push(table.has(q, h));
        want.push(sets[q]!.has(h));
      }
    }
    expect(got).toEqual(want);
    // Both answers occur often: the peers forget, and remember.
    expect(want.filter((x) => x).length).toBeGreaterThan(want.length / 10);
    expect(want.filter((x) => !x).length).toBeGreaterThan(want.length / 10);
    // Rows no peer remembers are swept out: the table stays near the peers' union.
    expect(table.rowCount).toBeLessThanOrEqual(4 * capacity * peers);
  });

  it('relays in one round, to each peer, what sharesToRelay gives with its KnownShares', () => {
    const peers = 4;
    const capacity = 16;
    const shares = new Map<string, { hash: string; prevHash: string | null }>();
    const tips: string[] = [];
    const rnd = lcg(11);
    const table = new KnownSharesTable(peers, capacity);
    const sets = Array.from({ length: peers }, () => new KnownShares(capacity));
    const chainView = { get: (h: string) => shares.get(h) };
    for (let i = 0; i < 3_000; i++) {
      // A chain with forks: each share builds on one of the last few tips (or starts afresh).
      const prev = tips.length === 0 || rnd() < 0.01 ? null : tips[Math.max(0, tips.length - 1 - Math.floor(rnd() * 3))]!;
      const s = { hash: `s${i}`, prevHash: prev };
      shares.set(s.hash, s);
      tips.push(s.hash);
      // Some peers sent it to us first (they have it), then a relay round of a best share.
      for (let p = 0; p < peers; p++) {
        if (rnd() < 0.3) {
          table.add(p, s.hash);
          sets[p]!.add(s.hash);
        }
      }
      const best = tips[tips.length - 1 - Math.floor(rnd() * 2)]!;
      const round = table.relayRound(chainView, best);
      for (let p = 0; p < peers; p++) {
        const want = sharesToRelay(chainView, best, sets[p]!);
        for (const x of want) sets[p]!.add(x.hash);
        expect(round[p]!.map((x) => x.hash)).toEqual(want.map((x) => x.hash));
      }
      // One peer alone, as relayTo does.
      const p = Math.floor(rnd() * peers);
      const want = sharesToRelay(chainView, s.hash, sets[p]!);
      for (const x of want) sets[p]!.add(x.hash);
      expect(table.relayTo(chainView, s.hash, p).map((x) => x.hash)).toEqual(want.map((x) => x.hash));
    }
  });
});

describe('serveShareRequest', () => {
  it("answers 'too long' with no shares when the reply would pass the payload limit", () => {
    const size = chain.shares.slice(-3).reduce((n, s) => n + s.raw.length, 0);
    const ok = serveShareRequest(source, [chain.tip.hashBytes], 2, [], 42 + size);
    expect(ok.result).toBe('good');
    expect(ok.hashes).toEqual(chain.shares.slice(-3).map((s) => s.hash).reverse());
    expect(ok.shares.map((w) => w.raw)).toEqual(chain.shares.slice(-3).map((s) => s.raw).reverse());
    const tooLong = serveShareRequest(source, [chain.tip.hashBytes], 3, [], 42 + size);
    expect(tooLong).toEqual({ result: 'too long', shares: [], hashes: [] });
  });

  it('caps parents at 1000 // len(hashes) and stops at the chain start', () => {
    const hashes = Array.from({ length: 500 }, () => chain.tip.hashBytes);
    // 1000 // 500 = 2 parents: 3 shares per hash.
    expect(serveShareRequest(source, hashes, 50, []).shares).toHaveLength(1500);
    expect(serveShareRequest(source, [chain.tip.hashBytes], 100, []).shares).toHaveLength(12);
    expect(serveShareRequest(source, [displayHexToHash('00'.repeat(32))], 10, [])).toEqual({ result: 'good', shares: [], hashes: [] });
  });
});
