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
  if (src === undefined || !plainId(job.id)) return Buffer.from(notifyLine(job, clean), 'latin1');
  // Per session only the push id, the job id and coinb1 differ; the rest is bytes made once per
  // template (prevhash) or per work and second (the tail), copied in with one memcpy each. No
  // string is built per line (a ~1 KB tail rope per session was most of a notify's garbage).
  const id = nextPushId();
  const prev = prevHashAscii(job.prevBlock);
  const tail = tailAscii(job, clean);
  const head = HEAD_ID.length + decimalLength(id) + HEAD_METHOD.length + job.id.length + 3 + prev.length + 3;
  const out = alloc(head + src.coinb1HexLength + tail.length);
  out.set(HEAD_ID, 0);
  let at = writeDecimal(out, HEAD_ID.length, id);
  out.set(HEAD_METHOD, at);
  at += HEAD_METHOD.length;
  at = writeAscii(out, at, job.id);
  out.set(QUOTE_COMMA_QUOTE, at);
  out.set(prev, at + 3);
  at += 3 + prev.length;
  out.set(QUOTE_COMMA_QUOTE, at);
  at = src.writeCoinb1Hex(out, at + 3);
  out.set(tail, at);
  at += tail.length;
  if (at !== out.length) throw new Error(`notify line: wrote ${at} of ${out.length} bytes`);
  return out;
}

/** Job ids written into a line as they are (JSON needs no escape for these): 1-64 of [0-9A-Za-z]. */
function plainId(id: string): boolean {
  if (id.length === 0 || id.length > 64) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false;
  }
  return true;
}
const HEAD_ID = Buffer.from('{"id":', 'latin1');
const HEAD_METHOD = Buffer.from(',"method":"mining.notify","params":["', 'latin1');
const QUOTE_COMMA_QUOTE = Buffer.from('","', 'latin1');

function decimalLength(n: number): number {
  let len = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    len++;
  }
  return len;
}

/** Write a non-negative integer's decimal digits at `at`; returns the offset after them. */
function writeDecimal(out: Buffer, at: number, n: number): number {
  const end = at + decimalLength(n);
  for (let i = end - 1; i >= at; i--) {
    out[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

function writeAscii(out: Buffer, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
  return at;
}

/** Stratum's prevhash of a template's previous block as ASCII bytes, memoised per block hash object. */
const prevHashAsciiCache = new WeakMap<Buffer, Buffer>();
function prevHashAscii(prevBlock: Buffer): Buffer {
  let b = prevHashAsciiCache.get(prevBlock);
  if (b === undefined) {
    b = Buffer.from(prevHashField(prevBlock), 'latin1');
    prevHashAsciiCache.set(prevBlock, b);
  }
  return b;
}

/**
 * The line after coinb1 (`","coinb2",[branch],"version","bits","ntime",clean],"jsonrpc":"2.0"}`
 * and the newline) as ASCII bytes. Every job of one work has the same branch, version, bits and
 * coinb2 contents, and ntime moves once a second: the last tail made for a branch is kept and
 * served while all of them are equal.
 */
interface TailEntry {
  /** Compared by identity first (every job of one work shares its coinb2), then by bytes. */
  coinb2: Buffer;
  version: number;
  bits: number;
  ntime: number;
  clean: boolean;
  bytes: Buffer;
}
const tailCache = new WeakMap<readonly Buffer[], TailEntry>();
function tailAscii(job: Job, clean: boolean): Buffer {
  const e = tailCache.get(job.merkleBranch);
  if (e !== undefined && e.version === job.version && e.bits === job.bits && e.ntime === job.ntime && e.clean === clean) {
    if (e.coinb2 === job.coinb2) return e.bytes;
    if (e.coinb2.equals(job.coinb2)) {
      // The same bytes in another work's Buffer: compare by identity from now on.
      e.coinb2 = job.coinb2;
      return e.bytes;
    }
  }
  const text = `","${job.coinb2.toString('hex')}",${branchJson(job.merkleBranch)},"${hex32(job.version)}","${hex32(job.bits)}","${hex32(job.ntime)}",${clean ? 'true' : 'false'}],"jsonrpc":"2.0"}\n`;
  const bytes = Buffer.from(text, 'latin1');
  tailCache.set(job.merkleBranch, { coinb2: job.coinb2, version: job.version, bits: job.bits, ntime: job.ntime, clean, bytes });
  return bytes;
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
