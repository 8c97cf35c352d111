/**
 * Jobs on a template that does not fit the block limits with the coinbase (src/work/pool-work.ts
 * with job-transactions.ts), through the production PoolWork on Bitcoin Core's regtest
 * template (24 wallet transactions, chains of unconfirmed parents among them):
 * - the job leaves out the cheapest packages, never a child without its parent;
 * - the share's subsidy and the coinbase are the template's value less the fees left out,
 *   and the share verifies (our verification is the v35 rules');
 * - the block a miner's solution makes is within the limits, with exactly the kept
 *   transactions, and passes the pre-submit check; with fitting switched off the same template
 *   makes a block the check catches: logged as a bug, kept for a report, sent over RPC only.
 * And the reference's own v35 share (test/fixtures/p2pool-reference, share #2: subsidy 50 BTC,
 * no transactions) comes out byte for byte from a template offering 50 BTC plus fees of
 * transactions that do not fit: the fees left out come off the subsidy exactly as v35 does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { assembleBlock, decodeBlock, decodeBlockWithRaw, encodeHeader } from '../../src/bitcoin/block.js';
import { hash160, sha256d } from '../../src/bitcoin/hash.js';
import { bytesToBigIntLE, hashToDisplayHex, toHex } from '../../src/bitcoin/hex.js';
import { calculateMerkleLink } from '../../src/bitcoin/merkle.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { bitsToTarget, MAX_UINT256 } from '../../src/bitcoin/target.js';
import { decodeTransaction, txid } from '../../src/bitcoin/transaction.js';
import { parseBlockTemplate, type BlockTemplate } from '../../src/chain/block-template.js';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { assembleShare, generateShare } from '../../src/sharechain/gentx.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { decodeShare, encodeShare } from '../../src/sharechain/share.js';
import { checkBlock, CONSENSUS_BLOCK_LIMITS } from '../../src/work/block-limits.js';
import type { BlockSubmitter } from '../../src/work/block-submission.js';
import { merkleRootFromBranch, type Job } from '../../src/work/job.js';
import { TransactionFitter, type JobTransactions } from '../../src/work/job-transactions.js';
import { GenerationBase } from '../../src/work/payee-gentx.js';
import { PoolWork } from '../../src/work/pool-work.js';
import type { Miner } from '../../src/work/work-source.js';
import { jtGeneratedNet, loadFixture } from '../sharechain/fixtures.js';
import { ArrayChain } from '../support/array-chain.js';
import { buildChain, emptyTemplate } from '../support/chain-builder.js';

const net = getP2PoolNetwork('regtest');
const addr = (i: number): string => scriptToAddress(witnessScript(0, hash160(Buffer.from(`block-fit payee ${i}`))), net.parent)!;
const gbt = JSON.parse(readFileSync(new URL('../fixtures/bitcoin-core-regtest/gbt-height111-24tx.json', import.meta.url), 'utf8')) as Record<string, unknown> & { transactions: { weight: number }[] };
const TEMPLATE_WEIGHT = gbt.transactions.reduce((s, t) => s + t.weight, 0); // 16,715

/** Core's template with a `weightlimit` that leaves ~4,000 WU too little for all its transactions and our coinbase. */
const tight = (): BlockTemplate => parseBlockTemplate({ ...gbt, weightlimit: TEMPLATE_WEIGHT - 2000 });

interface Recorder extends BlockSubmitter {
  blocks: { block: Buffer; announce: boolean }[];
  saved: Record<string, unknown>[];
}
function recorder(): Recorder {
  const r: Recorder = {
    blocks: [],
    saved: [],
    submitBlock: (block, opts) => {
      r.blocks.push({ block, announce: opts?.announce !== false });
      return Promise.resolve(null);
    },
    inBestChain: () => Promise.resolve(true),
    saveBadBlock: (_hash, _block, report) => {
      r.saved.push(report);
      return '/datadir/regtest/bad-blocks';
    },
  };
  return r;
}

function setup(template: BlockTemplate, opts: { fit?: boolean } = {}) {
  const t0 = Math.floor(Date.now() / 1000) - 40 * net.sharePeriod;
  const parent = emptyTemplate({ bits: template.bits, prevBlock: template.previousBlockHash });
  const { shares } = buildChain(net, parent, Array.from({ length: 12 }, (_, i) => ({ address: addr(i % 5), timestamp: t0 + i * net.sharePeriod })));
  const chain = new ChainState({ net });
  chain.addShares(shares);
  const submitter = recorder();
  const logs: string[] = [];
  const work = new PoolWork({
    net, chain, submitter, templates: { current: template, stale: false }, nodeAddress: addr(99),
    log: (level, msg) => void logs.push(`${level} ${msg}`), fitTransactions: opts.fit,
  });
  const r = work.authorize(addr(7));
  if (!r.ok) throw new Error(r.reason);
  return { work, chain, submitter, logs, miner: r.miner };
}

const txsOf = (job: Job): JobTransactions => (job.context as { target: { txs: JobTransactions } }).target.txs;

/** Grind the job's header until its PoW meets the block target (regtest: ~2 tries) and hand it in. */
function solve(work: PoolWork, job: Job, miner: Miner): Buffer {
  const nonceArea = Buffer.from('0011223344556677', 'hex');
  const coinbase = Buffer.concat([job.coinb1, nonceArea, job.coinb2]);
  const header = { version: job.version, prevBlock: job.prevBlock, merkleRoot: merkleRootFromBranch(txid(decodeTransaction(coinbase)), job.merkleBranch), timestamp: job.ntime, bits: job.bits, nonce: 0 };
  for (;; header.nonce++) {
    const bytes = encodeHeader(header);
    const powHash = sha256d(bytes);
    if (bytesToBigIntLE(powHash) <= job.blockTarget) {
      work.onSolution({ job, miner, header: bytes, coinbase, nonceArea, powHash, pseudoTarget: MAX_UINT256 });
      return bytes;
    }
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

describe('jobs on a template over the block limits', () => {
  it('leave out the cheapest packages, never a child without its parent, and pay the rest', () => {
    const template = tight();
    const { work, miner } = setup(template);
    const job = work.makeJob(miner, Buffer.alloc(4)) as Job;
    const txs = txsOf(job);
    expect(txs.droppedCount).toBeGreaterThan(0);
    const kept = new Set(txs.transactions);
    template.transactions.forEach((t) => {
      if (!kept.has(t)) return;
      for (const d of t.depends) expect(kept.has(template.transactions[d - 1]!), 'a kept transaction\'s parent is kept').toBe(true);
    });
    // The job's merkle branch is over the kept transactions.
    expect(job.merkleBranch).toEqual(calculateMerkleLink([null, ...txs.transactions.map((t) => t.txid)], 0).branch);
    // The coinbase pays the template's value less the fees left out, to the satoshi.
    const gentx = decodeTransaction(Buffer.concat([job.coinb1, Buffer.alloc(8), job.coinb2]));
    const dropped = template.transactions.filter((t) => !kept.has(t));
    expect(txs.droppedFees).toBe(dropped.reduce((s, t) => s + t.fee, 0));
    expect(gentx.outputs.reduce((s, o) => s + o.value, 0)).toBe(template.coinbaseValue - txs.droppedFees);
    expect(work.blockStatus()).toMatchObject({ droppedTransactions: dropped.length, droppedFees: txs.droppedFees, templateTransactions: 24 });
  });

  it('make a block within the limits that passes the check, and a share that verifies with the lower subsidy', async () => {
    const template = tight();
    const { work, chain, submitter, logs, miner } = setup(template);
    const job = work.makeJob(miner, Buffer.alloc(4)) as Job;
    const txs = txsOf(job);
    const header = solve(work, job, miner);
    await settle();
    expect(submitter.blocks).toHaveLength(1);
    expect(submitter.blocks[0]!.announce).toBe(true);
    expect(submitter.saved).toHaveLength(0);
    const block = submitter.blocks[0]!.block;
    const decoded = decodeBlock(block);
    expect(decoded.txs.slice(1).map((t) => hashToDisplayHex(txid(t)))).toEqual(txs.transactions.map((t) => hashToDisplayHex(t.txid)));
    const limits = { weight: TEMPLATE_WEIGHT - 2000, strippedSize: Math.floor((TEMPLATE_WEIGHT - 2000) / 4), sigopCost: 80_000 };
    const check = checkBlock(block, { limits, mweb: false, sigopCostOf: () => null, maxCoinbaseValue: template.coinbaseValue - txs.droppedFees });
    expect(check.problems).toEqual([]);
    expect(check.coinbaseValue).toBe(template.coinbaseValue - txs.droppedFees);
    // The share (the same solution) is on the chain, verified, with the lower subsidy.
    const share = chain.tracker.get(hashToDisplayHex(sha256d(header)))!;
    expect(share).toBeDefined();
    expect(chain.tracker.isVerified(share.hash)).toBe(true);
    expect(share.shareInfo.shareData.subsidy).toBe(template.coinbaseValue - txs.droppedFees);
    expect(share.shareInfo.segwitData).toEqual(txs.segwitData);
    expect(work.counters).toMatchObject({ blocksFound: 1, blocksAccepted: 1, blocksOverLimits: 0 });
    expect(logs.join('\n')).toMatch(/transactions left out .* Set -blockreservedweight=\d+/);
  });

  it('with fitting switched off, the block is over the limit: logged as a bug, kept for a report, sent over RPC only', async () => {
    const template = tight();
    const { work, submitter, logs, miner } = setup(template, { fit: false });
    const job = work.makeJob(miner, Buffer.alloc(4)) as Job;
    expect(txsOf(job).droppedCount).toBe(0);
    solve(work, job, miner);
    await settle();
    expect(work.counters.blocksOverLimits).toBe(1);
    expect(submitter.saved).toHaveLength(1);
    // Weight, and the size without witness the node's weightlimit implies (14,715 / 4).
    expect(submitter.saved[0]!['problems']).toEqual([
      expect.stringMatching(/^weight \d+ is over the limit of 14715$/),
      expect.stringMatching(/^size without witness \d+ bytes is over the limit of 3678$/),
    ]);
    expect(submitter.blocks).toHaveLength(1);
    expect(submitter.blocks[0]!.announce).toBe(false);
    expect(logs.find((l) => l.startsWith('error BUG: block'))).toMatch(/breaks Bitcoin's block limits: weight \d+ is over the limit of 14715; .*\. The block and a report are in \/datadir\/regtest\/bad-blocks; please report this\. Submitting it over RPC only/);
  });
});

describe('the v35 subsidy rule against the reference\'s own share', () => {
  const jt = loadFixture('jt_v35_generated.json');
  const jtNet = jtGeneratedNet();
  const shares = jt.shares.map((f) => decodeShare(Buffer.from(f.wrapped_share_hex, 'hex'), jtNet));

  it('share #2 (50 BTC, no transactions) comes out of a template whose transactions all had to be left out', () => {
    const f = jt.shares[2]!;
    const s = shares[2]!;
    // Core's template: 50 BTC + 41,930 sat of fees; the node reports room for the coinbase only.
    const template = parseBlockTemplate({ ...gbt, weightlimit: 2000 });
    expect(template.coinbaseValue).toBe(5_000_041_930);
    const fitter = new TransactionFitter({ mweb: false });
    const all = fitter.forCoinbase(template, { strippedSize: 0, totalSize: 0, sigopCost: 0, payees: 0 });
    const params = {
      net: jtNet,
      chain: new ArrayChain(shares.slice(0, 2)),
      version: s.version,
      shareData: { ...s.shareInfo.shareData, subsidy: template.coinbaseValue },
      blockTarget: bitsToTarget(s.minHeader.bits),
      desiredTimestamp: s.shareInfo.timestamp,
      desiredTarget: s.target,
      segwitData: all.segwitData,
    };
    // As PoolWork.targetWork: sized on everything, fitted, rebuilt with what is kept.
    const sizing = new GenerationBase(params);
    const txs = fitter.forCoinbase(template, sizing.coinbase);
    expect(txs.droppedCount).toBe(24);
    expect(txs.subsidy).toBe(f.subsidy);
    const base = new GenerationBase({ ...params, shareData: { ...params.shareData, subsidy: txs.subsidy }, segwitData: txs.segwitData }, sizing);
    const gen = generateShare({ ...base.paramsFor(s.shareInfo.shareData.address!, s.shareInfo.shareData.nonce), lastTxoutNonce: s.lastTxoutNonce });
    expect(toHex(gen.stripped)).toBe(f.gentx_stripped_hex);
    const assembled = assembleShare(gen, { minHeader: s.minHeader, lastTxoutNonce: s.lastTxoutNonce, merkleLink: s.merkleLink, merkleRoot: s.header.subarray(36, 68) });
    expect(assembled.hash).toBe(f.share_hash);
    expect(toHex(encodeShare(assembled, jtNet))).toBe(f.wrapped_share_hex);
  });
});

describe('Litecoin MWEB templates', () => {
  /**
   * Litecoin testnet4 block 2,215,586 (test/fixtures/litecoin) as Litecoin Core's
   * getblocktemplate would give it: its 36 transactions, the HogEx last, `depends` from their
   * inputs (the HogEx spends the pegin transaction at template index 2), `mweb` the MWEB block.
   */
  const ltc = JSON.parse(readFileSync(new URL('../fixtures/litecoin/litecoin.json', import.meta.url), 'utf8')) as { blocks: { name: string; block_hex: string | null; height: number }[] };
  const raw = Buffer.from(ltc.blocks.find((b) => b.name === 'litecoin_testnet4_block_2215586')!.block_hex!, 'hex');
  const block = decodeBlockWithRaw(raw, { mweb: true });
  const txs = block.txs.slice(1);
  const ids = txs.map((t) => t.txid.toString('hex'));
  const gbt = (weightlimit: number): Record<string, unknown> => ({
    version: block.header.version,
    previousblockhash: hashToDisplayHex(block.header.prevBlock),
    transactions: txs.map((t, i) => ({
      data: t.raw.toString('hex'),
      txid: hashToDisplayHex(t.txid),
      hash: hashToDisplayHex(t.wtxid),
      fee: i === txs.length - 1 ? 0 : t.weight, // 1 sat/WU each; the HogEx pays nothing
      depends: [...new Set(t.tx.inputs.map((inp) => ids.indexOf(inp.prevout.hash.toString('hex'))).filter((j) => j >= 0))].map((j) => j + 1),
      sigops: 4,
    })),
    coinbasevalue: 1_262_138_757,
    bits: block.header.bits.toString(16).padStart(8, '0'),
    curtime: block.header.timestamp,
    height: 2215586,
    rules: ['csv', '!segwit', 'taproot', '!mweb'],
    mweb: block.mwebSuffix.subarray(1).toString('hex'),
    weightlimit,
  });
  const coinbase = { strippedSize: 300, totalSize: 336, sigopCost: 4, payees: 5 };

  it('keep the HogEx and what it spends whatever they pay, and count weight without MWEB bytes', () => {
    const full = parseBlockTemplate(gbt(4_000_000));
    const hogex = full.transactions.length - 1;
    expect(full.transactions[hogex]!.depends).toEqual([2]); // the pegin
    // Room for the coinbase, the HogEx, its pegin, the pegin's parent and ~2,000 WU more.
    const room = 320 + 4 + 4 * 300 + 36 + 540 + 561 + 692 + 2000;
    const tight = parseBlockTemplate(gbt(room));
    const fit = new TransactionFitter({ mweb: true }).forCoinbase(tight, coinbase);
    expect(fit.fits).toBe(true);
    for (const i of [0, 1, hogex]) expect(fit.transactions).toContain(tight.transactions[i]);
    expect(fit.transactions[fit.transactions.length - 1]).toBe(tight.transactions[hogex]);
    expect(fit.droppedCount).toBeGreaterThan(25);
    expect(Buffer.from(fit.body.mwebSuffix).equals(block.mwebSuffix)).toBe(true);
    // The block with the original coinbase and the kept transactions, MWEB block after them:
    // within the room by Litecoin's weight (MWEB bytes not counted).
    const built = assembleBlock(raw.subarray(0, 80), block.txs[0]!.raw, fit.body);
    const check = checkBlock(built, { limits: { ...CONSENSUS_BLOCK_LIMITS, weight: room }, mweb: true, sigopCostOf: () => 4, maxCoinbaseValue: 21e14 });
    expect(check.problems).toEqual([]);
    expect(decodeBlockWithRaw(built, { mweb: true }).mwebSuffix.equals(block.mwebSuffix)).toBe(true);
  });

  it('say so when not even the HogEx and its pegin fit', () => {
    const none = parseBlockTemplate(gbt(320 + 4 + 4 * 300 + 36 + 500));
    const fit = new TransactionFitter({ mweb: true }).forCoinbase(none, coinbase);
    expect(fit.fits).toBe(false);
    // Kept: the HogEx, its pegin (index 1) and what the pegin spends in turn (index 0).
    expect(none.transactions[1]!.depends).toEqual([1]);
    expect(fit.transactions.map((t) => none.transactions.indexOf(t))).toEqual([0, 1, none.transactions.length - 1]);
  });
});
