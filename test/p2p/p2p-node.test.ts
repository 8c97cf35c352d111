/**
 * Two (and three) of our P2P nodes over real loopback sockets, on real shares mined by the chain
 * builder: handshake, download of a chain, relay of new best shares.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { net, startNode, TestChain, type TestNode } from './p2p-support.js';

const running: TestNode[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.p2p.stop()));
});

async function node(opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> {
  const n = await startNode(opts);
  running.push(n);
  return n;
}

describe('P2P node: sync and relay', () => {
  it('a new node downloads the chain from its -n peer and then receives each new best share', async () => {
    const chain = new TestChain();
    chain.extend(60);
    const a = await node();
    a.chain.addShares(chain.shares);
    expect(a.chain.best).toBe(chain.tip.hash);

    const b = await node({ connect: [`127.0.0.1:${a.p2p.port}`], syncBatch: 25 });
    await waitFor('b on a\'s best share', () => b.chain.best === chain.tip.hash, 10_000);
    expect(b.chain.tracker.size).toBe(60);
    expect(b.p2p.sync.requests).toBeGreaterThanOrEqual(3); // 59 ancestors in batches of 25

    for (let i = 0; i < 3; i++) {
      const [s] = chain.extend(1);
      const t0 = Date.now();
      a.chain.addShares([s!]);
      await waitFor('relayed share', () => b.chain.best === s!.hash, 2_000);
      expect(Date.now() - t0).toBeLessThan(1_000);
    }
    // Relay goes both ways: a share found on b reaches a.
    const [fromB] = chain.extend(1);
    b.chain.addShares([fromB!]);
    await waitFor('share from b on a', () => a.chain.best === fromB!.hash, 2_000);
  });

  it('three nodes in a line converge on one best share', async () => {
    const chain = new TestChain();
    chain.extend(10);
    const a = await node();
    a.chain.addShares(chain.shares);
    const b = await node({ connect: [`127.0.0.1:${a.p2p.port}`] });
    const c = await node({ connect: [`127.0.0.1:${b.p2p.port}`] });
    await waitFor('all synced', () => b.chain.best === chain.tip.hash && c.chain.best === chain.tip.hash, 10_000);
    const [s] = chain.extend(1);
    c.chain.addShares([s!]);
    await waitFor('share from c on a through b', () => a.chain.best === s!.hash, 2_000);
    expect(b.chain.best).toBe(s!.hash);
  });
});

describe('P2P node: addresses and sync state', () => {
  it('learns addresses from its peers with getaddrs, and records the peers it dialled', async () => {
    const a = await node();
    a.p2p.book.gotAddr({ host: '203.0.113.7', port: 19444 }, 0n, Math.floor(Date.now() / 1000) - 60);
    const b = await node({ connect: [`127.0.0.1:${a.p2p.port}`], getaddrsMeanMs: 20 });
    await waitFor('address learnt', () => b.p2p.book.has({ host: '203.0.113.7', port: 19444 }), 3_000);
    expect(b.p2p.book.has({ host: '127.0.0.1', port: a.p2p.port })).toBe(true);
  });

  it("tells miners how far the download is on a persist network", async () => {
    const chain = new TestChain();
    chain.extend(8);
    const persistNet = { ...net, persist: true };
    const state = new ChainState({ net: persistNet });
    // The newest 5 shares without their ancestors, just received: nothing verifies, no best yet.
    state.addShares(chain.shares.slice(3).map((s) => ({ ...s, timeSeen: Date.now() })));
    const n = await node({ net: persistNet, chain: state });
    expect(state.best).toBeNull();
    expect(n.p2p.syncState()).toBe(`downloading shares: 5 of ${net.chainLength}`);
    const other = await node();
    other.chain.addShares(chain.shares);
    n.p2p.connectTo({ host: '127.0.0.1', port: other.p2p.port });
    await waitFor('synced', () => state.best === chain.tip.hash, 5_000);
    expect(n.p2p.syncState()).toBeNull();
  });
});
