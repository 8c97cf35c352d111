/**
 * Issue 5 acceptance: a partition heals. Nodes A and B (group 1) and C (group 2) share a chain;
 * C goes away (restarted from its store with no peers) and both groups mine apart on the same
 * bcoin regtest node; then C dials A again. All three end on one best share, the one the score
 * prefers, and every node whose best share was not on the winning chain logs the switch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { startBcoinNode, type BcoinNode } from '../support/bcoin-node.js';
import { mineOnNewMiner, waitForAgreement } from '../support/p2p-converge.js';
import { startPoolNode, type TestPoolNode } from '../support/pool-node.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { waitFor } from '../support/wait.js';

const regtest = getChainParams('regtest');
const addr = (label: string): string => scriptToAddress(witnessScript(0, hash160(Buffer.from(label))), regtest)!;

let bcoin: BcoinNode;
const pools: TestPoolNode[] = [];
const logs: string[][] = [[], [], []];
const miners: StratumTestMiner[] = [];

/** `shares` more shares on `pool` from a new miner paying `label`'s address. */
const mine = (pool: TestPoolNode, label: string, shares: number): Promise<void> => mineOnNewMiner(pool, addr(label), shares, miners);

const logTo = (i: number) => (level: string, msg: string): void => void logs[i]!.push(`${level} ${msg}`);

beforeAll(async () => {
  bcoin = await startBcoinNode();
  const a = await startPoolNode({ bcoin, address: addr('node a'), log: logTo(0), p2p: {} });
  const b = await startPoolNode({ bcoin, address: addr('node b'), log: logTo(1), p2p: { connect: [`127.0.0.1:${a.node.p2p!.port}`] } });
  const c = await startPoolNode({ bcoin, address: addr('node c'), log: logTo(2), p2p: { connect: [`127.0.0.1:${a.node.p2p!.port}`] } });
  pools.push(a, b, c);
  await waitFor('peered', () => a.node.p2p!.readyPeers().length === 2, 10_000);
}, 180_000);

afterAll(async () => {
  for (const m of miners) m.close();
  for (const p of pools.reverse()) await p.stop();
  await bcoin?.stop();
});

describe('a partition heals', () => {
  it('all nodes end on the preferred chain and the nodes that switched log it', async () => {
    const [a, b] = pools as [TestPoolNode, TestPoolNode, TestPoolNode];
    await mine(a, 'miner a', 6);
    const common = await waitForAgreement(pools);

    // Partition: C restarts from its store without peers; A and B no longer see it.
    const datadir = pools[2]!.datadir;
    await pools[2]!.stop({ keepData: true });
    const c = await startPoolNode({ bcoin, address: addr('node c'), datadir, log: logTo(2), p2p: {} });
    pools[2] = c;
    expect(c.node.chain.best).toBe(common);
    await waitFor('a sees only b', () => a.node.p2p!.readyPeers().length === 1, 10_000);

    // Each group mines on its own: group 1 more than group 2.
    await mine(c, 'miner c', 3);
    await mine(a, 'miner a', 4);
    await waitForAgreement([a, b]);
    await mine(b, 'miner b', 4);
    await waitForAgreement([a, b]);
    const heads = [a.node.chain.best!, c.node.chain.best!];
    expect(c.node.chain.tracker.has(heads[0]!)).toBe(false);
    expect(a.node.chain.tracker.has(heads[1]!)).toBe(false);
    for (const l of logs) l.length = 0;

    // Heal.
    c.node.p2p!.connectTo({ host: '127.0.0.1', port: a.node.p2p!.port });
    // Only best shares are relayed and group 1's chain is longer: no tie can arise here.
    const best = await waitForAgreement(pools);
    // The winner is one of the two partition chains (or builds on one). The losing side learnt
    // the winning chain when they met (the winners need not fetch the loser's: only best shares
    // are relayed), and its score chose it with both in hand.
    const forest = [a, c].find((p) => p.node.chain.tracker.has(heads[0]!) && p.node.chain.tracker.has(heads[1]!))!.node.chain.tracker.all;
    const winner = heads.find((h) => forest.isAncestor(h, best));
    expect(winner).toBeDefined();
    const loserIndexes = winner === heads[0] ? [2] : [0, 1];
    for (const i of loserIndexes) {
      expect(logs[i]!.join('\n'), `node ${i} logs its switch`).toMatch(/P2P: switched to another chain: best share [0-9a-f]{16}… \(height \d+, from 127\.0\.0\.1:\d+\) does not build on the previous best [0-9a-f]{16}…; they fork after [0-9a-f]{16}…/);
    }
    for (let i = 0; i < 3; i++) if (!loserIndexes.includes(i)) expect(logs[i]!.join('\n')).not.toMatch(/switched to another chain/);
    console.log(`partition healed on ${winner === heads[0] ? 'group 1' : 'group 2'}'s chain`);
  }, 300_000);
});
