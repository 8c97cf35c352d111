/**
 * The work layer on the fair rules (src/work/fair-work.ts, docs/mining.md#the-fair-networks):
 * work on a parent link that is no longer the best still becomes a share (a reference) and is
 * answered as accepted while it can be paid, and only work beyond the reference horizon is
 * refused as stale; each miner's own target and payout-output class; the Stratum difficulty
 * range is the rules' [floor, link].
 *
 * Real parts: a regtest-fair chain mined with real hashing by the production generator
 * (test/support/fair-chain-builder.ts) in a FairChainState, Bitcoin Core's regtest
 * getblocktemplate capture parsed by parseBlockTemplate.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { bitsToTarget, targetToDifficulty } from '../../src/bitcoin/target.js';
import { parseBlockTemplate } from '../../src/chain/block-template.js';
import { getFairNetwork } from '../../src/sharechain/fair/networks.js';
import type { FairShare } from '../../src/sharechain/fair/types.js';
import { StratumSession } from '../../src/stratum/session.js';
import { FairWork } from '../../src/work/fair-work.js';
import { buildHeader, hashExceedsTarget, targetToHashBytes, type Job } from '../../src/work/job.js';
import type { Miner, Solution } from '../../src/work/work-source.js';
import { FairTestChain } from '../support/fair-chain-builder.js';

const net = getFairNetwork('regtest-fair');
const gbt = JSON.parse(readFileSync(new URL('../fixtures/bitcoin-core-regtest/gbt-height111-24tx.json', import.meta.url), 'utf8')) as Record<string, unknown>;
// Difficulty-1 bits: no solution here is a block by accident.
const template = parseBlockTemplate({ ...gbt, bits: '1d00ffff' });
const addr = (label: string): string => scriptToAddress(witnessScript(0, hash160(Buffer.from(label))), net.parent)!;
const TAPROOT = scriptToAddress(witnessScript(1, Buffer.alloc(32, 0x7a)), net.parent)!;

function setup(opts: { maxCoinbaseOutputs?: number } = {}): { src: FairTestChain; work: FairWork } {
  const src = new FairTestChain(net);
  src.grow(null, 6, 1);
  const work = new FairWork({
    net,
    chain: src.state,
    templates: { current: template, stale: false },
    submitter: { submitBlock: () => Promise.resolve('test: no block expected') },
    nodeAddress: addr('node'),
    now: () => (src.clock + 60) * 1000,
    maxCoinbaseOutputs: opts.maxCoinbaseOutputs,
  });
  return { src, work };
}

function authorize(work: FairWork, username: string): Miner {
  const r = work.authorize(username);
  if (!r.ok) throw new Error(r.reason);
  return r.miner;
}

function jobFor(work: FairWork, m: Miner): Job {
  const j = work.makeJob(m, Buffer.alloc(4));
  if ('unavailable' in j) throw new Error(j.unavailable);
  return j;
}

/** Grind a solution of `job` that meets its share target (a CPU finds one in a few hashes here). */
function solve(work: FairWork, job: Job, m: Miner, en2: number): Solution {
  const nonceArea = Buffer.alloc(8);
  nonceArea.writeUInt32BE(en2, 4);
  const share = targetToHashBytes(job.shareTarget);
  for (let nonce = 0; nonce < 1_000_000; nonce++) {
    const built = buildHeader(job, nonceArea, job.ntime, nonce, job.version);
    const powHash = work.powHash(built.header);
    if (hashExceedsTarget(powHash, share)) continue;
    return { job, miner: m, header: built.header, coinbase: built.coinbase, nonceArea: Buffer.from(built.nonceArea), powHash, pseudoTarget: job.shareTarget };
  }
  throw new Error('no solution');
}

/** The share the work layer made from the last solution. */
function lastShare(work: FairWork, src: FairTestChain): FairShare {
  return src.tracker.share(work.ourShares[0]!)!;
}

describe('FairWork', () => {
  it('pays work on an older parent link as a reference, within the horizon; beyond it the work is stale', () => {
    const { src, work } = setup();
    // As easy as the floor allows, like the test chain's own shares (a share's weight is its own work).
    const m = authorize(work, `${addr('late miner')}/1e-12`);
    const old = src.state.best!;
    const held = solve(work, jobFor(work, m), m, 1);
    // Two links arrive on top of the job's parent before the solution comes back.
    const first = src.link(old, 1);
    src.link(first.hash, 2);
    work.bestChanged();
    expect(work.onSolution(held)).toEqual({ status: 'accepted' });
    const late = lastShare(work, src);
    expect(late.prevHash).toBe(old);
    expect(src.state.classify(late.hash).status).toBe('referenceable');
    // The next link built on the best one references it: it is paid.
    const next = src.link(src.state.best, 3);
    expect(next.refHashes).toContain(late.hash);
    expect(src.state.classify(late.hash)).toMatchObject({ status: 'referenced', by: next.hash });
    expect(work.counters).toMatchObject({ shares: 1, deadShares: 0 });

    // Work on a parent that falls more than H = 4 links behind can no longer be paid.
    const older = src.state.best!;
    const tooLate = solve(work, jobFor(work, m), m, 2);
    for (let i = 0; i < net.refDepth; i++) src.link(src.state.best, 4 + i);
    work.bestChanged();
    expect(work.onSolution(tooLate)).toEqual({ status: 'stale', reason: 'stale work' });
    const lost = lastShare(work, src);
    expect(lost.prevHash).toBe(older);
    expect(src.state.classify(lost.hash).status).toBe('orphaned');
    expect(work.counters).toMatchObject({ shares: 2, deadShares: 1, deadPseudoshares: 1 });
  });

  it('answers a hash that is only a pseudoshare without its solution, counted as onSolution counts it, and leaves a share to onSolution', () => {
    const { src, work } = setup();
    const m = authorize(work, `${addr('pseudo miner')}/1e-12`);
    const job = jobFor(work, m);
    const any = 2n ** 256n - 1n;
    // A share needs the whole solution: not answered here, nothing counted.
    expect(work.onPseudoshare(job, m, solve(work, job, m, 1).powHash, any)).toBeNull();
    expect(work.counters).toMatchObject({ pseudoshares: 0, shares: 0 });
    // The largest hash is above the job's share and block targets: a pseudoshare only.
    const top = Buffer.alloc(32, 0xff);
    expect(work.onPseudoshare(job, m, top, any)).toEqual({ status: 'accepted' });
    expect(work.counters).toMatchObject({ pseudoshares: 1, deadPseudoshares: 0, shares: 0 });
    expect(work.hashrate.perMiner((src.clock + 60) * 1000).get(addr('pseudo miner'))?.rate).toBeGreaterThan(0);
    // Its parent link more than H links behind: stale and counted dead, as onSolution answers it.
    for (let i = 0; i <= net.refDepth; i++) src.link(src.state.best, 20 + i);
    work.bestChanged();
    expect(work.onPseudoshare(job, m, top, any)).toEqual({ status: 'stale', reason: 'stale work' });
    expect(work.counters).toMatchObject({ pseudoshares: 2, deadPseudoshares: 1, shares: 0 });
  });

  it('gives each miner its own target from /DIFF or its hash rate, clamped to [link, floor], and Stratum the same range', () => {
    const { src, work } = setup();
    const best = src.state.bestShare!;
    const next = src.mine({ parent: best.hash, payoutScript: Buffer.from('0014' + '11'.repeat(20), 'hex') }).gen.targets;
    const { linkTarget, floorTarget } = next;
    expect(work.minDifficulty).toBeCloseTo(targetToDifficulty(floorTarget), 20);
    // No hash rate measured yet: links only (paid exactly in expectation, no burst of easy shares).
    const fresh = authorize(work, addr('new miner'));
    expect(jobFor(work, fresh).shareTarget).toBe(linkTarget);
    // /DIFF asks for harder shares: clamped to the link target; an easier one to the floor.
    expect(jobFor(work, authorize(work, `${addr('big')}/1000000`)).shareTarget).toBe(linkTarget);
    expect(jobFor(work, authorize(work, `${addr('tiny')}/0.0000000000001`)).shareTarget).toBe(floorTarget);
    const between = 2n ** 254n;
    const mid = jobFor(work, authorize(work, `${addr('mid')}/${targetToDifficulty(between)}`)).shareTarget;
    expect(mid).toBeGreaterThan(linkTarget);
    expect(mid).toBeLessThan(floorTarget);
    // A measured miner of ~1 kH/s: 20 shares per hour-long window is far harder than a link on
    // regtest-fair, so it mines links only (the policy's clamp at the link target).
    const name = addr('measured');
    for (let i = 0; i < 10; i++) work.hashrate.add((src.clock + 60) * 1000 - 20_000 + i * 2000, bitsToTarget(0x2000ffff), name, false);
    work.workChanged(false);
    expect(jobFor(work, authorize(work, name)).shareTarget).toBe(linkTarget);
  });

  it('keeps a Stratum session within [floor, its own share difficulty]: mining.suggest_difficulty, +DIFF, vardiff', () => {
    const { src, work } = setup();
    const lines: string[] = [];
    const session = new StratumSession(Buffer.from('00000001', 'hex'), work, { send: (l) => lines.push(l), close: () => undefined, now: () => (src.clock + 60) * 1000 });
    const sent = (): number[] => lines.flatMap((l) => {
      const m = JSON.parse(l) as { method?: string; params?: number[] };
      return m.method === 'mining.set_difficulty' ? [m.params![0]!] : [];
    });
    session.handleLine(JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] }));
    // A miner asking for far harder work than its shares: told its own share difficulty (a link's
    // at most), so that it submits every share it finds.
    session.handleLine(JSON.stringify({ id: 2, method: 'mining.suggest_difficulty', params: [1e9] }));
    session.handleLine(JSON.stringify({ id: 3, method: 'mining.authorize', params: [`${addr('suggests')}/1000000`, 'x'] }));
    const link = targetToDifficulty(jobFor(work, authorize(work, `${addr('probe')}/1000000`)).shareTarget);
    expect(sent().at(-1)).toBeCloseTo(link, 20);
    // A +DIFF easier than the floor allows: the floor.
    lines.length = 0;
    const easy = new StratumSession(Buffer.from('00000002', 'hex'), work, { send: (l) => lines.push(l), close: () => undefined, now: () => (src.clock + 60) * 1000 });
    easy.handleLine(JSON.stringify({ id: 1, method: 'mining.subscribe', params: [] }));
    easy.handleLine(JSON.stringify({ id: 2, method: 'mining.authorize', params: [`${addr('easy')}+0.0000000000000001`, 'x'] }));
    expect(sent().at(-1)).toBeCloseTo(work.minDifficulty, 25);
  });

  it('builds each job for the payout-output class the miner (~N) or the operator asks for; taproot is paid', () => {
    const { work } = setup({ maxCoinbaseOutputs: 150 });
    const k = (username: string): number => (jobFor(work, authorize(work, username)).context as { gen: { info: { maxOutputs: number } } }).gen.info.maxOutputs;
    expect(net.outputClasses).toEqual([11, 46, 145, 200, 1000]);
    expect(k(addr('s19') + '~11')).toBe(11);
    expect(k(addr('s21') + '.rig2~50')).toBe(46);
    expect(k(addr('tiny') + '~3')).toBe(11);
    expect(k(addr('big') + '~999/0.5')).toBe(200);
    // The opt-in K_MAX class: only for a miner that asks for 1,000 or more.
    expect(k(addr('huge') + '~5000')).toBe(1000);
    // The operator's --max-coinbase-outputs 150 for everyone else: the largest class up to it.
    expect(k(addr('default'))).toBe(145);
    // A taproot payout address is accepted, and its script is the one the coinbase pays.
    const tr = authorize(work, TAPROOT);
    expect(tr.address).toBe(TAPROOT);
    const gen = (jobFor(work, tr).context as { gen: { info: { payoutScript: Buffer } } }).gen;
    expect(gen.info.payoutScript.toString('hex')).toMatch(/^5120[0-9a-f]{64}$/);
    // With no operator setting, a miner that asks for nothing gets the default class, 200, not K_MAX.
    const plain = setup({}).work;
    expect((jobFor(plain, authorize(plain, addr('plain'))).context as { gen: { info: { maxOutputs: number } } }).gen.info.maxOutputs).toBe(200);
  });
});
