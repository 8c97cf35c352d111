/**
 * ChainState's order of work for a new share (issue 5's relay budget): the 'best' event (where
 * the P2P layer relays) comes before the store's commit, yet every share addShares
 * reports added is in the SQLite file when it returns, and a share that verification drops is
 * never written. Real shares from the chain builder, a real SQLite file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { decodeShare, encodeShare } from '../../src/sharechain/share.js';
import { ShareStore } from '../../src/sharechain/store.js';
import type { Share } from '../../src/sharechain/types.js';
import { ADDRESSES, net, TestChain } from '../p2p/p2p-support.js';

const dirs: string[] = [];
const stores: ShareStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openStore(): { store: ShareStore; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'p2pool-chain-state-'));
  dirs.push(dir);
  const path = join(dir, 'shares.sqlite');
  const store = ShareStore.open(path);
  stores.push(store);
  return { store, path };
}

describe('ChainState.addShares', () => {
  it("emits 'best' before the store commit, and the share is stored when addShares returns", () => {
    const { store, path } = openStore();
    const chain = new TestChain();
    chain.extend(5);
    const state = new ChainState({ net, store });
    state.addShares(chain.shares);
    expect(store.count(net.name)).toBe(5);

    const [next] = chain.extend(1);
    const atBest: Array<{ best: string | null; stored: number }> = [];
    state.on('best', (best) => atBest.push({ best, stored: store.count(net.name) }));
    expect(state.addShares([next!]).map((s) => s.hash)).toEqual([next!.hash]);
    // The relay point saw the new best while the commit was still to come...
    expect(atBest).toEqual([{ best: next!.hash, stored: 5 }]);
    // ...and once addShares returned the share is durable: another connection reads it.
    expect(store.count(net.name)).toBe(6);
    const reader = ShareStore.open(path);
    stores.push(reader);
    expect(reader.loadShares(net.name).map((r) => r.hash)).toContain(next!.hash);
  });

  it("stores our own miner's share before 'best' (the relay) fires: it exists nowhere else", () => {
    const { store, path } = openStore();
    const chain = new TestChain();
    chain.extend(5);
    const state = new ChainState({ net, store });
    state.addShares(chain.shares);
    const [mine] = chain.extend(1);
    const atBest: Array<{ best: string | null; onDisk: boolean }> = [];
    const reader = ShareStore.open(path);
    stores.push(reader);
    state.on('best', (best) => atBest.push({ best, onDisk: reader.loadShares(net.name).some((r) => r.hash === mine!.hash) }));
    expect(state.addLocalShare(mine!, false)).toBe(true);
    // Another connection already read it from the file when the relay point saw it.
    expect(atBest).toEqual([{ best: mine!.hash, onDisk: true }]);
    expect(store.count(net.name)).toBe(6);
    // Added twice (a miner's duplicate): no second row, reported not added.
    expect(state.addLocalShare(mine!, false)).toBe(false);
    expect(store.count(net.name)).toBe(6);
  });

  it('stores the shares even when a best listener throws', () => {
    const { store } = openStore();
    const chain = new TestChain();
    chain.extend(3);
    const state = new ChainState({ net, store });
    state.on('best', () => {
      throw new Error('listener failed');
    });
    expect(() => state.addShares(chain.shares)).toThrow('listener failed');
    expect(store.count(net.name)).toBe(3);
    expect(state.best).toBe(chain.tip.hash);
  });

  it('does not store a share that verification dropped', () => {
    const { store } = openStore();
    const chain = new TestChain();
    chain.extend(4);
    const state = new ChainState({ net, store });
    const bads: string[] = [];
    state.on('bad', (peer) => bads.push(peer));
    state.addShares(chain.shares);

    // A real share with its payout redirected: it decodes (its own PoW holds) but its gentx no
    // longer matches what the chain says it must pay, so verification fails.
    let bad: Share | undefined;
    for (let i = 0; i < 50 && bad === undefined; i++) {
      const good = chain.extend(1, chain.shares[3]!.hash)[0]!;
      chain.shares.pop();
      const other = ADDRESSES.find((a) => a !== good.shareInfo.shareData.address)!;
      const raw = encodeShare({ ...good, shareInfo: { ...good.shareInfo, shareData: { ...good.shareInfo.shareData, address: other } } }, net);
      try {
        bad = decodeShare(raw, net, Date.now());
      } catch {
        // this redirection broke the share's own PoW; mine another
      }
    }
    expect(bad).toBeDefined();
    expect(state.addShares([bad!], '127.0.0.9:9333')).toHaveLength(1);
    expect(bads).toEqual(['127.0.0.9:9333']);
    expect(state.tracker.has(bad!.hash)).toBe(false);
    expect(store.loadShares(net.name).map((r) => r.hash)).not.toContain(bad!.hash);
    expect(store.count(net.name)).toBe(4);
    expect(state.best).toBe(chain.shares[3]!.hash);
  });
});
