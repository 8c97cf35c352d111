/**
 * What the miner-facing servers (Stratum, getwork) need from the work layer. They own the
 * protocols and per-connection bookkeeping; the work layer owns payouts, jobs and what a
 * solution is worth.
 */
import type { Job } from './job.js';

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

export interface WorkSource {
  authorize(username: string, password: string): AuthorizeResult;
  /** A fresh job for the miner, or a reason why there is no valid work now. */
  makeJob(miner: Miner, extranonce1: Buffer): Job | { unavailable: string };
  /** A submission whose PoW met the session's pseudoshare target. */
  onSolution(solution: Solution): SolutionResult;
  /** PoW hash of an 80-byte header (sha256d or scrypt), internal byte order. */
  powHash(header: Buffer): Buffer;
  /** Stratum difficulty multiplier (65536 for scrypt chains). */
  difficultyMultiplier: number;
  /** Starting pseudoshare difficulty for a new miner (stratum units, multiplier applied). */
  initialDifficulty(miner: Miner): number;
  /** Allowed range for stratum difficulty (sane target range). */
  minDifficulty: number;
  maxDifficulty: number;
}
