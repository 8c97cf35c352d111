/**
 * The mining.notify line of a job (Stratum v1: job_id, prevhash, coinb1, coinb2, merkle_branch,
 * version, nbits, ntime, clean_jobs), assembled once per session on every new work, so for
 * 1,000 sessions 1,000 times per broadcast. Every field is hex (or a boolean), so the JSON is
 * written directly (messages.ts pushLineJson) and the line is ASCII; the parts every job of a
 * template shares are made once and memoised on the template's own objects.
 */
import { stratumPrevHash, type Job } from '../work/job.js';
import { nextPushId, pushLineJson } from './messages.js';

/**
 * notifyLine as the bytes written to the socket, assembled in one Buffer from `alloc` (the
 * server lends a reused one: stratum/server.ts): the job's coinb1 hex (1-40 KB, most of the
 * line) is copied in by the work layer (Job.coinb1HexSource) instead of being joined into a
 * string that V8 flattens into a new string for each session's write. The same bytes as
 * notifyLine's string in latin1 (test/work/payee-gentx.test.ts).
 */
export function notifyLineBytes(job: Job, clean: boolean, alloc: (bytes: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const src = job.coinb1HexSource;
  if (src === undefined) return Buffer.from(notifyLine(job, clean), 'latin1');
  const head = `{"id":${nextPushId()},"method":"mining.notify","params":[${JSON.stringify(job.id)},"${prevHashField(job.prevBlock)}","`;
  const tail = `","${job.coinb2.toString('hex')}",${branchJson(job.merkleBranch)},"${hex32(job.version)}","${hex32(job.bits)}","${hex32(job.ntime)}",${clean ? 'true' : 'false'}],"jsonrpc":"2.0"}\n`;
  const out = alloc(head.length + src.coinb1HexLength + tail.length);
  let at = out.write(head, 0, 'latin1');
  at = src.writeCoinb1Hex(out, at);
  at += out.write(tail, at, 'latin1');
  if (at !== out.length) throw new Error(`notify line: wrote ${at} of ${out.length} bytes`);
  return out;
}

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
