/**
 * PoolWork's node share target (src/work/pool-work.ts desiredShareTarget): without a miner's
 * `/D`, the target follows the node's hash-rate estimate (docs/mining.md#difficulty-pseudoshares-shares-and-blocks: the node aims at
 * ~1.67% of the pool's shares). The estimate moves with the clock and with every pseudoshare,
 * so it is read once per generation of work: every job of one generation shares one
 * GenerationBase (one PPLNS computation), and only new work picks up the new estimate. When it
 * was read per job, each session of a broadcast rebuilt the base (~1 ms each: the mining
 * bench's ~1 s notify rounds once pseudoshares had come in, docs/mining.md).
 *
 *
 * Every job's bytes (the fast per-payee path, payee-gentx.ts) equal the general builder's gentx
 * (generateShare) for the same payee and nonce, for miners of every address kind in and out of
 * the PPLNS window, with the node fee (-f) and the donation (--give-author) on and off.
 *
 * Real parts: Bitcoin Core's regtest getblocktemplate capture, parsed by parseBlockTemplate;
 * a sharechain mined by the production generation code and verified by ChainState.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { hash160, sha256 } from '../../src/bitcoin/hash.js';
import { p2pkhScript, p2shScript, witnessScript } from '../../src/bitcoin/script.js';
import { bitsToTarget } from '../../src/bitcoin/target.js';
import { parseBlockTemplate } from '../../src/chain/block-template.js';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { generateShare, type GentxParams } from '../../src/sharechain/gentx.js';
import type { Job } from '../../src/work/job.js';
import { PoolWork } from '../../src/work/pool-work.js';
import type { Miner } from '../../src/work/work-source.js';
import { buildChain, emptyTemplate } from '../support/chain-builder.js';

const here = dirname(fileURLToPath(import.meta.url));
const net = getP2PoolNetwork('regtest');
const addr = (i: number): string => scriptToAddress(witnessScript(0, hash160(Buffer.from(`pool-work payee ${i}`))), net.parent)!;

// Core's capture with difficulty-1 bits (as bench/mining.ts): the PPLNS window is bounded by
// the chain, and the share target range is wide enough for the node's target to move in it.
const gbt = JSON.parse(readFileSync(join(here, '../fixtures/bitcoin-core-regtest/gbt-height111-24tx.json'), 'utf8')) as Record<string, unknown>;
const template = parseBlockTemplate({ ...gbt, bits: '1d00ffff' });

function setup(opts: { feePercent?: number; donationPercent?: number; address?: (i: number) => string } = {}): { work: PoolWork; clock: { ms: number } } {
  const clock = { ms: Date.now() };
  const t0 = Math.floor(clock.ms / 1000) - 40 * net.sharePeriod;
  const parent = emptyTemplate({ bits: template.bits, prevBlock: template.previousBlockHash });
  const payee = opts.address ?? addr;
  const { shares } = buildChain(net, parent, Array.from({ length: 30 }, (_, i) => ({ address: payee(i % 5), timestamp: t0 + i * net.sharePeriod })));
  const chain = new ChainState({ net });
  chain.addShares(shares);
  expect(chain.best).toBe(shares[shares.length - 1]!.hash);
  const work = new PoolWork({
    net,
    chain,
    templates: { current: template, stale: false },
    submitter: { submitBlock: () => Promise.resolve('test: no block expected') },
    nodeAddress: payee(1000),
    now: () => clock.ms,
    feePercent: opts.feePercent,
    donationPercent: opts.donationPercent,
  });
  return { work, clock };
}

function miner(work: PoolWork, i: number): Miner {
  const r = work.authorize(addr(100 + i));
  if (!r.ok) throw new Error(r.reason);
  return r.miner;
}

function job(work: PoolWork, m: Miner): Job {
  const j = work.makeJob(m, Buffer.alloc(4));
  if ('unavailable' in j) throw new Error(j.unavailable);
  return j;
}

/** The desired target the job's gentx was built with (JobContext: PoolWork's own record). */
const desiredOf = (j: Job): bigint => (j.context as { target: { base: { params: GentxParams } } }).target.base.params.desiredTarget;
/** How many GenerationBases (PPLNS computations) the current generation holds. */
const basesOf = (w: PoolWork): number => (w as unknown as { bases: Map<bigint, unknown> }).bases.size;

describe('PoolWork node share target', () => {
  it('is read once per generation: jobs share one base while the hash-rate estimate moves', () => {
    const { work, clock } = setup();
    work.workChanged(true);
    // No pseudoshares yet: no estimate, the easiest target the chain allows.
    const first = job(work, miner(work, 0));
    // An estimate appears (two very hard pseudoshares: the estimator needs two; a lot of work)
    // and keeps moving with the clock and every further pseudoshare.
    work.hashrate.add(clock.ms, 1n << 200n, 'someone', false);
    work.hashrate.add(clock.ms, 1n << 200n, 'someone', false);
    clock.ms += 1500;
    expect(work.hashrate.total(clock.ms)).toBeGreaterThan(0);
    const jobs = Array.from({ length: 20 }, (_, i) => {
      work.hashrate.add(clock.ms, 1n << 200n, 'someone', false);
      clock.ms += 100;
      return job(work, miner(work, 1 + i));
    });
    for (const j of jobs) {
      expect(desiredOf(j)).toBe(desiredOf(first));
      expect(j.shareTarget).toBe(first.shareTarget);
    }
    expect(basesOf(work)).toBe(1);

    // New work picks up the estimate: a much harder node target, so a harder share target.
    work.workChanged(true);
    const next = job(work, miner(work, 0));
    expect(desiredOf(next)).toBeLessThan(desiredOf(first));
    expect(next.shareTarget).toBeLessThan(first.shareTarget);
    const more = job(work, miner(work, 1));
    expect(desiredOf(more)).toBe(desiredOf(next));
    expect(basesOf(work)).toBe(1);
  });

  it('a miner\'s /D sets its own target, apart from the node\'s', () => {
    const { work } = setup();
    work.workChanged(true);
    const nodeJob = job(work, miner(work, 0));
    const r = work.authorize(`${addr(7)}/0.5`);
    if (!r.ok) throw new Error(r.reason);
    const own = job(work, r.miner);
    expect(desiredOf(own)).not.toBe(desiredOf(nodeJob));
    expect(basesOf(work)).toBe(2);
  });
});

/**
 * Payee `i` of kind P2WPKH, P2SH, P2PKH, P2WSH by i % 4 (P2WSH programs start with 0xab: v35
 * cannot pay a witness program whose first byte is below 0x10, payout-script.ts).
 */
const anyKind = (i: number): string => {
  const h = hash160(Buffer.from(`pool-work any kind ${i}`));
  const program32 = Buffer.concat([Buffer.from([0xab]), sha256(h).subarray(1)]);
  return scriptToAddress([witnessScript(0, h), p2shScript(h), p2pkhScript(h), witnessScript(0, program32)][i % 4]!, net.parent)!;
};

/** What PoolWork recorded for a job: the work's base parameters, the payee and its nonce. */
interface JobRecord { target: { base: { params: GentxParams } }; work: { address: string; nonce: number } }

describe('PoolWork jobs', () => {
  for (const [feePercent, donationPercent] of [[0, 0], [0, 1.5], [50, 0], [50, 1.5]] as const) {
    it(`carry the general builder's gentx byte for byte (node fee ${feePercent}%, donation ${donationPercent}%)`, () => {
      const { work } = setup({ feePercent, donationPercent, address: anyKind });
      work.workChanged(true);
      // Chain payees 0..4 (in the window, every kind) and 40 new payees (10 of each kind).
      const miners = [...[0, 1, 2, 3, 4].map(anyKind), ...Array.from({ length: 40 }, (_, i) => anyKind(100 + i))].map((a) => {
        const r = work.authorize(a);
        if (!r.ok) throw new Error(r.reason);
        return r.miner;
      });
      const payees = new Set<string>();
      for (const m of miners) {
        const j = job(work, m);
        const rec = j.context as JobRecord;
        // The node fee pays the operator's address instead of the miner's on about fee% of jobs.
        expect([m.address, anyKind(1000)]).toContain(rec.work.address);
        if (feePercent === 0) expect(rec.work.address).toBe(m.address);
        payees.add(rec.work.address);
        const base = rec.target.base.params;
        const gen = generateShare({ ...base, shareData: { ...base.shareData, address: rec.work.address, nonce: rec.work.nonce } });
        expect(base.shareData.donation).toBeGreaterThanOrEqual(Math.floor((65535 * donationPercent) / 100));
        expect(base.shareData.donation).toBeLessThanOrEqual(Math.ceil((65535 * donationPercent) / 100));
        expect(j.coinb1Hex).toBe(gen.coinb1.toString('hex'));
        expect(j.coinb1.equals(gen.coinb1)).toBe(true);
        expect(j.coinb2.equals(gen.coinb2)).toBe(true);
        expect(j.shareTarget).toBe(bitsToTarget(gen.shareInfo.bits));
      }
      if (feePercent > 0) expect(payees.has(anyKind(1000))).toBe(true);
    });
  }
});

