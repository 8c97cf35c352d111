/**
 * Stratum v1 over TCP: owns the sockets, hands each line to its StratumSession, pushes new
 * work to every authorized session, and keeps abusive addresses out for a while.
 *
 * The worker port is shared with HTTP (first byte '{' = Stratum); the port's owner calls
 * `accept(socket, firstChunk)` with the bytes it already read.
 */
import type { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { LineSplitter, LineTooLong } from './line-splitter.js';
import { readIntoSharedBuffer } from './socket-reads.js';
import { StratumSession, type SubmitOutcome } from './session.js';
import type { WorkSource } from '../work/work-source.js';
import type { Job } from '../work/job.js';

/** Messages per second a connection may send on average before it is cut off. */
const RATE_PER_SECOND = 500;
const RATE_BURST = 2000;
/** How long an address that flooded or kept sending garbage is refused. */
export const BAN_MS = 10 * 60_000;
/** A connection that sends nothing at all for this long is closed. */
export const IDLE_TIMEOUT_MS = 15 * 60_000;
/**
 * Outgoing bytes queued (in Node, beyond what the kernel's socket buffer took) for a miner that
 * does not read before it is dropped. A notify is 1-40 KB (its coinbase pays every PPLNS payee),
 * so this is several notifies behind: a miner that far behind mines dead work anyway, and 200
 * such miners hold at most 50 MB (docs/operations.md "Limits"; the 5,000-miner soak in
 * bench/soak.ts). It was 4 MB: 200 silent connections could then pin 800 MB.
 */
export const MAX_QUEUED_BYTES = 256 * 1024;
/** Stratum connections at once, in total (each costs a socket and ~10 KB; the soak held 5,000). */
export const MAX_CONNECTIONS = 10_000;
/**
 * Stratum connections at once from one address. Loopback is exempt, as from bans: a proxy on the
 * node's own machine is the operator's. Farms behind one NAT address beyond this run a proxy.
 */
export const MAX_CONNECTIONS_PER_IP = 1_000;
/** A refused connection is logged at most once a minute per reason (with the count since). */
const REFUSAL_LOG_MS = 60_000;

export interface StratumServerOptions {
  log?: (msg: string) => void;
  now?: () => number;
  /** Ban loopback addresses too (tests); off by default so a local miner is never locked out. */
  banLoopback?: boolean;
  /** Connections that have not authorized after this long are closed (default 30 s). */
  loginTimeoutMs?: number;
  /** Limits (defaults MAX_QUEUED_BYTES, MAX_CONNECTIONS, MAX_CONNECTIONS_PER_IP). */
  maxQueuedBytes?: number;
  maxConnections?: number;
  maxConnectionsPerIp?: number;
}

/** Lines longer than this (a coinbase paying thousands) are assembled in Buffers of their own. */
const MAX_SCRATCH_BYTES = 256 * 1024;
/**
 * A broadcast assembles its notify lines a run at a time in an arena of this size, then writes
 * the run (broadcastWork): 8 lines of a typical 8 KB, in the CPU's cache when written. Small,
 * because a line the kernel does not take whole keeps the whole arena alive while its socket
 * queues it: a miner that stops reading pins one arena at most (later lines to a socket that
 * already queues bytes are its own Buffers), 64 KB against the 256 KB it may queue.
 */
const RUN_ARENA_BYTES = 64 * 1024;
/**
 * What a notify line can need beyond coinb1's hex (the id, job id, prevhash, coinb2, the merkle
 * branch of at most ~14 hashes, version, bits, ntime): a line is started in the run's arena only
 * with this much room after its coinb1. One that outgrows it anyway gets a Buffer of its own.
 */
const LINE_ROOM_BEYOND_COINB1 = 4096;

const isLoopback = (addr: string): boolean => addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1';

/** Counters for /metrics and the dashboard (read-only outside the server). */
export interface StratumStats {
  /** mining.submit lines received. */
  submits: number;
  accepted: number;
  stale: number;
  /** Rejected submissions by reason ('low difficulty share', 'duplicate share', ...). */
  rejected: Map<string, number>;
  /** New-work broadcasts, and how long the last one took to write every session's notify (ms). */
  broadcasts: number;
  lastBroadcastMs: number;
}

interface Conn {
  socket: Socket;
  session: StratumSession;
  startedAt: number;
  tokens: number;
  lastRefill: number;
  /** While handling a read (or pushing work): what the session sent, written once at the end. */
  batching: boolean;
  out: string;
  /** Every line in `out` was sent as ASCII (written latin1, a plain copy, instead of UTF-8). */
  outAscii: boolean;
  /**
   * Lines sent as bytes during the batch (a notify), with the string lines before them turned
   * into bytes in between to keep the order; `out` holds what came after the last of them.
   */
  outChunks: Buffer[] | null;
  /**
   * The batch's only output so far when it is one bytes line (the usual broadcast: a notify
   * alone): held without an array, written as it is by flush.
   */
  outLine: Buffer | null;
  /** The remote address as counted in `perIp` (null once uncounted). */
  counted: string | null;
  /** When the miner last sent anything (ms, `now`): IDLE_TIMEOUT_MS after it, housekeeping closes the connection. */
  lastData: number;
}

export class StratumServer {
  readonly stats: StratumStats = { submits: 0, accepted: 0, stale: 0, rejected: new Map(), broadcasts: 0, lastBroadcastMs: 0 };
  private readonly conns = new Set<Conn>();
  /**
   * broadcastWork's sessions with a job, and their jobs: slots written in place and set to null
   * after each broadcast, never emptied (an array emptied with `length = 0` frees its slots, and
   * pushing into it grew them again every broadcast: ~70 bytes of garbage a session).
   */
  private readonly broadcastConns: (Conn | null)[] = [];
  private readonly broadcastJobs: (Job | null)[] = [];
  private readonly perIp = new Map<string, number>();
  private readonly refusals = new Map<string, { count: number; loggedAt: number }>();
  private readonly bans = new Map<string, number>();
  private readonly extranoncePrefix = randomBytes(2);
  private extranonceCounter = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly now: () => number;
  /**
   * Where a notify line sent outside a broadcast is assembled (a miner's first job, a new
   * difficulty's), and the connection whose unsent line is in it (lendScratch).
   */
  private scratch = Buffer.allocUnsafeSlow(0);
  private scratchHolder: Conn | null = null;
  /**
   * Where broadcastWork assembles a run of lines (replaced, not reused, when a socket kept one of
   * its lines queued), the next free byte in it, and the run's lines.
   */
  private arena = Buffer.allocUnsafeSlow(0);
  private arenaAt = 0;
  private readonly runLines: (Buffer | null)[] = [];
  /** A line's Buffer from the run's arena when it fits, else its own (notify-line.ts `alloc`). */
  private readonly arenaAlloc = (bytes: number): Buffer => {
    const at = this.arenaAt;
    if (at + bytes > this.arena.length) return Buffer.allocUnsafe(bytes);
    this.arenaAt = at + bytes;
    return this.arena.subarray(at, at + bytes);
  };

  constructor(
    private readonly work: WorkSource,
    private readonly opts: StratumServerOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.timer = setInterval(() => this.housekeeping(), 1000);
    this.timer.unref();
  }

  get sessions(): StratumSession[] {
    return [...this.conns].map((c) => c.session);
  }

  /** Whether `address` is currently refused. */
  isBanned(address: string | undefined): boolean {
    if (!address) return false;
    const until = this.bans.get(address);
    if (until === undefined) return false;
    if (until <= this.now()) {
      this.bans.delete(address);
      return false;
    }
    return true;
  }

  /**
   * Take over a socket whose first bytes (already read) were `first`. Returns the socket the
   * connection is served on from now on (socket-reads.ts may move it to a new one), or null when
   * it was refused (and closed).
   */
  accept(socket: Socket, first?: Buffer): Socket | null {
    if (this.isBanned(socket.remoteAddress)) {
      socket.destroy();
      return null;
    }
    const remote = socket.remoteAddress ?? '?';
    const max = this.opts.maxConnections ?? MAX_CONNECTIONS;
    const maxPerIp = this.opts.maxConnectionsPerIp ?? MAX_CONNECTIONS_PER_IP;
    if (this.conns.size >= max) return this.refuse(socket, `the node's limit of ${max} Stratum connections is reached`);
    if (!isLoopback(remote) && (this.perIp.get(remote) ?? 0) >= maxPerIp) return this.refuse(socket, `${remote} already has ${maxPerIp} Stratum connections (the per-address limit)`);
    const splitter = new LineSplitter();
    const extranonce1 = Buffer.alloc(4);
    this.extranoncePrefix.copy(extranonce1, 0);
    extranonce1.writeUInt16BE(this.extranonceCounter++ & 0xffff, 2);
    const conn: Conn = {
      socket, session: null as unknown as StratumSession, startedAt: this.now(), tokens: RATE_BURST, lastRefill: this.now(),
      batching: false, out: '', outAscii: true, outChunks: null, outLine: null, counted: remote, lastData: this.now(),
    };
    this.perIp.set(remote, (this.perIp.get(remote) ?? 0) + 1);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    conn.session = new StratumSession(extranonce1, this.work, {
      send: (line, ascii) => {
        if (conn.batching) {
          conn.out += line;
          if (ascii !== true) conn.outAscii = false;
        } else {
          this.write(conn, line, ascii === true);
        }
      },
      lineBuffer: (bytes) => this.lendScratch(conn, bytes),
      sendBytes: (line) => {
        if (!conn.batching) {
          this.write(conn, line, true);
          return this.settleScratch(conn);
        }
        if (conn.out === '' && conn.outChunks === null && conn.outLine === null) {
          conn.outLine = line;
          return;
        }
        const chunks = (conn.outChunks ??= []);
        if (conn.outLine !== null) {
          chunks.push(conn.outLine);
          conn.outLine = null;
        }
        if (conn.out !== '') chunks.push(Buffer.from(conn.out, conn.outAscii ? 'latin1' : 'utf8'));
        conn.out = '';
        conn.outAscii = true;
        chunks.push(line);
      },
      close: (reason, ban) => this.drop(conn, reason, ban),
      now: this.now,
      submitted: this.countSubmit,
      log: (m) => this.opts.log?.(`stratum ${peer}: ${m}`),
    });
    this.conns.add(conn);
    // Idle is checked once a second by housekeeping against the last read (lastData), not with
    // socket.setTimeout: Node refreshes that timer on every write too, so each session's notify
    // of a broadcast cost a timer reinsertion (--cpu-prof), and a miner we kept writing to was
    // never idle however long it said nothing.
    const onData = (chunk: Buffer, length: number): void => {
      conn.lastData = this.now();
      let lines: string[];
      try {
        lines = splitter.push(chunk, length);
      } catch (e) {
        if (e instanceof LineTooLong) return this.drop(conn, e.message, true);
        throw e;
      }
      if (lines.length === 0) return;
      this.refill(conn);
      // Answers to the lines of one read (miners pipeline submits) leave in one write of one
      // string: a syscall per answer was a sixth of the node's time under submit load, and a
      // corked writev of one string per answer still a tenth (bench/mining.ts, --cpu-prof).
      conn.batching = true;
      try {
        for (const line of lines) {
          if (conn.tokens < 1) return this.drop(conn, 'message flood', true);
          conn.tokens -= 1;
          conn.session.handleLine(line);
          if (conn.socket.destroyed) return;
        }
      } finally {
        this.flush(conn);
      }
    };
    // Reads into one buffer every connection shares (socket-reads.ts): no Buffer per read.
    const sock = (conn.socket = readIntoSharedBuffer(socket, onData));
    sock.setNoDelay(true);
    sock.on('error', () => undefined);
    sock.on('close', () => {
      conn.session.markClosed();
      this.forget(conn);
    });
    if (first && first.length > 0) onData(first, first.length);
    return sock;
  }

  /** Every session's submit outcomes into `stats` (one shared function: this is the hot path). */
  private readonly countSubmit = (outcome: SubmitOutcome, reason: string): void => {
    const st = this.stats;
    st.submits++;
    if (outcome === 'accepted') st.accepted++;
    else if (outcome === 'stale') st.stale++;
    else st.rejected.set(reason, (st.rejected.get(reason) ?? 0) + 1);
  };

  /** New work: every authorized session gets a job; `clean` when old jobs can no longer make blocks. */
  broadcastWork(clean: boolean): void {
    const t0 = performance.now();
    // Every session's job first, then every line: making 1,000 jobs back to back keeps their
    // code and the work's data in cache, where between socket writes (each copying a ~8 KB
    // line through the kernel) it ran cold. The arrays are the server's, reused.
    const conns = this.broadcastConns;
    const jobs = this.broadcastJobs;
    let count = 0;
    for (const c of this.conns) {
      const job = c.session.prepareJob(clean);
      if (job === null) continue;
      conns[count] = c;
      jobs[count] = job;
      count++;
    }
    try {
      // Then the lines a run at a time: a run's lines assembled back to back in the arena, then
      // written. Assembled between socket writes (each syscall evicting the code and the work's
      // bytes from the cache), a line took two to three times as long as in a run (bench/mining.ts notify rounds, 2026-12-07).
      let i = 0;
      while (i < count) {
        if (this.arena.length === 0) this.arena = Buffer.allocUnsafeSlow(RUN_ARENA_BYTES);
        this.arenaAt = 0;
        const from = i;
        const lines = this.runLines;
        let n = 0;
        do {
          const job = jobs[i]!;
          const room = (job.coinb1HexSource?.coinb1HexLength ?? 0) + LINE_ROOM_BEYOND_COINB1;
          if (i > from && this.arenaAt + room > this.arena.length) break;
          // A socket that already queues bytes will queue this line too: a Buffer of its own, so
          // that a miner that does not read never pins an arena per broadcast.
          const queues = conns[i]!.socket.writableLength !== 0;
          lines[n++] = conns[i]!.session.notifyBytes(job, clean, queues ? Buffer.allocUnsafe : this.arenaAlloc);
          i++;
        } while (i < count);
        let held = false;
        for (let k = 0; k < n; k++) {
          const c = conns[from + k]!;
          // set_difficulty and notify, when both go, leave in one write.
          c.batching = true;
          c.session.deliverJob(jobs[from + k]!, clean, lines[k]);
          this.flush(c);
          if (c.socket.writableLength !== 0) held = true;
        }
        lines.fill(null, 0, n);
        // A line the kernel did not take at once stays queued by its socket as it is (no copy):
        // the arena is that socket's now, and the next run gets a new one.
        if (held) this.arena = Buffer.allocUnsafeSlow(0);
      }
    } finally {
      // The references go (a closed session's objects are not kept to the next broadcast); the slots stay.
      conns.fill(null, 0, count);
      jobs.fill(null, 0, count);
      this.runLines.fill(null);
    }
    this.stats.broadcasts++;
    this.stats.lastBroadcastMs = performance.now() - t0;
  }

  close(): void {
    clearInterval(this.timer);
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
    this.perIp.clear();
  }

  /** Token bucket: RATE_PER_SECOND tokens a second up to RATE_BURST; each line takes one. */
  private refill(c: Conn): void {
    const now = this.now();
    c.tokens = Math.min(RATE_BURST, c.tokens + ((now - c.lastRefill) / 1000) * RATE_PER_SECOND);
    c.lastRefill = now;
  }

  /** Number of connections from `address` now (tests, /metrics). */
  connectionsFrom(address: string): number {
    return this.perIp.get(address) ?? 0;
  }

  private forget(c: Conn): void {
    this.conns.delete(c);
    if (c.counted === null) return;
    const n = (this.perIp.get(c.counted) ?? 1) - 1;
    if (n <= 0) this.perIp.delete(c.counted);
    else this.perIp.set(c.counted, n);
    c.counted = null;
  }

  /** Close a connection over a limit at once; one log line a minute per reason. Returns null (accept's refusal). */
  private refuse(socket: Socket, reason: string): null {
    socket.destroy();
    const now = this.now();
    const r = this.refusals.get(reason) ?? { count: 0, loggedAt: -Infinity };
    r.count++;
    if (now - r.loggedAt >= REFUSAL_LOG_MS) {
      this.opts.log?.(`stratum: refused ${r.count} connection${r.count === 1 ? '' : 's'}: ${reason}`);
      r.count = 0;
      r.loggedAt = now;
    }
    this.refusals.set(reason, r);
    return null;
  }

  private write(c: Conn, data: string | Buffer, ascii: boolean): void {
    if (c.socket.destroyed) return;
    if (c.socket.writableLength > (this.opts.maxQueuedBytes ?? MAX_QUEUED_BYTES)) {
      this.drop(c, 'not reading its messages', false);
      return;
    }
    // latin1 copies a one-byte string as is; utf8 would re-encode the multi-kilobyte notify.
    if (typeof data === 'string') c.socket.write(data, ascii ? 'latin1' : 'utf8');
    else c.socket.write(data);
  }

  /** End a batch: what the session sent during it leaves in one write. */
  private flush(c: Conn): void {
    c.batching = false;
    const line = c.outLine;
    if (line !== null) {
      // One bytes line, and nothing sent after it (else it would have moved to outChunks).
      c.outLine = null;
      if (c.out === '') {
        this.write(c, line, true);
        return this.settleScratch(c);
      }
      c.outChunks = [line];
    }
    const chunks = c.outChunks;
    if (chunks !== null) {
      // Bytes lines (a notify) in the batch: one write of one Buffer when it is all there is
      // (the usual broadcast), else the pieces in order, corked into one writev.
      c.outChunks = null;
      if (c.out !== '') chunks.push(Buffer.from(c.out, c.outAscii ? 'latin1' : 'utf8'));
      c.out = '';
      c.outAscii = true;
      if (chunks.length === 1) {
        this.write(c, chunks[0]!, true);
      } else {
        c.socket.cork();
        for (const chunk of chunks) this.write(c, chunk, true);
        c.socket.uncork();
      }
      return this.settleScratch(c);
    }
    // Lent the scratch but sent nothing from it (the line was not finished): it is free again.
    if (this.scratchHolder === c) this.scratchHolder = null;
    if (c.out === '') return;
    const data = c.out;
    const ascii = c.outAscii;
    c.out = '';
    c.outAscii = true;
    this.write(c, data, ascii);
  }

  /**
   * A Buffer of `bytes` for a line `c` is about to send as bytes (a notify: notify-line.ts) outside
   * a broadcast (which has its arena: broadcastWork): the server's scratch when no other line
   * holds it, else a new one. Written at once (the usual case: the kernel takes the whole line),
   * the scratch serves the next line.
   */
  private lendScratch(c: Conn, bytes: number): Buffer {
    // A socket that already queues bytes would keep the scratch with its line.
    if (this.scratchHolder !== null || bytes > MAX_SCRATCH_BYTES || c.socket.writableLength !== 0) return Buffer.allocUnsafe(bytes);
    if (this.scratch.length < bytes) this.scratch = Buffer.allocUnsafeSlow(Math.max(bytes, 16 * 1024));
    this.scratchHolder = c;
    return this.scratch.subarray(0, bytes);
  }


  /**
   * After `c` wrote what it sent: if it held the scratch and the socket still queues bytes (the
   * kernel did not take all, or the socket is corked), the queued line is in the scratch, which
   * is then the socket's: the next line gets a new one.
   */
  private settleScratch(c: Conn): void {
    if (this.scratchHolder !== c) return;
    this.scratchHolder = null;
    if (c.socket.writableLength !== 0) this.scratch = Buffer.allocUnsafeSlow(0);
  }

  private drop(c: Conn, reason: string, ban: boolean): void {
    if (c.socket.destroyed) return;
    const addr = c.socket.remoteAddress ?? '?';
    const doBan = ban && (!isLoopback(addr) || this.opts.banLoopback === true);
    if (doBan) this.bans.set(addr, this.now() + BAN_MS);
    this.opts.log?.(`stratum ${addr}:${c.socket.remotePort} disconnected: ${reason}${doBan ? ` (banned ${BAN_MS / 60000} min)` : ''}`);
    c.session.markClosed();
    c.socket.destroy();
    this.forget(c);
  }

  private housekeeping(): void {
    const now = this.now();
    for (const c of this.conns) {
      if (now - c.lastData > IDLE_TIMEOUT_MS) {
        this.drop(c, 'idle', false);
        continue;
      }
      c.batching = true;
      c.session.checkLogin(c.startedAt, this.opts.loginTimeoutMs);
      c.session.tick();
      this.flush(c);
    }
  }
}
