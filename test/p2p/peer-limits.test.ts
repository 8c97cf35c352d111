/**
 * A peer that keeps asking for shares at an allowed rate but never reads the answers is dropped
 * once the bytes queued for it pass the limit (peer.ts MAX_QUEUED_BYTES; docs/operations.md
 * "Limits"), without a ban (a slow link is not malice), while an honest peer keeps its relay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { RawPeer, startNode, TestChain, type TestNode } from './p2p-support.js';

let a: TestNode;
let honest: TestNode;
const chain = new TestChain();
let raw: RawPeer | null = null;

beforeAll(async () => {
  chain.extend(60);
  a = await startNode({ maxQueuedBytes: 64 * 1024, requestRate: 5_000 });
  a.chain.addShares(chain.shares);
  honest = await startNode({ connect: [`127.0.0.1:${a.p2p.port}`] });
  await waitFor('honest synced', () => honest.chain.best === chain.tip.hash, 10_000);
});

afterAll(async () => {
  raw?.close();
  await honest.p2p.stop();
  await a.p2p.stop();
});

describe('P2P write-buffer limit', () => {
  it('drops a peer that asks but never reads, without a ban, and keeps relaying to the others', async () => {
    raw = await RawPeer.open(a.p2p.port, '127.0.0.9');
    raw.sendVersion(0x99n);
    await waitFor('handshake', () => raw!.commands().includes('version'), 5_000);
    raw.socket.pause();
    let closed = false;
    void raw.closed.then(() => (closed = true));
    let sent = 0;
    // ~17 KB answers (60 shares): the kernel's buffers take a few MB first, then Node's fill.
    while (!closed && sent < 5_000) {
      for (let i = 0; i < 20; i++) raw.send({ command: 'sharereq', id: Buffer.alloc(32, (sent + i) & 0xff), hashes: [chain.tip.hashBytes], parents: 59, stops: [] });
      sent += 20;
      await new Promise((r) => setTimeout(r, 5));
    }
    await waitFor('the node to drop it', () => a.logs.some((l) => /not reading: over 65536 bytes queued/.test(l)), 10_000);
    expect(a.p2p.bans.isBanned('127.0.0.9')).toBe(false);
    console.log(`dropped after ${sent} requests`);
    const [s] = chain.extend(1);
    a.chain.addShares([s!]);
    await waitFor('honest node gets the new share', () => honest.chain.best === s!.hash, 2_000);
  });
});
