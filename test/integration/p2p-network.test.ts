/**
 * Issue 5 acceptance on a real full node: one bcoin regtest node and three of our pool nodes,
 * each with its own store and its own Stratum miner, peered on loopback (B -> A, C -> A and B).
 * Shares found on any node reach the other two within 1 s, and all three end on the same best
 * share.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import type { Share } from '../../src/sharechain/types.js';
import { startBcoinNode, type BcoinNode } from '../support/bcoin-node.js';
import { mineShares, stopMiner, waitForAgreement, watchMiner } from '../support/p2p-converge.js';
import { startPoolNode, type TestPoolNode } from '../support/pool-node.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { waitFor } from '../support/wait.js';

const regtest = getChainParams('regtest');
const addr = (label: string): string => scriptToAddress(witnessScript(0, hash160(Buffer.from(label))), regtest)!;

let bcoin: BcoinNode;
const pools: TestPoolNode[] = [];
const miners: StratumTestMiner[] = [];
/** hash -> node index -> ms when that node first got the share. */
const arrivals = new Map<string, Map<number, number>>();
/** hash -> index of the node whose miner found it. */
const foundOn = new Map<string, number>();

beforeAll(async () => {
  bcoin = await startBcoinNode();
  for (let i = 0; i < 3; i++) {
    const connect = pools.map((p) => `127.0.0.1:${p.node.p2p!.port}`);
    const pool = await startPoolNode({ bcoin, address: addr(`node ${i}`), log: () => {}, p2p: { connect } });
    pools.push(pool);
    // Record when each share first reaches each node (ours or a peer's).
    const chain = pool.node.chain;
    const add = chain.addShares.bind(chain);
    chain.addShares = (shares: readonly Share[], peer?: string): Share[] => {
      const t = Date.now();
      for (const s of shares) {
        const m = arrivals.get(s.hash) ?? new Map<number, number>();
        if (!m.has(i)) m.set(i, t);
        arrivals.set(s.hash, m);
        if (peer === undefined && !foundOn.has(s.hash)) foundOn.set(s.hash, i);
      }
      return add(shares, peer);
    };
  }
  await waitFor('peers connected', () => pools.every((p) => p.node.p2p!.readyPeers().length === 2), 10_000);
}, 180_000);

afterAll(async () => {
  for (const m of miners) m.close();
  for (const p of pools.reverse()) await p.stop();
  await bcoin?.stop();
});

describe('three pool nodes on one bcoin', () => {
  it('relay shares within 1 s and agree on the best share', async () => {
    for (let i = 0; i < 3; i++) {
      const m = watchMiner(new StratumTestMiner({ port: pools[i]!.node.boundWorkerPort, username: addr(`miner ${i}`), onePerJob: true }));
      miners.push(m);
      await m.connect();
      expect((await m.login()).result).toBe(true);
      m.start();
    }
    await waitFor('every node finds shares', () => [0, 1, 2].every((i) => [...foundOn.values()].filter((n) => n === i).length >= 3), 120_000);
    // Stop every miner and drain its last submits, so no share is still on its way to a node.
    await Promise.all(miners.map((m) => stopMiner(m)));
    // Concurrent shares on one parent tie on work, and each node then prefers the one it saw
    // first (the reference's head key): one more share from node 0 settles it for everyone.
    const breakTie = (): Promise<string> => mineShares(pools[0]!, miners[0]!, { payee: addr('miner 0'), what: 'one more share on node 0' });
    await waitForAgreement(pools, { breakTie, log: (m) => console.log(m) });
    // Every share of the final best chain that was found during the run reached the other two
    // nodes within 1 s of being found.
    const tracker = pools[0]!.node.chain.tracker;
    let checked = 0;
    for (const s of tracker.all.chain(pools[0]!.node.chain.best, tracker.getHeight(pools[0]!.node.chain.best))) {
      const origin = foundOn.get(s.hash);
      if (origin === undefined) continue;
      const seen = arrivals.get(s.hash)!;
      for (let j = 0; j < 3; j++) {
        expect(seen.has(j), `share ${s.hash} on node ${j}`).toBe(true);
        expect(seen.get(j)! - seen.get(origin)!).toBeLessThan(1_000);
      }
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    // The chains hold shares paying all three nodes' miners.
    const payees = new Set([...tracker.all.items()].map((s) => s.payee));
    for (let i = 0; i < 3; i++) expect(payees.has(addr(`miner ${i}`))).toBe(true);
  }, 180_000);
});
