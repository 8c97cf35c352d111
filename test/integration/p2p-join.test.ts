/**
 * Issue 5 acceptance on a real full node: a node that joins late, with only `-n` to one peer,
 * downloads the chain, verifies it and follows new shares; a node restarted from its store
 * (same data directory) is back on the best chain within seconds. One bcoin regtest node; our
 * nodes A and B mine (B -> A), D joins later through B only.
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
const miners: StratumTestMiner[] = [];

/** `shares` more shares on `pool` from a new miner paying `label`'s address. */
const mine = (pool: TestPoolNode, label: string, shares: number): Promise<void> => mineOnNewMiner(pool, addr(label), shares, miners);

beforeAll(async () => {
  bcoin = await startBcoinNode();
  const a = await startPoolNode({ bcoin, address: addr('node a'), log: () => {}, p2p: {} });
  pools.push(a);
  const b = await startPoolNode({ bcoin, address: addr('node b'), log: () => {}, p2p: { connect: [`127.0.0.1:${a.node.p2p!.port}`] } });
  pools.push(b);
  await waitFor('a and b peered', () => a.node.p2p!.readyPeers().length === 1 && b.node.p2p!.readyPeers().length === 1, 10_000);
}, 180_000);

afterAll(async () => {
  for (const m of miners) m.close();
  for (const p of pools.reverse()) await p.stop();
  await bcoin?.stop();
});

describe('joining and restarting', () => {
  it('a fourth node with only -n to one peer downloads the chain, verifies it and converges', async () => {
    const [a, b] = pools as [TestPoolNode, TestPoolNode];
    await mine(a, 'miner a', 15);
    await waitForAgreement([a, b]);
    await mine(b, 'miner b', 15);
    await waitForAgreement([a, b]);
    const best = a.node.chain.best!;
    const height = a.node.chain.tracker.getHeight(best);

    const lines: string[] = [];
    const t0 = Date.now();
    const d = await startPoolNode({ bcoin, address: addr('node d'), log: (level, msg) => lines.push(`${level} ${msg}`), p2p: { connect: [`127.0.0.1:${b.node.p2p!.port}`] } });
    pools.push(d);
    await waitFor('d on the best share', () => d.node.chain.best === best, 60_000);
    console.log(`late node synced ${height} shares in ${Date.now() - t0} ms (start included)`);
    const t = d.node.chain.tracker;
    // Every share of the chain is there and verified (the chain is rooted: a new regtest chain).
    expect(t.getHeight(best)).toBe(height);
    let verified = 0;
    for (const s of t.all.chain(best, height)) if (t.isVerified(s.hash)) verified++;
    expect(verified).toBe(height);
    expect(d.node.p2p!.readyPeers().map((p) => p.port)).toEqual([b.node.p2p!.port]);

    // It follows: a share found on A reaches D through B.
    await mine(a, 'miner a', 1);
    await waitForAgreement([a, b, d]);
  }, 300_000);

  it('a node restarted from its store is back on the best chain within seconds', async () => {
    const [a, b, d] = pools as [TestPoolNode, TestPoolNode, TestPoolNode];
    const datadir = d.datadir;
    await d.stop({ keepData: true });
    pools.pop();
    // The network moves on while D is down.
    await mine(b, 'miner b', 3);
    await waitForAgreement([a, b]);
    const lines: string[] = [];
    const t0 = Date.now();
    const again = await startPoolNode({ bcoin, address: addr('node d'), datadir, log: (level, msg) => lines.push(`${level} ${msg}`), p2p: { connect: [`127.0.0.1:${b.node.p2p!.port}`] } });
    pools.push(again);
    const loaded = /loaded (\d+) shares from the store/.exec(lines.join('\n'));
    expect(Number(loaded?.[1])).toBeGreaterThanOrEqual(16);
    await waitFor('restarted d on the best share', () => again.node.chain.best === b.node.chain.best, 10_000);
    const ms = Date.now() - t0;
    console.log(`restarted node back on the best chain ${ms} ms after start`);
    expect(ms).toBeLessThan(10_000);
  }, 300_000);
});
