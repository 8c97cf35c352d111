/**
 * The demo's setup: a bcoin regtest full node in memory (segwit active), two of our pool nodes
 * peered on loopback with their own data directories under one temporary folder, and a CPU
 * Stratum miner on each node mining to its own address. Built from the same parts the
 * integration tests use (test/support), so the demo shows exactly what is tested.
 *
 * Two rule sets (docs/operations.md#which-network): by default the fair regtest network
 * (regtest-fair, docs/fair-sharechain.md), where miner A hashes 40 times faster than miner B:
 * B gets shares of its own size (sub-shares below the link target, referenced by the links) and
 * is paid in every block in proportion to its work. `rules: 'v35'` runs the v35 regtest network
 * as before, its miners paced to about one share every 2 s each.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptToAddress } from '../src/bitcoin/address.js';
import { getChainParams } from '../src/bitcoin/chain-params.js';
import { hash160 } from '../src/bitcoin/hash.js';
import { witnessScript } from '../src/bitcoin/script.js';
import type { Level } from '../src/node/logger.js';
import { DONATION_SCRIPT } from '../src/sharechain/coinbase-layout.js';
import { packageRoot } from '../src/web/static.js';
import type { P2PoolNode } from '../src/node/node.js';
import type { ChainState } from '../src/sharechain/chain-state.js';
import type { FairChainState } from '../src/sharechain/fair/chain-state.js';
import type { FoundBlock } from '../src/work/pool-work.js';
import type { NodeWork } from '../src/work/work-source.js';
import { startBcoinNode, type BcoinNode } from '../test/support/bcoin-node.js';
import { startFairPoolNode, startPoolNode, type TestPoolNode } from '../test/support/pool-node.js';
import { StratumTestMiner } from '../test/support/stratum-miner.js';

const regtest = getChainParams('regtest');

/** A fixed regtest bech32 address per label: anyone can recognise whose payout is whose. */
export function demoAddress(label: string): string {
  return scriptToAddress(witnessScript(0, hash160(Buffer.from(`p2pool demo ${label}`))), regtest)!;
}

/**
 * Mean pause after each share a miner finds. On regtest almost every hash meets the share
 * target (and the block target, 2^255), so an unpaced CPU miner would flood bcoin with blocks;
 * a share every ~2 s per miner reads like a real pool and leaves the CPU to the nodes.
 */
const MEAN_PAUSE_MS = 2_000;

/**
 * The fair demo's miners (hashes per second): clearly different sizes, slow enough for bcoin.
 * On regtest-fair every link is also a block, and the link target settles at one link every
 * 10 s for the pool's rate (docs/fair-sharechain.md#link-target).
 */
export const FAIR_MINER_RATES: Record<string, number> = { A: 4000, B: 100 };
/**
 * Miner B's share difficulty (user-name suffix `/D`, docs/mining.md#the-user-name): a share
 * every ~5 s at 100 H/s, far below a link, so its sub-shares show up at once. Without it the
 * node would give it ~20 shares per window (an hour on regtest-fair): the same pay in
 * expectation, one share every 3 minutes.
 */
export const FAIR_SMALL_MINER_DIFFICULTY = 0.0000001;

export type DemoRules = 'fair' | 'v35';

export interface DemoNode {
  name: string;
  pool: TestPoolNode<P2PoolNode<ChainState | FairChainState, NodeWork>>;
  miner: StratumTestMiner;
  minerAddress: string;
  dashboardUrl: string;
  stratumUrl: string;
}

export interface DemoEvents {
  log(line: string): void;
  share(node: DemoNode): void;
  block(node: DemoNode, block: FoundBlock, accepted: boolean, payouts: Array<{ address: string; value: number }>): void;
}

export interface Demo {
  rules: DemoRules;
  dir: string;
  bcoin: BcoinNode;
  nodes: DemoNode[];
  stop(): Promise<void>;
}

/**
 * Only what a newcomer wants to read: warnings, errors and the P2P link coming up; nothing once
 * shutting down (links dropping then are expected).
 */
function conciseLog(name: string, out: (line: string) => void, quiet: () => boolean): (level: Level, msg: string) => void {
  return (level, msg) => {
    if (quiet()) return;
    if (level === 'warn' || level === 'error') out(`[node ${name}] ${level}: ${msg}`);
    else if (level === 'info' && /^P2P: (incoming|outgoing) peer/.test(msg)) out(`[node ${name}] ${msg}`);
  };
}

export async function startDemo(events: DemoEvents, opts: { rules?: DemoRules } = {}): Promise<Demo> {
  const rules = opts.rules ?? 'fair';
  const dir = mkdtempSync(join(tmpdir(), 'p2pool-demo-'));
  const nodes: DemoNode[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let bcoin: BcoinNode | null = null;
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const t of timers) clearTimeout(t);
    for (const n of nodes) n.miner.close();
    // Let submissions already on the wire finish before the nodes and bcoin go.
    if (nodes.length) await new Promise((r) => setTimeout(r, 500));
    for (const n of [...nodes].reverse()) await n.pool.stop().catch(() => undefined);
    await bcoin?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    if (!existsSync(join(packageRoot(), 'dist', 'dashboard', 'index.html'))) {
      events.log('the dashboard is not built: run `npm run build` (npm run demo does) to see it');
    }
    events.log('starting bcoin (regtest, in memory) and mining 432 blocks so segwit is active…');
    bcoin = await startBcoinNode();
    events.log(`bcoin ready at height ${bcoin.height()} (${(bcoin.initialMiningMs / 1000).toFixed(1)} s)`);

    for (const name of ['A', 'B']) {
      const datadir = join(dir, `node-${name.toLowerCase()}`);
      mkdirSync(datadir);
      // B connects to A: one P2Pool link on loopback.
      const connect = nodes.map((n) => `127.0.0.1:${n.pool.node.p2p!.port}`);
      const nodeOpts = { bcoin, address: demoAddress(`node ${name}`), datadir, log: conciseLog(name, events.log, () => stopped), p2p: { connect } };
      const pool: DemoNode['pool'] = rules === 'fair' ? await startFairPoolNode(nodeOpts) : await startPoolNode(nodeOpts);
      const port = pool.node.boundWorkerPort;
      const minerAddress = demoAddress(`miner ${name}`);
      // Fair: a throttled miner of its own size, submitting whatever meets its difficulty
      // (a sub-share changes no job, so it must not wait for one). v35: one share per job, paced.
      const miner = rules === 'fair'
        ? new StratumTestMiner({ port, username: name === 'B' ? `${minerAddress}/${FAIR_SMALL_MINER_DIFFICULTY}` : minerAddress, hashrate: FAIR_MINER_RATES[name], exactDifficulty: true })
        : new StratumTestMiner({ port, username: minerAddress, onePerJob: true });
      const node: DemoNode = { name, pool, miner, minerAddress, dashboardUrl: `http://127.0.0.1:${port}/`, stratumUrl: `stratum+tcp://127.0.0.1:${port}` };
      nodes.push(node);

      pool.node.work.on('share', () => {
        events.share(node);
        if (rules === 'fair') return;
        // Pause this miner for a while (exponential, so shares come irregularly, as in life).
        miner.stop();
        const t = setTimeout(() => {
          timers.delete(t);
          if (!stopped) miner.start();
        }, -Math.log(1 - Math.random()) * MEAN_PAUSE_MS);
        timers.add(t);
      });
      pool.node.work.on('block', (block, outcome) => {
        const payouts = block.coinbase.outputs
          .filter((o) => o.value > 0)
          .map((o) => ({ address: o.script.equals(DONATION_SCRIPT) ? 'the P2Pool donation script' : (scriptToAddress(o.script, regtest) ?? `script ${o.script.toString('hex').slice(0, 20)}…`), value: o.value }));
        events.block(node, block, outcome.kind === 'accepted', payouts);
      });
    }

    for (const n of nodes) {
      await n.miner.connect();
      const auth = await n.miner.login();
      if (auth.result !== true) throw new Error(`miner ${n.name} was not authorized: ${JSON.stringify(auth.error)}`);
      n.miner.start();
    }
    return { rules, dir, bcoin, nodes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
