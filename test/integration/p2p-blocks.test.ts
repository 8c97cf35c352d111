/**
 * Issue 5 acceptance, blocks: three of our nodes on one bcoin regtest node. A block found on
 * one node is accepted by the full node and its coinbase pays the miners of all three nodes by
 * PPLNS (checked output by output against test/support/pplns-expected.ts). And a share from a
 * peer that is a block (here from a hand-driven peer, so only our node can hand it to bitcoind)
 * is rebuilt and submitted, and bcoin takes it as its new tip.
 *
 * On regtest the PPLNS window is SPREAD = 3 blocks of work, and a block is ~2 hashes: with the
 * chain's minimum share difficulty (miners ask for less with `/D`, 1e-12 where regtest's minimum
 * is ~4.7e-10, and get the minimum)
 * a window holds the 3 shares below the finder's parent. Miners take turns, one share each,
 * so those three are from three nodes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { decodeBlock } from '../../src/bitcoin/block.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { RawPeer } from '../p2p/p2p-support.js';
import { ArrayChain } from '../support/array-chain.js';
import { startBcoinNode, type BcoinNode } from '../support/bcoin-node.js';
import { emptyTemplate, mineShare } from '../support/chain-builder.js';
import { mineShares, waitForAgreement, watchMiner } from '../support/p2p-converge.js';
import { startPoolNode, type TestPoolNode } from '../support/pool-node.js';
import { expectedPayouts } from '../support/pplns-expected.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { waitFor } from '../support/wait.js';

const regtest = getChainParams('regtest');
const net = getP2PoolNetwork('regtest');
const script = (label: string): Buffer => witnessScript(0, hash160(Buffer.from(label)));
const addr = (label: string): string => scriptToAddress(script(label), regtest)!;

let bcoin: BcoinNode;
const pools: TestPoolNode[] = [];
const logs: string[][] = [[], [], []];
const miners: StratumTestMiner[] = [];

beforeAll(async () => {
  bcoin = await startBcoinNode();
  for (let i = 0; i < 3; i++) {
    const connect = pools.map((p) => `127.0.0.1:${p.node.p2p!.port}`);
    pools.push(await startPoolNode({ bcoin, address: addr(`node ${i}`), log: (l, m) => void logs[i]!.push(`${l} ${m}`), p2p: { connect, banLoopback: true } }));
  }
  await waitFor('peers connected', () => pools.every((p) => p.node.p2p!.readyPeers().length === 2), 10_000);
  for (let i = 0; i < 3; i++) {
    const m = watchMiner(new StratumTestMiner({ port: pools[i]!.node.boundWorkerPort, username: `${addr(`miner ${i}`)}/0.000000000001`, onePerJob: true }));
    await m.connect();
    expect((await m.login()).result).toBe(true);
    miners.push(m);
  }
}, 180_000);

afterAll(async () => {
  for (const m of miners) m.close();
  for (const p of pools.reverse()) await p.stop();
  await bcoin?.stop();
});

/**
 * One share from node i's miner, then wait until every node has the same best share. The miner's
 * last submits are drained first (a late one would race the next node's share), and a tie of two
 * shares on one parent, which each node resolves by first-seen as the reference does, is broken
 * by one more share from node i.
 */
async function oneShare(i: number): Promise<void> {
  const mine = (): Promise<string> => mineShares(pools[i]!, miners[i]!, { payee: addr(`miner ${i}`), what: `a share on node ${i}` });
  await mine();
  await waitForAgreement(pools, { breakTie: mine, log: (m) => console.log(m) });
}

describe('blocks on the P2Pool network', () => {
  it('a block found on one node pays the miners of all three nodes by PPLNS, accepted by bcoin', async () => {
    const startHeight = bcoin.height();
    const tracker = pools[0]!.node.chain.tracker;
    const all3 = [0, 1, 2].map((i) => script(`miner ${i}`).toString('hex'));
    let found: { height: number; paid: Map<string, number> } | null = null;
    for (let round = 0; round < 4 && !found; round++) {
      for (let i = 0; i < 3; i++) await oneShare(i);
      // Every bcoin block since the start that is one of the chain's shares pays by PPLNS.
      for (let h = startHeight + 1; h <= bcoin.height(); h++) {
        const hash = ((await bcoin.rpc('getblockhash', [h])).body as { result: string }).result;
        const share = tracker.get(hash);
        if (!share) continue;
        const block = decodeBlock(Buffer.from(((await bcoin.rpc('getblock', [hash, 0])).body as { result: string }).result, 'hex'));
        const paid = new Map<string, number>();
        for (const o of block.txs[0]!.outputs) {
          const k = o.script.toString('hex');
          if (!k.startsWith('6a')) paid.set(k, (paid.get(k) ?? 0) + o.value); // not the commitment or OP_RETURN
        }
        const subsidy = block.txs[0]!.outputs.reduce((s, o) => s + o.value, 0);
        expect(paid).toEqual(expectedPayouts(share, subsidy, (x) => tracker.get(x), net));
        if (all3.every((k) => (paid.get(k) ?? 0) > 0)) found = { height: h, paid };
      }
    }
    expect(found, 'a block paying all three nodes\' miners').not.toBeNull();
    console.log(`block at height ${found!.height} pays ${[...found!.paid.values()].join(', ')} sat`);
    for (const l of logs) expect(l.join('\n')).not.toMatch(/REJECTED/);
  }, 300_000);

  it('a share from a peer that is a block is rebuilt and submitted; bcoin takes it', async () => {
    const a = pools[0]!.node;
    await waitFor('a template on the tip', () => a.templates.current?.previousBlockHash.equals(Buffer.from(bcoin.tipHash(), 'hex').reverse()), 10_000);
    const t = a.templates.current!;
    expect(t.transactions).toHaveLength(0); // nothing in bcoin's mempool: an empty template
    const chain = new ArrayChain(a.chain.tracker.all.items());
    const template = emptyTemplate({ prevBlock: t.previousBlockHash, bits: t.bits, subsidy: t.coinbaseValue, version: 0x20000000 });
    let share;
    for (let i = 0; ; i++) {
      // Mine until the share is also a block (almost always the first on regtest).
      share = mineShare(net, chain, template, { address: addr('raw peer'), timestamp: Math.max(t.curtime, t.mintime) }, a.chain.best, 100_000 + i);
      if (BigInt('0x' + share.hash) <= BigInt(`0x7fffff${'00'.repeat(29)}`)) break;
      chain.remove(share.hash);
    }
    const heightBefore = bcoin.height();
    const r = await RawPeer.open(a.p2p!.port, '127.0.0.9');
    try {
      r.sendVersion(0x99n);
      await waitFor('handshake', () => r.commands().includes('ping'), 5_000);
      r.send({ command: 'shares', shares: [{ type: 35, raw: share.raw }] });
      await waitFor('bcoin tip is the peer block', () => bcoin.tipHash() === share.hash, 15_000);
    } catch (e) {
      console.log(logs[0]!.slice(-15).join('\n'));
      throw e;
    } finally {
      r.close();
    }
    expect(bcoin.height()).toBe(heightBefore + 1);
    expect(a.chain.best).toBe(share.hash);
    const text = logs[0]!.join('\n');
    expect(text).toMatch(new RegExp(`GOT BLOCK FROM PEER 127\\.0\\.0\\.9:\\d+! Passing to bitcoind: share ${share.hash}`));
    await waitFor('bitcoind\'s answer logged', () => logs[0]!.some((l) => l.includes(`peer block ${share.hash} accepted by bitcoind`)), 10_000);
    expect(a.p2p!.bans.isBanned('127.0.0.9')).toBe(false);
  }, 120_000);
});
