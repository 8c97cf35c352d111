/**
 * ChainState.loadInParallel (docs/operations.md#startup-time): the store's load on two threads
 * ends in the same state as load() on one, share by share, every share's check made by one
 * thread or the other, and a share that fails in the second thread's part ends where load()
 * leaves it. Real shares from the chain builder (regtest, CHAIN_LENGTH 360), a real
 * SQLite file, a real worker thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { decodeShare, encodeShare } from '../../src/sharechain/share.js';
import { ShareStore } from '../../src/sharechain/store.js';
import type { Share } from '../../src/sharechain/types.js';
import { buildChain, emptyTemplate, type ShareSpec } from '../support/chain-builder.js';
import { ArrayChain } from '../support/array-chain.js';

const net = getP2PoolNetwork('regtest');
const ADDRESSES = ['n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ', 'bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9'];
const T0 = Math.floor(Date.now() / 1000) - 6 * 3600;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function specs(from: number, n: number): ShareSpec[] {
  return Array.from({ length: n }, (_, i) => ({ address: ADDRESSES[(from + i) % 2]!, timestamp: T0 + (from + i) * 20 }));
}

function storeWith(shares: readonly Share[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'p2pool-load-parallel-'));
  dirs.push(dir);
  const path = join(dir, 'shares.sqlite');
  const store = ShareStore.open(path);
  store.addShares(net.name, shares.map((s) => ({ hash: s.hash, prevHash: s.prevHash, raw: s.raw })));
  store.close();
  return path;
}

/** Load `path` both ways; the states must agree share by share. */
async function bothWays(path: string, all: readonly Share[]): Promise<{ one: ChainState; two: ChainState; logs: string[] }> {
  const now = () => (T0 + all.length * 20 + 60) * 1000;
  const logs: string[] = [];
  const s1 = ShareStore.open(path);
  const s2 = ShareStore.open(path);
  try {
    const one = new ChainState({ net, store: s1, now });
    one.load();
    const two = new ChainState({ net, store: s2, now, log: (_l, m) => logs.push(m) });
    await two.loadInParallel({ minRows: 0, force: true });
    expect(two.best).toBe(one.best);
    expect(two.tracker.size).toBe(one.tracker.size);
    for (const s of all) {
      expect(two.tracker.has(s.hash)).toBe(one.tracker.has(s.hash));
      expect(two.tracker.isVerified(s.hash)).toBe(one.tracker.isVerified(s.hash));
    }
    return { one, two, logs };
  } finally {
    s1.close();
    s2.close();
  }
}

describe('ChainState.loadInParallel', () => {
  it('verifies the same shares as load(), part of them on the second thread', async () => {
    const { shares } = buildChain(net, emptyTemplate(), specs(0, 2 * net.chainLength + 10));
    const { one, two, logs } = await bothWays(storeWith(shares), shares);
    expect(one.best).toBe(shares.at(-1)!.hash);
    expect(two.lastLoad.secondThread).toBe(true);
    // The worker took the lower part of the window (45% is this thread's).
    expect(two.lastLoad.checkedBySecondThread).toBeGreaterThan(net.chainLength / 3);
    expect(logs).toEqual([]);
  }, 60_000);

  it("leaves a share that fails in the second thread's part where load() leaves it", async () => {
    const chain = new ArrayChain();
    const below = buildChain(net, emptyTemplate(), specs(0, net.chainLength + 20), { chain }).shares;
    // A real share with its payout redirected: it decodes (its own PoW holds) but its gentx no
    // longer matches what the chain below says it must pay.
    let bad: Share | undefined;
    for (let i = 0; i < 50 && bad === undefined; i++) {
      const good = buildChain(net, emptyTemplate(), [{ address: ADDRESSES[0]!, timestamp: T0 + (below.length + i) * 20 }], { chain, parent: below.at(-1)!.hash }).shares[0]!;
      chain.shares.delete(good.hash);
      const raw = encodeShare({ ...good, shareInfo: { ...good.shareInfo, shareData: { ...good.shareInfo.shareData, address: ADDRESSES[1]! } } }, net);
      try {
        bad = decodeShare(raw, net, 0);
      } catch {
        // this redirection broke the share's own PoW; mine another
      }
    }
    expect(bad).toBeDefined();
    chain.add(bad!);
    // Enough on top that the bad share lies in the worker's lower part of the window.
    const above = buildChain(net, emptyTemplate(), specs(below.length + 60, Math.round(net.chainLength * 0.7)), { chain, parent: bad!.hash }).shares;
    const all = [...below, bad!, ...above];
    const { one, two } = await bothWays(storeWith(all), all);
    // Shares above the bad one verify, the walk down the window stops at it (it stays
    // unverified) and nothing below it is verified (docs/sharechain.md#the-tracker): the same
    // on both threads (bothWays compared every share), although the worker checked shares below it.
    expect(above.filter((s) => one.tracker.isVerified(s.hash)).length).toBeGreaterThan(100);
    expect(one.tracker.isVerified(bad!.hash)).toBe(false);
    expect(below.filter((s) => one.tracker.isVerified(s.hash))).toEqual([]);
    expect(two.lastLoad.secondThread).toBe(true);
    expect(two.lastLoad.checkedBySecondThread).toBeGreaterThan(0);
  }, 60_000);
});
