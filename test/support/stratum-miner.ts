/**
 * A real CPU miner speaking Stratum v1 over TCP, for tests and the demo: subscribe,
 * (optionally) configure version rolling, authorize, then grind nonces on every job and submit
 * whatever meets the pool's difficulty. It hashes real headers with the chain's PoW.
 */
import { connect, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { sha256d } from '../../src/bitcoin/hash.js';
import { hashToBigInt, hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { difficultyToTarget } from '../../src/bitcoin/target.js';

const DIFF1 = 0xffffn << 208n;

export interface MinerOptions {
  host?: string;
  port: number;
  username: string;
  password?: string;
  /** Ask for version rolling; submitted versions roll bit 13 upwards inside the mask. */
  versionRolling?: boolean;
  /** PoW function (defaults to sha256d). */
  pow?: (header: Buffer) => Buffer;
  /** Stratum difficulty multiplier of the chain (65536 for scrypt). */
  difficultyMultiplier?: number;
  /** Hashes per event-loop slice (keeps the process responsive). */
  batch?: number;
  /**
   * Submit at most one solution per job, then wait for the next job. On regtest nearly every
   * hash is a share (and a block), and each one makes new work anyway.
   */
  onePerJob?: boolean;
  /**
   * At most this many hashes per second (a small miner beside a large one, the demo's miners of
   * different sizes); unlimited by default.
   */
  hashrate?: number;
  /**
   * Read the pool's difficulty exactly (any value, e.g. the fair regtest network's 2.3e-10);
   * by default difficulties are read to 6 decimals (at least 1e-6), as the v35 tests were made with.
   */
  exactDifficulty?: boolean;
}

export interface Notify {
  jobId: string;
  prevHash: string;
  coinb1: string;
  coinb2: string;
  branch: string[];
  version: string;
  bits: string;
  ntime: string;
  clean: boolean;
}

export interface SubmitResult {
  jobId: string;
  result: unknown;
  error: unknown;
  version: number;
  /** The submitted header's hash, display hex (a share's hash when the submit made a share). */
  hash: string;
}

export class StratumTestMiner extends EventEmitter {
  private socket!: Socket;
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<number, (msg: { result: unknown; error: unknown }) => void>();
  extranonce1 = '';
  extranonce2Size = 4;
  difficulty = 1;
  versionMask = 0;
  job: Notify | null = null;
  readonly notifies: Notify[] = [];
  readonly submits: SubmitResult[] = [];
  /** Hashes (display hex) of every header submitted, answered or not, in order. */
  readonly sent: string[] = [];
  private mining = false;
  private stopped = false;
  private en2 = 0;

  constructor(private readonly opts: MinerOptions) {
    super();
  }

  async connect(): Promise<void> {
    this.socket = connect(this.opts.port, this.opts.host ?? '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('data', (d) => this.onData(d.toString('utf8')));
    this.socket.on('close', () => this.emit('close'));
    this.socket.on('error', (e) => this.emit('socket-error', e));
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }

  /** Send a raw line (tests of bad input). */
  sendRaw(data: string | Buffer): void {
    this.socket.write(data);
  }

  call(method: string, params: unknown[]): Promise<{ result: unknown; error: unknown }> {
    const id = this.nextId++;
    this.socket.write(JSON.stringify({ id, method, params }) + '\n');
    return new Promise((resolve) => this.pending.set(id, resolve));
  }

  /** subscribe (+configure) + authorize; resolves with the authorize answer. */
  async login(): Promise<{ result: unknown; error: unknown }> {
    if (this.opts.versionRolling) {
      const r = await this.call('mining.configure', [['version-rolling'], { 'version-rolling.mask': 'ffffffff', 'version-rolling.min-bit-count': 2 }]);
      const res = r.result as Record<string, unknown> | null;
      if (res && res['version-rolling'] === true) this.versionMask = parseInt(String(res['version-rolling.mask']), 16);
    }
    const sub = await this.call('mining.subscribe', ['p2pool-test-miner/1.0']);
    const s = sub.result as [unknown, string, number];
    this.extranonce1 = s[1];
    this.extranonce2Size = s[2];
    return this.call('mining.authorize', [this.opts.username, this.opts.password ?? 'x']);
  }

  /** Grind on the current job until stopped. */
  start(): void {
    this.stopped = false;
    if (!this.mining) void this.loop();
  }

  stop(): void {
    this.stopped = true;
  }

  close(): void {
    this.stopped = true;
    this.socket.destroy();
  }

  private onData(s: string): void {
    this.buf += s;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) !== -1) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (!line.trim()) continue;
      const msg = JSON.parse(line) as { id: unknown; method?: string; params?: unknown[]; result?: unknown; error?: unknown };
      if (msg.method === 'mining.set_difficulty') {
        this.difficulty = Number(msg.params![0]);
        this.emit('difficulty', this.difficulty);
      } else if (msg.method === 'mining.notify') {
        const p = msg.params as [string, string, string, string, string[], string, string, string, boolean];
        const n: Notify = { jobId: p[0], prevHash: p[1], coinb1: p[2], coinb2: p[3], branch: p[4], version: p[5], bits: p[6], ntime: p[7], clean: p[8] };
        this.job = n;
        this.notifies.push(n);
        this.en2 = 0;
        this.emit('notify', n);
      } else if (typeof msg.id === 'number' && this.pending.has(msg.id)) {
        const cb = this.pending.get(msg.id)!;
        this.pending.delete(msg.id);
        cb({ result: msg.result, error: msg.error });
      }
    }
  }

  /** Header for a job and nonce fields, exactly as the pool rebuilds it. */
  static header(job: Notify, extranonce1: string, en2: string, ntime: number, nonce: number, version: number): Buffer {
    const coinbase = Buffer.from(job.coinb1 + extranonce1 + en2 + job.coinb2, 'hex');
    let root = sha256d(coinbase);
    for (const h of job.branch) root = sha256d(Buffer.concat([root, Buffer.from(h, 'hex')]));
    const prev = Buffer.from(job.prevHash, 'hex');
    for (let i = 0; i < 32; i += 4) prev.subarray(i, i + 4).reverse();
    const header = Buffer.alloc(80);
    header.writeUInt32LE(version >>> 0, 0);
    prev.copy(header, 4);
    root.copy(header, 36);
    header.writeUInt32LE(ntime >>> 0, 68);
    header.writeUInt32LE(parseInt(job.bits, 16) >>> 0, 72);
    header.writeUInt32LE(nonce >>> 0, 76);
    return header;
  }

  private async loop(): Promise<void> {
    this.mining = true;
    const pow = this.opts.pow ?? sha256d;
    const rate = this.opts.hashrate;
    const batch = rate === undefined ? (this.opts.batch ?? 2000) : Math.max(1, Math.min(this.opts.batch ?? 2000, Math.ceil(rate / 20)));
    let t0 = Date.now();
    let hashes = 0;
    try {
      while (!this.stopped && !this.socket.destroyed) {
        const job = this.job;
        if (!job) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const target = this.opts.exactDifficulty
          ? difficultyToTarget(this.difficulty / (this.opts.difficultyMultiplier ?? 1))
          : (DIFF1 * 1_000_000n) / BigInt(Math.max(1, Math.round((this.difficulty / (this.opts.difficultyMultiplier ?? 1)) * 1_000_000)));
        const en2 = (this.en2++ >>> 0).toString(16).padStart(this.extranonce2Size * 2, '0');
        const ntime = parseInt(job.ntime, 16);
        const baseVersion = parseInt(job.version, 16);
        const rolled = this.versionMask ? ((baseVersion & ~this.versionMask) | (0x2000 & this.versionMask)) >>> 0 : baseVersion;
        const header = StratumTestMiner.header(job, this.extranonce1, en2, ntime, 0, rolled);
        for (let nonce = 0; nonce < 0x100000 && this.job === job && !this.stopped; nonce++) {
          header.writeUInt32LE(nonce, 76);
          const powHash = pow(header);
          if (hashToBigInt(powHash) <= target) {
            const params = [this.opts.username, job.jobId, en2, job.ntime, nonce.toString(16).padStart(8, '0')];
            if (this.versionMask) params.push((rolled & this.versionMask).toString(16).padStart(8, '0'));
            const hash = hashToDisplayHex(this.opts.pow ? sha256d(header) : powHash);
            this.sent.push(hash);
            void this.call('mining.submit', params).then((r) => {
              const s = { jobId: job.jobId, result: r.result, error: r.error, version: rolled, hash };
              this.submits.push(s);
              this.emit('submit', s);
            });
            if (this.opts.onePerJob) {
              while (this.job === job && !this.stopped && !this.socket.destroyed) await new Promise((r) => setTimeout(r, 5));
              // Time spent waiting is not saved up for a burst.
              t0 = Date.now();
              hashes = 0;
              break;
            }
          }
          if (++hashes % batch === 0) {
            // Throttled: sleep until the hashes so far fit the rate; else just yield.
            const ahead = rate === undefined ? 0 : (hashes / rate) * 1000 - (Date.now() - t0);
            await new Promise((r) => (ahead > 0 ? setTimeout(r, ahead) : setImmediate(r)));
          }
        }
      }
    } finally {
      this.mining = false;
    }
  }
}
