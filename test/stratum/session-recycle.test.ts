/**
 * A Stratum session's jobs and submits through PoolWork.
 *
 * Recycling: a Stratum session hands its dropped jobs back to PoolWork, which makes the next job in the
 * same object (pool-work.ts PoolJob, session.ts LiveJobs; docs/mining.md, notify): a broadcast
 * then makes no object per session. What must hold: a job is refilled only once no slot holds
 * it, so a submit on a dropped job's id is stale ('job not found') and is never checked against
 * the data of the job that now lives in its object; a live job (kept by a non-clean job) is
 * never refilled; and a refilled job's bytes are the general builder's for its new payee.
 *
 * The pseudoshare path: a submit that is only a pseudoshare is answered by PoolWork.onPseudoshare
 * from the session's reused header and hash memory, counted exactly as a whole solution is; one
 * that something keeps (here an aux chain's solution) is handed over whole, in Buffers that the
 * next submit does not overwrite.
 *
 * Real parts: PoolWork on Bitcoin Core's regtest getblocktemplate capture and a sharechain mined
 * by the production generation code and verified by ChainState; the miner's header is built
 * from the notify's hex the way a miner builds it (test/support/stratum-miner.ts).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { hash160, sha256d } from '../../src/bitcoin/hash.js';
import { hashToBigInt } from '../../src/bitcoin/hex.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { parseBlockTemplate } from '../../src/chain/block-template.js';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { generateShare, type GentxParams } from '../../src/sharechain/gentx.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { StratumSession } from '../../src/stratum/session.js';
import type { Job } from '../../src/work/job.js';
import type { MergedMiningHook, ParentSolution } from '../../src/work/merged-hook.js';
import { PoolWork } from '../../src/work/pool-work.js';
import type { Miner, Solution, SolutionResult } from '../../src/work/work-source.js';
import { buildChain, emptyTemplate } from '../support/chain-builder.js';
import { StratumTestMiner, type Notify } from '../support/stratum-miner.js';

const here = dirname(fileURLToPath(import.meta.url));
const net = getP2PoolNetwork('regtest');
const addr = (i: number): string => scriptToAddress(witnessScript(0, hash160(Buffer.from(`recycle payee ${i}`))), net.parent)!;
const gbt = JSON.parse(readFileSync(join(here, '../fixtures/bitcoin-core-regtest/gbt-height111-24tx.json'), 'utf8')) as Record<string, unknown>;
// Difficulty-1 bits (as bench/mining.ts): a random hash is then neither a block nor a share.
const template = parseBlockTemplate({ ...gbt, bits: '1d00ffff' });
const EN1 = '0a0b0c0d';

/**
 * PoolWork behind a recorder: what makeJob was handed to recycle, what it returned, and every
 * submit the work layer saw (a pseudoshare through onPseudoshare, anything more through
 * onSolution) with its PoW hash, copied: a pseudoshare's is the session's reused memory.
 */
class RecordingWork extends PoolWork {
  readonly made: { recycle: Job | null | undefined; job: Job }[] = [];
  readonly solutions: { job: Job; powHash: Buffer }[] = [];
  override makeJob(miner: Miner, extranonce1: Buffer, recycle?: Job | null): Job | { unavailable: string } {
    const job = super.makeJob(miner, extranonce1, recycle);
    if (!('unavailable' in job)) this.made.push({ recycle, job });
    return job;
  }
  override onPseudoshare(job: Job, miner: Miner, powHash: Buffer, pseudoTarget: bigint): SolutionResult | null {
    const r = super.onPseudoshare(job, miner, powHash, pseudoTarget);
    if (r !== null) this.solutions.push({ job, powHash: Buffer.from(powHash) });
    return r;
  }
  wholeSolutions = 0;
  override onSolution(s: Solution): SolutionResult {
    this.wholeSolutions++;
    this.solutions.push({ job: s.job, powHash: s.powHash });
    return super.onSolution(s);
  }
}

/** The same, answering nothing by onPseudoshare: every submit reaches onSolution whole (the path before it). */
class WholeSolutionWork extends RecordingWork {
  override onPseudoshare(): SolutionResult | null {
    return null;
  }
}

function setup(opts: { whole?: boolean; merged?: MergedMiningHook } = {}): { work: RecordingWork; session: StratumSession; lines: string[]; notify: () => Notify; templates: { current: typeof template; stale: boolean } } {
  const t0 = Math.floor(Date.now() / 1000) - 40 * net.sharePeriod;
  const parent = emptyTemplate({ bits: template.bits, prevBlock: template.previousBlockHash });
  const { shares } = buildChain(net, parent, Array.from({ length: 20 }, (_, i) => ({ address: addr(i % 4), timestamp: t0 + i * net.sharePeriod })));
  const chain = new ChainState({ net });
  chain.addShares(shares);
  const templates = { current: template, stale: false };
  const work = new (opts.whole ? WholeSolutionWork : RecordingWork)({
    net, chain, templates,
    submitter: { submitBlock: () => Promise.resolve('test: no block expected') },
    nodeAddress: addr(1000),
    merged: opts.merged,
  });
  const lines: string[] = [];
  const session = new StratumSession(Buffer.from(EN1, 'hex'), work, { send: (l) => void lines.push(l), close: () => undefined, now: Date.now });
  session.handleLine('{"id":1,"method":"mining.subscribe","params":[]}');
  // In the window (payee 1) and far below the node's minimum pseudoshare difficulty: every hash is a pseudoshare.
  session.handleLine(`{"id":2,"method":"mining.authorize","params":["${addr(1)}+1e-12","x"]}`);
  const notify = (): Notify => {
    const p = (JSON.parse(lines.filter((l) => l.includes('"mining.notify"')).at(-1)!) as { params: unknown[] }).params;
    return { jobId: p[0] as string, prevHash: p[1] as string, coinb1: p[2] as string, coinb2: p[3] as string, branch: p[4] as string[], version: p[5] as string, bits: p[6] as string, ntime: p[7] as string, clean: p[8] as boolean };
  };
  return { work, session, lines, notify, templates };
}

/** A nonce whose header on `j` is neither a share nor a block (a plain pseudoshare), from `from` up. */
function pseudoNonce(j: Notify, job: Job, from: number): number {
  const above = job.shareTarget > job.blockTarget ? job.shareTarget : job.blockTarget;
  for (let n = from; ; n++) {
    if (hashToBigInt(sha256d(StratumTestMiner.header(j, EN1, '00000001', parseInt(j.ntime, 16), n, parseInt(j.version, 16)))) > above) return n;
  }
}

function submit(t: ReturnType<typeof setup>, j: Notify, nonce: number): unknown {
  t.lines.length = 0;
  t.session.handleLine(JSON.stringify({ id: 9, method: 'mining.submit', params: [`${addr(1)}+1e-12`, j.jobId, '00000001', j.ntime, nonce.toString(16).padStart(8, '0')] }));
  const a = JSON.parse(t.lines[0]!) as { result: unknown; error: unknown };
  return a.result === true ? 'accepted' : a.error;
}

describe('a Stratum session recycling its jobs through PoolWork', () => {
  it('refills only a dropped job; its old id is stale and never checked against the new data', () => {
    const t = setup();
    const { work, session } = t;
    const a = t.notify();
    const jobA = work.made.at(-1)!.job;
    work.workChanged(true);
    session.sendJob(true);
    const b = t.notify();
    work.workChanged(true);
    session.sendJob(true);
    const c = t.notify();
    const madeC = work.made.at(-1)!;
    // C was made in A's object (dropped by B's clean job), not in B's (dropped only now).
    expect(madeC.recycle).toBe(jobA);
    expect(madeC.job).toBe(jobA);
    expect(new Set([a.jobId, b.jobId, c.jobId]).size).toBe(3);
    expect(c.coinb1).not.toBe(a.coinb1); // a new share nonce, so a new ref_hash
    // C's bytes are the general builder's for its payee and nonce.
    const rec = madeC.job.context as { target: { base: { params: GentxParams } }; work: { address: string; nonce: number } };
    const params = rec.target.base.params;
    const gen = generateShare({ ...params, shareData: { ...params.shareData, address: rec.work.address, nonce: rec.work.nonce } });
    expect(c.coinb1).toBe(gen.coinb1.toString('hex'));
    expect(madeC.job.coinb1.equals(gen.coinb1)).toBe(true);

    // A's id with A's data (every hash is a pseudoshare at this difficulty, on A's data or C's):
    // stale, and the work layer never sees it.
    const nonceOnA = pseudoNonce(a, madeC.job, 1);
    expect(submit(t, a, nonceOnA)).toEqual([21, 'job not found', null]);
    expect(submit(t, b, nonceOnA)).toEqual([21, 'job not found', null]);
    expect(work.solutions).toHaveLength(0);
    // C's own submit is checked on C's bytes: the hash the work layer gets is that of the header
    // a miner builds from C's notify (its merkle root commits to C's coinb1, extranonces and coinb2).
    const nonceOnC = pseudoNonce(c, madeC.job, 1);
    expect(submit(t, c, nonceOnC)).toBe('accepted');
    expect(work.solutions).toHaveLength(1);
    expect(work.solutions[0]!.powHash).toEqual(sha256d(StratumTestMiner.header(c, EN1, '00000001', parseInt(c.ntime, 16), nonceOnC, parseInt(c.version, 16))));
    // Dropped by the next clean job: what C's submit made goes with it (the spare object holds
    // no coinb1 until its refill), while the bytes already handed out stay as they were.
    const handedOut = madeC.job.coinb1;
    const gentxOf = (j: Job): { bytes: Buffer | null } => (j.context as { work: { gentx: { bytes: Buffer | null } } }).work.gentx;
    expect(gentxOf(madeC.job).bytes).not.toBeNull();
    work.workChanged(true);
    session.sendJob(true);
    expect(gentxOf(madeC.job).bytes).toBeNull();
    expect(handedOut.toString('hex')).toBe(c.coinb1);
  });

  it('never refills a job a non-clean job kept live, and refills the one a full ring evicts', () => {
    const t = setup();
    const { work, session } = t;
    const notifies = [t.notify()];
    const jobs = [work.made.at(-1)!.job];
    // 32 more non-clean jobs: nothing dropped until the 33rd evicts the first.
    for (let i = 0; i < 32; i++) {
      session.sendJob(false);
      expect(work.made.at(-1)!.recycle).toBeNull();
      jobs.push(work.made.at(-1)!.job);
      notifies.push(t.notify());
    }
    expect(new Set(jobs).size).toBe(33);
    // The second job is still live and is checked on its own bytes.
    const n1 = pseudoNonce(notifies[1]!, jobs[1]!, 1);
    expect(submit(t, notifies[1]!, n1)).toBe('accepted');
    expect(work.solutions.at(-1)!.job).toBe(jobs[1]);
    expect(work.solutions.at(-1)!.powHash).toEqual(sha256d(StratumTestMiner.header(notifies[1]!, EN1, '00000001', parseInt(notifies[1]!.ntime, 16), n1, parseInt(notifies[1]!.version, 16))));
    // The next job is made in the evicted first one; the first's id is gone.
    session.sendJob(false);
    expect(work.made.at(-1)!.recycle).toBe(jobs[0]);
    expect(work.made.at(-1)!.job).toBe(jobs[0]);
    expect(submit(t, notifies[0]!, pseudoNonce(notifies[0]!, jobs[1]!, 1))).toEqual([21, 'job not found', null]);
    expect(work.solutions).toHaveLength(1);
  });

  it('refills a job from the current template and best share, never from what it held', () => {
    const t = setup();
    const { work, session } = t;
    work.workChanged(true);
    session.sendJob(true); // the first job is dropped: the next one is made in it
    const before = t.notify();
    const prev = Buffer.from(template.previousBlockHash);
    prev[0]! ^= 1;
    t.templates.current = { ...template, previousBlockHash: prev, curtime: template.curtime + 1 };
    work.workChanged(true);
    session.sendJob(true);
    const made = work.made.at(-1)!;
    expect(made.job).toBe(made.recycle);
    expect(made.job.prevBlock.equals(prev)).toBe(true);
    const rec = made.job.context as { target: { template: unknown; base: { params: GentxParams } }; work: { address: string; nonce: number } };
    expect(rec.target.template).toBe(t.templates.current);
    const params = rec.target.base.params;
    const gen = generateShare({ ...params, shareData: { ...params.shareData, address: rec.work.address, nonce: rec.work.nonce } });
    expect(t.notify().coinb1).toBe(gen.coinb1.toString('hex'));
    expect(t.notify().prevHash).not.toBe(before.prevHash);
  });
});

describe('a Stratum submit through PoolWork: the pseudoshare path', () => {
  it('answers a pseudoshare from reused memory, counting what a whole solution counts', () => {
    const runs = [setup(), setup({ whole: true })].map((t) => {
      const j = t.notify();
      const job = t.work.made.at(-1)!.job;
      const answers: unknown[] = [];
      let n = 0;
      for (let i = 0; i < 3; i++) answers.push(submit(t, j, (n = pseudoNonce(j, job, n + 1))));
      // New work without a new job: the session's job is still live, its work stale.
      t.work.workChanged(true);
      answers.push(submit(t, j, pseudoNonce(j, job, n + 1)));
      const rates = t.work.hashrate.perMiner(Date.now()).get(addr(1))!;
      return { t, answers, counters: { ...t.work.counters }, rates, hashes: t.work.solutions.length };
    });
    const [scratch, whole] = runs as [(typeof runs)[0], (typeof runs)[0]];
    expect(scratch.answers).toEqual(['accepted', 'accepted', 'accepted', [21, 'stale work', null]]);
    expect(whole.answers).toEqual(scratch.answers);
    expect(scratch.t.work.wholeSolutions).toBe(0);
    expect(whole.t.work.wholeSolutions).toBe(4);
    expect(scratch.hashes).toBe(4);
    expect(scratch.counters).toEqual(whole.counters);
    expect(scratch.counters.pseudoshares).toBe(4);
    expect(scratch.counters.deadPseudoshares).toBe(1);
    // The same work (one target, one miner) went into the hash-rate window on both paths.
    expect(scratch.rates.rate).toBeGreaterThan(0);
    expect(scratch.rates).toEqual(whole.rates);
    expect(scratch.rates.deadRate).toBe(scratch.rates.rate / 4);
  });

  it('hands a solution an aux chain wants over whole, in Buffers the next submit leaves alone', () => {
    const seen: ParentSolution[] = [];
    // Every hash meets this aux target: no submit is only a pseudoshare.
    const merged: MergedMiningHook = { coinbaseCommitment: () => null, easiestTarget: () => 2n ** 256n - 1n, onSolution: (s) => void seen.push(s) };
    const t = setup({ merged });
    const j = t.notify();
    const job = t.work.made.at(-1)!.job;
    const n1 = pseudoNonce(j, job, 1);
    const n2 = pseudoNonce(j, job, n1 + 1);
    expect(submit(t, j, n1)).toBe('accepted');
    expect(submit(t, j, n2)).toBe('accepted');
    expect(t.work.wholeSolutions).toBe(2);
    expect(seen).toHaveLength(2);
    const header1 = StratumTestMiner.header(j, EN1, '00000001', parseInt(j.ntime, 16), n1, parseInt(j.version, 16));
    expect(seen[0]!.header).toEqual(header1);
    expect(seen[0]!.powHash).toEqual(sha256d(header1));
    expect(seen[0]!.coinbase.toString('hex')).toBe(`${j.coinb1}${EN1}00000001${j.coinb2}`);
    expect(seen[1]!.header).toEqual(StratumTestMiner.header(j, EN1, '00000001', parseInt(j.ntime, 16), n2, parseInt(j.version, 16)));
    expect(seen[1]!.header).not.toBe(seen[0]!.header);
  });
});
