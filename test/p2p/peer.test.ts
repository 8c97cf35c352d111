/**
 * Our node's behaviour on the wire against a hand-driven peer, checked against what the
 * reference node does (test/fixtures/p2pool-reference-node/README.md, "P2P" 1, 2, 4, 7, 8, 14).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { addressToString, type MessageOf } from '../../src/p2p/messages.js';
import { SERVICE_EARLY_RELAY } from '../../src/p2p/p2p-node.js';
import { displayHexToHash, hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { waitFor } from '../support/wait.js';
import { RawPeer, startNode, TestChain, type TestNode } from './p2p-support.js';

const running: TestNode[] = [];
const raws: RawPeer[] = [];
afterEach(async () => {
  for (const r of raws.splice(0)) r.close();
  await Promise.all(running.splice(0).map((n) => n.p2p.stop()));
});

async function node(opts: Parameters<typeof startNode>[0] = {}): Promise<TestNode> {
  const n = await startNode(opts);
  running.push(n);
  return n;
}

async function raw(port: number, local?: string): Promise<RawPeer> {
  const r = await RawPeer.open(port, local);
  raws.push(r);
  return r;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('handshake (test/fixtures/p2pool-reference-node/README.md, P2P 1, 2)', () => {
  it('sends its version at once with the reference fields, one nonce per process', async () => {
    const chain = new TestChain();
    chain.extend(3);
    const a = await node();
    a.chain.addShares(chain.shares);
    const r = await raw(a.p2p.port);
    await waitFor('version', () => r.received.length >= 1, 2_000);
    const v = r.received[0] as MessageOf<'version'>;
    expect(v.command).toBe('version');
    expect(v.version).toBe(3501);
    // The reference sends 0; ours carries the early-relay bit (docs/protocol.md#early-relay).
    expect(v.services).toBe(SERVICE_EARLY_RELAY);
    expect(v.mode).toBe(1);
    expect(v.subVersion).toBe('test');
    expect(addressToString(v.addrTo.address)).toBe('127.0.0.1');
    expect(v.addrTo.port).toBe(r.socket.localPort);
    expect(addressToString(v.addrFrom.address)).toBe('127.0.0.1');
    expect(v.addrFrom.port).toBe(a.p2p.port);
    expect(v.nonce).toBe(a.p2p.nonce);
    expect(hashToDisplayHex(v.bestShareHash!)).toBe(chain.tip.hash);
    const r2 = await raw(a.p2p.port);
    await waitFor('second version', () => r2.received.length >= 1, 2_000);
    expect((r2.received[0] as MessageOf<'version'>).nonce).toBe(v.nonce);
  });

  it('answers our version with exactly one ping', async () => {
    const a = await node();
    const r = await raw(a.p2p.port);
    r.sendVersion();
    await sleep(300);
    expect(r.commands()).toEqual(['version', 'ping']);
  });

  it('asks for an unknown best share with sharereq(parents=0) after the ping', async () => {
    const a = await node();
    const r = await raw(a.p2p.port);
    const unknown = displayHexToHash('11'.repeat(32));
    r.sendVersion(0x99n, unknown);
    await waitFor('sharereq', () => r.received.length >= 3, 2_000);
    expect(r.commands()).toEqual(['version', 'ping', 'sharereq']);
    const req = r.received[2] as MessageOf<'sharereq'>;
    expect(req.hashes).toEqual([unknown]);
    expect(req.parents).toBe(0);
    expect(req.stops).toEqual([]);
  });

  it('ignores unknown commands and keeps serving (test/fixtures/p2pool-reference-node/README.md, P2P 14)', async () => {
    const a = await node();
    const r = await raw(a.p2p.port);
    r.sendVersion();
    r.send({ command: 'unknown', name: 'foobar', payload: Buffer.from('00', 'hex') });
    r.send({ command: 'getaddrs', count: 8 });
    await waitFor('addrs', () => r.commands().includes('addrs'), 2_000);
  });

  it.each([
    ['a second version', (r: RawPeer) => (r.sendVersion(), r.sendVersion(7n))],
    ['a ping before version', (r: RawPeer) => r.send({ command: 'ping' })],
  ])('drops a peer that sends %s', async (_what, act) => {
    const a = await node();
    const r = await raw(a.p2p.port);
    act(r);
    expect(await r.closed).toBe('closed');
  });

  it('drops a peer too old for the network, without a ban', async () => {
    const a = await node({ bans: { banLoopback: true } });
    const r = await raw(a.p2p.port, '127.0.0.9');
    r.send({ ...versionOf(3100n), version: 3100 });
    expect(await r.closed).toBe('closed');
    expect(a.p2p.bans.isBanned('127.0.0.9')).toBe(false);
    expect(a.logs.join('\n')).toMatch(/peer too old/);
  });

  it('detects a connection to itself by the nonce', async () => {
    const a = await node();
    a.p2p.connectTo({ host: '127.0.0.1', port: a.p2p.port });
    await waitFor('self-connection log', () => a.logs.some((l) => l.includes('connected to self')), 2_000);
    expect(a.p2p.readyPeers()).toEqual([]);
  });
});

describe('timeouts (test/fixtures/p2pool-reference-node/README.md, P2P 8, 14)', () => {
  it('drops a peer that sends no version within the handshake timeout', async () => {
    const a = await node({ timing: { handshakeMs: 200 } });
    const r = await raw(a.p2p.port);
    const t0 = Date.now();
    await r.closed;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it('drops a silent peer after the inactivity timeout; its own pings do not count', async () => {
    const a = await node({ timing: { idleMs: 300, nextPingMs: () => 50 } });
    const r = await raw(a.p2p.port);
    r.sendVersion();
    await r.closed;
    expect(r.commands().filter((c) => c === 'ping').length).toBeGreaterThan(2);
    expect(a.logs.join('\n')).toMatch(/connection timed out/);
  });

  it('keeps a peer that keeps talking past the inactivity timeout, and drops it once it falls silent', async () => {
    const a = await node({ timing: { idleMs: 500, nextPingMs: () => 60_000 } });
    const r = await raw(a.p2p.port);
    r.sendVersion();
    let closedAt = 0;
    void r.closed.then(() => (closedAt = Date.now()));
    // Each read restarts the timeout: 14 pings 100 ms apart span 1.4 s, over two timeouts.
    for (let i = 0; i < 14; i++) {
      await sleep(100);
      r.send({ command: 'ping' });
    }
    expect(closedAt).toBe(0);
    const silentFrom = Date.now();
    await r.closed;
    expect(closedAt - silentFrom).toBeGreaterThanOrEqual(400);
    expect(a.logs.join('\n')).toMatch(/connection timed out/);
  });

  it('drops a peer that does not answer our sharereq in time', async () => {
    const a = await node({ timing: { requestMs: 200 } });
    const r = await raw(a.p2p.port);
    r.sendVersion(5n, displayHexToHash('22'.repeat(32)));
    await r.closed;
    expect(r.commands()).toContain('sharereq');
    expect(a.logs.join('\n')).toMatch(/sharereq timed out/);
  });
});

describe('sharereq served as the reference does (test/fixtures/p2pool-reference-node/README.md, P2P 7)', () => {
  it('walks ancestors, honours stops, answers unknown hashes with nothing', async () => {
    const chain = new TestChain();
    chain.extend(30);
    const a = await node();
    a.chain.addShares(chain.shares);
    const r = await raw(a.p2p.port);
    r.sendVersion();
    const newestFirst = [...chain.shares].reverse().map((s) => s.hash);
    const ask = async (hashes: string[], parents: number, stops: string[] = []): Promise<MessageOf<'sharereply'>> => {
      const id = Buffer.alloc(32, r.received.length);
      r.send({ command: 'sharereq', id, hashes: hashes.map(displayHexToHash), parents, stops: stops.map(displayHexToHash) });
      return waitFor('sharereply', () => r.received.find((m): m is MessageOf<'sharereply'> => m.command === 'sharereply' && m.id.equals(id)), 2_000);
    };
    const hashesOf = (m: MessageOf<'sharereply'>): string[] =>
      m.shares.map((w) => chain.shares.find((s) => s.raw.equals(w.raw))!.hash);
    const all = await ask([chain.tip.hash], 20);
    expect(all.result).toBe('good');
    expect(hashesOf(all)).toEqual(newestFirst.slice(0, 21));
    const stopped = await ask([chain.tip.hash], 20, [newestFirst[10]!]);
    expect(hashesOf(stopped)).toEqual(newestFirst.slice(0, 10));
    const unknown = await ask(['33'.repeat(32)], 5);
    expect(unknown.result).toBe('good');
    expect(unknown.shares).toEqual([]);
    const two = await ask([newestFirst[0]!, newestFirst[1]!], 1);
    expect(hashesOf(two)).toEqual([newestFirst[0], newestFirst[1], newestFirst[1], newestFirst[2]]);
  });
});

function versionOf(nonce: bigint): MessageOf<'version'> {
  return {
    command: 'version', version: 3501, services: 0n,
    addrTo: { services: 0n, address: Buffer.alloc(16), port: 0 },
    addrFrom: { services: 0n, address: Buffer.alloc(16), port: 0 },
    nonce, subVersion: 'raw', mode: 1, bestShareHash: null,
  };
}
