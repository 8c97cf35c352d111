import { describe, expect, it } from 'vitest';
import { KnownShares, sharesToRelay } from '../../src/p2p/relay.js';
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
