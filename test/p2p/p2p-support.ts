/**
 * Helpers for the P2P tests: real share chains from the chain builder on regtest constants, our
 * P2P nodes over loopback, and a raw socket speaking the framing by hand (a hostile or a
 * reference-like peer).
 */
import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder } from '../../src/p2p/framing.js';
import { addressFromString, decodeMessage, encodeMessage, type P2PoolMessage } from '../../src/p2p/messages.js';
import { P2PNode, type P2PNodeOptions } from '../../src/p2p/p2p-node.js';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import type { Share } from '../../src/sharechain/types.js';
import { ArrayChain } from '../support/array-chain.js';
import { buildChain, emptyTemplate, type ShareSpec } from '../support/chain-builder.js';

export const net = getP2PoolNetwork('regtest');
/** Regtest addresses (Bitcoin Core key_io_valid.json). */
export const ADDRESSES = ['n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ', 'bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9'];
const T0 = Math.floor(Date.now() / 1000) - 3 * 3600;

/** A growing real chain: `extend(n)` mines n more shares on its tip. */
export class TestChain {
  readonly array = new ArrayChain();
  readonly shares: Share[] = [];
  private t = T0;

  extend(n: number, parent?: string): Share[] {
    const specs: ShareSpec[] = [];
    for (let i = 0; i < n; i++) specs.push({ address: ADDRESSES[(this.shares.length + i) % 2]!, timestamp: (this.t += 20) });
    const tip = parent ?? this.shares.at(-1)?.hash ?? null;
    const { shares } = buildChain(net, emptyTemplate(), specs, { chain: this.array, parent: tip });
    this.shares.push(...shares);
    return shares;
  }

  get tip(): Share {
    return this.shares.at(-1)!;
  }
}

export interface TestNode {
  chain: ChainState;
  p2p: P2PNode;
  logs: string[];
}

export async function startNode(opts: Partial<P2PNodeOptions> = {}): Promise<TestNode> {
  const chain = new ChainState({ net });
  const logs: string[] = [];
  const p2p = new P2PNode({
    net,
    chain,
    port: 0,
    host: '127.0.0.1',
    subVersion: 'test',
    dialIntervalMs: 50,
    log: (level, msg) => logs.push(`${level}: ${msg}`),
    ...opts,
  });
  await p2p.start();
  return { chain, p2p, logs };
}

/** A hand-driven peer: raw frames in both directions. */
export class RawPeer {
  readonly received: P2PoolMessage[] = [];
  /** Each frame of `received` as its bytes (views of what the socket read, never reused). */
  readonly frames: Buffer[] = [];
  readonly closed: Promise<'closed'>;
  private readonly decoder: FrameDecoder;
  private constructor(readonly socket: Socket, private readonly prefix: Buffer) {
    this.decoder = new FrameDecoder(prefix);
    socket.on('data', (c: Buffer) => {
      for (const ev of this.decoder.push(c)) {
        if (ev.kind !== 'frame') continue;
        this.received.push(decodeMessage(ev.command, ev.payload));
        this.frames.push(ev.frame);
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve('closed')));
  }

  /** `prefix`: the network's message prefix (default regtest's; a fair network's for its tests). */
  static open(port: number, localAddress = '127.0.0.1', prefix: Buffer = net.prefix): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, localAddress });
      s.once('connect', () => resolve(new RawPeer(s, prefix)));
      s.once('error', reject);
    });
  }

  send(msg: P2PoolMessage): void {
    const { command, payload } = encodeMessage(msg);
    this.socket.write(encodeFrame(this.prefix, command, payload));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** `services`: 0 as the reference sends; SERVICE_EARLY_RELAY for a peer that takes early relay. */
  sendVersion(nonce = 0x1234n, best: Buffer | null = null, services = 0n): void {
    this.send({
      command: 'version',
      version: 3501,
      services,
      addrTo: { services: 0n, address: addressFromString('127.0.0.1'), port: 1 },
      addrFrom: { services: 0n, address: addressFromString('127.0.0.1'), port: 2 },
      nonce,
      subVersion: 'raw',
      mode: 1,
      bestShareHash: best,
    });
  }

  commands(): string[] {
    return this.received.map((m) => m.command);
  }

  close(): void {
    this.socket.destroy();
  }
}
