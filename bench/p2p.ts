/**
 * P2P benchmarks against docs/architecture.md#budgets:
 * - relay latency through one node: a peer sends a new share (`shares` frame over loopback TCP)
 *   to our node, which decodes it, verifies it on its chain, stores it (a real SQLite store,
 *   WAL) and relays it as its new best share to another peer; timed from the first
 *   byte written by peer A to the frame complete at peer B. Budget: under 5 ms. The node runs in
 *   a child process, as a real peer's node would: what it does after writing the relay (the
 *   store's commit, pruning, logging) is not on the path, and the two raw peers' own work (and
 *   garbage) does not stall the node. Paced (RELAY_GAP_MS between shares) so that the next
 *   share does not wait behind that work; peer B takes early relay (docs/protocol.md#early-relay)
 *   as a node of ours does, and the same run times a peer B that does not (the reference),
 *   both back to back (the figures before 2026-12-07), and ours and the floor (a bare Node
 *   process that forwards the bytes) paced in turns, both processes up (`inTurns`).
 * - sync: a new node downloads a 2 x 8,640-share chain (bitcoin's CHAIN_LENGTH) from one peer on
 *   loopback with sharereq batches, verifying as it goes, until it is on the same best share.
 *
 * Chains are mined with the test chain builder (production generation code) on easy targets.
 * Relay: regtest constants, a 100-share chain, then 100 warm-up and 300 timed shares. Sync:
 * bitcoin's constants with MAX_TARGET raised so a share needs ~1 hash, 30 s apart, ending now.
 */
import { fork } from 'node:child_process';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { P2PNode, SERVICE_EARLY_RELAY } from '../src/p2p/p2p-node.js';
import { ChainState } from '../src/sharechain/chain-state.js';
import { getP2PoolNetwork, type P2PoolNetwork } from '../src/sharechain/networks.js';
import { decodeShare } from '../src/sharechain/share.js';
import { ShareStore } from '../src/sharechain/store.js';
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

const RELAY_NODE_ARG = 'p2p-relay-node';

/** The shares a node decodes as it starts with a full store: bitcoin's 2 x CHAIN_LENGTH. */
const STARTUP_DECODES = 2 * getP2PoolNetwork('bitcoin').chainLength;

type RelayNodeReport = { type: 'ready'; port: number } | { type: 'peers'; ready: number } | { type: 'stopped' };
type RelayNodeCommand = { type: 'start'; shares: string[] } | { type: 'floor' } | { type: 'peers' } | { type: 'stop' };

/** The relay node: this file forked with RELAY_NODE_ARG, driven over IPC. */
class RelayNodeChild {
  private readonly child = fork(fileURLToPath(import.meta.url), [RELAY_NODE_ARG], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

  ask(cmd: RelayNodeCommand): Promise<RelayNodeReport> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`relay node exited with ${code}`));
      this.child.once('exit', onExit);
      this.child.once('message', (m: RelayNodeReport) => {
        this.child.off('exit', onExit);
        resolve(m);
      });
      this.child.send(cmd);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.ask({ type: 'stop' }).catch(() => undefined);
    if (this.child.connected) this.child.disconnect();
    await exited;
  }
}

/** Child side: a ChainState with a real SQLite store holding the given chain, and a P2PNode. */
function serveRelayNode(): void {
  const net = getP2PoolNetwork('regtest');
  let relay: P2PNode | undefined;
  let store: ShareStore | undefined;
  let dir: string | undefined;
  const reply = (r: RelayNodeReport): void => void process.send!(r);
  let floor: Server | undefined;
  process.on('message', (cmd: RelayNodeCommand) => {
    void (async () => {
      switch (cmd.type) {
        case 'start': {
          dir = mkdtempSync(join(tmpdir(), 'p2pool-bench-relay-'));
          store = ShareStore.open(join(dir, 'shares.sqlite'));
          const chain = new ChainState({ net, store });
          const raws = cmd.shares.map((h) => Buffer.from(h, 'hex'));
          chain.addShares(raws.map((raw) => decodeShare(raw, net, Date.now())));
          // A node that relays has decoded its whole stored chain at start (STARTUP_DECODES), so
          // V8 has compiled its decoder by then; this one's chain is 100 shares. It decodes them
          // that many times over, else the timed relays meet a decoder V8 is still optimizing
          // (in 2026-12-08's runs ~5% of paced relays stalled ~1 ms inside the decode).
          for (let n = 0; n < STARTUP_DECODES && raws.length > 0; n++) decodeShare(raws[n % raws.length]!, net, Date.now());
          relay = node(net, chain);
          await relay.start();
          return reply({ type: 'ready', port: relay.port });
        }
        case 'floor': {
          // The machine's floor: the same hop with no P2Pool work. Bytes from peer A
          // (127.0.0.2) are written to peer B (127.0.0.3) as they arrive.
          const conns = new Map<string, Socket>();
          floor = createServer((sock) => {
            const from = sock.remoteAddress ?? '';
            conns.set(from, sock);
            sock.on('error', () => {});
            sock.on('data', (chunk: Buffer) => {
              if (from.endsWith('127.0.0.2')) conns.get([...conns.keys()].find((k) => k.endsWith('127.0.0.3')) ?? '')?.write(chunk);
            });
          });
          await new Promise<void>((resolve) => floor!.listen(0, '127.0.0.1', resolve));
          return reply({ type: 'ready', port: (floor.address() as AddressInfo).port });
        }
        case 'peers':
          return reply({ type: 'peers', ready: relay?.readyPeers().length ?? 0 });
        case 'stop':
          floor?.close();
          await relay?.stop();
          store?.close();
          if (dir) rmSync(dir, { recursive: true, force: true });
          return reply({ type: 'stopped' });
      }
    })().catch((e: unknown) => {
      process.stderr.write(`p2p relay node: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
}

if (process.send && process.argv[2] === RELAY_NODE_ARG) serveRelayNode();

/** Warm-up rounds before timing: a running node is JIT-warm, a fresh process is not. */
const RELAY_WARMUP = 100;
const RELAY_ROUNDS = 300;

/**
 * Pause between paced rounds: longer than what the node does after it relays a share (the rest
 * of its verification, the best-share choice, the store's commit: ~0.3-0.5 ms, a few ms at the
 * tail), so each share finds the node idle, as a share does on a real network (one every few
 * seconds). Back to back, the next share waits behind that work and the figure is the node's
 * whole CPU per share, not the relay's latency.
 */
const RELAY_GAP_MS = 10;

/** Send one share from `from` and time until `to` has the whole frame carrying it (ms). */
async function timeOne(from: RawPeer, to: RawPeer, s: Share): Promise<number> {
  const seen = to.received.length;
  const t0 = performance.now();
  from.send({ command: 'shares', shares: [{ type: s.version, raw: s.raw }] });
  // RawPeer's own 'data' listener (registered first) has decoded the frame when this runs.
  await new Promise<void>((resolve) => {
    const onData = (): void => {
      for (let i = seen; i < to.received.length; i++) {
        const m = to.received[i]!;
        if (m.command === 'shares' && m.shares.some((w) => w.raw.equals(s.raw))) {
          to.socket.off('data', onData);
          return resolve();
        }
      }
    };
    to.socket.on('data', onData);
  });
  return performance.now() - t0;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Relay through our node (its own process, a real store), and the machine's floor for the same
 * hop: the same frames through a bare Node process that only forwards bytes, with the same two
 * raw peers and the same timing. On this 2-core VM the floor's tail is the machine's (scheduling
 * of two processes on two vCPUs): the ratio of our figures to it is the part that is our code.
 */
export async function benchRelay(): Promise<Record<string, unknown>> {
  const chain = new TestChain();
  // TestChain's shares are 20 s apart from 3 hours ago, and shares over 600 s in the future are
  // rejected: at most ~570 shares in all.
  chain.extend(100);
  const fresh = chain.extend(RELAY_WARMUP + RELAY_ROUNDS);
  // Paced (the budget's figures), to a peer that takes early relay (docs/protocol.md#early-relay:
  // a node of ours) and to one that does not (the reference: it gets the share after our
  // verification); then back to back, as this bench measured before 2026-12-07.
  const ours = await relayRun(chain, fresh, 'ours', RELAY_GAP_MS, true);
  const floor = await relayRun(chain, fresh, 'floor', RELAY_GAP_MS);
  // The same pair in turns (one share through each, the order turning with every share), both
  // processes up: the same minute of the machine for both. Printed, not the budget's figure:
  // beside our node the floor's hop is slower than alone (its ~0.1 ms path meets caches our
  // node's work has just used; docs/mining.md, fifteenth round), which would flatter the ratio.
  const [oursInTurns, floorInTurns] = await relayInTurns(chain, fresh);
  const plain = await relayRun(chain, fresh, 'ours', RELAY_GAP_MS, false);
  const oursBackToBack = await relayRun(chain, fresh, 'ours', 0, true);
  const floorBackToBack = await relayRun(chain, fresh, 'floor', 0);
  const ratio = (x: number, y: number): number => Math.round((x / y) * 100) / 100;
  return {
    ...ours,
    pacedGapMs: RELAY_GAP_MS,
    toPeerWithoutEarlyRelay: { ...plain, versusFloor: { p50: ratio(plain.p50Ms!, floor.p50Ms!), p99: ratio(plain.p99Ms!, floor.p99Ms!) } },
    backToBack: {
      ours: oursBackToBack,
      floor: floorBackToBack,
      versusFloor: { p50: ratio(oursBackToBack.p50Ms!, floorBackToBack.p50Ms!), p99: ratio(oursBackToBack.p99Ms!, floorBackToBack.p99Ms!) },
    },
    warmup: RELAY_WARMUP,
    budgetMs: 5,
    ok: { p50: ours.p50Ms! < 5, p90: ours.p90Ms! < 5, p99: ours.p99Ms! < 5 },
    floor,
    inTurns: {
      ours: oursInTurns,
      floor: floorInTurns,
      versusFloor: { p50: ratio(oursInTurns.p50Ms!, floorInTurns.p50Ms!), p99: ratio(oursInTurns.p99Ms!, floorInTurns.p99Ms!) },
    },
    // Issue 18: p50 and p99 each within 3x the floor's in the same run.
    versusFloor: {
      p50: { ratio: ratio(ours.p50Ms!, floor.p50Ms!), budgetRatio: 3, ok: ours.p50Ms! <= 3 * floor.p50Ms! },
      p99: { ratio: ratio(ours.p99Ms!, floor.p99Ms!), budgetRatio: 3, ok: ours.p99Ms! <= 3 * floor.p99Ms! },
    },
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
  };
}

/** One relay hop: a relay node (ours or the floor) in its child process, and raw peers A and B on it. */
interface Hop {
  a: RawPeer;
  b: RawPeer;
  close(): Promise<void>;
}

/** `early`: peer B advertises SERVICE_EARLY_RELAY (ours only). */
async function openHop(chain: TestChain, fresh: readonly Share[], mode: 'ours' | 'floor', early = false): Promise<Hop> {
  const child = new RelayNodeChild();
  let a: RawPeer | undefined;
  let b: RawPeer | undefined;
  const close = async (): Promise<void> => {
    a?.close();
    b?.close();
    await child.stop();
  };
  try {
    const base = chain.shares.slice(0, chain.shares.length - fresh.length);
    const ready = await child.ask(mode === 'ours' ? { type: 'start', shares: base.map((s) => s.raw.toString('hex')) } : { type: 'floor' });
    if (ready.type !== 'ready') throw new Error(`relay node: ${ready.type}, expected ready`);
    a = await RawPeer.open(ready.port, '127.0.0.2');
    b = await RawPeer.open(ready.port, '127.0.0.3');
    if (mode === 'ours') {
      const tip = base.at(-1)!;
      a.sendVersion(0xa1n, tip.hashBytes);
      b.sendVersion(0xb1n, tip.hashBytes, early ? SERVICE_EARLY_RELAY : 0n);
      // The handshake is done on our side when each raw peer has the node's ping (sent on accept).
      await waitFor('both peers ready', () => a!.commands().includes('ping') && b!.commands().includes('ping'), 10_000);
      const peers = await child.ask({ type: 'peers' });
      if (peers.type !== 'peers' || peers.ready !== 2) throw new Error(`relay node has ${JSON.stringify(peers)} ready peers, expected 2`);
    } else {
      await pause(100);
    }
    return { a, b, close };
  } catch (e) {
    await close();
    throw e;
  }
}

async function relayRun(chain: TestChain, fresh: readonly Share[], mode: 'ours' | 'floor', gapMs: number, early = false): Promise<Record<string, number>> {
  const hop = await openHop(chain, fresh, mode, early);
  try {
    const times: number[] = [];
    for (const s of fresh) {
      if (gapMs > 0) await pause(gapMs);
      times.push(await timeOne(hop.a, hop.b, s));
    }
    return stats(times.slice(RELAY_WARMUP));
  } finally {
    await hop.close();
  }
}

/**
 * Ours (paced, to an early-relay peer) and the floor, both up at once, each share through one
 * then the other (ours first for even shares, the floor first for odd ones), half RELAY_GAP_MS
 * before each, so that each of the two gets a share every RELAY_GAP_MS as when run alone (the
 * longer a process sleeps, the slower its next hop: with the whole gap before each, both
 * p50s rose, the floor's from ~0.11 to ~0.25 ms): a slower minute of the machine weighs on
 * both alike.
 */
async function relayInTurns(chain: TestChain, fresh: readonly Share[]): Promise<[Record<string, number>, Record<string, number>]> {
  const ours = await openHop(chain, fresh, 'ours', true);
  try {
    const floor = await openHop(chain, fresh, 'floor');
    try {
      const times: [number[], number[]] = [[], []];
      const hops = [ours, floor];
      for (let i = 0; i < fresh.length; i++) {
        for (let k = 0; k < 2; k++) {
          const which = (i + k) % 2;
          await pause(RELAY_GAP_MS / 2);
          times[which]!.push(await timeOne(hops[which]!.a, hops[which]!.b, fresh[i]!));
        }
      }
      return [stats(times[0].slice(RELAY_WARMUP)), stats(times[1].slice(RELAY_WARMUP))];
    } finally {
      await floor.close();
    }
  } finally {
    await ours.close();
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
      // A node needs CHAIN_LENGTH ancestors below the tip to verify it (docs/sharechain.md#the-tracker), so it
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
