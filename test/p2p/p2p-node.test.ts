/**
 * Two (and three) of our P2P nodes over real loopback sockets, on real shares mined by the chain
 * builder: handshake, download of a chain, relay of new best shares.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { shareFromContents } from '../../src/sharechain/share.js';
import { net, RawPeer, startNode, TestChain, type TestNode } from './p2p-support.js';

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

    // Byte counts (the traffic graph, /metrics): each side's bytes out are the other's bytes in,
    // and b read at least every share's wire bytes it downloaded or was relayed.
    await waitFor('both directions counted alike', () => a.p2p.traffic.bytesOut === b.p2p.traffic.bytesIn && b.p2p.traffic.bytesOut === a.p2p.traffic.bytesIn, 2_000);
    const sharesToB = chain.shares.slice(0, -1).reduce((n, s) => n + s.raw.length, 0);
    expect(b.p2p.traffic.bytesIn).toBeGreaterThan(sharesToB);
    expect(a.p2p.traffic.bytesIn).toBeGreaterThan(fromB!.raw.length);
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

describe('P2P node: relay first', () => {
  it("relays a new best share before 'best' listeners registered earlier (the work layer's job broadcast) run", async () => {
    const chain = new TestChain();
    chain.extend(10);
    const state = new ChainState({ net });
    state.addShares(chain.shares);
    // Registered before the node starts, as the node's work layer is (src/node/node.ts).
    const relayedWhenWorkRan: boolean[] = [];
    let relayed: string | null = null;
    state.on('best', (best) => relayedWhenWorkRan.push(relayed === best));
    const n = await node({ chain: state });
    n.p2p.on('relayed', (best) => (relayed = best));
    const peers = [await RawPeer.open(n.p2p.port, '127.0.0.2'), await RawPeer.open(n.p2p.port, '127.0.0.3')];
    try {
      peers.forEach((p, i) => p.sendVersion(BigInt(0xa0 + i), chain.tip.hashBytes));
      await waitFor('both peers ready', () => n.p2p.readyPeers().length === 2, 5_000);
      const [s] = chain.extend(1);
      state.addShares([s!]);
      expect(relayedWhenWorkRan).toEqual([true]);
      // Both got the new share (one frame, encoded once, written to each).
      for (const p of peers) {
        await waitFor('share relayed', () => p.received.some((m) => m.command === 'shares' && m.shares.some((w) => w.raw.equals(s!.raw))), 5_000);
      }
    } finally {
      for (const p of peers) p.close();
    }
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
    state.addShares(chain.shares.slice(3).map((s) => shareFromContents(s.version, s, persistNet, s.raw, Date.now())));
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

describe('P2P node: pings, advertising, chain switches', () => {
  it('measures sharereq round trips per peer (min of the last 3) for peerInfo', async () => {
    const a = await node();
    const b = await node({ connect: [`127.0.0.1:${a.p2p.port}`], pingProbeMs: 50 });
    await waitFor('b connected', () => b.p2p.peerInfo().length === 1, 5_000);
    const info = await waitFor('a ping measured', () => b.p2p.peerInfo().find((p) => p.pingMs !== null), 5_000);
    expect(info.port).toBe(a.p2p.port);
    expect(info.incoming).toBe(false);
    expect(info.subVersion).toBe('test');
    expect(info.protocolVersion).toBe(3501);
    expect(info.pingMs).toBeGreaterThanOrEqual(0);
    expect(info.pingMs).toBeLessThan(1_000);
    // Answering our probes kept the link up; a's side has measured nothing (it sent none).
    expect(a.p2p.peerInfo()[0]!.pingMs).toBeNull();
  });

  it('advertises its listening port with addrme to a connected peer', async () => {
    const a = await node({ advertiseScale: 0.002 });
    const r = await RawPeer.open(a.p2p.port);
    try {
      r.sendVersion(0x77n);
      const m = await waitFor('addrme', () => r.received.find((x) => x.command === 'addrme'), 5_000);
      expect(m).toEqual({ command: 'addrme', port: a.p2p.port });
    } finally {
      r.close();
    }
  });

  it('logs when the best share moves to a chain that does not build on the previous best', async () => {
    const chain = new TestChain();
    chain.extend(6);
    const forkPoint = chain.shares[2]!;
    const a = await node();
    a.chain.addShares(chain.shares);
    expect(a.chain.best).toBe(chain.tip.hash);
    const b = await node();
    const other = chain.extend(6, forkPoint.hash); // 3 + 6 shares: more work than the 6 on a
    b.chain.addShares([...chain.shares.slice(0, 3), ...other]);
    a.p2p.connectTo({ host: '127.0.0.1', port: b.p2p.port });
    await waitFor('a switched', () => a.chain.best === other.at(-1)!.hash, 5_000);
    expect(a.logs.join('\n')).toMatch(new RegExp(`info: P2P: switched to another chain: best share ${other.at(-1)!.hash.slice(0, 16)}… \\(height 9, from 127\\.0\\.0\\.1:\\d+\\) does not build on the previous best ${chain.shares[5]!.hash.slice(0, 16)}…; they fork after ${forkPoint.hash.slice(0, 16)}…`));
    // Extending the best chain is not a switch.
    const lines = a.logs.filter((l) => l.includes('switched')).length;
    const [next] = chain.extend(1);
    a.chain.addShares([next!]);
    expect(a.chain.best).toBe(next!.hash);
    expect(a.logs.filter((l) => l.includes('switched')).length).toBe(lines);
  });
});
