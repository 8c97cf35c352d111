/**
 * P2P benchmarks against ARCHITECTURE.md's budgets:
 * - relay latency through one node: a peer sends a new share (`shares` frame over loopback TCP)
 *   to our node, which decodes it, verifies it on its chain and relays it as its new best share
 *   to another peer; timed from the first byte written by peer A to the frame complete at peer
 *   B. Budget: under 5 ms.
 * - sync: a new node downloads a 2 x 8,640-share chain (bitcoin's CHAIN_LENGTH) from one peer on
 *   loopback with sharereq batches, verifying as it goes, until it is on the same best share.
 *
 * Chains are mined with the test chain builder (production generation code) on easy targets.
 * Relay: regtest constants, a 200-share chain. Sync: bitcoin's constants with MAX_TARGET raised
 * so a share needs ~1 hash, 30 s apart, ending now.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { P2PNode } from '../src/p2p/p2p-node.js';
import { ChainState } from '../src/sharechain/chain-state.js';
import { getP2PoolNetwork, type P2PoolNetwork } from '../src/sharechain/networks.js';
import { ShareTracker } from '../src/sharechain/tracker.js';
import type { Share } from '../src/sharechain/types.js';
import { RawPeer, TestChain } from '../test/p2p/p2p-support.js';
import type { ArrayChain } from '../test/support/array-chain.js';
import { emptyTemplate, mineShare } from '../test/support/chain-builder.js';
import { waitFor } from '../test/support/wait.js';

const ADDRESSES = ['1LR4dmTSS2BV7yrMKKv2SwYBGWhtEGCU29', '3P14159f73E4gFr7JterCCQh9QjiTjiZrG', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'];

function node(net: P2PoolNetwork, chain: ChainState, connect: string[] = []): P2PNode {
  return new P2PNode({ net, chain, port: 0, host: '127.0.0.1', subVersion: 'bench', connect, dialIntervalMs: 50, outgoingConns: 0, advertise: false });
}

function stats(ms: number[]): Record<string, number> {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number): number => Math.round(s[Math.min(s.length - 1, Math.floor(s.length * p))]! * 1000) / 1000;
  return { samples: s.length, p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: at(1) };
}

export async function benchRelay(): Promise<Record<string, unknown>> {
  const net = getP2PoolNetwork('regtest');
  const chain = new TestChain();
  chain.extend(200);
  const relayChain = new ChainState({ net });
  relayChain.addShares(chain.shares);
  const relay = node(net, relayChain);
  await relay.start();
  const a = await RawPeer.open(relay.port, '127.0.0.2');
  const b = await RawPeer.open(relay.port, '127.0.0.3');
  try {
    a.sendVersion(0xa1n, chain.tip.hashBytes);
    b.sendVersion(0xb1n, chain.tip.hashBytes);
    await waitFor('both peers ready', () => relay.readyPeers().length === 2, 5_000);
    const times: number[] = [];
    const rounds = 300;
    const fresh = chain.extend(rounds);
    for (const s of fresh) {
      const seen = b.received.length;
      const t0 = performance.now();
      a.send({ command: 'shares', shares: [{ type: s.version, raw: s.raw }] });
      // RawPeer's own 'data' listener (registered first) has decoded the frame when this runs.
      await new Promise<void>((resolve) => {
        const onData = (): void => {
          for (let i = seen; i < b.received.length; i++) {
            const m = b.received[i]!;
            if (m.command === 'shares' && m.shares.some((w) => w.raw.equals(s.raw))) {
              b.socket.off('data', onData);
              return resolve();
            }
          }
        };
        b.socket.on('data', onData);
      });
      times.push(performance.now() - t0);
    }
    // The machine's load shows in the tail: report it beside the figures.
    return { ...stats(times.slice(20)), warmup: 20, budgetMs: 5, loadAverage1m: Math.round(loadavg()[0]! * 100) / 100 };
  } finally {
    a.close();
    b.close();
    await relay.stop();
  }
}

async function benchSync(): Promise<Record<string, unknown>> {
  const net: P2PoolNetwork = { ...getP2PoolNetwork('bitcoin'), maxTarget: (1n << 256n) - 1n, bootstrapAddrs: [], persist: false };
  const total = 2 * net.chainLength;
  const t0 = Math.floor(Date.now() / 1000) - total * net.sharePeriod;
  const template = emptyTemplate({ prevBlock: Buffer.alloc(32, 7) });
  const buildStart = performance.now();
  // A tracker as the builder's chain: its windows are sub-linear (ArrayChain's are not).
  const builder = new ShareTracker({ chainLength: net.chainLength }, () => undefined) as unknown as ArrayChain;
  const shares: Share[] = [];
  let parent: string | null = null;
  for (let i = 0; i < total; i++) {
    const s = mineShare(net, builder, template, { address: ADDRESSES[i % ADDRESSES.length]!, timestamp: t0 + i * net.sharePeriod }, parent, i);
    shares.push(s);
    parent = s.hash;
  }
  const buildMs = performance.now() - buildStart;
  const sourceChain = new ChainState({ net });
  const loadStart = performance.now();
  sourceChain.addShares(shares);
  const sourceLoadMs = performance.now() - loadStart;
  const tip = shares.at(-1)!.hash;
  if (sourceChain.best !== tip) throw new Error(`bench source chain best ${sourceChain.best}, expected ${tip}`);
  const source = node(net, sourceChain);
  await source.start();
  const targetChain = new ChainState({ net });
  const target = node(net, targetChain, [`127.0.0.1:${source.port}`]);
  try {
    const start = performance.now();
    await target.start();
    await waitFor('synced', () => targetChain.best === tip, 600_000);
    const syncMs = performance.now() - start;
    return {
      shares: total,
      buildMs: Math.round(buildMs),
      sourceAddAndVerifyMs: Math.round(sourceLoadMs),
      syncMs: Math.round(syncMs),
      // A node needs CHAIN_LENGTH ancestors below the tip to verify it (reference §2.2), so it
      // is on the tip before it has fetched the whole 2 x CHAIN_LENGTH.
      sharesDownloadedWhenOnTip: target.sync.received,
      requests: target.sync.requests,
    };
  } finally {
    await target.stop();
    await source.stop();
  }
}

export async function benchP2p(): Promise<Record<string, unknown>> {
  return { relay: await benchRelay(), sync: await benchSync() };
}
