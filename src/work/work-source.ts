/**
 * What the miner-facing servers (Stratum, getwork) need from the work layer. They own the
 * protocols and per-connection bookkeeping; the work layer owns payouts, jobs and what a
 * solution is worth.
 */
import type { ChainShare, ShareBlockBody } from '../sharechain/node-chain.js';
import type { BlockOutcome, FoundBlock } from './block-submission.js';
import type { HashrateEstimator } from './hashrate.js';
import type { Job } from './job.js';
import type { WorkBlockStatus, WorkCounters } from './pool-work.js';

/** An authorized miner (one payout address; a connection may authorize several). */
export interface Miner {
  username: string;
  address: string;
  worker: string;
  /** Fixed pseudoshare difficulty from `+D`, or null for vardiff. */
  pseudoDifficulty: number | null;
  /** Requested share difficulty from `/D`, or null. */
  shareDifficulty: number | null;
}

export type AuthorizeResult = { ok: true; miner: Miner } | { ok: false; reason: string };

export interface Solution {
  job: Job;
  miner: Miner;
  header: Buffer;
  /** Stripped coinbase (gentx without witness) the header commits to. */
  coinbase: Buffer;
  /** extranonce1 || extranonce2: the share's last_txout_nonce bytes. */
  nonceArea: Buffer;
  powHash: Buffer;
  /** Target of the pseudoshare the miner was asked for. */
  pseudoTarget: bigint;
}

export type SolutionResult =
  | { status: 'accepted' }
  /** The job's block is no longer the tip, or the share was dead on arrival. */
  | { status: 'stale'; reason: string }
  | { status: 'rejected'; reason: string };

/** A pseudoshare's two answers, made once: a submit makes no object for its answer. */
export const ACCEPTED: SolutionResult = Object.freeze({ status: 'accepted' });
export const STALE_WORK: SolutionResult = Object.freeze({ status: 'stale', reason: 'stale work' });

export interface WorkSource {
  authorize(username: string, password: string): AuthorizeResult;
  /**
   * A fresh job for the miner, or a reason why there is no valid work now. `recycle`: passed
   * (null until it has one) by a caller that drops its jobs for good (a Stratum session): a job
   * this source made earlier that nothing will read again, which the source may refill as the
   * new job instead of making an object (pool-work.ts PoolJob). Sources may ignore it.
   */
  makeJob(miner: Miner, extranonce1: Buffer, recycle?: Job | null): Job | { unavailable: string };
  /** A submission whose PoW met the session's pseudoshare target. */
  onSolution(solution: Solution): SolutionResult;
  /** PoW hash of an 80-byte header (sha256d or scrypt), internal byte order. */
  powHash(header: Buffer): Buffer;
  /**
   * powHash into `out[0..32]` (optional): a Stratum submit passes memory it reuses, so that a
   * pseudoshare makes no Buffer for its hash.
   */
  powHashInto?(header: Buffer, out: Buffer): void;
  /**
   * A submission whose PoW met the session's pseudoshare target, answered without its whole
   * solution (optional): its result when the hash is only a pseudoshare (job.ts
   * onlyPseudoshare), counted exactly as onSolution counts it; null when it meets the job's
   * share or block target or an aux chain's, for which the caller then calls onSolution.
   * `powHash` is the caller's reused memory: read during the call, never kept.
   */
  onPseudoshare?(job: Job, miner: Miner, powHash: Buffer, pseudoTarget: bigint): SolutionResult | null;
  /** Stratum difficulty multiplier (65536 for scrypt chains). */
  difficultyMultiplier: number;
  /** Starting pseudoshare difficulty for a new miner (stratum units, multiplier applied). */
  initialDifficulty(miner: Miner): number;
  /** Allowed range for stratum difficulty (sane target range). */
  minDifficulty: number;
  maxDifficulty: number;
  /**
   * The most a session may announce for this job (Stratum units): no more than the job's share
   * difficulty, so that every share reaches the node (a miner submits only what meets the
   * announced difficulty, and a share is paid the work of its own target). The fair rules give
   * each miner its own share target, which can be below a session's vardiff; undefined: no cap.
   */
  maxDifficultyFor?(job: Job): number;
}

/**
 * The work layer as the node and the web layer see it, whichever sharechain rules it builds on
 * (PoolWork for v35, FairWork for the fair rules): Stratum's and getwork's WorkSource, plus the
 * node's hooks (new template or best share, blocks and shares found) and what the API shows.
 */
export interface NodeWork extends WorkSource {
  readonly counters: WorkCounters;
  readonly hashrate: HashrateEstimator;
  /** The template changed (`clean`: a new block, or bitcoind went away) or bitcoind is back. */
  workChanged(clean: boolean): void;
  /** The best share changed: new work, old jobs dead (v35) or still paid within the horizon (fair). */
  bestChanged(): void;
  /** Why there is no work right now, or null. */
  unavailable(): string | null;
  blockStatus(): WorkBlockStatus | null;
  recentBodies(): readonly ShareBlockBody[];
  on(event: 'work', listener: (clean: boolean) => void): this;
  on(event: 'block', listener: (block: FoundBlock, outcome: BlockOutcome) => void): this;
  on(event: 'share', listener: (share: ChainShare, deadOnArrival: boolean) => void): this;
  off(event: 'work', listener: (clean: boolean) => void): this;
  off(event: 'block', listener: (block: FoundBlock, outcome: BlockOutcome) => void): this;
  off(event: 'share', listener: (share: ChainShare, deadOnArrival: boolean) => void): this;
}
