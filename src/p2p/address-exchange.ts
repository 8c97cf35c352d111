/**
 * Address gossip (docs/protocol.md#messages): answering `getaddrs` from the address book's good peers,
 * recording `addrs` and `addrme` announcements, relaying each record to one random other peer
 * with probability 0.8, asking a random peer for 8 addresses at exponential intervals
 * (mean 20 s) while the book holds fewer than 1000 entries, and advertising our own listening
 * port: `addrme(port)` to one random peer every expovariate(1/(100 * npeers + 1)) s (reference
 * docs/protocol.md#peers-addresses-and-bans, JT p2p.Node._think; the peer records our IP as it sees it with that port).
 */
import { AddressBook, MAX_ADDRS_REPLY } from './address-book.js';
import { isLoopback, normalizeHost } from './host.js';
import { addressFromString, addressToString, type MessageOf, type P2PoolMessage } from './messages.js';
import { expovariateMs, type Peer } from './peer.js';

/** Reference: getaddrs is sent while the address store holds fewer than 1000 entries. */
const SMALL_BOOK = 1000;
/** Reference: addrs/addrme records are relayed to one random peer with probability 0.8. */
const ADDR_RELAY_PROBABILITY = 0.8;

type AddressMessage = MessageOf<'getaddrs'> | MessageOf<'addrs'> | MessageOf<'addrme'>;

/** Reference: the advertising interval's mean is 100 s per connected peer, plus 1 s. */
const ADVERTISE_MS_PER_PEER = 100_000;
const ADVERTISE_BASE_MS = 1_000;

export class AddressExchange {
  private timer: NodeJS.Timeout | undefined;
  private advertiseTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** addrme messages sent (for tests and the log). */
  advertised = 0;

  constructor(
    private readonly book: AddressBook,
    private readonly peers: () => Peer[],
    private readonly getaddrsMeanMs = 20_000,
    private readonly random: () => number = Math.random,
    /** Scales the advertising interval (tests make it short); 1 = the reference's. */
    private readonly advertiseScale = 1,
  ) {}

  start(): void {
    this.schedule();
  }

  /** Advertise `port()` (our listening port; 0 = not listening, nothing sent) from now on. */
  advertise(port: () => number): void {
    const next = (): void => {
      if (this.stopped) return;
      const planned = this.peers().length;
      const mean = (ADVERTISE_MS_PER_PEER * planned + ADVERTISE_BASE_MS) * this.advertiseScale;
      this.advertiseTimer = setTimeout(() => {
        const peers = this.peers();
        const p = port();
        // A wait sized for no peers (1 s mean) sends nothing: the first addrme waits for an
        // interval sized for the peers we have, so a new peer's handshake is not crowded.
        if (planned > 0 && peers.length && p > 0) {
          peers[Math.floor(this.random() * peers.length)]!.send({ command: 'addrme', port: p });
          this.advertised++;
        }
        next();
      }, expovariateMs(mean, this.random));
    };
    next();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    clearTimeout(this.advertiseTimer);
  }

  handle(peer: Peer, msg: AddressMessage): void {
    const now = Math.floor(Date.now() / 1000);
    switch (msg.command) {
      case 'getaddrs': {
        const good = this.book.goodPeers(Math.min(msg.count, MAX_ADDRS_REPLY));
        peer.send({
          command: 'addrs',
          addrs: good.flatMap((e) => {
            const address = safeAddress(e.host);
            return address ? [{ timestamp: BigInt(e.lastSeen), address: { services: e.services, address, port: e.port } }] : [];
          }),
        });
        return;
      }
      case 'addrs':
        for (const rec of msg.addrs) {
          const host = addressToString(rec.address.address);
          if (rec.address.port === 0 || host === '0.0.0.0') continue;
          // Reference: got_addr(..., min(now, timestamp)).
          const ts = Number(rec.timestamp > BigInt(now) ? BigInt(now) : rec.timestamp);
          this.book.gotAddr({ host, port: rec.address.port }, rec.address.services, ts);
          this.relay(peer, { command: 'addrs', addrs: [rec] });
        }
        return;
      case 'addrme': {
        // Reference: from 127.0.0.1 the announcement is only forwarded; otherwise the peer's own
        // IP with the announced port is recorded and relayed as addrs.
        if (isLoopback(peer.host)) return this.relay(peer, msg);
        const address = safeAddress(peer.host);
        if (!address) return;
        const services = peer.remote?.services ?? 0n;
        this.book.gotAddr({ host: peer.host, port: msg.port }, services, now);
        return this.relay(peer, { command: 'addrs', addrs: [{ timestamp: BigInt(now), address: { services, address, port: msg.port } }] });
      }
    }
  }

  private relay(from: Peer, msg: P2PoolMessage): void {
    if (this.random() >= ADDR_RELAY_PROBABILITY) return;
    const others = this.peers().filter((p) => p !== from);
    if (others.length) others[Math.floor(this.random() * others.length)]!.send(msg);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (this.book.size < SMALL_BOOK) {
        const peers = this.peers();
        if (peers.length) peers[Math.floor(this.random() * peers.length)]!.send({ command: 'getaddrs', count: 8 });
      }
      this.schedule();
    }, expovariateMs(this.getaddrsMeanMs, this.random));
  }
}

function safeAddress(host: string): Buffer | null {
  try {
    return addressFromString(normalizeHost(host));
  } catch {
    return null;
  }
}
