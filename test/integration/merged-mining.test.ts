/**
 * Issue 7's merged mining end to end: bcoin regtest as the parent full node, one of our nodes
 * merge-mining two aux chains of our own (test/support/aux-chain-server.ts; one speaks
 * getauxblock, the other createauxblock/submitauxblock, and both fully check every AuxPoW
 * with Namecoin's rules), and a real Stratum miner. The aux chains accept blocks while the
 * parent's shares and blocks go on being made and accepted; a dead aux chain stops nothing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { decodeBlock } from '../../src/bitcoin/block.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { startBcoinNode, freePort, type BcoinNode } from '../support/bcoin-node.js';
import { startPoolNode, type TestPoolNode } from '../support/pool-node.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { AuxChainServer } from '../support/aux-chain-server.js';
import { waitFor } from '../support/wait.js';

const regtest = getChainParams('regtest');
const MINER = scriptToAddress(witnessScript(0, hash160(Buffer.from('merged miner'))), regtest)!;
const NODE = scriptToAddress(witnessScript(0, hash160(Buffer.from('merged node'))), regtest)!;

let bcoin: BcoinNode;
/** What the running test started; stopped when it ends (newest first). */
const stops: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  bcoin = await startBcoinNode();
}, 180_000);

// Each test's pool node, miner and aux chains stop when that test ends, not after the file:
// both tests mine on the one bcoin node, and a pool left running from the first test (its
// aux chains still alive) kept winning block races during the second, so the second test's
// "no commitment" block could be the first pool's, carrying its two-chain commitment.
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
}, 60_000);

afterAll(async () => {
  await bcoin?.stop();
});

async function startMiner(port: number): Promise<StratumTestMiner> {
  const m = new StratumTestMiner({ port, username: MINER, onePerJob: true });
  await m.connect();
  expect((await m.login()).result).toBe(true);
  m.start();
  stops.push(() => {
    m.stop();
    m.close();
  });
  return m;
}

async function blockOnBcoin(hash: string): Promise<ReturnType<typeof decodeBlock> | null> {
  const raw = (await bcoin.rpc('getblock', [hash, 0])).body as { result: string | null };
  return raw.result ? decodeBlock(Buffer.from(raw.result, 'hex')) : null;
}

describe('merged mining on a real full node (bcoin regtest)', () => {
  it('merge-mines a getauxblock chain and a createauxblock chain while parent shares and blocks go on', async () => {
    const nmc = await AuxChainServer.start({ chainId: 1, style: 'getauxblock' });
    const doge = await AuxChainServer.start({ chainId: 0x62, style: 'createauxblock', user: 'doge', password: 'wow' });
    stops.push(() => nmc.stop(), () => doge.stop());
    const logs: string[] = [];
    const pool: TestPoolNode = await startPoolNode({
      bcoin,
      address: NODE,
      log: (level, msg) => logs.push(`${level} ${msg}`),
      // One with credentials in the URL, one with --merged-userpass.
      merged: [{ url: nmc.url }, { url: `http://127.0.0.1:${doge.port}/`, userpass: 'doge:wow' }],
    });
    stops.push(() => pool.stop());
    const { node } = pool;
    const merged = node.merged!;
    const startHeight = bcoin.height();
    await startMiner(node.boundWorkerPort);

    await waitFor('aux blocks on both chains and parent blocks', () =>
      nmc.accepted.length >= 3 && doge.accepted.length >= 3 && bcoin.height() >= startHeight + 3, 150_000);

    // Every AuxPoW that reached the aux chains passed their full check: nothing was refused.
    expect(nmc.rejected).toEqual([]);
    expect(doge.rejected).toEqual([]);
    expect(doge.calls).toContain('createauxblock');
    expect(doge.calls).toContain('submitauxblock');
    // Style detected once: one getauxblock (unknown there), then createauxblock only.
    expect(doge.calls.filter((m) => m === 'getauxblock')).toHaveLength(1);
    expect(doge.calls.filter((m) => m === 'getnewaddress')).toHaveLength(1);
    await waitFor('stats caught up', () => {
      const [a, b] = merged.stats();
      return a!.accepted === nmc.accepted.length && b!.accepted === doge.accepted.length;
    });
    expect(merged.stats().map((s) => [s.chainId, s.rejected, s.lastError])).toEqual([[1, 0, null], [0x62, 0, null]]);
    expect(logs.some((l) => l.includes('REJECTED'))).toBe(false);

    // The parent blocks bcoin accepted carry the merged-mining commitment right after the
    // BIP34 height, and some aux proofs are made from those very blocks.
    const tip = bcoin.height();
    let withCommitment = 0;
    for (let h = startHeight + 1; h <= tip; h++) {
      const hash = ((await bcoin.rpc('getblockhash', [h])).body as { result: string }).result;
      const block = (await blockOnBcoin(hash))!;
      const script = block.txs[0]!.inputs[0]!.script;
      const at = script.indexOf(Buffer.from('fabe6d6d', 'hex'));
      if (at >= 0) {
        expect(script[at - 1]).toBe(0x2c); // pushed as 44 bytes of data
        expect(at - 1).toBe(1 + script[0]!); // right after the height push
        withCommitment++;
      }
    }
    expect(withCommitment).toBeGreaterThanOrEqual(3);
    const parents = await Promise.all([...nmc.accepted, ...doge.accepted].map((b) => blockOnBcoin(b.parentHash)));
    expect(parents.filter((b) => b !== null).length).toBeGreaterThanOrEqual(1);

    // The sharechain kept growing while merge-mining.
    expect(node.work.counters.shares).toBeGreaterThanOrEqual(3);
  }, 200_000);

  it('a dead aux chain stops neither parent mining nor the other aux chain', async () => {
    const live = await AuxChainServer.start({ chainId: 1, style: 'getauxblock' });
    stops.push(() => live.stop());
    const deadPort = await freePort();
    const logs: string[] = [];
    const pool = await startPoolNode({
      bcoin,
      address: NODE,
      log: (level, msg) => logs.push(`${level} ${msg}`),
      merged: [{ url: live.url }, { url: `http://aux:auxpass@127.0.0.1:${deadPort}/` }],
    });
    stops.push(() => pool.stop());
    const { node } = pool;
    const startHeight = bcoin.height();
    await startMiner(node.boundWorkerPort);
    await waitFor('aux and parent blocks with one aux chain dead', () => live.accepted.length >= 2 && bcoin.height() >= startHeight + 2, 150_000);
    expect(node.merged!.stats()[1]!.lastError).toMatch(/ECONNREFUSED/);
    expect(logs.filter((l) => l.includes('left out of merged mining'))).toHaveLength(1);

    // Now the live one dies too, mid-run: parent blocks keep coming.
    await live.stop();
    // lastError is set in the same step that drops the chain's work and rebuilds the tree
    // (merged-mining.ts poll), so from here on every job base is built without a commitment.
    await waitFor('the aux chain noticed as dead', () => node.merged!.stats()[0]!.lastError !== null, 30_000);
    expect(node.merged!.coinbaseCommitment()).toBeNull();
    const height = bcoin.height();
    await waitFor('parent blocks without any aux chain', () => bcoin.height() >= height + 2, 120_000);
    expect(node.merged!.coinbaseCommitment()).toBeNull();
    // Block height+1 may still come from a job handed out before the change (a solved block on
    // an older job is still submitted, as the reference does, and rightly keeps the old
    // commitment). Every later block builds on height+1, found after the change, so its job
    // was made after it: none of them may carry a commitment. This pool is the only miner.
    const tip = bcoin.height();
    for (let h = height + 2; h <= tip; h++) {
      const hash = ((await bcoin.rpc('getblockhash', [h])).body as { result: string }).result;
      const script = (await blockOnBcoin(hash))!.txs[0]!.inputs[0]!.script;
      expect(script.includes(Buffer.from('fabe6d6d', 'hex')), `block ${h} of ${tip}, ${script.toString('hex')}`).toBe(false);
    }
  }, 300_000);
});
