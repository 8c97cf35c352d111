/**
 * A work source with fixed, real coinbase bytes for protocol tests of the miner-facing servers
 * (the sharechain is not involved). It records every solution that reaches it so tests can
 * check them independently. Usernames starting with "bad" are refused.
 */
import { randomBytes } from 'node:crypto';
import { sha256d } from '../../src/bitcoin/hash.js';
import type { Miner, Solution, WorkSource } from '../../src/work/work-source.js';
import type { Job } from '../../src/work/job.js';

/** Share and block targets far harder than any pseudoshare the tests ask for: the session's pseudoshare target decides. */
const HARD = 1n << 200n;

export class FixedWork implements WorkSource {
  solutions: Solution[] = [];
  jobVersion = 0x30000000;
  private n = 0;
  difficultyMultiplier = 1;
  minDifficulty = 1e-9;
  maxDifficulty = 1e12;
  prevBlock = randomBytes(32);
  authorize(username: string) {
    if (username.startsWith('bad')) return { ok: false as const, reason: 'taproot addresses cannot receive P2Pool payouts' };
    const miner: Miner = { username, address: username, worker: '', pseudoDifficulty: null, shareDifficulty: null };
    return { ok: true as const, miner };
  }
  makeJob(miner: Miner): Job {
    return {
      id: (++this.n).toString(16),
      prevBlock: this.prevBlock,
      coinb1: Buffer.concat([Buffer.from('01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff', 'hex'), Buffer.from(miner.username)]),
      coinb2: Buffer.from('00000000', 'hex'),
      merkleBranch: [randomBytes(32), randomBytes(32)],
      version: this.jobVersion,
      bits: 0x207fffff,
      ntime: Math.floor(Date.now() / 1000),
      minTime: Math.floor(Date.now() / 1000) - 600,
      blockTarget: HARD,
      shareTarget: HARD,
      createdAt: Date.now(),
      context: null,
    };
  }
  onSolution(s: Solution) {
    this.solutions.push(s);
    return { status: 'accepted' as const };
  }
  powHash(h: Buffer) {
    return sha256d(h);
  }
  initialDifficulty() {
    return 1e-6;
  }
}

