/**
 * A CPU miner for scrypt chains (Litecoin) speaking real Stratum v1 over TCP: subscribe,
 * authorize, then grind nonces on every job and submit what meets the pool's difficulty.
 *
 * The proof of work is computed here with node:crypto's scrypt (N=1024, r=1, p=1, the header
 * as both password and salt: Litecoin's scrypt_1024_1_1_256, docs/sharechain.md#identity-sharefromcontents), independently
 * of src/bitcoin/hash.ts, so tests can check the pool's scrypt against it. The Stratum
 * difficulty is divided by the chain's multiplier (65536 for scrypt, as scrypt miners expect)
 * to get the target, with 64 fractional bits so the tiny difficulties of a test network stay
 * exact (test/support/stratum-miner.ts rounds to 1e-6 and cannot go that low).
 */
import { scryptSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { StratumTestMiner, type Notify } from './stratum-miner.js';

/** Difficulty 1: 0xffff * 2^208 (Core's bdiff 1). */
const DIFF1 = 0xffffn << 208n;
const FRACTION_BITS = 64n;

/** Litecoin's PoW hash of an 80-byte header, internal (little-endian) byte order. */
export function scryptHeader(header: Buffer): Buffer {
  return scryptSync(header, header, 32, { N: 1024, r: 1, p: 1 });
}

/** The target a miner aims at for a Stratum difficulty on a chain with this multiplier. */
export function targetForDifficulty(difficulty: number, multiplier: number): bigint {
  const scaled = BigInt(Math.max(1, Math.round((difficulty / multiplier) * 2 ** Number(FRACTION_BITS))));
  return (DIFF1 << FRACTION_BITS) / scaled;
}

export interface ScryptSubmit {
  header: Buffer;
  pow: Buffer;
  /** The target the miner mined against (from the difficulty in force). */
  target: bigint;
  /** The pool's answer, once `answered`. */
  result: unknown;
  error: unknown;
  answered: boolean;
}

export class ScryptTestMiner {
  private socket!: Socket;
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<number, (msg: { result: unknown; error: unknown }) => void>();
  private extranonce1 = '';
  private extranonce2Size = 4;
  private job: Notify | null = null;
  private stopped = false;
  private mining = false;
  private en2 = 0;
  difficulty = 1;
  /** Every mining.set_difficulty value received, in order. */
  readonly difficulties: number[] = [];
  readonly notifies: Notify[] = [];
  readonly submits: ScryptSubmit[] = [];

  constructor(
    private readonly opts: { port: number; username: string; difficultyMultiplier: number; host?: string },
  ) {}

  async connect(): Promise<void> {
    this.socket = connect(this.opts.port, this.opts.host ?? '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('data', (d) => this.onData(d.toString('utf8')));
    this.socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }

  private call(method: string, params: unknown[]): Promise<{ result: unknown; error: unknown }> {
    const id = this.nextId++;
    this.socket.write(`${JSON.stringify({ id, method, params })}\n`);
    return new Promise((resolve) => this.pending.set(id, resolve));
  }

  /** subscribe + authorize; resolves with the authorize answer. */
  async login(): Promise<{ result: unknown; error: unknown }> {
    const sub = await this.call('mining.subscribe', ['p2pool-scrypt-test-miner/1.0']);
    const s = sub.result as [unknown, string, number];
    this.extranonce1 = s[1];
    this.extranonce2Size = s[2];
    return this.call('mining.authorize', [this.opts.username, 'x']);
  }

  start(): void {
    this.stopped = false;
    if (!this.mining) void this.loop();
  }

  /** Stop hashing (the connection stays open, so answers still arrive). */
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
        this.difficulties.push(this.difficulty);
      } else if (msg.method === 'mining.notify') {
        const p = msg.params as [string, string, string, string, string[], string, string, string, boolean];
        const n: Notify = { jobId: p[0], prevHash: p[1], coinb1: p[2], coinb2: p[3], branch: p[4], version: p[5], bits: p[6], ntime: p[7], clean: p[8] };
        this.job = n;
        this.notifies.push(n);
        this.en2 = 0;
      } else if (typeof msg.id === 'number' && this.pending.has(msg.id)) {
        const cb = this.pending.get(msg.id)!;
        this.pending.delete(msg.id);
        cb({ result: msg.result, error: msg.error });
      }
    }
  }

  private async loop(): Promise<void> {
    this.mining = true;
    try {
      while (!this.stopped && !this.socket.destroyed) {
        const job = this.job;
        if (!job) {
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        const target = targetForDifficulty(this.difficulty, this.opts.difficultyMultiplier);
        const en2 = (this.en2++ >>> 0).toString(16).padStart(this.extranonce2Size * 2, '0');
        const header = StratumTestMiner.header(job, this.extranonce1, en2, parseInt(job.ntime, 16), 0, parseInt(job.version, 16));
        // A pseudoshare is not always a share: keep grinding the job until new work arrives.
        for (let nonce = 0; nonce < 0x10000 && this.job === job && !this.stopped; nonce++) {
          header.writeUInt32LE(nonce, 76);
          const pow = scryptHeader(header);
          // Internal byte order: the hash is a little-endian 256-bit number.
          if (BigInt(`0x${Buffer.from(pow).reverse().toString('hex')}`) <= target) {
            const submitted = Buffer.from(header);
            const params = [this.opts.username, job.jobId, en2, job.ntime, nonce.toString(16).padStart(8, '0')];
            const entry: ScryptSubmit = { header: submitted, pow, target, result: undefined, error: undefined, answered: false };
            this.submits.push(entry);
            void this.call('mining.submit', params).then((r) => {
              entry.result = r.result;
              entry.error = r.error;
              entry.answered = true;
            });
          }
          if (nonce % 50 === 49) await new Promise((r) => setImmediate(r));
        }
      }
    } finally {
      this.mining = false;
    }
  }
}
