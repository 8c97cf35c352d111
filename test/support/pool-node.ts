/**
 * One of our nodes, in this process, on the regtest P2Pool network beside a bcoin regtest node
 * (test/support/bcoin-node.ts), with its own temporary data directory and the worker port on a
 * free loopback port. Integration tests start as many as they need.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Level } from '../../src/node/logger.js';
import { P2PoolNode, type NodeConfig } from '../../src/node/node.js';
import type { FairChainState } from '../../src/sharechain/fair/chain-state.js';
import { getFairNetwork, type FairNetwork } from '../../src/sharechain/fair/networks.js';
import { getP2PoolNetwork, type P2PoolNetwork } from '../../src/sharechain/networks.js';
import type { FairWork } from '../../src/work/fair-work.js';
import type { BcoinNode } from './bcoin-node.js';
import type { AuxChainConfig } from '../../src/merged/merged-mining.js';

export interface TestPoolNode<N = P2PoolNode> {
  node: N;
  datadir: string;
  /** Stop the node and delete its data directory (`keepData`: keep it, to restart from it). */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

interface PoolNodeOptions {
  bcoin: BcoinNode;
  address: string;
  log: (level: Level, msg: string) => void;
  datadir?: string;
  /** Join the P2Pool network on a free loopback port, connecting to these `host:port` peers. */
  p2p?: { connect?: string[]; port?: number; banLoopback?: boolean };
  /** Merge-mine these aux chains. */
  merged?: AuxChainConfig[];
  /** Switch block fitting off (NodeConfig.testing). */
  noBlockFitting?: boolean;
}

function nodeConfig(opts: PoolNodeOptions, datadir: string): Omit<NodeConfig, 'net'> {
  const { bcoin } = opts;
  return {
    datadir,
    bitcoind: { host: bcoin.host, rpcPort: bcoin.rpcPort, p2pPort: bcoin.p2pPort, auth: { kind: 'password', user: bcoin.rpcUser, password: bcoin.rpcPassword } },
    address: opts.address,
    workerPort: 0,
    workerHost: '127.0.0.1',
    feePercent: 0,
    donationPercent: 0,
    log: opts.log,
    version: 'test',
    p2p: opts.p2p && {
      port: opts.p2p.port ?? 0,
      host: '127.0.0.1',
      connect: opts.p2p.connect ?? [],
      outgoingConns: 0,
      maxConns: 40,
      disableUpnp: true,
      banLoopback: opts.p2p.banLoopback,
    },
    merged: opts.merged,
    testing: opts.noBlockFitting ? { noBlockFitting: true } : undefined,
  };
}

function handle<N extends { stop(): Promise<void> }>(node: N, datadir: string): TestPoolNode<N> {
  return {
    node,
    datadir,
    stop: async (o = {}) => {
      await node.stop();
      if (!o.keepData) rmSync(datadir, { recursive: true, force: true });
    },
  };
}

export async function startPoolNode(opts: PoolNodeOptions & {
  /** A test-only variant of the regtest P2Pool network (default: regtest as it is). */
  net?: P2PoolNetwork;
}): Promise<TestPoolNode> {
  const datadir = opts.datadir ?? mkdtempSync(join(tmpdir(), 'p2pool-node-'));
  const node = await P2PoolNode.start({ ...nodeConfig(opts, datadir), net: opts.net ?? getP2PoolNetwork('regtest') });
  return handle(node, datadir);
}

/** One of our nodes on the fair regtest network (regtest-fair, or a test variant of it). */
export async function startFairPoolNode(opts: PoolNodeOptions & {
  net?: FairNetwork;
  /** `--max-coinbase-outputs`. */
  maxCoinbaseOutputs?: number;
}): Promise<TestPoolNode<P2PoolNode<FairChainState, FairWork>>> {
  const datadir = opts.datadir ?? mkdtempSync(join(tmpdir(), 'p2pool-fair-node-'));
  const node = await P2PoolNode.start({ ...nodeConfig(opts, datadir), net: opts.net ?? getFairNetwork('regtest-fair'), maxCoinbaseOutputs: opts.maxCoinbaseOutputs });
  return handle(node, datadir);
}
