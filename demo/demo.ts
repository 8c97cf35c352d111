/**
 * The demo's setup: a bcoin regtest full node in memory (segwit active), two of our pool nodes
 * peered on loopback with their own data directories under one temporary folder, and a CPU
 * Stratum miner on each node mining to its own address. Built from the same parts the
 * integration tests use (test/support), so the demo shows exactly what is tested.
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
import type { FoundBlock } from '../src/work/pool-work.js';
import { startBcoinNode, type BcoinNode } from '../test/support/bcoin-node.js';
import { startPoolNode, type TestPoolNode } from '../test/support/pool-node.js';
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

export interface DemoNode {
  name: string;
  pool: TestPoolNode;
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

export async function startDemo(events: DemoEvents): Promise<Demo> {
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
      const pool = await startPoolNode({ bcoin, address: demoAddress(`node ${name}`), datadir, log: conciseLog(name, events.log, () => stopped), p2p: { connect } });
      const port = pool.node.boundWorkerPort;
      const minerAddress = demoAddress(`miner ${name}`);
      const miner = new StratumTestMiner({ port, username: minerAddress, onePerJob: true });
      const node: DemoNode = { name, pool, miner, minerAddress, dashboardUrl: `http://127.0.0.1:${port}/`, stratumUrl: `stratum+tcp://127.0.0.1:${port}` };
      nodes.push(node);

      pool.node.work.on('share', () => {
        events.share(node);
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
    return { dir, bcoin, nodes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
