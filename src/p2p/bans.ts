/**
 * Bans of misbehaving peers, by host (docs/protocol.md#peers-addresses-and-bans).
 *
 * The reference: ORIG bans for a flat hour; JT for `bantime * banscore**2` with an hourly
 * forgiveness that, through a typo, never runs. Ours (documented choice): a ban lasts
 * `baseMs * 2**(offences-1)` (1 h, 2 h, 4 h, ... capped at `maxMs`), and offences decay: one
 * offence is forgiven per `decayMs` without a new one, so a peer that misbehaved once a long time
 * ago starts again from the base. Loopback is never banned unless `banLoopback` (tests) — the
 * reference never bans 127.0.0.1 either (test/fixtures/p2pool-reference-node/README.md, P2P 13).
 */
import { isLoopback, normalizeHost } from './host.js';

export interface BanOptions {
  /** First ban's length; default one hour (ORIG's flat ban). */
  baseMs?: number;
  /** Longest ban; default one week. */
  maxMs?: number;
  /** One offence is forgiven per this much quiet time; default 6 hours. */
  decayMs?: number;
  /** Ban loopback hosts too (tests); default false. */
  banLoopback?: boolean;
  now?: () => number;
}

interface Record {
  offences: number;
  until: number;
  reason: string;
}

export interface BanResult {
  /** False for exempt (loopback) hosts. */
  banned: boolean;
  durationMs: number;
  offences: number;
}

const HOUR = 3_600_000;

export class BanList {
  private readonly records = new Map<string, Record>();
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly decayMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: BanOptions = {}) {
    this.baseMs = opts.baseMs ?? HOUR;
    this.maxMs = opts.maxMs ?? 7 * 24 * HOUR;
    this.decayMs = opts.decayMs ?? 6 * HOUR;
    this.now = opts.now ?? Date.now;
  }

  /** Count an offence against `host` and ban it; loopback is exempt unless configured. */
  ban(host: string, reason: string): BanResult {
    const h = normalizeHost(host);
    if (isLoopback(h) && !this.opts.banLoopback) return { banned: false, durationMs: 0, offences: 0 };
    const t = this.now();
    const prev = this.records.get(h);
    const offences = (prev ? this.decayed(prev, t) : 0) + 1;
    const durationMs = Math.min(this.maxMs, this.baseMs * 2 ** Math.min(offences - 1, 40));
    this.records.set(h, { offences, until: t + durationMs, reason });
    return { banned: true, durationMs, offences };
  }

  isBanned(host: string): boolean {
    const r = this.records.get(normalizeHost(host));
    return r !== undefined && r.until > this.now();
  }

  /** Why and until when, for logs and the web; undefined when not banned. */
  banOf(host: string): { until: number; reason: string; offences: number } | undefined {
    const r = this.records.get(normalizeHost(host));
    if (!r || r.until <= this.now()) return undefined;
    return { until: r.until, reason: r.reason, offences: r.offences };
  }

  /** Offences still counted against `host` after decay. */
  offences(host: string): number {
    const r = this.records.get(normalizeHost(host));
    return r ? this.decayed(r, this.now()) : 0;
  }

  /** Drop records whose ban is over and whose offences have fully decayed. */
  prune(): void {
    const t = this.now();
    for (const [h, r] of this.records) if (r.until <= t && this.decayed(r, t) === 0) this.records.delete(h);
  }

  get size(): number {
    return this.records.size;
  }

  private decayed(r: Record, t: number): number {
    // Decay counts from the end of the ban: time spent banned is not good behaviour.
    const quiet = Math.max(0, t - r.until);
    return Math.max(0, r.offences - Math.floor(quiet / this.decayMs));
  }
}
