/**
 * `p2pool status` against running nodes: bcoin regtest, node A with one Stratum miner, node B
 * peered to it. The command runs as a child process (as an operator runs it) against A's worker
 * port, and what it prints is checked against the nodes themselves: the sharechain height, the
 * share and block counters, the peer B, the miner's user name. Every screen fits 80 columns.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { freePort, startBcoinNode, type BcoinNode } from '../support/bcoin-node.js';
import { startPoolNode, type TestPoolNode } from '../support/pool-node.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { waitFor } from '../support/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const regtest = getChainParams('regtest');
const MINER = scriptToAddress(witnessScript(0, hash160(Buffer.from('status miner'))), regtest)!;
const NODE_A = scriptToAddress(witnessScript(0, hash160(Buffer.from('status node a'))), regtest)!;
const NODE_B = scriptToAddress(witnessScript(0, hash160(Buffer.from('status node b'))), regtest)!;

let bcoin: BcoinNode;
let a: TestPoolNode;
let b: TestPoolNode;
let miner: StratumTestMiner;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `p2pool ARGS` as a child process; `until`: send SIGINT once stdout satisfies it. */
function p2pool(args: string[], until?: (out: string) => boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      if (until && !sent && until(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

beforeAll(async () => {
  bcoin = await startBcoinNode();
  a = await startPoolNode({ bcoin, address: NODE_A, log: () => {}, p2p: {} });
  b = await startPoolNode({ bcoin, address: NODE_B, log: () => {}, p2p: { connect: [`127.0.0.1:${a.node.p2p!.port}`] } });
  miner = new StratumTestMiner({ port: a.node.boundWorkerPort, username: `${MINER}.rig7`, onePerJob: true });
  await miner.connect();
  expect((await miner.login()).result).toBe(true);
  miner.start();
  await waitFor('12 shares, a block accepted, and B peered', () => {
    const n = a.node;
    return n.chain.tracker.getHeight(n.chain.best) >= 12 && n.work.counters.blocksAccepted >= 1 && n.p2p!.peerInfo().length === 1;
  }, 120_000);
  miner.stop();
  // Submissions in flight land; then nothing changes while the screens are read.
  await new Promise((r) => setTimeout(r, 500));
}, 180_000);

afterAll(async () => {
  miner?.close();
  await b?.stop();
  await a?.stop();
  await bcoin?.stop();
});

describe('p2pool status against a running regtest node', { timeout: 120_000 }, () => {
  it('prints the main screen, the peer and miner tables and the raw object with the nodes\' real numbers', async () => {
    const url = `http://127.0.0.1:${a.node.boundWorkerPort}/`;
    const [main, peers, miners, json] = await Promise.all([
      p2pool(['status', '--url', url]),
      p2pool(['status', 'peers', '--url', url]),
      p2pool(['status', 'miners', '--url', url]),
      p2pool(['status', '--json', '--url', url]),
    ]);
    for (const r of [main, peers, miners, json]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const n = a.node;
    const height = n.chain.tracker.getHeight(n.chain.best);
    const counts = n.chain.stale.staleCounts(n.chain.best);
    const c = n.work.counters;

    const lines = main.stdout.trimEnd().split('\n');
    for (const l of [...lines, ...peers.stdout.split('\n'), ...miners.stdout.split('\n')]) expect(l.length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^p2pool test on regtest \| up \d+(s|m\d\ds) \| http:\/\/127\.0\.0\.1:\d+\/ +\d\d:\d\d:\d\d$/);
    const field = (label: string): string => lines.find((l) => l.startsWith(label))!.slice(11);
    expect(field('Sync')).toMatch(new RegExp(`^synced \\| sharechain height ${height} \\(window 360\\) \\| bitcoind at ${bcoin.height()}$`));
    expect(field('Pool')).toMatch(/^\d+(\.\d+)? [kMGT]?H\/s \| stale \d+\.\d% \| a block every ~\S+$/);
    expect(field('Shares')).toBe(`${counts.total - counts.orphans - counts.doas} good, ${counts.orphans} orphan, ${counts.doas} dead | efficiency ${/efficiency (\S+)/.exec(field('Shares'))![1]}`);
    expect(counts.total).toBeGreaterThan(0);
    expect(field('Blocks')).toBe(`found ${c.blocksFound}, accepted ${c.blocksAccepted}, rejected ${c.blocksRejected} (since start)`);
    expect(field('Last block')).toMatch(/^\d+ [0-9a-f]{16}\.\.[0-9a-f]{8} \d+s ago$/);
    expect(field('Peers')).toBe('1 (0 out, 1 in)');
    expect(field('Miners')).toMatch(/^1 on this node, \d/);
    expect(field('Warnings')).toBe('none');

    expect(peers.stdout).toMatch(/^peer +dir +version +ping +up\n127\.0\.0\.1:\d+ +in +test +(-|\d+ ms) +\d+s\n$/);
    expect(miners.stdout).toMatch(new RegExp(`^miner \\(user name\\) +hash rate +dead +difficulty\\n${MINER}\\.rig7 +\\d+(\\.\\d+)? [kMG]?H/s +\\S+ +\\S+\\n$`));

    const raw = JSON.parse(json.stdout) as { [k: string]: unknown; miners: Array<Record<string, number>>; expected: Record<string, number> };
    expect(raw['sync']).toMatchObject({ synced: true, state: 'synced', height, chain_length: 360, best_share: n.chain.best });
    expect(raw['shares']).toEqual({ total: counts.total, orphan: counts.orphans, dead: counts.doas });
    expect(raw['blocks']).toEqual({ found: c.blocksFound, accepted: c.blocksAccepted, rejected: c.blocksRejected });
    expect(raw['peers']).toMatchObject({ incoming: 1, outgoing: 0 });
    expect(raw['miners'][0]).toMatchObject({ username: `${MINER}.rig7`, address: MINER, worker: 'rig7' });
    expect(raw['miners'][0]!['hash_rate']).toBeGreaterThan(0);
    expect(raw['expected']['time_to_share']).toBeGreaterThan(0);
    expect(raw['payout_address']).toBe(NODE_A);
  });

  it('--watch redraws until Ctrl-C and exits 0; an unreachable node is one line and exit 1', async () => {
    const url = `http://127.0.0.1:${a.node.boundWorkerPort}/`;
    const closed = await freePort(); // nothing listens there
    const [watch, down] = await Promise.all([
      p2pool(['status', '--watch', '--interval', '1', '--url', url], (out) => (out.match(/^p2pool test on regtest/gm) ?? []).length >= 2),
      p2pool(['status', '--url', `http://127.0.0.1:${closed}/`]),
    ]);
    expect(watch.code).toBe(0);
    expect((watch.stdout.match(/^Sync +synced/gm) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(`error: cannot reach the node at http://127.0.0.1:${closed}/ (ECONNREFUSED): is it running? (--url for another node)\n`);
  });
});
