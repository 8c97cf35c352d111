/**
 * A found block, from the miner's solution to bitcoind's verdict (docs/mining.md#found-blocks):
 *
 * 1. Checked against the block limits from its own bytes (block-limits.ts checkBlock). A block
 *    over a limit is a bug in this node: it is logged as one, written with a report to the
 *    data directory, and handed to bitcoind over RPC only (bitcoind may still take it if our
 *    check is what is wrong; a P2P hand-over of a block bitcoind finds invalid would get our
 *    connection dropped).
 * 2. Submitted: announced over P2P and `submitblock` over RPC (the reference does both).
 * 3. Classified (classifySubmitAnswer): accepted, lost a same-height race, or rejected.
 *    `duplicate` (bitcoind has this block already, often through our own P2P hand-over) and
 *    `inconclusive` (it stored the block but did not connect it: it already has a block at this
 *    height) are not rejections; whether the block is bitcoind's at its height then decides
 *    between accepted and lost race. bcoin answers null for a block it stores on a side
 *    branch, so a null answer is looked up the same way.
 */
import type { Transaction } from '../bitcoin/transaction.js';
import { checkBlock, type BlockCheck, type BlockLimits } from './block-limits.js';

export interface BlockSubmitter {
  /**
   * Submit a block; resolves with null when bitcoind accepted it, else with its answer
   * (a reject reason, `duplicate`, `inconclusive`). `announce: false`: RPC only, no P2P.
   */
  submitBlock(block: Buffer, opts?: { announce?: boolean }): Promise<string | null>;
  /** Whether bitcoind's best chain has the block `hash` (internal order) at `height`; null when it cannot tell. */
  inBestChain?(hash: Buffer, height: number): Promise<boolean | null>;
  /** Keep a block that failed the limits check, with its report, for a bug report; where it went, or null. */
  saveBadBlock?(hash: string, block: Buffer, report: Record<string, unknown>): string | null;
}

export type BlockOutcome =
  | { kind: 'accepted'; answer: string | null }
  | { kind: 'lost-race'; answer: string | null }
  | { kind: 'rejected'; reason: string };

/** BIP22 answers that say bitcoind has the block, or another one at its height, rather than that it is invalid. */
const RACE_ANSWERS = new Set(['duplicate', 'inconclusive']);

/**
 * What a `submitblock` answer means, given whether the block is bitcoind's at its height
 * (null: could not be asked). See the module comment.
 */
export function classifySubmitAnswer(answer: string | null, inBestChain: boolean | null): BlockOutcome {
  if (answer !== null && !RACE_ANSWERS.has(answer)) return { kind: 'rejected', reason: answer };
  if (inBestChain === true) return { kind: 'accepted', answer };
  if (inBestChain === false) return { kind: 'lost-race', answer };
  return answer === null ? { kind: 'accepted', answer } : { kind: 'lost-race', answer };
}

export interface FoundBlock {
  /** Display hex. */
  hash: string;
  height: number;
  shareHash: string | null;
  time: number;
  coinbase: Transaction;
}

export interface BlockCounters {
  blocksFound: number;
  blocksAccepted: number;
  blocksRejected: number;
  /** bitcoind already had another block at the height (a same-height race lost). */
  blocksLostRace: number;
  /** Failed our own limits check before submission (a bug: see the log and the saved report). */
  blocksOverLimits: number;
  rejectReasons: Map<string, number>;
}

export interface SubmitContext {
  submitter: BlockSubmitter;
  counters: BlockCounters;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
  limits: BlockLimits;
  mweb: boolean;
  sigopCostOf: (txid: Buffer) => number | null;
  maxCoinbaseValue: number;
  /** What the node version, template and fit were, for a bad block's report. */
  describe: () => Record<string, unknown>;
}

/**
 * Check, submit and classify one found block; resolves with the outcome once bitcoind has
 * answered (counters and log lines are done by then).
 */
export async function submitFoundBlock(ctx: SubmitContext, found: FoundBlock, block: Buffer, hashBytes: Buffer): Promise<BlockOutcome> {
  const { counters, log } = ctx;
  let check: BlockCheck;
  try {
    check = checkBlock(block, { limits: ctx.limits, mweb: ctx.mweb, sigopCostOf: ctx.sigopCostOf, maxCoinbaseValue: ctx.maxCoinbaseValue });
  } catch (e) {
    // The check itself failing must not cost the block: say so and submit as usual.
    log?.('error', `internal error: block ${found.hash} could not be checked (${e instanceof Error ? e.message : String(e)}); submitting it unchecked`);
    check = { weight: 0, strippedSize: 0, sigopCost: 0, coinbaseValue: 0, transactions: 0, problems: [] };
  }
  const ok = check.problems.length === 0;
  if (!ok) {
    counters.blocksOverLimits++;
    const report = {
      hash: found.hash,
      height: found.height,
      problems: check.problems,
      measured: { weight: check.weight, strippedSize: check.strippedSize, sigopCost: check.sigopCost, coinbaseValue: check.coinbaseValue, transactions: check.transactions },
      limits: ctx.limits,
      ...ctx.describe(),
    };
    let where: string | null = null;
    try {
      where = ctx.submitter.saveBadBlock?.(found.hash, block, report) ?? null;
    } catch (e) {
      log?.('error', `could not write block ${found.hash} for a bug report: ${e instanceof Error ? e.message : String(e)}`);
    }
    log?.('error', `BUG: block ${found.hash} at height ${found.height} breaks Bitcoin's block limits: ${check.problems.join('; ')}. ` +
      `${where ? `The block and a report are in ${where}; please ` : 'Please '}report this. Submitting it over RPC only, so bitcoind decides.`);
  }
  let answer: string | null;
  try {
    answer = await ctx.submitter.submitBlock(block, ok ? {} : { announce: false });
  } catch (e) {
    counters.blocksRejected++;
    log?.('error', `block ${found.hash} could not be submitted: ${e instanceof Error ? e.message : String(e)}`);
    return { kind: 'rejected', reason: 'submission failed' };
  }
  let inBest: boolean | null = null;
  if (answer === null || RACE_ANSWERS.has(answer)) {
    try {
      inBest = (await ctx.submitter.inBestChain?.(hashBytes, found.height)) ?? null;
    } catch {
      inBest = null;
    }
  }
  const outcome = classifySubmitAnswer(answer, inBest);
  switch (outcome.kind) {
    case 'accepted':
      counters.blocksAccepted++;
      log?.('info', `block ${found.hash} accepted by bitcoind${answer === 'duplicate' ? ' (it had it already)' : ''}`);
      break;
    case 'lost-race':
      counters.blocksLostRace++;
      log?.('info', `block ${found.hash} at height ${found.height} lost a race: bitcoind already has a block at this height` +
        `${answer ? ` (it answered "${answer}")` : ''}; not a rejection`);
      break;
    case 'rejected':
      counters.blocksRejected++;
      counters.rejectReasons.set(outcome.reason, (counters.rejectReasons.get(outcome.reason) ?? 0) + 1);
      log?.('error', `block ${found.hash} REJECTED by bitcoind: ${outcome.reason}`);
      break;
  }
  return outcome;
}
