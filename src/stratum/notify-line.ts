/**
 * The mining.notify line of a job (Stratum v1: job_id, prevhash, coinb1, coinb2, merkle_branch,
 * version, nbits, ntime, clean_jobs), assembled once per session on every new work, so for
 * 1,000 sessions 1,000 times per broadcast. Every field is hex (or a boolean), so the JSON is
 * written directly (messages.ts pushLineJson) and the line is ASCII; the parts every job of a
 * template shares are made once and memoised on the template's own objects.
 */
import { stratumPrevHash, type Job } from '../work/job.js';
import { pushLineJson } from './messages.js';

export function notifyLine(job: Job, clean: boolean): string {
  const coinb1 = job.coinb1Hex ?? job.coinb1.toString('hex');
  return pushLineJson(
    'mining.notify',
    `[${JSON.stringify(job.id)},"${prevHashField(job.prevBlock)}","${coinb1}","${job.coinb2.toString('hex')}",` +
      `${branchJson(job.merkleBranch)},"${hex32(job.version)}","${hex32(job.bits)}","${hex32(job.ntime)}",${clean ? 'true' : 'false'}]`,
  );
}

/** JSON of a merkle branch; one template's branch is shared by every job, so it is memoised. */
const branchJsonCache = new WeakMap<readonly Buffer[], string>();
function branchJson(branch: readonly Buffer[]): string {
  let json = branchJsonCache.get(branch);
  if (json === undefined) {
    json = `[${branch.map((h) => `"${h.toString('hex')}"`).join(',')}]`;
    branchJsonCache.set(branch, json);
  }
  return json;
}

/** Stratum's prevhash of a template's previous block (the same Buffer for all its jobs), memoised. */
const prevHashCache = new WeakMap<Buffer, string>();
function prevHashField(prevBlock: Buffer): string {
  let hex = prevHashCache.get(prevBlock);
  if (hex === undefined) {
    hex = stratumPrevHash(prevBlock);
    prevHashCache.set(prevBlock, hex);
  }
  return hex;
}

function hex32(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
