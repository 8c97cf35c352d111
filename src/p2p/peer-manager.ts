/**
 * Which connections to make and which to accept (docs/protocol.md#peers-addresses-and-bans), as decisions over plain data;
 * the P2P node does the sockets.
 *
 * - `-n` nodes are persistent: always dialled again when down, with a backoff that doubles from
 *   1 s to 5 min and resets once a handshake succeeds (the reference's SingleClientFactory
 *   reconnects the same way).
 * - Other outgoing connections: up to `outgoingConns` (default 6) from the address book's good
 *   peers (bootstrap addresses are put in the book at start), never a banned host, never a /16
 *   we already have an outgoing connection to; an address that failed waits before it is
 *   tried again.
 * - Incoming: at most `maxConns` (default 40) and 3 per /16; banned hosts are refused.
 *
 * Loopback addresses are exempt from the /16 rules: they are all this machine, where tests and
 * local setups run several nodes.
 */
import type { AddressBook } from './address-book.js';
import type { BanList } from './bans.js';
import { formatHostPort, hostGroup, isLoopback, type HostPort } from './host.js';

/** Reference: at most 3 incoming connections per /16. */
export const MAX_INCOMING_PER_GROUP = 3;
const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 300_000;
/** A non-persistent address that failed is not retried for this long (doubling per failure). */
const FAILED_RETRY_MS = 60_000;

export interface ConnectionInfo {
  host: string;
  port: number;
  incoming: boolean;
}

export interface PeerManagerOptions {
  book: AddressBook;
  bans: BanList;
  persistent: HostPort[];
  outgoingConns: number;
  maxConns: number;
  now?: () => number;
}

interface Backoff {
  failures: number;
  nextAttempt: number;
}

export class PeerManager {
  private readonly backoff = new Map<string, Backoff>();
  private readonly persistentKeys: Set<string>;
  private readonly now: () => number;

  constructor(private readonly opts: PeerManagerOptions) {
    this.now = opts.now ?? Date.now;
    this.persistentKeys = new Set(opts.persistent.map((p) => formatHostPort(p)));
  }

  isPersistent(hp: HostPort): boolean {
    return this.persistentKeys.has(formatHostPort(hp));
  }

  /**
   * Addresses to dial now, given the live connections (ready or not) and the dials in
   * progress (by `host:port`).
   */
  nextDials(connections: readonly ConnectionInfo[], dialing: ReadonlySet<string>): HostPort[] {
    const t = this.now();
    const busy = new Set([...dialing, ...connections.map((c) => formatHostPort(c))]);
    const due = (hp: HostPort): boolean => (this.backoff.get(formatHostPort(hp))?.nextAttempt ?? 0) <= t;
    const out: HostPort[] = [];
    for (const p of this.opts.persistent) {
      if (!busy.has(formatHostPort(p)) && due(p) && !this.opts.bans.isBanned(p.host)) out.push(p);
    }
    const outgoing = connections.filter((c) => !c.incoming && !this.isPersistent(c)).length;
    const dialingOther = [...dialing].filter((k) => !this.persistentKeys.has(k)).length;
    let room = this.opts.outgoingConns - outgoing - dialingOther;
    if (room <= 0) return out;
    const groups = new Set(connections.filter((c) => !c.incoming).map((c) => hostGroup(c.host)));
    for (const e of this.opts.book.goodPeers(1000)) {
      if (room <= 0) break;
      const k = formatHostPort(e);
      if (busy.has(k) || this.persistentKeys.has(k) || !due(e) || this.opts.bans.isBanned(e.host)) continue;
      const g = hostGroup(e.host);
      if (!isLoopback(e.host) && groups.has(g)) continue;
      groups.add(g);
      busy.add(k);
      out.push({ host: e.host, port: e.port });
      room--;
    }
    return out;
  }

  /** The dial failed or the link dropped before a handshake: wait longer before the next try. */
  failed(hp: HostPort): number {
    const k = formatHostPort(hp);
    const b = this.backoff.get(k) ?? { failures: 0, nextAttempt: 0 };
    b.failures++;
    const base = this.persistentKeys.has(k) ? MIN_BACKOFF_MS : FAILED_RETRY_MS;
    const delay = Math.min(MAX_BACKOFF_MS, base * 2 ** Math.min(b.failures - 1, 20));
    b.nextAttempt = this.now() + delay;
    this.backoff.set(k, b);
    return delay;
  }

  /** A handshake succeeded: the next disconnect is retried quickly again. */
  succeeded(hp: HostPort): void {
    this.backoff.delete(formatHostPort(hp));
  }

  /** A persistent link closed after working: retry after the minimum backoff. */
  closed(hp: HostPort): void {
    if (this.isPersistent(hp)) this.backoff.set(formatHostPort(hp), { failures: 0, nextAttempt: this.now() + MIN_BACKOFF_MS });
  }

  /** Why an incoming connection from `host` is refused, or null to accept it. */
  refuseIncoming(host: string, connections: readonly ConnectionInfo[]): string | null {
    if (this.opts.bans.isBanned(host)) return 'banned';
    const incoming = connections.filter((c) => c.incoming);
    if (incoming.length >= this.opts.maxConns) return `at the incoming limit (${this.opts.maxConns})`;
    if (!isLoopback(host)) {
      const g = hostGroup(host);
      if (incoming.filter((c) => hostGroup(c.host) === g).length >= MAX_INCOMING_PER_GROUP) {
        return `already ${MAX_INCOMING_PER_GROUP} connections from ${g}.0.0/16`;
      }
    }
    return null;
  }
}
