/**
 * The miners of the 5,000-miner soak (bench/soak.ts), in a child process of their own so the
 * node keeps its core: N real Stratum connections over 127.0.0.1, each with its own payout
 * address; the last `nonReaders` of them log in and then never read their socket again (while
 * asking for a new difficulty twice a second, each answered with a new job). The
 * others submit real pseudoshares on their latest job, paced over all of them, and time each
 * answer. Times are process.hrtime.bigint() (CLOCK_MONOTONIC, shared by both processes).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sha256d } from '../src/bitcoin/hash.js';
import { hashToBigInt } from '../src/bitcoin/hex.js';
import { withoutNodeFlags } from './node-flags.js';

export type SoakCommand =
  | { type: 'connect'; port: number; usernames: string[]; nonReaders: number }
  | { type: 'run'; rate: number; durationMs: number; above: string }
  | { type: 'fanout'; starts: string[] };

export type SoakReport =
  | { type: 'connected'; readers: number; nonReaders: number }
  | { type: 'ran'; sent: number; answered: number; accepted: number; errors: Record<string, number>; closedByNode: number; latencyMs: { p50: number; p99: number; max: number }; elapsedS: number }
  | { type: 'fanout'; lastMs: number[] };

interface Conn {
  socket: Socket;
  username: string;
  reader: boolean;
  buf: string;
  extranonce1: string;
  notifyLine: string | null;
  /** The header of the latest job and the nonce to try next. */
  job: { line: string; jobId: string; ntime: string; header: Buffer; nonce: number } | null;
  inFlight: bigint[];
  nextId: number;
  closed: boolean;
}

const conns: Conn[] = [];
/** ms (monotonic) of every notify read. */
const notifyTimes: number[] = [];
let onAnswer: ((c: Conn, sentAt: bigint, ok: boolean, line: string) => void) | null = null;

function report(r: SoakReport): void {
  process.send!(r);
}

function onLine(c: Conn, line: string, at: bigint): void {
  if (line.includes('"method":"mining.notify"')) {
    c.notifyLine = line;
    notifyTimes.push(Number(at) / 1e6);
    return;
  }
  if (line.includes('"method"')) return;
  if (c.extranonce1 === '') {
    const msg = JSON.parse(line) as { result: unknown };
    if (Array.isArray(msg.result) && typeof msg.result[1] === 'string') c.extranonce1 = msg.result[1];
    return;
  }
  if (line.startsWith('{"id":1,') || line.startsWith('{"id":2,') || line.includes('"id":1,') || line.includes('"id":2,')) return;
  const sentAt = c.inFlight.shift();
  if (sentAt === undefined) return;
  onAnswer?.(c, sentAt, line.includes('"result":true'), line);
}

function onData(c: Conn, chunk: string): void {
  const at = process.hrtime.bigint();
  c.buf += chunk;
  let nl: number;
  while ((nl = c.buf.indexOf('\n')) >= 0) {
    const line = c.buf.slice(0, nl);
    c.buf = c.buf.slice(nl + 1);
    onLine(c, line, at);
  }
}

async function connectAll(port: number, usernames: string[], nonReaders: number): Promise<void> {
  for (let i = 0; i < usernames.length; i += 100) {
    await Promise.all(usernames.slice(i, i + 100).map((username, j) => new Promise<void>((resolve, reject) => {
      const reader = i + j < usernames.length - nonReaders;
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      const c: Conn = { socket, username, reader, buf: '', extranonce1: '', notifyLine: null, job: null, inFlight: [], nextId: 10, closed: false };
      socket.on('error', (e) => (c.closed ? undefined : reject(e)));
      socket.on('close', () => (c.closed = true));
      socket.once('connect', () => {
        socket.write(`{"id":1,"method":"mining.subscribe","params":["soak/1.0"]}\n{"id":2,"method":"mining.authorize","params":[${JSON.stringify(username)},"x"]}\n`);
        if (reader) {
          socket.setEncoding('utf8');
          socket.on('data', (d: string) => onData(c, d));
        } else {
          // Never read: the node's writes pile up in the kernel and then in its own buffer.
          // Each asks for a new difficulty twice a second (every answer carries a fresh job,
          // a whole notify), so the pile reaches the node's write-buffer limit within minutes
          // instead of hours: the loopback kernel buffers alone take ~2.5 MB per connection.
          socket.pause();
          let n = 0;
          const iv = setInterval(() => {
            if (c.closed || socket.destroyed) return clearInterval(iv);
            socket.write(`{"id":${100 + n++},"method":"mining.suggest_difficulty","params":[${n % 2 ? '0.001' : '0.002'}]}\n`);
          }, 500);
          socket.on('close', () => clearInterval(iv));
        }
        conns.push(c);
        resolve();
      });
    })));
  }
  while (conns.some((c) => c.reader && c.notifyLine === null)) await new Promise((r) => setTimeout(r, 20));
}

/**
 * The 80-byte header for a notify (nonce 0), as a miner builds it (bench/mining-load.ts has the
 * same; not imported, since that module answers IPC commands of its own when loaded in a child).
 */
function notifyHeader(notifyLine: string, extranonce1: string, en2Hex: string): { jobId: string; ntime: string; header: Buffer } {
  const p = (JSON.parse(notifyLine) as { params: [string, string, string, string, string[], string, string, string, boolean] }).params;
  const [jobId, prevHash, coinb1, coinb2, branch, version, bits, ntime] = p;
  let root = sha256d(Buffer.from(coinb1 + extranonce1 + en2Hex + coinb2, 'hex'));
  for (const h of branch) root = sha256d(Buffer.concat([root, Buffer.from(h, 'hex')]));
  const prev = Buffer.from(prevHash, 'hex');
  for (let i = 0; i < 32; i += 4) prev.subarray(i, i + 4).reverse();
  const header = Buffer.alloc(80);
  header.writeUInt32LE(parseInt(version, 16) >>> 0, 0);
  prev.copy(header, 4);
  root.copy(header, 36);
  header.writeUInt32LE(parseInt(ntime, 16) >>> 0, 68);
  header.writeUInt32LE(parseInt(bits, 16) >>> 0, 72);
  return { jobId, ntime, header };
}

/** The next valid pseudoshare for `c` on its latest job (PoW above `above`: not a share or block). */
function nextSubmit(c: Conn, above: bigint): string | null {
  if (!c.notifyLine || !c.extranonce1) return null;
  if (!c.job || c.job.line !== c.notifyLine) {
    const { jobId, ntime, header } = notifyHeader(c.notifyLine, c.extranonce1, '00000000');
    c.job = { line: c.notifyLine, jobId, ntime, header, nonce: 0 };
  }
  const j = c.job;
  for (;;) {
    j.header.writeUInt32LE(j.nonce, 76);
    const nonce = j.nonce++;
    if (hashToBigInt(sha256d(j.header)) <= above) continue;
    return `{"id":${c.nextId++},"method":"mining.submit","params":[${JSON.stringify(c.username)},"${j.jobId}","00000000","${j.ntime}","${nonce.toString(16).padStart(8, '0')}"]}\n`;
  }
}

function run(rate: number, durationMs: number, aboveHex: string): Promise<SoakReport> {
  const above = BigInt(`0x${aboveHex}`);
  const readers = conns.filter((c) => c.reader);
  return new Promise((resolve) => {
    let sent = 0;
    let answered = 0;
    let accepted = 0;
    let next = 0;
    const errors: Record<string, number> = {};
    const latencies: number[] = [];
    const start = process.hrtime.bigint();
    onAnswer = (_c, sentAt, ok, line) => {
      answered++;
      latencies.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
      if (ok) accepted++;
      else {
        const k = /"error":\[\d+,"([^"]*)"/.exec(line)?.[1] ?? 'unknown';
        errors[k] = (errors[k] ?? 0) + 1;
      }
    };
    const finish = (): void => {
      onAnswer = null;
      latencies.sort((a, b) => a - b);
      const pick = (p: number): number => Number((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(3));
      resolve({
        type: 'ran', sent, answered, accepted, errors, closedByNode: conns.filter((c) => c.closed).length,
        latencyMs: { p50: pick(0.5), p99: pick(0.99), max: pick(1) }, elapsedS: Number(process.hrtime.bigint() - start) / 1e9,
      });
    };
    const tick = (): void => {
      const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
      if (elapsedMs >= durationMs) {
        // Give the last answers a moment.
        setTimeout(finish, 1000);
        return;
      }
      const due = Math.floor((elapsedMs * rate) / 1000);
      while (sent < due) {
        const c = readers[next++ % readers.length]!;
        if (c.closed) continue;
        const line = nextSubmit(c, above);
        if (!line) continue;
        c.inFlight.push(process.hrtime.bigint());
        c.socket.write(line);
        sent++;
      }
      setTimeout(tick, 2);
    };
    tick();
  });
}

/** For each broadcast start, the last notify received before the next start (ms after it). */
function fanout(startsNs: bigint[]): number[] {
  const starts = startsNs.map((s) => Number(s) / 1e6);
  const times = Float64Array.from(notifyTimes).sort();
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < starts.length; i++) {
    const from = starts[i]!;
    const to = starts[i + 1] ?? from + 5_000;
    while (j < times.length && times[j]! < from) j++;
    let last = -1;
    while (j < times.length && times[j]! < to) last = times[j++]!;
    if (last >= 0) out.push(last - from);
  }
  return out;
}

if (process.send && process.argv[2] === 'soak-child') {
  process.on('message', (cmd: SoakCommand) => {
    void (async () => {
      if (cmd.type === 'connect') {
        await connectAll(cmd.port, cmd.usernames, cmd.nonReaders);
        report({ type: 'connected', readers: conns.filter((c) => c.reader).length, nonReaders: conns.filter((c) => !c.reader).length });
      } else if (cmd.type === 'run') {
        report(await run(cmd.rate, cmd.durationMs, cmd.above));
      } else if (cmd.type === 'fanout') {
        report({ type: 'fanout', lastMs: fanout(cmd.starts.map((s) => BigInt(s))) });
      }
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

/** The parent's handle on the soak's miners. */
export class SoakLoad {
  private readonly child: ChildProcess;
  private waiting: ((r: SoakReport) => void) | null = null;
  private failing: ((e: Error) => void) | null = null;

  constructor() {
    // Not the node's heap cap (bench/run.ts gives the soak's node --max-old-space-size) nor its
    // V8 flags (bench/node-flags.ts): the miners' process keeps every latency and notify time of the run.
    const execArgv = withoutNodeFlags(process.execArgv).filter((a) => !a.startsWith('--max-old-space-size'));
    this.child = fork(fileURLToPath(import.meta.url), ['soak-child'], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: SoakReport) => {
      const w = this.waiting;
      this.waiting = null;
      this.failing = null;
      w?.(m);
    });
    this.child.on('exit', (code, signal) => {
      const f = this.failing;
      this.waiting = null;
      this.failing = null;
      f?.(new Error(`soak load generator exited (${signal ?? code})`));
    });
  }

  ask<T extends SoakReport['type']>(cmd: SoakCommand, type: T): Promise<Extract<SoakReport, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.failing = reject;
      this.waiting = (r) => (r.type === type ? resolve(r as Extract<SoakReport, { type: T }>) : reject(new Error(`soak load: ${r.type}, expected ${type}`)));
      this.child.send(cmd);
    });
  }

  stop(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.disconnect();
    return exited;
  }
}
