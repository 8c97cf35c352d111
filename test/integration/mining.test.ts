/**
 * Issue 4's end-to-end run on a real full node: bcoin regtest (segwit active) started here,
 * our node on the regtest P2Pool network with a new sharechain, two Stratum miners (one rolling
 * version bits) and a getwork miner paying P2WPKH, P2SH and P2PKH addresses, and a taproot
 * miner that must be refused. Blocks are found, submitted and accepted by bcoin; each accepted
 * block's coinbase is checked against a PPLNS computation written out here, independently of
 * the sharechain code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { p2pkhScript, p2shScript, witnessScript } from '../../src/bitcoin/script.js';
import { decodeBlock } from '../../src/bitcoin/block.js';
import type { P2PoolNode } from '../../src/node/node.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { startBcoinNode, type BcoinNode } from '../support/bcoin-node.js';
import { startPoolNode, type TestPoolNode } from '../support/pool-node.js';
import { expectedPayouts } from '../support/pplns-expected.js';
import { waitFor } from '../support/wait.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { GetworkTestMiner, httpCall } from '../support/getwork-miner.js';

const regtest = getChainParams('regtest');
const net = getP2PoolNetwork('regtest');
const addr = (script: Buffer): string => scriptToAddress(script, regtest)!;
const P2WPKH = addr(witnessScript(0, hash160(Buffer.from('miner one'))));
const P2SH = addr(p2shScript(hash160(Buffer.from('miner two'))));
const P2PKH = addr(p2pkhScript(hash160(Buffer.from('miner three'))));
const NODE = addr(witnessScript(0, hash160(Buffer.from('node operator'))));
const TAPROOT = addr(witnessScript(1, Buffer.alloc(32, 7)));

let bcoin: BcoinNode;
let node: P2PoolNode;
let pool: TestPoolNode;
const logs: string[] = [];


beforeAll(async () => {
  bcoin = await startBcoinNode();
  pool = await startPoolNode({ bcoin, address: NODE, log: (level, msg) => logs.push(`${level} ${msg}`) });
  node = pool.node;
}, 180_000);

afterAll(async () => {
  await pool?.stop();
  await bcoin?.stop();
});

describe('a single node mining on a real full node (bcoin regtest)', () => {
  it('serves /local_stats once it serves miners', async () => {
    const r = await httpCall(node.boundWorkerPort, 'GET', '/local_stats', null, '');
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(body.protocol_version).toBe(3501);
    expect(typeof body.block_value).toBe('number');
  });

  it('refuses a taproot payout address at authorize, saying why and what works', async () => {
    const m = new StratumTestMiner({ port: node.boundWorkerPort, username: TAPROOT });
    await m.connect();
    const r = await m.login();
    m.close();
    expect(r.result).not.toBe(true);
    const [code, message] = r.error as [number, string];
    expect(code).toBe(24);
    expect(message).toMatch(/taproot/);
    expect(message).toMatch(/P2PKH/);
  });

  it('mines shares and blocks that bcoin accepts, each paying PPLNS to the satoshi', async () => {
    const startHeight = bcoin.height();
    const a = new StratumTestMiner({ port: node.boundWorkerPort, username: `${P2WPKH}.rig1`, onePerJob: true });
    const b = new StratumTestMiner({ port: node.boundWorkerPort, username: P2SH, versionRolling: true, onePerJob: true });
    await a.connect();
    await b.connect();
    expect((await a.login()).result).toBe(true);
    expect((await b.login()).result).toBe(true);
    a.start();
    b.start();
    const g = new GetworkTestMiner(node.boundWorkerPort, P2PKH);
    let getworkAccepted = 0;
    const getworkLoop = (async () => {
      while (getworkAccepted < 2) {
        const { result } = await g.getwork();
        const solved = GetworkTestMiner.solve(result);
        if (solved && (await g.submit(solved))) getworkAccepted++;
      }
    })();
    await getworkLoop;
    await waitFor('blocks from all three miners', () => {
      const payees = new Set([...node.chain.tracker.all.items()].map((s) => s.shareInfo.shareData.address));
      return bcoin.height() >= startHeight + 6 && payees.has(P2WPKH) && payees.has(P2SH) && payees.has(P2PKH);
    }, 120_000);
    a.stop();
    b.stop();
    await new Promise((r) => setTimeout(r, 500));
    a.close();
    b.close();

    // The rolled miner's shares carry its version bits.
    expect(b.submits.some((s) => s.result === true)).toBe(true);

    // Every block on bcoin's chain since we started is one of our shares, and pays by PPLNS.
    let checked = 0;
    const tip = bcoin.height();
    for (let h = startHeight + 1; h <= tip; h++) {
      const hash = (await bcoin.rpc('getblockhash', [h])).body as { result: string };
      const raw = (await bcoin.rpc('getblock', [hash.result, 0])).body as { result: string };
      const block = decodeBlock(Buffer.from(raw.result, 'hex'));
      const share = node.chain.tracker.get(hash.result);
      if (!share) continue; // a block of a share that was pruned or not ours; none expected
      const coinbase = block.txs[0]!;
      const paid = new Map<string, number>();
      for (const o of coinbase.outputs) {
        const k = o.script.toString('hex');
        if (k.startsWith('6a')) continue; // witness commitment and the share's OP_RETURN
        paid.set(k, (paid.get(k) ?? 0) + o.value);
      }
      const subsidy = coinbase.outputs.reduce((s, o) => s + o.value, 0);
      expect(paid).toEqual(expectedPayouts(share, subsidy, (h) => node.chain.tracker.get(h), net));
      // The 0.5% finder bonus is in there: the finder gets at least subsidy // 200.
      expect(paid.get(share.payoutScript.toString('hex'))!).toBeGreaterThanOrEqual(Math.floor(subsidy / 200));
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(3);
    expect(node.work.counters.blocksAccepted).toBeGreaterThanOrEqual(checked);
    expect(logs.some((l) => l.includes('REJECTED'))).toBe(false);
  }, 180_000);

  it('a block the full node mines itself reaches miners as a clean job, with the latency measured', async () => {
    const m = new StratumTestMiner({ port: node.boundWorkerPort, username: P2WPKH });
    await m.connect();
    await m.login();
    await waitFor('first job', () => m.job);
    const before = m.notifies.length;
    const t0 = Date.now();
    const [hash] = await bcoin.mine(1);
    const fresh = await waitFor('job on the new block', () => m.notifies.slice(before).find((n) => n.clean && Buffer.from(n.prevHash, 'hex').length === 32 && stratumPrevToDisplay(n.prevHash) === hash));
    const latency = Date.now() - t0;
    console.log(`new block -> mining.notify latency: ${latency} ms`);
    expect(fresh.clean).toBe(true);
    expect(latency).toBeLessThan(5_000);
    expect(logs.some((l) => /work updated \d+ ms after bitcoind announced it/.test(l))).toBe(true);
    m.close();
  });
});

function stratumPrevToDisplay(prev: string): string {
  const b = Buffer.from(prev, 'hex');
  for (let i = 0; i < 32; i += 4) b.subarray(i, i + 4).reverse();
  return hashToDisplayHex(b);
}
