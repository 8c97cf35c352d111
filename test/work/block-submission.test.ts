/**
 * What bitcoind's answer to a found block means (src/work/block-submission.ts): accepted, a
 * same-height race lost (`inconclusive`, `duplicate`, or bcoin's null for a block it keeps on a
 * side branch, told apart by asking which block is at that height), or rejected; each counted
 * apart and logged at its level. The answers are Bitcoin Core's (test/fixtures/bitcoin-core-regtest
 * submitblock-results.json) and bcoin's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBlock } from '../../src/bitcoin/block.js';
import { sha256d } from '../../src/bitcoin/hash.js';
import { hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { CONSENSUS_BLOCK_LIMITS } from '../../src/work/block-limits.js';
import { classifySubmitAnswer, submitFoundBlock, type BlockCounters, type BlockSubmitter, type FoundBlock } from '../../src/work/block-submission.js';

const block = readFileSync(new URL('../fixtures/bitcoin-core/block413567.raw', import.meta.url));
const hashBytes = sha256d(block.subarray(0, 80));
const found: FoundBlock = { hash: hashToDisplayHex(hashBytes), height: 413567, shareHash: null, time: 0, coinbase: decodeBlock(block).txs[0]! };
const coreAnswers = JSON.parse(readFileSync(new URL('../fixtures/bitcoin-core-regtest/submitblock-results.json', import.meta.url), 'utf8')) as Record<string, unknown>;

function counters(): BlockCounters {
  return { blocksFound: 1, blocksAccepted: 0, blocksRejected: 0, blocksLostRace: 0, blocksOverLimits: 0, rejectReasons: new Map() };
}

async function run(answer: string | null | Error, inBest: boolean | null | Error, maxCoinbaseValue = 21e14) {
  const c = counters();
  const logs: string[] = [];
  const calls: { announce: boolean }[] = [];
  const submitter: BlockSubmitter = {
    submitBlock: (_b, o) => {
      calls.push({ announce: o?.announce !== false });
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
    inBestChain: () => (inBest instanceof Error ? Promise.reject(inBest) : Promise.resolve(inBest)),
  };
  const outcome = await submitFoundBlock({
    submitter, counters: c, log: (l, m) => void logs.push(`${l} ${m}`), limits: CONSENSUS_BLOCK_LIMITS, mweb: false,
    sigopCostOf: () => null, maxCoinbaseValue, describe: () => ({}),
  }, found, block, hashBytes);
  return { outcome, c, logs, calls };
}

describe('classifySubmitAnswer', () => {
  it('tells accepted, lost races and rejections apart', () => {
    expect(classifySubmitAnswer(null, true)).toEqual({ kind: 'accepted', answer: null });
    expect(classifySubmitAnswer(null, null)).toEqual({ kind: 'accepted', answer: null });
    expect(classifySubmitAnswer(null, false)).toEqual({ kind: 'lost-race', answer: null }); // bcoin: stored on a side branch
    expect(classifySubmitAnswer('duplicate', true)).toEqual({ kind: 'accepted', answer: 'duplicate' }); // our own P2P hand-over got there first
    expect(classifySubmitAnswer('duplicate', false)).toEqual({ kind: 'lost-race', answer: 'duplicate' });
    expect(classifySubmitAnswer('inconclusive', null)).toEqual({ kind: 'lost-race', answer: 'inconclusive' });
    expect(classifySubmitAnswer('inconclusive', true)).toEqual({ kind: 'accepted', answer: 'inconclusive' });
    expect(classifySubmitAnswer('duplicate-invalid', true)).toEqual({ kind: 'rejected', reason: 'duplicate-invalid' });
  });

  it('reads every answer Bitcoin Core gave for defective and valid blocks as what it was', () => {
    const cases = Object.values(coreAnswers as Record<string, { submitblock_result: string | null }>);
    expect(cases.length).toBeGreaterThan(6);
    for (const { submitblock_result: answer } of cases) {
      // The valid block was Core's tip when it said "duplicate" (it had been submitted before).
      const kind = classifySubmitAnswer(answer, true).kind;
      expect(kind).toBe(answer === null || answer === 'duplicate' ? 'accepted' : 'rejected');
    }
  });
});

describe('submitFoundBlock', () => {
  it('accepted: counted and logged at info', async () => {
    const { outcome, c, logs, calls } = await run(null, true);
    expect(outcome.kind).toBe('accepted');
    expect(c).toMatchObject({ blocksAccepted: 1, blocksLostRace: 0, blocksRejected: 0 });
    expect(logs).toEqual([`info block ${found.hash} accepted by bitcoind`]);
    expect(calls).toEqual([{ announce: true }]);
  });

  it('a race lost: counted apart from rejections, logged at info as what it is', async () => {
    for (const answer of ['inconclusive', 'duplicate', null]) {
      const { outcome, c, logs } = await run(answer, false);
      expect(outcome.kind).toBe('lost-race');
      expect(c).toMatchObject({ blocksAccepted: 0, blocksLostRace: 1, blocksRejected: 0 });
      expect(c.rejectReasons.size).toBe(0);
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatch(new RegExp(`^info block ${found.hash} at height 413567 lost a race: bitcoind already has a block at this height`));
      expect(logs[0]).not.toMatch(/REJECTED/);
    }
  });

  it('inconclusive when bitcoind cannot be asked which block it has: still a race, not a rejection', async () => {
    const { outcome, c } = await run('inconclusive', new Error('connection refused'));
    expect(outcome.kind).toBe('lost-race');
    expect(c.blocksLostRace).toBe(1);
  });

  it('a real rejection: counted with its reason, logged at error', async () => {
    const { outcome, c, logs } = await run('bad-cb-amount', true);
    expect(outcome).toEqual({ kind: 'rejected', reason: 'bad-cb-amount' });
    expect(c.blocksRejected).toBe(1);
    expect([...c.rejectReasons]).toEqual([['bad-cb-amount', 1]]);
    expect(logs).toEqual([`error block ${found.hash} REJECTED by bitcoind: bad-cb-amount`]);
  });

  it('a failed submission is a rejection without a reason', async () => {
    const { outcome, c, logs } = await run(new Error('timed out'), true);
    expect(outcome).toEqual({ kind: 'rejected', reason: 'submission failed' });
    expect(c.blocksRejected).toBe(1);
    expect(c.rejectReasons.size).toBe(0);
    expect(logs[0]).toMatch(/could not be submitted: timed out/);
  });

  it('a block over a limit is logged as a bug and sent over RPC only, without a folder to keep it in too', async () => {
    const { c, logs, calls } = await run('bad-cb-amount', true, 1);
    expect(c.blocksOverLimits).toBe(1);
    expect(calls).toEqual([{ announce: false }]);
    expect(logs[0]).toMatch(/^error BUG: block .* breaks Bitcoin's block limits: the coinbase pays 2531310238 sat.* Please report this\. Submitting it over RPC only/);
  });
});
