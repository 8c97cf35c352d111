/**
 * Issue 15 acceptance on a real full node: the fair sharechain rules live (docs/fair-sharechain.md).
 * One bcoin regtest node and three of our pool nodes on the fair regtest network, each with its
 * own store and a Stratum miner (A: P2WPKH, B: P2PKH, C: taproot asking for the smallest
 * coinbase class, `~3`). C reaches A and B through relays the test can hold, so a share found
 * on C arrives late.
 *
 * - The nodes agree on the best link and their blocks are accepted by bcoin.
 * - A share held back until the chain has moved on two links is still referenced by the next
 *   link and paid: a later block in bcoin's chain pays its payee, and that coinbase is, output
 *   for output, what an independent model of the spec (test/support/fair-model.ts) computes.
 * - The taproot address is paid by coinbases in bcoin's chain.
 * - No coinbase carries more payout outputs than its share's class (200 at most), and C's block
 *   (class 3, with A, B and C in its window) carries at most 3.
 * - getwork, the JSON API's fair fields and /metrics work; a node restarts from its store.
 * - A v35 node beside them on the same machine and bcoin never joins their network: dialled
 *   either way, each side drops the other's bytes (other message prefix) and no peer forms.
 *
 * The network is a test variant of regtest-fair (its own identity): output classes [3, 200], so
 * the bound binds with this test's handful of payees; a link every 2 s instead of 10 and links
 * 16 times harder to start with (1 hash in 256), so the test's few links come at a steady pace
 * at CPU hash rates (every link is a block on regtest: a flood of cheap ones slows bcoin down).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { decodeBlock } from '../../src/bitcoin/block.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { hash160, sha256 } from '../../src/bitcoin/hash.js';
import { p2pkhScript, witnessScript } from '../../src/bitcoin/script.js';
import type { Transaction } from '../../src/bitcoin/transaction.js';
import { getFairNetwork, withFairRules } from '../../src/sharechain/fair/networks.js';
import type { FairShare } from '../../src/sharechain/fair/types.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { startBcoinNode, type BcoinNode } from '../support/bcoin-node.js';
import { FairModel, type ModelShare } from '../support/fair-model.js';
import { GetworkTestMiner } from '../support/getwork-miner.js';
import { HoldProxy } from '../support/hold-proxy.js';
import { stopMiner, watchMiner } from '../support/p2p-converge.js';
import { startFairPoolNode, startPoolNode, type TestPoolNode } from '../support/pool-node.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { waitFor } from '../support/wait.js';

const regtest = getChainParams('regtest');
const net = withFairRules(getFairNetwork('regtest-fair'), { outputClasses: [3, 200], linkPeriod: 2, linkMaxTarget: (1n << 248n) - 1n });
const p2wpkh = (label: string): Buffer => witnessScript(0, hash160(Buffer.from(label)));
const address = (script: Buffer): string => scriptToAddress(script, regtest)!;
const SCRIPTS = {
  a: p2wpkh('fair miner A'),
  b: p2pkhScript(hash160(Buffer.from('fair miner B'))),
  c: witnessScript(1, sha256(Buffer.from('fair miner C'))),
  late: p2wpkh('fair late miner'),
};

type FairPool = Awaited<ReturnType<typeof startFairPoolNode>>;
let bcoin: BcoinNode;
let startHeight = 0;
const pools: FairPool[] = [];
const proxies: HoldProxy[] = [];
const miners: StratumTestMiner[] = [];
let v35: TestPoolNode | null = null;
const logs: string[][] = [[], [], [], []];

/** A CPU miner at 500 H/s. */
async function newMiner(pool: FairPool, username: string): Promise<StratumTestMiner> {
  const m = watchMiner(new StratumTestMiner({ port: pool.node.boundWorkerPort, username, hashrate: 500, exactDifficulty: true }));
  miners.push(m);
  await m.connect();
  const login = await m.login();
  if (login.result !== true) throw new Error(`${username} not authorized: ${JSON.stringify(login.error)}`);
  return m;
}

/** Mine with `miner` until `done`, then stop it and wait for its submits' answers. */
async function mineUntil(miner: StratumTestMiner, what: string, done: () => boolean, ms = 60_000): Promise<void> {
  miner.start();
  try {
    await waitFor(what, done, ms);
  } finally {
    await stopMiner(miner);
  }
}

const height = (p: FairPool): number => p.node.sharechain.height(p.node.sharechain.best);

/** All three on one best link; a first-seen tie (equal links on one parent) is broken by one more link on A. */
async function agree(tieBreaker: StratumTestMiner): Promise<string> {
  for (let tries = 0; ; tries++) {
    try {
      return await waitFor('the three nodes on one best link', () => {
        const best = pools[0]!.node.sharechain.best;
        return best !== null && pools.every((p) => p.node.sharechain.best === best) && best;
      }, 8_000);
    } catch (e) {
      if (tries >= 3) throw e;
      const h = height(pools[0]!);
      await mineUntil(tieBreaker, 'a tie-breaking link', () => height(pools[0]!) > h);
    }
  }
}

/** Blocks of bcoin's chain since the test started, with their coinbase. */
async function chainBlocks(): Promise<Array<{ hash: string; coinbase: Transaction }>> {
  const out: Array<{ hash: string; coinbase: Transaction }> = [];
  for (let h = startHeight + 1; h <= bcoin.height(); h++) {
    const hash = ((await bcoin.rpc('getblockhash', [h])).body as { result: string }).result;
    const raw = ((await bcoin.rpc('getblock', [hash, 0])).body as { result: string }).result;
    out.push({ hash, coinbase: decodeBlock(Buffer.from(raw, 'hex')).txs[0]! });
  }
  return out;
}

/** A coinbase's payouts: what the spec's model lists (outputs of value > 0 that are not the ref or commitment). */
const payoutsOf = (tx: Transaction): Array<{ script: string; value: bigint }> =>
  tx.outputs.filter((o) => o.value > 0).map((o) => ({ script: o.script.toString('hex'), value: BigInt(o.value) }));

/** Every share node A holds, fed to the spec's model in an order where parents and references come first. */
function modelOf(pool: FairPool): FairModel {
  const model = new FairModel({
    identifier: net.identifier,
    linkPeriod: 2, linkLookbehind: 20, linkMaxTarget: (1n << 248n) - 1n, maxTarget: (1n << 256n) - 1n,
    floorRangeLog2: 16, floorLookbehind: 10, ceilingRefsPerLink: 30, floorStepDivisor: 32,
    bonusNumerator: 1, bonusDenominator: 10, windowLinks: 360, windowEntries: 32 * 360, spread: 2 ** 40, finderDivisor: 0,
  });
  const t = pool.node.chain.tracker;
  let left: FairShare[] = [];
  for (const item of t.links.items()) left.push(item.share, ...[...t.childrenOf(item.share.hash)].filter((c) => !c.isLink));
  while (left.length > 0) {
    const next: FairShare[] = [];
    for (const s of left) {
      const deps = [s.prevHash, ...s.refHashes].filter((h): h is string => h !== null);
      if (deps.every((h) => model.shares.has(h))) {
        const m = model.add(s.raw);
        expect(m.hash).toBe(s.hash);
      } else {
        next.push(s);
      }
    }
    if (next.length === left.length) throw new Error('model: shares whose parents are missing');
    left = next;
  }
  return model;
}

beforeAll(async () => {
  bcoin = await startBcoinNode();
  startHeight = bcoin.height();
  const log = (i: number) => (level: string, msg: string): void => void logs[i]!.push(`${level} ${msg}`);
  const a = await startFairPoolNode({ bcoin, net, address: address(p2wpkh('fair node A')), log: log(0), p2p: {} });
  const b = await startFairPoolNode({ bcoin, net, address: address(p2wpkh('fair node B')), log: log(1), p2p: { connect: [`127.0.0.1:${a.node.p2p!.port}`] } });
  pools.push(a, b);
  for (const p of [a, b]) proxies.push(await HoldProxy.start({ host: '127.0.0.1', port: p.node.p2p!.port }));
  const c = await startFairPoolNode({ bcoin, net, address: address(p2wpkh('fair node C')), log: log(2), p2p: { connect: proxies.map((x) => `127.0.0.1:${x.port}`) } });
  pools.push(c);
  await waitFor('peers connected', () => pools.every((p) => p.node.p2p!.readyPeers().length === 2), 15_000);
}, 180_000);

afterAll(async () => {
  for (const m of miners) m.close();
  await v35?.stop();
  for (const p of [...pools].reverse()) await p.stop();
  for (const x of proxies) await x.close();
  await bcoin?.stop();
});

describe('the fair network on bcoin regtest: three nodes', () => {
  it('agree on the best link, get blocks accepted, pay a late share, pay taproot, and keep the coinbase within its class', { timeout: 120_000 }, async () => {
    const [a, b, c] = pools as [FairPool, FairPool, FairPool];
    const mA = await newMiner(a, address(SCRIPTS.a));
    const mB = await newMiner(b, address(SCRIPTS.b));
    // ~3: the smallest coinbase class.
    const mC = await newMiner(c, `${address(SCRIPTS.c)}~3`);
    const cBlocksAccepted: string[] = [];
    c.node.work.on('block', (found, outcome) => {
      if (outcome.kind === 'accepted') cBlocksAccepted.push(found.hash);
    });

    // 1. All three mine until each node had a block accepted and the chain is a few links high;
    // then C's miner alone until it has a block (its window holds more payees than its class).
    for (const m of [mA, mB, mC]) m.start();
    try {
      await waitFor('blocks accepted and shares on every node', () => pools.every((p) => p.node.work.counters.blocksAccepted >= 1 && p.node.work.counters.shares >= 1) && height(a) >= 8, 60_000);
    } finally {
      for (const m of [mA, mB, mC]) await stopMiner(m);
    }
    await agree(mA);
    // Every miner has shares in the window now: C's next block pays more payees than its class has slots.
    const cBlocks = cBlocksAccepted.length;
    await mineUntil(mC, "a block from C's taproot miner", () => cBlocksAccepted.length > cBlocks);
    const cBlock = cBlocksAccepted.at(-1)!;
    await agree(mA);

    // 2. C's links to A and B are held; a new miner on C finds one share; A mines two links.
    const lateMiner = await newMiner(c, address(SCRIPTS.late));
    for (const x of proxies) x.hold();
    let late: FairShare | null = null;
    const onShare = (s: FairShare): void => {
      if (s.info.payoutScript.equals(SCRIPTS.late)) late ??= s;
    };
    c.node.work.on('share', onShare);
    await mineUntil(lateMiner, "the late miner's share on C", () => late !== null);
    c.node.work.off('share', onShare);
    const lateShare = late as unknown as FairShare;
    const parent = lateShare.prevHash!;
    const h0 = height(a);
    await mineUntil(mA, 'two links on A', () => height(a) >= h0 + 2);
    await waitFor("B on A's best", () => b.node.sharechain.best === a.node.sharechain.best);
    expect(a.node.sharechain.has(lateShare.hash)).toBe(false);
    expect(a.node.sharechain.isAncestor(parent, a.node.sharechain.best!)).toBe(true);
    for (const x of proxies) x.release();

    // It arrives two links late, within the horizon: referenceable, then referenced by the next
    // link; A mines until bcoin's tip is a block whose share builds on that link or above it
    // (such a block's window pays the late share).
    await waitFor('the late share on A and B', () => a.node.sharechain.isVerified(lateShare.hash) && b.node.sharechain.isVerified(lateShare.hash), 15_000);
    expect(a.node.chain.classify(lateShare.hash).status).toBe('referenceable');
    let referencedBy: string | null = null;
    await mineUntil(mA, 'a block in bcoin on a link that references the late share', () => {
      const st = a.node.chain.classify(lateShare.hash);
      if (st.status !== 'referenced') return false;
      referencedBy = st.by;
      const tip = a.node.chain.tracker.share(bcoin.tipHash());
      return tip !== undefined && tip.prevHash !== null && a.node.sharechain.isAncestor(st.by, tip.prevHash);
    });
    const best = await agree(mA);
    for (const p of pools) {
      expect(p.node.work.counters.blocksAccepted, p.node.config.net.name).toBeGreaterThan(0);
      expect(p.node.chain.classify(lateShare.hash)).toMatchObject({ status: 'referenced', by: referencedBy });
    }
    expect(best).toBe(a.node.chain.best);

    // 3. bcoin's chain: every coinbase of ours, checked against the spec's model.
    const model = modelOf(a);
    const inChain = await chainBlocks();
    // Every coinbase in bcoin's chain since the start is within the largest class.
    for (const blk of inChain) expect(payoutsOf(blk.coinbase).length).toBeLessThanOrEqual(200);
    // C's class-3 block, in bcoin's chain: at most 3 payouts while A, B and C all had shares in its window.
    const cCoinbase = inChain.find((blk) => blk.hash === cBlock)?.coinbase;
    expect(cCoinbase, 'C\'s block in bcoin\'s chain').toBeDefined();
    const cPaid = payoutsOf(cCoinbase!);
    expect(cPaid.length).toBeLessThanOrEqual(3);
    const blocks = inChain.filter((blk) => model.shares.has(blk.hash));
    expect(blocks.length).toBeGreaterThan(3);
    let paidLate: { share: ModelShare; value: bigint } | null = null;
    let taprootPaid = 0n;
    for (const blk of blocks) {
      const s = model.shares.get(blk.hash)!;
      const paid = payoutsOf(blk.coinbase);
      expect(paid, blk.hash).toEqual(s.payouts);
      expect(paid.length).toBeLessThanOrEqual(s.maxOutputs);
      expect(s.maxOutputs).toBeLessThanOrEqual(200);
      if (s.script.equals(SCRIPTS.c)) {
        expect(s.maxOutputs).toBe(3);
        expect(paid.length).toBeLessThanOrEqual(3);
      }
      for (const o of paid) if (o.script === SCRIPTS.c.toString('hex')) taprootPaid += o.value;
      const l = paid.find((o) => o.script === SCRIPTS.late.toString('hex'));
      if (l && blk.hash !== lateShare.hash && !s.script.equals(SCRIPTS.late)) paidLate ??= { share: s, value: l.value };
    }
    // The late share's payee has no other share: a block other than its own pays it through the
    // reference, by exactly the amount the model's window gives it (checked above, output for output).
    expect(paidLate).not.toBeNull();
    expect(paidLate!.value).toBeGreaterThan(0n);
    expect(taprootPaid).toBeGreaterThan(0n);
    // The block paying the late share (class 200, after C's) pays more outputs than C's class has:
    // the window held more payees than 3, and C's coinbase carried no more than 3.
    expect(payoutsOf(inChain.find((blk) => blk.hash === paidLate!.share.hash)!.coinbase).length).toBeGreaterThan(3);
  });

  it('serves getwork, the JSON API and /metrics on the fair rules, and a node restarts from its store', { timeout: 60_000 }, async () => {
    const [a, b] = pools as [FairPool, FairPool];
    // getwork (an old miner) on B: its solution becomes a share paying it.
    const gw = address(p2wpkh('fair getwork miner'));
    const g = new GetworkTestMiner(b.node.boundWorkerPort, gw);
    // A loaded machine can keep bcoin from answering for a moment: wait for work, as a miner would.
    await waitFor('work on B', () => b.node.work.unavailable() === null, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}: ${b.node.work.unavailable()}\n${logs[1]!.filter((l) => !/^info (share|GOT|block)/.test(l)).slice(-20).join('\n')}`);
    });
    const { result } = await g.getwork();
    expect(await g.submit(GetworkTestMiner.solve(result)!)).toBe(true);
    await waitFor('the getwork share on A', () => [...a.node.chain.tracker.links.items()].some((l) => address(l.share.info.payoutScript) === gw) ||
      [...a.node.chain.tracker.links.items()].some((l) => [...a.node.chain.tracker.childrenOf(l.share.hash)].some((c) => address(c.info.payoutScript) === gw)));

    const api = async (path: string): Promise<unknown> => (await fetch(`http://127.0.0.1:${a.node.boundWorkerPort}${path}`)).json();
    const status = (await api('/web/status')) as { network: string; sync: { height: number; chain_length: number } };
    expect(status.network).toBe('regtest-fair');
    expect(status.sync).toMatchObject({ height: height(a), chain_length: 360 });
    const local = (await api('/local_stats')) as { fair: { link_difficulty: number; floor_difficulty: number; references: { links: number }; output_classes: number[]; recent_links: unknown[] } };
    expect(local.fair.output_classes).toEqual([3, 200]);
    expect(local.fair.floor_difficulty).toBeLessThanOrEqual(local.fair.link_difficulty);
    expect(local.fair.references.links).toBeGreaterThan(0);
    expect(local.fair.recent_links.length).toBeGreaterThan(0);
    // Expected payouts are keyed by address, the taproot one included, and sum to the subsidy (no finder bonus on the fair networks) less the floors' dust.
    const payouts = (await api('/current_payouts')) as Record<string, number>;
    expect(payouts[address(SCRIPTS.c)]).toBeGreaterThan(0);
    const metrics = await (await fetch(`http://127.0.0.1:${a.node.boundWorkerPort}/metrics`)).text();
    expect(metrics).toMatch(/^p2pool_fair_references\{kind="sub-share"\} \d+$/m);
    expect(metrics).toMatch(/^p2pool_sharechain_height \d+$/m);

    // B stops and starts again on its data directory: the store gives it the chain back.
    const best = a.node.sharechain.best!;
    const datadir = b.datadir;
    await b.stop({ keepData: true });
    const again = await startFairPoolNode({ bcoin, net, address: address(p2wpkh('fair node B')), datadir, log: () => undefined, p2p: { connect: [`127.0.0.1:${a.node.p2p!.port}`] } });
    pools[1] = again;
    expect(again.node.sharechain.isVerified(best)).toBe(true);
    await waitFor('restarted B on the best link', () => again.node.sharechain.best === a.node.sharechain.best, 15_000);
  });

  it('a v35 node beside them never joins their network, dialled either way', async () => {
    const [a] = pools as [FairPool];
    v35 = await startPoolNode({ bcoin, address: address(p2wpkh('v35 node')), log: (level, msg) => void logs[3]!.push(`${level} ${msg}`), p2p: {} });
    const v35Net = getP2PoolNetwork('regtest');
    expect(v35Net.prefix.equals(net.prefix)).toBe(false);
    expect(v35Net.identifier.equals(net.identifier)).toBe(false);
    expect(getFairNetwork('regtest-fair').p2pPort).not.toBe(v35Net.p2pPort);
    const peersBefore = a.node.p2p!.readyPeers().length;
    a.node.p2p!.connectTo({ host: '127.0.0.1', port: v35.node.p2p!.port });
    v35.node.p2p!.connectTo({ host: '127.0.0.1', port: a.node.p2p!.port });
    // Each side reads the other's frames as bytes without its prefix, and drops the connection.
    await waitFor('both refusals', () =>
      logs[3]!.some((l) => /garbage between frames/.test(l)) && logs[0]!.some((l) => /garbage between frames/.test(l)), 15_000);
    expect(v35.node.p2p!.readyPeers()).toHaveLength(0);
    expect(a.node.p2p!.readyPeers()).toHaveLength(peersBefore);
    expect([...logs[0]!, ...logs[3]!].filter((l) => /peer .* connected/.test(l) && l.includes(String(v35!.node.p2p!.port)))).toEqual([]);
  });
});
