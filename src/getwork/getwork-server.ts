/**
 * Legacy getwork over HTTP JSON-RPC with long polling (docs/mining.md#connecting), for old miners that
 * do not speak Stratum. It shares the worker port with Stratum and the web API: the port's
 * owner passes each HTTP request to `handle` first.
 *
 * Every getwork answer is a fresh job whose 8-byte nonce area (the share's last_txout_nonce)
 * is a per-request counter, so each answer has its own merkle root; a submission is matched
 * back to its job by that root.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hashToBigInt } from '../bitcoin/hex.js';
import { difficultyToTarget } from '../bitcoin/target.js';
import { buildHeader, type Job } from '../work/job.js';
import type { Miner, WorkSource } from '../work/work-source.js';
import { decodeGetworkData, encodeGetwork } from './getwork-data.js';

/** Jobs answer submissions for this long (the reference keeps merkle roots 300 s). */
const JOB_LIFETIME_MS = 300_000;
const MAX_JOBS = 20_000;
const MAX_BODY_BYTES = 64 * 1024;
const MAX_LONG_POLLS = 2_000;

interface IssuedWork {
  job: Job;
  miner: Miner;
  nonceArea: Buffer;
  target: bigint;
  seen: Set<string>;
}

interface LongPoll {
  req: IncomingMessage;
  res: ServerResponse;
}

export interface GetworkCounters {
  getworks: number;
  accepted: number;
  rejected: number;
}

export class GetworkServer {
  readonly counters: GetworkCounters = { getworks: 0, accepted: 0, rejected: 0 };
  private readonly issued = new Map<string, IssuedWork>();
  private readonly polls = new Set<LongPoll>();
  private counter = 0;
  private readonly now: () => number;

  constructor(
    private readonly work: WorkSource,
    private readonly opts: { log?: (msg: string) => void; now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Handles the request if it is getwork or a long poll; returns false to let others serve it. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/long-polling') {
      if (this.polls.size >= MAX_LONG_POLLS) {
        res.writeHead(503).end();
        return true;
      }
      const poll = { req, res };
      this.polls.add(poll);
      res.on('close', () => this.polls.delete(poll));
      return true;
    }
    if (path !== '/' || req.method !== 'POST') return false;
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      this.rpc(req, res, Buffer.concat(chunks).toString('utf8'));
    });
    return true;
  }

  /** New work: every waiting long poll gets a fresh job. */
  notifyNewWork(): void {
    const polls = [...this.polls];
    this.polls.clear();
    for (const p of polls) this.answer(p.req, p.res, null, () => this.getwork(p.req));
  }

  close(): void {
    for (const p of this.polls) p.res.destroy();
    this.polls.clear();
  }

  private rpc(req: IncomingMessage, res: ServerResponse, body: string): void {
    let msg: { id?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(body) as typeof msg;
      if (typeof msg !== 'object' || msg === null) throw new Error();
    } catch {
      return this.send(req, res, { id: null, result: null, error: { code: -32700, message: 'parse error' } });
    }
    const id = typeof msg.id === 'number' || typeof msg.id === 'string' ? msg.id : null;
    if (msg.method !== 'getwork') {
      return this.send(req, res, { id, result: null, error: { code: -32601, message: 'method not found' } });
    }
    const params = Array.isArray(msg.params) ? msg.params : [];
    this.answer(req, res, id, () => (params.length === 0 ? this.getwork(req) : this.submit(req, params[0])));
  }

  private answer(req: IncomingMessage, res: ServerResponse, id: number | string | null, fn: () => unknown): void {
    try {
      this.send(req, res, { id, result: fn(), error: null });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // -12345 is the reference's code for "no work available" (docs/mining.md#how-a-job-is-built).
      this.send(req, res, { id, result: null, error: { code: -12345, message } });
    }
  }

  private minerFor(req: IncomingMessage): Miner {
    const auth = req.headers.authorization ?? '';
    let user = '';
    let pass = '';
    if (auth.startsWith('Basic ')) {
      const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      user = colon === -1 ? decoded : decoded.slice(0, colon);
      pass = colon === -1 ? '' : decoded.slice(colon + 1);
    }
    const r = this.work.authorize(user, pass);
    if (!r.ok) throw new Error(r.reason);
    return r.miner;
  }

  private getwork(req: IncomingMessage): unknown {
    const miner = this.minerFor(req);
    const nonceArea = Buffer.alloc(8);
    nonceArea.writeUInt32BE(this.counter++ >>> 0, 0);
    const made = this.work.makeJob(miner, nonceArea.subarray(0, 4));
    if ('unavailable' in made) throw new Error(made.unavailable);
    const difficulty = miner.pseudoDifficulty ?? this.work.initialDifficulty(miner) / this.work.difficultyMultiplier;
    let target = difficultyToTarget(difficulty);
    if (target < made.shareTarget) target = made.shareTarget;
    const { header } = buildHeader(made, nonceArea, made.ntime, 0, made.version);
    this.remember(header.subarray(36, 68).toString('hex'), { job: made, miner, nonceArea, target, seen: new Set() });
    this.counters.getworks++;
    return { ...encodeGetwork(header, target), identifier: String(this.counter), submitold: true };
  }

  private submit(_req: IncomingMessage, data: unknown): boolean {
    const header = decodeGetworkData(data);
    const issued = this.issued.get(header.subarray(36, 68).toString('hex'));
    if (!issued || this.now() - issued.job.createdAt > JOB_LIFETIME_MS) return this.reject('unknown or expired work');
    const { job, nonceArea } = issued;
    const version = header.readUInt32LE(0);
    const ntime = header.readUInt32LE(68);
    const nonce = header.readUInt32LE(76);
    if (!header.subarray(4, 36).equals(job.prevBlock) || header.readUInt32LE(72) !== job.bits || version !== job.version) {
      return this.reject('header does not match the work it claims');
    }
    if (ntime < job.minTime || ntime > Math.max(Math.floor(this.now() / 1000), job.ntime) + 7200) return this.reject('ntime out of range');
    const key = `${ntime}:${nonce}`;
    if (issued.seen.has(key)) return this.reject('duplicate');
    issued.seen.add(key);
    const rebuilt = buildHeader(job, nonceArea, ntime, nonce, version);
    const powHash = this.work.powHash(rebuilt.header);
    if (hashToBigInt(powHash) > issued.target) return this.reject('above target');
    const r = this.work.onSolution({ job, miner: issued.miner, header: rebuilt.header, coinbase: rebuilt.coinbase, nonceArea, powHash, pseudoTarget: issued.target });
    if (r.status !== 'accepted') return this.reject(r.reason);
    this.counters.accepted++;
    return true;
  }

  private reject(reason: string): false {
    this.counters.rejected++;
    this.opts.log?.(`getwork submission rejected: ${reason}`);
    return false;
  }

  private remember(root: string, w: IssuedWork): void {
    this.issued.set(root, w);
    if (this.issued.size > MAX_JOBS) {
      const cutoff = this.now() - JOB_LIFETIME_MS;
      for (const [k, v] of this.issued) {
        if (v.job.createdAt < cutoff || this.issued.size > MAX_JOBS) this.issued.delete(k);
        else break;
      }
    }
  }

  private send(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    const payload = JSON.stringify({ ...(body as object), jsonrpc: '2.0' });
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'X-Long-Polling': '/long-polling',
      'X-Roll-NTime': 'expire=100',
      'X-Is-P2Pool': 'true',
      'X-Stratum': `stratum+tcp://${(req.headers.host ?? '').slice(0, 255)}`,
      'Content-Length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }
}
