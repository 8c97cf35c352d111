import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { BitcoindP2p } from '../../src/chain/bitcoind-p2p.js';
import {
  decodeInv, decodeNonce, decodeVersion, encodeFrame, encodeInv, encodeNonce, encodeVersion, FrameReader, MSG_BLOCK, MSG_TX,
  MSG_WITNESS_BLOCK, type Frame,
} from '../../src/chain/p2p-messages.js';

/**
 * A scripted stand-in for bitcoind's P2P side (the real thing, bcoin, is in
 * test/integration/bitcoind.test.ts); here the faults a real node cannot be made to produce.
 */
const magic = getChainParams('regtest').magic;

interface FakeNode {
  port: number;
  frames: Frame[];
  sockets: net.Socket[];
  send(s: net.Socket, command: string, payload?: Buffer): void;
  close(): Promise<void>;
}

async function fakeNode(onFrame: (s: net.Socket, f: Frame, node: FakeNode) => void): Promise<FakeNode> {
  const node: FakeNode = {
    port: 0,
    frames: [],
    sockets: [],
    send: (s, command, payload) => s.write(encodeFrame(magic, command, payload)),
    close: () => new Promise((r) => {
      for (const s of node.sockets) s.destroy();
      server.close(() => r());
    }),
  };
  const server = net.createServer((s) => {
    node.sockets.push(s);
    const reader = new FrameReader(magic);
    s.on('data', (d: Buffer) => {
      for (const f of reader.push(d)) {
        node.frames.push(f);
        onFrame(s, f, node);
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  node.port = (server.address() as net.AddressInfo).port;
  return node;
}

/** Answer version with version + verack, like any node. */
function handshake(s: net.Socket, f: Frame, node: FakeNode): void {
  if (f.command === 'version') {
    node.send(s, 'version', encodeVersion({ version: 70016, services: 9n, timestamp: 0, nonce: 1n, userAgent: '/Fake:1/', startHeight: 500, relay: true }));
    node.send(s, 'verack');
  }
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function client(port: number): BitcoindP2p {
  const p = new BitcoindP2p({ host: '127.0.0.1', port, magic, reconnectMinMs: 20 });
  cleanups.push(() => p.stop());
  return p;
}

describe('BitcoindP2p', () => {
  it('handshake: version 70016 with NODE_WITNESS and relay off, then verack and sendheaders', async () => {
    const node = await fakeNode(handshake);
    cleanups.push(() => node.close());
    const p2p = client(node.port);
    const connected = new Promise((r) => p2p.once('connected', r));
    p2p.start();
    expect(await connected).toEqual({ version: 70016, userAgent: '/Fake:1/', startHeight: 500 });
    await new Promise((r) => setTimeout(r, 50));
    expect(node.frames.map((f) => f.command)).toEqual(['version', 'verack', 'sendheaders']);
    const v = decodeVersion(node.frames[0]!.payload);
    expect(v.version).toBe(70016);
    expect(v.services & 8n).toBe(8n);
    expect(v.relay).toBe(false);
  });

  it('answers ping with pong; inv(block) emits the block, inv(tx) does not; getdata gets an announced block', async () => {
    const hash = Buffer.alloc(32, 0xab);
    const node = await fakeNode((s, f, n) => {
      handshake(s, f, n);
      if (f.command === 'sendheaders') {
        n.send(s, 'ping', encodeNonce(77n));
        n.send(s, 'inv', encodeInv([{ type: MSG_TX, hash: Buffer.alloc(32, 1) }]));
        n.send(s, 'inv', encodeInv([{ type: MSG_WITNESS_BLOCK, hash }]));
      }
      // Like bcoin: ask for an announced block with its witness.
      if (f.command === 'inv') n.send(s, 'getdata', encodeInv(decodeInv(f.payload).map((i) => ({ type: MSG_WITNESS_BLOCK, hash: i.hash }))));
    });
    cleanups.push(() => node.close());
    const p2p = client(node.port);
    const blocks: Buffer[] = [];
    p2p.on('block', (h) => blocks.push(h));
    p2p.start();
    await new Promise((r) => p2p.once('connected', r));
    await new Promise((r) => setTimeout(r, 100));
    expect(blocks).toEqual([hash]);
    const pong = node.frames.find((f) => f.command === 'pong');
    expect(pong && decodeNonce(pong.payload)).toBe(77n);

    // A found block: inv first, and the block itself only when asked (as MSG_WITNESS_BLOCK here).
    const block = Buffer.concat([Buffer.alloc(80, 5), Buffer.from([0])]);
    p2p.announceBlock(block);
    await new Promise((r) => setTimeout(r, 100));
    const inv = node.frames.filter((f) => f.command === 'inv');
    expect(inv).toHaveLength(1);
    expect(inv[0]!.payload.readUInt32LE(1)).toBe(MSG_BLOCK);
    const sent = node.frames.find((f) => f.command === 'block');
    expect(sent?.payload).toEqual(block);
  });

  it('reconnects with backoff when the node drops the connection, and after garbage', async () => {
    let count = 0;
    const node = await fakeNode((s, f, n) => {
      handshake(s, f, n);
      if (f.command === 'sendheaders') {
        count++;
        if (count === 1) s.destroy(); // node restarts
        if (count === 2) s.write(Buffer.from('GET / HTTP/1.1\r\n\r\n........')); // not a frame: dropped
      }
    });
    cleanups.push(() => node.close());
    const p2p = client(node.port);
    const reasons: string[] = [];
    p2p.on('disconnected', (r) => reasons.push(r));
    p2p.start();
    const deadline = Date.now() + 5_000;
    while (count < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(count).toBe(3);
    expect(reasons[0]).toContain('closed');
    expect(reasons[1]).toContain('wrong network magic');
  });
});
