/**
 * The load generator of the mining bench (bench/mining.ts), run as a child process so that the
 * node and its miners use the machine's two cores the way a real deployment does: the node on
 * one, the (here simulated) miners on the other. It opens N real Stratum connections to the
 * node over 127.0.0.1 and obeys the parent's commands over the IPC channel.
 *
 * Times are process.hrtime.bigint() (CLOCK_MONOTONIC, the same clock in every process on the
 * machine), so the parent can compare its own timestamps with the ones reported here.
 *
 * Kept cheap on purpose: a received line is timestamped before anything else is done with it,
 * notify lines are parsed only when a job is needed, and submit answers are recognised by
 * substring instead of JSON.parse.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sha256d } from '../src/bitcoin/hash.js';
import { hashToBigInt } from '../src/bitcoin/hex.js';
import { withoutNodeFlags } from './node-flags.js';

export type LoadCommand =
  | { type: 'connect'; port: number; usernames: string[] }
  | { type: 'arm' }
  | { type: 'prepare'; perConn: number; en2: number; above: string }
  | { type: 'flood'; depth: number; maxMs: number }
  | { type: 'paced'; rate: number; durationMs: number };

export type LoadReport =
  | { type: 'connected'; conns: number }
  | { type: 'armed' }
  | { type: 'notified'; first: string; last: string }
  | { type: 'prepared'; submissions: number; hashes: number }
  | { type: 'flooded'; sent: number; answered: number; accepted: number; errors: Record<string, number>; elapsedNs: string }
  | { type: 'paced'; sent: number; answered: number; accepted: number; elapsedNs: string; latenciesUs: number[] };

interface Conn {
  socket: Socket;
  username: string;
  buf: string;
  extranonce1: string;
  /** The last mining.notify line, parsed when a job is needed. */
  notifyLine: string | null;
  /** Pre-built submit lines not sent yet. */
  queue: string[];
  /** Send times of the submits awaiting an answer (answers come back in order). */
  inFlight: bigint[];
  nextId: number;
}

const conns: Conn[] = [];
let armed = false;
let notifiedCount = 0;
let firstNotify = 0n;
let lastNotify = 0n;
/** Called for each submit answer: (conn, sent time, accepted, line). */
let onAnswer: ((c: Conn, sentAt: bigint, accepted: boolean, line: string) => void) | null = null;

function report(r: LoadReport): void {
  process.send!(r);
}

function onLine(c: Conn, line: string, at: bigint): void {
  // The method key, not just the name: the subscribe answer mentions "mining.notify" too.
  if (line.includes('"method":"mining.notify"')) {
    c.notifyLine = line;
    if (armed) {
      if (notifiedCount === 0) firstNotify = at;
      lastNotify = at;
      if (++notifiedCount === conns.length) {
        armed = false;
        report({ type: 'notified', first: firstNotify.toString(), last: lastNotify.toString() });
      }
    }
    return;
  }
  if (line.includes('"method"')) return; // set_difficulty
  if (c.extranonce1 === '') {
    const msg = JSON.parse(line) as { result: unknown };
    if (Array.isArray(msg.result) && typeof msg.result[1] === 'string') c.extranonce1 = msg.result[1];
    return;
  }
  const sentAt = c.inFlight.shift();
  if (sentAt !== undefined) onAnswer?.(c, sentAt, line.includes('"result":true'), line);
}

function onData(c: Conn, chunk: string): void {
  const at = process.hrtime.bigint();
  c.buf += chunk;
  let start = 0;
  let nl: number;
  while ((nl = c.buf.indexOf('\n', start)) !== -1) {
    onLine(c, c.buf.slice(start, nl), at);
    start = nl + 1;
  }
  c.buf = c.buf.slice(start);
}

async function connectAll(port: number, usernames: string[]): Promise<void> {
  // In batches, so the listen backlog never overflows.
  for (let i = 0; i < usernames.length; i += 100) {
    await Promise.all(usernames.slice(i, i + 100).map((username) => new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.setEncoding('utf8');
      const c: Conn = { socket, username, buf: '', extranonce1: '', notifyLine: null, queue: [], inFlight: [], nextId: 10 };
      socket.on('data', (d: string) => onData(c, d));
      socket.on('error', reject);
      socket.on('close', () => {
        if (process.env.BENCH_VERBOSE) process.stderr.write(`mining load: connection ${username} closed with ${c.inFlight.length} submits unanswered\n`);
      });
      socket.once('connect', () => {
        socket.write(
          `{"id":1,"method":"mining.subscribe","params":["bench-load/1.0"]}\n` +
          `{"id":2,"method":"mining.authorize","params":[${JSON.stringify(username)},"x"]}\n`,
        );
        conns.push(c);
        resolve();
      });
    })));
  }
  // Logged in once every connection has its first job.
  while (conns.some((c) => c.notifyLine === null)) await new Promise((r) => setTimeout(r, 10));
}

/**
 * The 80-byte header a miner hashes for a mining.notify line (nonce left 0), built from the
 * notify's fields with node:crypto, as a miner does: coinb1 ‖ extranonce1 ‖ extranonce2 ‖
 * coinb2 through the merkle branch.
 */
export function notifyHeader(notifyLine: string, extranonce1: string, en2Hex: string): { jobId: string; ntime: string; header: Buffer } {
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

/**
 * Pre-compute `perConn` valid submissions per connection on its current job: nonces whose PoW
 * hash is above `above` (neither a share nor a block, so each one is a pseudoshare the node
 * checks fully and accepts without building anything). Each hash is the real header the node
 * rebuilds: coinb1 || extranonce1 || extranonce2 || coinb2 through the merkle branch.
 */
function prepare(perConn: number, en2: number, aboveHex: string): { submissions: number; hashes: number } {
  const above = BigInt(`0x${aboveHex}`);
  let hashes = 0;
  let submissions = 0;
  for (const c of conns) {
    if (c.extranonce1 === '') throw new Error(`${c.username}: no extranonce1 from mining.subscribe`);
    const en2Hex = (en2 >>> 0).toString(16).padStart(8, '0');
    const { jobId, ntime, header } = notifyHeader(c.notifyLine!, c.extranonce1, en2Hex);
    c.queue = [];
    const user = JSON.stringify(c.username);
    for (let nonce = 0; c.queue.length < perConn; nonce++) {
      header.writeUInt32LE(nonce, 76);
      hashes++;
      if (hashToBigInt(sha256d(header)) <= above) continue;
      const nonceHex = nonce.toString(16).padStart(8, '0');
      c.queue.push(`{"id":${c.nextId++},"method":"mining.submit","params":[${user},"${jobId}","${en2Hex}","${ntime}","${nonceHex}"]}\n`);
      submissions++;
    }
  }
  return { submissions, hashes };
}

function send(c: Conn, n: number): number {
  const lines = c.queue.splice(0, n);
  if (lines.length === 0) return 0;
  const now = process.hrtime.bigint();
  for (let i = 0; i < lines.length; i++) c.inFlight.push(now);
  c.socket.write(lines.length === 1 ? lines[0]! : lines.join(''));
  return lines.length;
}

/** Closed loop: each connection keeps `depth` submits outstanding until its queue is empty. */
function flood(depth: number, maxMs: number): Promise<LoadReport> {
  return new Promise((resolve) => {
    let sent = 0;
    let answered = 0;
    let accepted = 0;
    const errors: Record<string, number> = {};
    const start = process.hrtime.bigint();
    const deadline = start + BigInt(maxMs) * 1_000_000n;
    let last = start;
    const finish = (): void => {
      onAnswer = null;
      resolve({ type: 'flooded', sent, answered, accepted, errors, elapsedNs: (last - start).toString() });
    };
    onAnswer = (c, _sentAt, ok, line) => {
      answered++;
      last = process.hrtime.bigint();
      if (ok) accepted++;
      else {
        const m = /"error":\[\d+,"([^"]*)"/.exec(line);
        const k = m?.[1] ?? 'unknown';
        if (process.env.BENCH_VERBOSE && !errors[k]) process.stderr.write(`mining load: first '${k}': ${line.slice(0, 200)}\n`);
        errors[k] = (errors[k] ?? 0) + 1;
      }
      if (last < deadline) sent += send(c, 1);
      if (answered === sent && (last >= deadline || conns.every((x) => x.queue.length === 0))) finish();
    };
    for (const c of conns) sent += send(c, depth);
    const iv = setInterval(() => {
      if (onAnswer === null) return clearInterval(iv);
      if (process.env.BENCH_VERBOSE) process.stderr.write(`mining load: flood sent ${sent} answered ${answered}\n`);
    }, 1000);
  });
}

/** Open loop: `rate` submits per second spread over the connections; latency per submit. */
function paced(rate: number, durationMs: number): Promise<LoadReport> {
  return new Promise((resolve) => {
    let sent = 0;
    let answered = 0;
    let accepted = 0;
    let next = 0;
    let done = false;
    const latencies: number[] = [];
    const start = process.hrtime.bigint();
    let last = start;
    const total = Math.floor((rate * durationMs) / 1000);
    onAnswer = (_c, sentAt, ok) => {
      answered++;
      last = process.hrtime.bigint();
      latencies.push(Number(last - sentAt) / 1000);
      if (ok) accepted++;
      if (done && answered === sent) {
        onAnswer = null;
        resolve({ type: 'paced', sent, answered, accepted, elapsedNs: (last - start).toString(), latenciesUs: latencies });
      }
    };
    const tick = (): void => {
      const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
      const due = Math.min(total, Math.floor((elapsedMs * rate) / 1000));
      while (sent < due) {
        const c = conns[next++ % conns.length]!;
        if (send(c, 1) === 0) {
          done = true; // out of prepared submissions: stop early rather than spin
          break;
        }
        sent++;
      }
      if (sent >= total) done = true;
      if (!done) setTimeout(tick, 1);
    };
    tick();
  });
}

/** The parent's handle on a load generator child (this file, forked with the parent's execArgv but the node's flags). */
export class LoadChild {
  private readonly child: ChildProcess;
  private waiting: ((r: LoadReport) => void) | null = null;
  private failing: ((e: Error) => void) | null = null;

  constructor() {
    this.child = fork(fileURLToPath(import.meta.url), [], { execArgv: withoutNodeFlags(process.execArgv), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (m: LoadReport) => {
      const w = this.waiting;
      this.waiting = null;
      w?.(m);
    });
    this.child.on('exit', (code) => {
      const f = this.failing;
      this.waiting = null;
      this.failing = null;
      f?.(new Error(`load generator exited with ${code}`));
    });
  }

  /** Send a command and wait for its report. */
  ask<T extends LoadReport['type']>(cmd: LoadCommand, type: T): Promise<Extract<LoadReport, { type: T }>> {
    const p = this.next(type);
    this.child.send(cmd);
    return p;
  }

  /** The next report, which must be of `type`. */
  next<T extends LoadReport['type']>(type: T): Promise<Extract<LoadReport, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.failing = reject;
      this.waiting = (r) => (r.type === type ? resolve(r as Extract<LoadReport, { type: T }>) : reject(new Error(`load generator: ${r.type}, expected ${type}`)));
    });
  }

  /** Disconnect and wait for the child to exit, so the next measurement has its core. */
  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.failing = null;
    this.child.disconnect();
    return exited;
  }
}

// Only as the bench's child process (the parent imports notifyHeader from here too).
if (process.send) {
  process.on('message', (cmd: LoadCommand) => {
    void (async () => {
      switch (cmd.type) {
        case 'connect':
          await connectAll(cmd.port, cmd.usernames);
          return report({ type: 'connected', conns: conns.length });
        case 'arm':
          armed = true;
          notifiedCount = 0;
          return report({ type: 'armed' });
        case 'prepare':
          return report({ type: 'prepared', ...prepare(cmd.perConn, cmd.en2, cmd.above) });
        case 'flood':
          return report(await flood(cmd.depth, cmd.maxMs));
        case 'paced':
          return report(await paced(cmd.rate, cmd.durationMs));
      }
    })().catch((e: unknown) => {
      process.stderr.write(`mining load generator: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    });
  });
  process.on('disconnect', () => process.exit(0));
}
