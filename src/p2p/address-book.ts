/**
 * The address book (docs/protocol.md#peers-addresses-and-bans; the reference's `addr_store`): (host, port) -> services, first seen, last
 * seen, at most 10,000 entries, with the reference's good-peer preference. Persisted through a
 * small backend (the share store's `peers` table) so a restarted node knows where to connect.
 *
 * Times are seconds since the epoch, as on the wire (`addrs` timestamps). Randomness is injected
 * so tests can pin the order.
 */
import { formatHostPort, normalizeHost, type HostPort } from './host.js';

/** Reference: the addr_store is capped at 10,000 entries. */
export const MAX_ADDRESSES = 10_000;
/** Reference: `getaddrs` is answered with at most 100 addresses. */
export const MAX_ADDRS_REPLY = 100;

export interface AddressEntry extends HostPort {
  services: bigint;
  /** Seconds since epoch. */
  firstSeen: number;
  lastSeen: number;
}

/** Where the book is kept between runs. */
export interface AddressBackend {
  loadPeers(): AddressEntry[];
  /** Replace the stored book with `entries`. */
  savePeers(entries: readonly AddressEntry[]): void;
}

export interface AddressBookOptions {
  backend?: AddressBackend;
  /** Seconds since epoch. */
  now?: () => number;
  /** Uniform in [0, 1). */
  random?: () => number;
}

const key = (hp: HostPort): string => formatHostPort(hp);

export class AddressBook {
  private readonly entries = new Map<string, AddressEntry>();
  private readonly now: () => number;
  private readonly random: () => number;
  private dirty = false;

  constructor(private readonly opts: AddressBookOptions = {}) {
    this.now = opts.now ?? (() => Math.floor(Date.now() / 1000));
    this.random = opts.random ?? Math.random;
    for (const e of opts.backend?.loadPeers() ?? []) {
      if (this.entries.size >= MAX_ADDRESSES) break;
      this.entries.set(key(e), { ...e, host: normalizeHost(e.host) });
    }
  }

  get size(): number {
    return this.entries.size;
  }

  has(hp: HostPort): boolean {
    return this.entries.has(key({ host: normalizeHost(hp.host), port: hp.port }));
  }

  get(hp: HostPort): AddressEntry | undefined {
    return this.entries.get(key({ host: normalizeHost(hp.host), port: hp.port }));
  }

  all(): AddressEntry[] {
    return [...this.entries.values()];
  }

  /**
   * Reference got_addr: a known address gets last_seen = max(old, timestamp) and its services
   * updated; a new one is added while the book has room. The caller clamps `timestamp` to now.
   */
  gotAddr(hp: HostPort, services: bigint, timestamp: number): void {
    const host = normalizeHost(hp.host);
    const k = key({ host, port: hp.port });
    const old = this.entries.get(k);
    if (old) {
      old.services = services;
      old.lastSeen = Math.max(old.lastSeen, timestamp);
    } else {
      if (this.entries.size >= MAX_ADDRESSES) return;
      this.entries.set(k, { host, port: hp.port, services, firstSeen: timestamp, lastSeen: timestamp });
    }
    this.dirty = true;
  }

  remove(hp: HostPort): void {
    if (this.entries.delete(key({ host: normalizeHost(hp.host), port: hp.port }))) this.dirty = true;
  }

  /**
   * Reference get_good_peers: sort by -log(max(3600, last-first)) / log(max(3600, now-last)) *
   * expovariate(1), ascending, and take `max`. Long-known and recently seen addresses come first,
   * with enough randomness that every node does not pick the same few.
   */
  goodPeers(max: number): AddressEntry[] {
    const t = this.now();
    const scored = [...this.entries.values()].map((e) => ({
      e,
      k: (-Math.log(Math.max(3600, e.lastSeen - e.firstSeen)) / Math.log(Math.max(3600, t - e.lastSeen))) * this.expovariate(),
    }));
    scored.sort((a, b) => a.k - b.k);
    return scored.slice(0, Math.max(0, max)).map((s) => s.e);
  }

  /** Write the book to the backend if it changed since the last save. */
  save(): void {
    if (!this.dirty || !this.opts.backend) return;
    this.opts.backend.savePeers([...this.entries.values()]);
    this.dirty = false;
  }

  private expovariate(): number {
    return -Math.log(1 - this.random());
  }
}
