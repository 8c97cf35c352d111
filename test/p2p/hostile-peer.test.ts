/**
 * Hostile peers (issue 5 acceptance): garbage bytes, a bad checksum, a 40 MB length, an invalid
 * share (redirected payout; bad PoW), a sharereq flood. Each comes from its own loopback address (bans of loopback enabled
 * for the test) and is banned, while an honest node on 127.0.0.1 keeps receiving new shares.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/p2p/framing.js';
import { InvalidShare } from '../../src/sharechain/invalid-share.js';
import { decodeShare, encodeShare } from '../../src/sharechain/share.js';
import { waitFor } from '../support/wait.js';
import { RawPeer, startNode, TestChain, net, type TestNode } from './p2p-support.js';

let a: TestNode;
let honest: TestNode;
const chain = new TestChain();
const raws: RawPeer[] = [];

beforeAll(async () => {
  chain.extend(20);
  a = await startNode({ bans: { banLoopback: true }, requestRate: 10 });
  a.chain.addShares(chain.shares);
  honest = await startNode({ connect: [`127.0.0.1:${a.p2p.port}`] });
  await waitFor('honest synced', () => honest.chain.best === chain.tip.hash, 10_000);
});

afterAll(async () => {
  for (const r of raws) r.close();
  await honest.p2p.stop();
  await a.p2p.stop();
});

async function hostile(local: string, act: (r: RawPeer) => void): Promise<void> {
  const r = await RawPeer.open(a.p2p.port, local);
  raws.push(r);
  act(r);
  await r.closed;
  expect(a.p2p.bans.isBanned(local)).toBe(true);
  // A banned host is refused at once when it comes back.
  const got = await new Promise<number>((resolve) => {
    let bytes = 0;
    const s = connect({ host: '127.0.0.1', port: a.p2p.port, localAddress: local });
    s.on('data', (d: Buffer) => (bytes += d.length));
    s.on('error', () => {});
    s.on('close', () => resolve(bytes));
  });
  expect(got).toBe(0);
  // The honest node still gets new shares.
  const [s] = chain.extend(1);
  a.chain.addShares([s!]);
  await waitFor('honest node gets the new share', () => honest.chain.best === s!.hash, 2_000);
}

describe('hostile peers are banned, honest ones keep working', () => {
  it('garbage bytes', async () => {
    await hostile('127.0.0.2', (r) => r.sendRaw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(4))));
    expect(a.logs.join('\n')).toMatch(/banned 127\.0\.0\.2 for 3600 s .*garbage/);
  });

  it('a bad checksum', async () => {
    await hostile('127.0.0.3', (r) => {
      r.sendVersion(0x3n);
      const frame = encodeFrame(net.prefix, 'ping', Buffer.alloc(0));
      frame.writeUInt32BE(0xdeadbeef, net.prefix.length + 16);
      r.sendRaw(frame);
    });
    expect(a.logs.join('\n')).toMatch(/banned 127\.0\.0\.3 .*bad checksum on 'ping' \(deadbeef\)/);
  });

  it('a 40 MB length', async () => {
    await hostile('127.0.0.4', (r) => {
      r.sendVersion(0x4n);
      const header = encodeFrame(net.prefix, 'shares', Buffer.alloc(0)).subarray(0, net.prefix.length + 20);
      header.writeUInt32LE(40_000_000, net.prefix.length + 12);
      r.sendRaw(header);
    });
    expect(a.logs.join('\n')).toMatch(/banned 127\.0\.0\.4 .*length 40000000 over the limit/);
  });

  it('a share with a redirected payout', async () => {
    const good = chain.extend(1, chain.tip.hash)[0]!;
    // Same share, paying someone else: its hash changes, its PoW or its gentx check fails.
    const bad = encodeShare({ ...good, shareInfo: { ...good.shareInfo, shareData: { ...good.shareInfo.shareData, address: 'n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ' === good.payee ? 'bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9' : 'n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ' } } }, net);
    chain.shares.pop(); // the honest version is never announced
    await hostile('127.0.0.5', (r) => {
      r.sendVersion(0x5n);
      r.send({ command: 'shares', shares: [{ type: 35, raw: bad }] });
    });
    expect(a.logs.join('\n')).toMatch(/banned 127\.0\.0\.5 .*invalid share/);
    expect(a.chain.tracker.has(good.hash)).toBe(false);
  });

  it('a share with bad PoW', async () => {
    const good = chain.extend(1, chain.tip.hash)[0]!;
    chain.shares.pop(); // the honest version is never announced
    // The same share with another header nonce: everything else checks out, the PoW does not.
    let bad: Buffer | null = null;
    for (let nonce = good.minHeader.nonce + 1; bad === null; nonce++) {
      const raw = encodeShare({ ...good, minHeader: { ...good.minHeader, nonce } }, net);
      try {
        decodeShare(raw, net);
      } catch (e) {
        if (e instanceof InvalidShare && /PoW/.test(e.message)) bad = raw;
      }
    }
    await hostile('127.0.0.7', (r) => {
      r.sendVersion(0x7n);
      r.send({ command: 'shares', shares: [{ type: 35, raw: bad! }] });
    });
    expect(a.logs.join('\n')).toMatch(/banned 127\.0\.0\.7 .*invalid share: share [0-9a-f]{64}: share PoW invalid/);
    expect(a.chain.tracker.has(good.hash)).toBe(false);
  });

  it('a sharereq flood', async () => {
    await hostile('127.0.0.6', (r) => {
      r.sendVersion(0x6n);
      for (let i = 0; i < 200; i++) r.send({ command: 'sharereq', id: Buffer.alloc(32, i), hashes: [chain.tip.hashBytes], parents: 10, stops: [] });
    });
    expect(a.logs.join('\n')).toMatch(/banned 127\.0\.0\.6 .*sharereq flood/);
  });

  it('never disturbed the honest node', () => {
    expect(honest.p2p.readyPeers()).toHaveLength(1);
    expect(a.p2p.bans.isBanned('127.0.0.1')).toBe(false);
    expect(honest.chain.best).toBe(a.chain.best);
  });
});
