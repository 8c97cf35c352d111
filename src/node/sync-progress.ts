/**
 * What an operator sees while the node gets ready (docs/operations.md#starting): the sharechain
 * download as one line redrawn in place on a terminal (shares of the chain length, rate, time
 * left), or as a log line every PERIODIC_LOG_MS when the output is not a terminal; then, once
 * miners can be given work, one line saying where to point them and where the dashboard is.
 */
import { networkInterfaces } from 'node:os';
import type { LogFunction } from './logger.js';

export interface SyncSnapshot {
  downloaded: number;
  target: number;
  peers: number;
}

export interface SyncProgressOptions {
  /** The download under way, or null. */
  progress: () => SyncSnapshot | null;
  /** Miners can be given work. */
  ready: () => boolean;
  /** Draw a status line in place (a TTY), or null: log lines instead. */
  status: ((line: string | null) => void) | null;
  log: LogFunction;
  readyLine: string;
  now?: () => number;
}

/** How often the line is redrawn / the state looked at. */
const TICK_MS = 1_000;
/** Without a terminal: one progress line this often. */
export const PERIODIC_LOG_MS = 15_000;
/** The rate is measured over this much recent time. */
const RATE_WINDOW_MS = 30_000;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `downloading the sharechain: 1234 of 8640 shares (14%), 85 shares/s, 1m27s left, 4 peers` */
export function formatProgress(p: SyncSnapshot, ratePerS: number | null): string {
  const pct = p.target > 0 ? Math.floor((100 * p.downloaded) / p.target) : 0;
  const rate = ratePerS === null ? 'measuring rate' : `${ratePerS < 10 ? ratePerS.toFixed(1) : Math.round(ratePerS)} shares/s`;
  const left = ratePerS === null || ratePerS <= 0 ? '' : `, ${formatDuration((p.target - p.downloaded) / ratePerS)} left`;
  return `downloading the sharechain: ${p.downloaded} of ${p.target} shares (${pct}%), ${rate}${left}, ${p.peers} peer${p.peers === 1 ? '' : 's'}`;
}

export class SyncProgress {
  private timer: NodeJS.Timeout | null = null;
  private samples: Array<{ t: number; n: number }> = [];
  private lastLog = 0;
  private announced = false;
  private drawing = false;
  private readonly now: () => number;

  constructor(private readonly opts: SyncProgressOptions) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.drawing) this.opts.status?.(null);
    this.drawing = false;
  }

  /** Shares per second over the recent window, or null before two samples apart. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.t - first.t < 2_000) return null;
    return Math.max(0, (last.n - first.n) / ((last.t - first.t) / 1000));
  }

  tick(): void {
    const now = this.now();
    const p = this.opts.progress();
    if (p !== null) {
      this.samples.push({ t: now, n: p.downloaded });
      while (this.samples.length > 2 && now - this.samples[0]!.t > RATE_WINDOW_MS) this.samples.shift();
      const line = formatProgress(p, this.rate());
      if (this.opts.status) {
        this.opts.status(line);
        this.drawing = true;
      } else if (now - this.lastLog >= PERIODIC_LOG_MS) {
        this.opts.log('info', line, { sub: 'p2p' });
        this.lastLog = now;
      }
    } else if (this.drawing) {
      this.opts.status?.(null);
      this.drawing = false;
    }
    if (!this.announced && this.opts.ready()) {
      this.announced = true;
      if (this.drawing) {
        this.opts.status?.(null);
        this.drawing = false;
      }
      this.opts.log('info', this.opts.readyLine);
    }
  }
}

/**
 * The URLs a miner and a browser use. A node listening on every address is reached at this
 * machine's first LAN address (the one a miner on the network would use), else 127.0.0.1.
 */
export function minerUrls(listenHost: string, port: number): { stratum: string; dashboard: string } {
  let host = listenHost;
  if (host === '0.0.0.0' || host === '::' || host === '') {
    host = '127.0.0.1';
    outer: for (const addrs of Object.values(networkInterfaces())) {
      for (const a of addrs ?? []) {
        if (a.family === 'IPv4' && !a.internal) {
          host = a.address;
          break outer;
        }
      }
    }
  }
  const h = host.includes(':') ? `[${host}]` : host;
  return { stratum: `stratum+tcp://${h}:${port}`, dashboard: `http://${h}:${port}/` };
}
