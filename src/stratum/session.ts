/**
 * One miner connection speaking Stratum v1: subscribe, authorize, configure (BIP310 version
 * rolling, minimum difficulty), suggest_difficulty, extranonce.subscribe, and fully checked
 * submits. Transport-agnostic: the server feeds it lines and gives it a `send` function, so
 * the protocol logic is tested without sockets as well as over real TCP.
 */
import { difficultyToTarget } from '../bitcoin/target.js';
import { BuiltHeader, coinbaseSuffix, hashExceedsTarget, targetToHashBytes, writeHeader, type Job } from '../work/job.js';
import { acceptedLine, BadRequest, StratumErrorCode as E, hexU32Param, pushLine, responseLine, stratumError, type StratumError } from './messages.js';
import { notifyLine, notifyLineBytes } from './notify-line.js';
import { parseRequest } from './request-parser.js';
import { SeenHeaders } from './seen-headers.js';
import { applyVersionBits, negotiateVersionMask } from './version-rolling.js';
import { Vardiff } from './vardiff.js';
import type { Miner, Solution, WorkSource } from '../work/work-source.js';

/** Miners that never authorize are dropped after this long. */
export const LOGIN_TIMEOUT_MS = 30_000;
/** Jobs stay valid for submission this long (the reference keeps them 300 s). */
export const JOB_LIFETIME_MS = 300_000;
/** At most this many live jobs per connection. */
const MAX_JOBS = 32;
/**
 * At most this many worker names authorized on one connection (a proxy's many rigs fit): each
 * is held for the connection's life, and a miner must not grow the node's memory without end.
 */
export const MAX_WORKERS = 256;
/**
 * A job slot keeps its set of submitted headers for its next job while the set has at most this
 * many slots (512 headers; 10 KB): one that grew past it is let go rather than held by the session.
 */
const MAX_KEPT_SEEN_SLOTS = 1024;
/** Header time may run this far past the node's clock (Core: 2 hours). */
const MAX_FUTURE_NTIME = 7200;
/**
 * A submit's header and PoW hash, written here and read only until its answer: a pseudoshare
 * (nearly every submit) makes no Buffer for either. A share, a block or an aux solution gets
 * its own copies (WorkSource.onPseudoshare).
 */
const HEADER_SCRATCH = Buffer.alloc(80);
const POW_SCRATCH = Buffer.alloc(32);
/** This many invalid submissions in a row ends the connection. */
export const MAX_BAD_SUBMITS = 50;
/** Stratum subscription id the reference returns (test/fixtures worker-capture.json). */
const SUBSCRIPTION_ID = 'ae6812eb4cd7735a302a8a9dd95cf71f';

export interface SessionCounters {
  accepted: number;
  stale: number;
  rejected: number;
  duplicate: number;
  lowDifficulty: number;
}

interface LiveJob {
  /** null: the slot is free (never used, or its job was dropped by a clean job). */
  job: Job | null;
  miner: Miner;
  target: bigint;
  /** `target` as little-endian bytes, compared with each submit's PoW hash (made on the first). */
  targetBytes: Buffer | null;
  /**
   * Headers submitted on this job (made on its first submit: most jobs are replaced before any;
   * kept, emptied, for the slot's next job unless it grew large).
   */
  seen: SeenHeaders | null;
  /**
   * extranonce1 || extranonce2 || coinb2 of this job (job.ts coinbaseSuffix), made on its first
   * submit, each submit writing its extranonce2 into it; the Buffer is kept for the slot's next
   * job when its length fits. `suffixOf` is the job it was filled for.
   */
  suffix: Buffer | null;
  suffixOf: Job | null;
}

/**
 * A connection's live jobs, newest last, at most MAX_JOBS: a ring of slots reused in place, so
 * a broadcast to 1,000 sessions makes no map table and no entry object per session (a Map
 * cleared and refilled on every clean job was a fifth of a notify's garbage). A submit finds
 * its job by scanning from the newest; ids are unique per work source, and there are rarely
 * more than a few live jobs.
 */
class LiveJobs {
  private readonly slots: LiveJob[] = [];
  /** Index of the newest slot; `size` slots back from it are live. */
  private newest = -1;
  private size = 0;

  /**
   * A job dropped for good (no slot holds it), which the work source may refill as the next job
   * (WorkSource.makeJob's `recycle`): one that a clean job or a full ring dropped. Only one
   * is kept, so a session holds at most its live jobs and one more.
   */
  private dropped: Job | null = null;

  /** Take the dropped job for recycling: from here on it is the work source's, not ours. */
  takeDropped(): Job | null {
    const job = this.dropped;
    this.dropped = null;
    return job;
  }

  private drop(job: Job): void {
    job.dropped?.();
    this.dropped = job;
  }

  /** Drop every job (a clean job: older work can no longer make blocks or good shares). */
  clear(): void {
    for (let i = 0, at = this.newest; i < this.size; i++, at = (at + MAX_JOBS - 1) % MAX_JOBS) {
      const slot = this.slots[at]!;
      if (slot.job !== null) this.drop(slot.job);
      slot.job = null;
    }
    this.size = 0;
    // Start again at the first slot: with clean jobs only (every new work), a session then uses
    // one slot, not a new one for each of its first MAX_JOBS broadcasts.
    this.newest = -1;
  }

  /** Add the newest job, dropping the oldest when MAX_JOBS are live. */
  add(job: Job, miner: Miner, target: bigint): void {
    this.newest = (this.newest + 1) % MAX_JOBS;
    const slot = this.slots[this.newest];
    if (slot === undefined) {
      this.slots[this.newest] = { job, miner, target, targetBytes: null, seen: null, suffix: null, suffixOf: null };
    } else {
      if (slot.job !== null) this.drop(slot.job);
      slot.job = job;
      slot.miner = miner;
      slot.target = target;
      slot.targetBytes = null;
      slot.suffixOf = null;
      const seen = slot.seen;
      if (seen !== null) {
        if (seen.slots > MAX_KEPT_SEEN_SLOTS) slot.seen = null;
        else seen.clear();
      }
    }
    if (this.size < MAX_JOBS) this.size++;
  }

  get(id: string): LiveJob | undefined {
    for (let i = 0, at = this.newest; i < this.size; i++, at = (at + MAX_JOBS - 1) % MAX_JOBS) {
      const slot = this.slots[at]!;
      if (slot.job !== null && slot.job.id === id) return slot;
    }
    return undefined;
  }
}

/** What became of one mining.submit, for the server's counters (/metrics). */
export type SubmitOutcome = 'accepted' | 'stale' | 'rejected';

export interface SessionHooks {
  /** Write a line; `ascii` when it is known to be pure ASCII (written as latin1, no UTF-8 pass). */
  send(line: string, ascii?: boolean): void;
  /**
   * Write a line already in bytes (mining.notify: notify-line.ts notifyLineBytes), in order with
   * `send`'s lines. Without it the session sends the notify as a string.
   */
  sendBytes?(line: Buffer): void;
  /** Where a line for sendBytes is assembled (a Buffer of exactly `bytes`); default a new one. */
  lineBuffer?(bytes: number): Buffer;
  /** End the connection; `ban` asks the server to refuse the address for a while. */
  close(reason: string, ban: boolean): void;
  now(): number;
  log?(msg: string): void;
  /** Called once per mining.submit with its outcome and, unless accepted, the error message. */
  submitted?(outcome: SubmitOutcome, reason: string): void;
}

export class StratumSession {
  readonly counters: SessionCounters = { accepted: 0, stale: 0, rejected: 0, duplicate: 0, lowDifficulty: 0 };
  private subscribed = false;
  private readonly miners = new Map<string, Miner>();
  /**
   * The worker name of the last submit and its miner: a miner sends one name, and comparing it
   * is cheaper than hashing a freshly parsed string for the map (~80 ns a submit).
   */
  private lastWorker = '';
  private lastMiner: Miner | undefined = undefined;
  private currentMiner: Miner | null = null;
  private versionMask = 0;
  private minDifficulty = 0;
  private suggested: number | null = null;
  private vardiff: Vardiff | null = null;
  private sentDifficulty = 0;
  /** difficultyToTarget of the last wanted difficulty (it rarely changes; bigint math per job did). */
  private targetDifficulty = -1;
  private difficultyTarget = 0n;
  /**
   * The last pseudoshare target a job's first submit turned into hash bytes, and those bytes
   * (read only): the next job's is nearly always the same, and a job's first submit made them
   * anew (bench/mining.ts `inProcess.firstSubmitOnNewJobUs`).
   */
  private lastTarget = -1n;
  private lastTargetBytes: Buffer = Buffer.alloc(32);
  private readonly jobs = new LiveJobs();
  private badInARow = 0;
  private closed = false;
  /** extranonce1 || four zero bytes: how every live job's coinbase suffix starts (a submit writes its extranonce2 over the zeros). */
  private readonly nonceArea: Buffer;

  constructor(
    readonly extranonce1: Buffer,
    private readonly work: WorkSource,
    private readonly hooks: SessionHooks,
  ) {
    this.nonceArea = Buffer.alloc(extranonce1.length + 4);
    extranonce1.copy(this.nonceArea, 0);
  }

  get authorized(): boolean {
    return this.currentMiner !== null;
  }

  get miner(): Miner | null {
    return this.currentMiner;
  }

  get difficulty(): number {
    return this.sentDifficulty;
  }

  /** Handle one request line. */
  handleLine(line: string): void {
    if (this.closed) return;
    let id: number | string | null = null;
    try {
      const req = parseRequest(line);
      id = req.id;
      this.dispatch(req.id, req.method, req.params);
    } catch (e) {
      if (!(e instanceof BadRequest)) throw e;
      this.reply(e.id ?? id, null, stratumError(E.OTHER, e.message));
      this.countBad(`bad request: ${e.message}`);
    }
  }

  private dispatch(id: number | string | null, method: string, params: unknown[]): void {
    switch (method) {
      case 'mining.subscribe':
        this.subscribed = true;
        // The reference's shape (one [method, id] pair) is what P2Pool miners already accept.
        this.reply(id, [['mining.notify', SUBSCRIPTION_ID], this.extranonce1.toString('hex'), 4]);
        if (this.currentMiner) this.sendJob(true);
        return;
      case 'mining.authorize':
        return this.authorize(id, params);
      case 'mining.configure':
        return this.configure(id, params);
      case 'mining.suggest_difficulty':
        return this.suggestDifficulty(id, params);
      case 'mining.extranonce.subscribe':
        // Our extranonce1 never changes during a session, so there will be nothing to push.
        return this.reply(id, true);
      case 'mining.submit':
        try {
          return this.submit(id, params);
        } catch (e) {
          // A malformed parameter (hexParam): answered by handleLine, counted here.
          if (e instanceof BadRequest) this.hooks.submitted?.('rejected', e.message);
          throw e;
        }
      case 'mining.get_transactions':
        return this.reply(id, []);
      default:
        return this.reply(id, null, stratumError(E.OTHER, `unknown method ${method.slice(0, 64)}`));
    }
  }

  private authorize(id: number | string | null, params: unknown[]): void {
    const username = typeof params[0] === 'string' ? params[0] : '';
    const password = typeof params[1] === 'string' ? params[1] : '';
    if (this.miners.size >= MAX_WORKERS && !this.miners.has(username)) {
      this.reply(id, false, stratumError(E.UNAUTHORIZED, `at most ${MAX_WORKERS} worker names on one connection`));
      return;
    }
    const res = this.work.authorize(username, password);
    if (!res.ok) {
      this.reply(id, false, stratumError(E.UNAUTHORIZED, res.reason));
      this.hooks.log?.(`refused miner '${username.slice(0, 100)}': ${res.reason}`);
      return;
    }
    this.miners.set(username, res.miner);
    this.lastMiner = undefined;
    this.currentMiner = res.miner;
    const now = this.hooks.now() / 1000;
    if (res.miner.pseudoDifficulty !== null) {
      this.vardiff = null;
    } else if (!this.vardiff) {
      const start = this.suggested ?? this.work.initialDifficulty(res.miner);
      this.vardiff = new Vardiff(this.clampDifficulty(start), now, {
        targetInterval: 5, retargetShares: 12, retargetSeconds: 30,
        minDifficulty: this.work.minDifficulty, maxDifficulty: this.work.maxDifficulty,
      });
    }
    this.reply(id, true);
    this.sendJob(true);
  }

  private configure(id: number | string | null, params: unknown[]): void {
    const exts = Array.isArray(params[0]) ? params[0].filter((x): x is string => typeof x === 'string') : [];
    const opts = params[1] && typeof params[1] === 'object' ? (params[1] as Record<string, unknown>) : {};
    const result: Record<string, unknown> = {};
    for (const ext of exts) {
      if (ext === 'version-rolling') {
        const maskHex = typeof opts['version-rolling.mask'] === 'string' ? opts['version-rolling.mask'] : 'ffffffff';
        const minerMask = /^[0-9a-fA-F]{1,8}$/.test(maskHex) ? parseInt(maskHex, 16) : 0;
        this.versionMask = negotiateVersionMask(minerMask);
        result['version-rolling'] = true;
        result['version-rolling.mask'] = this.versionMask.toString(16).padStart(8, '0');
      } else if (ext === 'minimum-difficulty') {
        const v = opts['minimum-difficulty.value'];
        if (typeof v === 'number' && Number.isFinite(v) && v > 0) {
          this.minDifficulty = Math.min(v, this.work.maxDifficulty);
          result['minimum-difficulty'] = true;
        } else {
          result['minimum-difficulty'] = false;
        }
      } else {
        result[ext.slice(0, 64)] = false;
      }
    }
    this.reply(id, result);
  }

  private suggestDifficulty(id: number | string | null, params: unknown[]): void {
    const d = params[0];
    if (typeof d !== 'number' || !Number.isFinite(d) || d <= 0) {
      this.reply(id, false, stratumError(E.OTHER, 'difficulty must be a positive number'));
      return;
    }
    this.suggested = this.clampDifficulty(d);
    this.vardiff?.reset(this.suggested, this.hooks.now() / 1000);
    this.reply(id, true);
    if (this.currentMiner) this.sendJob(false);
  }

  private clampDifficulty(d: number): number {
    const lo = Math.max(this.work.minDifficulty, this.minDifficulty);
    return Math.min(Math.max(d, lo), this.work.maxDifficulty);
  }

  /** The pseudoshare difficulty this session should mine at now (stratum units). */
  private wantedDifficulty(): number {
    const m = this.currentMiner;
    if (m?.pseudoDifficulty != null) return this.clampDifficulty(m.pseudoDifficulty * this.work.difficultyMultiplier);
    if (this.vardiff) return this.clampDifficulty(this.vardiff.current);
    return this.clampDifficulty(this.suggested ?? 1);
  }

  /** Push a new job (and the difficulty first when it changed). */
  sendJob(clean: boolean): void {
    const job = this.prepareJob(clean);
    if (job !== null) this.deliverJob(job, clean);
  }

  /**
   * The first half of sendJob: make the job and take it for submits (a clean one drops every
   * older job), without writing anything; deliverJob then sends it. The server makes every
   * session's job of a broadcast first and then writes the lines (server.ts broadcastWork), so
   * the job-making code runs back to back instead of between 1,000 socket writes. Null when
   * there is nothing to send.
   */
  prepareJob(clean: boolean): Job | null {
    if (this.closed || !this.currentMiner || !this.subscribed) return null;
    // The job a clean job or a full ring dropped earlier: no slot holds it, so no submit can
    // reach it, and the work source may make the new job in it (test/stratum/session.test.ts).
    const made = this.work.makeJob(this.currentMiner, this.extranonce1, this.jobs.takeDropped());
    if ('unavailable' in made) {
      this.hooks.log?.(`no work for ${this.currentMiner.username}: ${made.unavailable}`);
      return null;
    }
    const job = made;
    let difficulty = this.wantedDifficulty();
    const cap = this.work.maxDifficultyFor?.(job);
    if (cap !== undefined && difficulty > cap) difficulty = cap;
    if (difficulty !== this.targetDifficulty) {
      this.targetDifficulty = difficulty;
      this.difficultyTarget = difficultyToTarget(difficulty / this.work.difficultyMultiplier);
    }
    let target = this.difficultyTarget;
    // A pseudoshare never needs to be harder than a share: every share must reach us.
    if (target < job.shareTarget) target = job.shareTarget;
    if (clean) this.jobs.clear();
    this.jobs.add(job, this.currentMiner, target);
    return job;
  }

  /**
   * The job's mining.notify as the bytes deliverJob would send, in a Buffer from `alloc` (the
   * server assembles a broadcast's lines in runs: server.ts broadcastWork); null when this
   * session sends its lines as strings (no sendBytes hook).
   */
  notifyBytes(job: Job, clean: boolean, alloc: (bytes: number) => Buffer): Buffer | null {
    return this.hooks.sendBytes ? notifyLineBytes(job, clean, alloc) : null;
  }

  /**
   * The second half of sendJob: set_difficulty when it changed, then the job's mining.notify
   * (`line`: the one notifyBytes made for it, else made now).
   */
  deliverJob(job: Job, clean: boolean, line: Buffer | null = null): void {
    if (this.closed) return;
    const difficulty = this.targetDifficulty;
    if (difficulty !== this.sentDifficulty) {
      this.sentDifficulty = difficulty;
      this.hooks.send(pushLine('mining.set_difficulty', [difficulty]), true);
    }
    if (this.hooks.sendBytes) this.hooks.sendBytes(line ?? notifyLineBytes(job, clean, this.hooks.lineBuffer));
    else this.hooks.send(notifyLine(job, clean), true);
  }

  private submit(id: number | string | null, params: unknown[]): void {
    if (!this.subscribed) return this.fail(id, E.NOT_SUBSCRIBED, 'not subscribed', 'rejected');
    const worker = typeof params[0] === 'string' ? params[0] : '';
    let miner = this.lastMiner;
    if (miner === undefined || worker !== this.lastWorker) {
      miner = this.miners.get(worker);
      this.lastWorker = worker;
      this.lastMiner = miner;
    }
    if (!miner) return this.fail(id, E.UNAUTHORIZED, 'unauthorized worker', 'rejected');
    const jobId = typeof params[1] === 'string' ? params[1] : '';
    const live = this.jobs.get(jobId);
    const now = this.hooks.now();
    const liveJob = live?.job;
    if (!live || !liveJob || now - liveJob.createdAt > JOB_LIFETIME_MS) {
      return this.fail(id, E.JOB_NOT_FOUND, 'job not found', 'stale');
    }
    const en2 = hexU32Param(params[2], 'extranonce2');
    const ntime = hexU32Param(params[3], 'ntime');
    const nonce = hexU32Param(params[4], 'nonce');
    let version = liveJob.version;
    if (params[5] !== undefined) {
      const v = applyVersionBits(liveJob.version, hexU32Param(params[5], 'version bits'), this.versionMask);
      if (v === null) return this.fail(id, E.OTHER, 'version bits outside the negotiated mask', 'rejected');
      version = v;
    }
    const nowS = Math.floor(now / 1000);
    if (ntime < liveJob.minTime || ntime > Math.max(nowS, liveJob.ntime) + MAX_FUTURE_NTIME) {
      return this.fail(id, E.OTHER, 'ntime out of range', 'rejected');
    }
    // The four 32-bit fields that make a header different (seen-headers.ts: no string made).
    version >>>= 0;
    live.seen ??= new SeenHeaders();
    if (!live.seen.add(en2, ntime, nonce, version)) return this.fail(id, E.DUPLICATE_SHARE, 'duplicate share', 'duplicate');

    const suffix = this.suffixFor(live, liveJob);
    suffix.writeUInt32BE(en2, this.extranonce1.length);
    writeHeader(liveJob, suffix, ntime, nonce, version, HEADER_SCRATCH);
    let powHash: Buffer = POW_SCRATCH;
    if (this.work.powHashInto) this.work.powHashInto(HEADER_SCRATCH, POW_SCRATCH);
    else powHash = this.work.powHash(HEADER_SCRATCH);
    if (live.targetBytes === null) {
      if (live.target !== this.lastTarget) {
        this.lastTargetBytes = targetToHashBytes(live.target);
        this.lastTarget = live.target;
      }
      live.targetBytes = this.lastTargetBytes;
    }
    if (hashExceedsTarget(powHash, live.targetBytes)) {
      return this.fail(id, E.LOW_DIFFICULTY, 'low difficulty share', 'lowDifficulty');
    }
    // Only a pseudoshare (nearly every submit): answered from the scratch memory. Anything more
    // (a share, a block, an aux solution) is handed over whole, in Buffers of its own.
    const res =
      this.work.onPseudoshare?.(liveJob, miner, powHash, live.target) ??
      this.work.onSolution(new SubmittedSolution(liveJob, miner, new BuiltHeader(Buffer.from(HEADER_SCRATCH), liveJob.coinb1, Buffer.from(suffix), this.nonceArea.length), Buffer.from(powHash), live.target));
    if (res.status === 'accepted') {
      this.badInARow = 0;
      this.counters.accepted++;
      this.hooks.submitted?.('accepted', '');
      this.hooks.send(acceptedLine(id), typeof id === 'number');
      if (this.vardiff) {
        const next = this.vardiff.onShare(this.hooks.now() / 1000);
        if (next !== null) this.sendJob(false);
      }
      return;
    }
    if (res.status === 'stale') return this.fail(id, E.JOB_NOT_FOUND, res.reason, 'stale');
    return this.fail(id, E.OTHER, res.reason, 'rejected');
  }

  /** `live`'s coinbase suffix for `job`, with this session's extranonce1 (filled on the job's first submit). */
  private suffixFor(live: LiveJob, job: Job): Buffer {
    if (live.suffixOf === job && live.suffix !== null) return live.suffix;
    const length = this.nonceArea.length + job.coinb2.length;
    live.suffix = coinbaseSuffix(job, this.nonceArea, live.suffix?.length === length ? live.suffix : undefined);
    live.suffixOf = job;
    return live.suffix;
  }

  private fail(id: number | string | null, code: number, message: string, counter: keyof SessionCounters): void {
    this.counters[counter]++;
    this.hooks.submitted?.(counter === 'stale' ? 'stale' : 'rejected', message);
    this.reply(id, null, stratumError(code, message));
    // Stale work is the network's doing, not the miner's: it does not count towards a ban.
    if (counter !== 'stale') this.countBad(message);
  }

  private countBad(reason: string): void {
    if (++this.badInARow >= MAX_BAD_SUBMITS) {
      this.closed = true;
      this.hooks.close(`${MAX_BAD_SUBMITS} bad requests in a row (last: ${reason})`, true);
    }
  }

  /** Called by the server on a timer: drops connections that never authorized. */
  checkLogin(startedAt: number, timeoutMs = LOGIN_TIMEOUT_MS): void {
    if (!this.closed && !this.currentMiner && this.hooks.now() - startedAt > timeoutMs) {
      this.closed = true;
      this.hooks.close('did not authorize in time', false);
    }
  }

  /** Periodic vardiff check for a miner that went quiet. */
  tick(): void {
    if (this.vardiff && this.currentMiner && this.vardiff.onTick(this.hooks.now() / 1000) !== null) this.sendJob(false);
  }

  markClosed(): void {
    this.closed = true;
  }

  private reply(id: number | string | null, result: unknown, error: StratumError | null = null): void {
    this.hooks.send(responseLine(id, result, error));
  }
}

/**
 * What a checked submit hands the work layer. A class: an object literal with a getter, made
 * per submit, was one of its larger non-hashing costs (--cpu-prof). The coinbase and the nonce
 * area are made only if the work layer reads them (a share, a block, an aux solution).
 */
class SubmittedSolution implements Solution {
  readonly header: Buffer;

  constructor(
    readonly job: Job,
    readonly miner: Miner,
    private readonly built: BuiltHeader,
    readonly powHash: Buffer,
    readonly pseudoTarget: bigint,
  ) {
    this.header = built.header;
  }

  get coinbase(): Buffer {
    return this.built.coinbase;
  }

  get nonceArea(): Buffer {
    return this.built.nonceArea;
  }
}
