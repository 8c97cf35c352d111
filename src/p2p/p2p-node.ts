/**
 * The node's P2Pool network presence (docs/protocol.md): listens for peers, dials peers, answers
 * their messages, relays new best shares, downloads missing shares and bans misbehaving peers.
 * It talks to the sharechain only through the node's sharechain interface (NodeSharechain,
 * src/sharechain/node-chain.ts: decode, addShares, 'best', 'bad', 'fresh', desired), whichever
 * rules it runs, and to the rest of the node through two hooks (a verified bestblock header; log
 * lines). A v35 ChainState may be given as it is.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { encodeHeader, type BlockHeader } from '../bitcoin/block.js';
import { powHash } from '../bitcoin/chain-params.js';
import { DecodeError } from '../bitcoin/errors.js';
import { bytesToBigIntLE, displayHexToHash, hashToDisplayHex } from '../bitcoin/hex.js';
import { bitsToTarget } from '../bitcoin/target.js';
import type { ChainState } from '../sharechain/chain-state.js';
import { InvalidShare } from '../sharechain/invalid-share.js';
import type { P2PoolNetwork } from '../sharechain/networks.js';
import { asNodeSharechain, type ChainShare, type NodeSharechain } from '../sharechain/node-chain.js';
import { AddressBook, type AddressBackend } from './address-book.js';
import { AddressExchange } from './address-exchange.js';
import { BanList, type BanOptions } from './bans.js';
import { formatHostPort, normalizeHost, parseHostPort, type HostPort } from './host.js';
import { encodeFrame } from './framing.js';
import { encodeMessage, type P2PoolMessage, type WireShare } from './messages.js';
import { defaultTiming, Peer, type CloseInfo, type P2PTraffic, type PeerTiming } from './peer.js';
import { PeerManager } from './peer-manager.js';
import { PeerTxs } from './peer-txs.js';
import { KnownShares, sharesToRelay } from './relay.js';
import { serveShareRequest } from './share-server.js';
import { ShareSync } from './share-sync.js';

type Log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;

/** What the P2P layer reads of a network (a v35 P2PoolNetwork has all of it). */
export interface P2PNet {
  name: string;
  parent: P2PoolNetwork['parent'];
  /** 8 bytes that start every message: networks with other rules never understand each other. */
  prefix: Buffer;
  p2pPort: number;
  bootstrapAddrs: readonly string[];
  /** Refuse work until the sharechain is downloaded. */
  persist: boolean;
  minimumProtocolVersion: number;
  /** Shares (v35) or links (fair) a download aims at, for the progress line. */
  chainLength: number;
}

export interface P2PNodeOptions {
  net: P2PNet;
  /** The sharechain (a v35 ChainState is wrapped as it is, with `net` its network). */
  chain: ChainState | NodeSharechain;
  /** Port to listen on (0: any free port); null: do not listen. */
  port: number | null;
  /** Listen address; default all interfaces. */
  host?: string;
  /** `-n` peers (ADDR[:PORT]), kept connected. */
  connect?: string[];
  outgoingConns?: number;
  maxConns?: number;
  /** Our version string (`sub_version`). */
  subVersion: string;
  addressBackend?: AddressBackend;
  bans?: BanOptions;
  timing?: Partial<PeerTiming>;
  /** Mean of the getaddrs interval while the book is small; reference 20 s. */
  getaddrsMeanMs?: number;
  /** How often to consider new outgoing connections; default 1 s. */
  dialIntervalMs?: number;
  /** Share download batch (sharereq parents + 1). */
  syncBatch?: number;
  /** Incoming sharereq/getaddrs allowed per second per peer. */
  requestRate?: number;
  /** Bytes queued for a peer that does not read before it is dropped (peer.ts MAX_QUEUED_BYTES). */
  maxQueuedBytes?: number;
  /** Send `addrme` with our listening port now and then (reference default; --disable-advertise). */
  advertise?: boolean;
  /** Scales the advertising interval (tests); 1 = reference (100 s per peer + 1 s mean). */
  advertiseScale?: number;
  /** Ping probe (sharereq for hash 0) to every peer this often, for peerInfo().pingMs; default 30 s. */
  pingProbeMs?: number;
  /**
   * Early relay (docs/protocol.md#early-relay; v35 rules only): advertise SERVICE_EARLY_RELAY,
   * forward a peer's new share that extends our best to the peers that advertise it before
   * verifying it, and do not ban such peers for a share that fails verification. Default true.
   */
  earlyRelay?: boolean;
  /** A peer's bestblock header passed its PoW check (a template refresh may be due). */
  onBestBlock?: (header: BlockHeader) => void;
  log?: Log;
}

export interface P2PNodeEvents {
  /** A peer finished the handshake. */
  peer: [peer: Peer];
  /** A peer was banned. */
  banned: [host: string, reason: string];
  /** Shares from a peer were decoded and handed to the chain (new or not). */
  shares: [shares: ChainShare[], peer: string];
  /** A new best share was relayed (`peers`: how many peers were sent shares). */
  relayed: [best: string, peers: number];
  /** A peer's new share was forwarded before its verification (docs/protocol.md#early-relay). */
  relayedEarly: [hash: string, peers: number];
}

/**
 * The `services` bit (in `version`) of a node that takes part in early relay
 * (docs/protocol.md#early-relay): it may forward a share that extends its best before verifying
 * it, and it does not ban a peer with this bit for a share that passes its own-bytes checks
 * (its PoW included) but fails verification. Bit 24: Bitcoin leaves bits 24-31 to experiments;
 * the reference sends no bits.
 */
export const SERVICE_EARLY_RELAY = 1n << 24n;

/** What early relay did since start (docs/protocol.md#early-relay). */
export interface EarlyRelayCounts {
  /** Shares forwarded before verification (to at least one peer). */
  shares: number;
  /** Frames sent for them (one per share per peer). */
  sends: number;
  /** Of `shares`, those that then failed verification (dropped, as every invalid share is). */
  failedVerification: number;
  /** Invalid shares from early-relay peers that did not get the peer banned. */
  notBanned: number;
}

const CONNECT_TIMEOUT_MS = 5_000;
const BOOK_SAVE_MS = 60_000;
const PING_PROBE_MS = 30_000;
/** How far down the new best chain the switch log looks for the fork point. */
const FORK_SEARCH_DEPTH = 1_000;
/** Fresh shares (fair sub-shares, uncles) sent to a peer in one relay: twice R_MAX is plenty. */
const MAX_FRESH_RELAY = 120;

interface PeerState {
  peer: Peer;
  /** The address we dialled (outgoing), for the book and the backoff. */
  dialed?: HostPort;
  known: KnownShares;
  txs: PeerTxs;
}

export interface PeerInfo {
  host: string;
  port: number;
  incoming: boolean;
  subVersion: string;
  protocolVersion: number;
  connectedAt: number;
  pingMs: number | null;
}

export class P2PNode extends EventEmitter<P2PNodeEvents> {
  /** One random nonce per node process (self-connection and duplicate detection). */
  readonly nonce = randomBytes(8).readBigUInt64LE();
  readonly bans: BanList;
  readonly book: AddressBook;
  readonly manager: PeerManager;
  readonly sync: ShareSync;
  /** Bytes in and out over every P2P link since start (docs/metrics.md, the traffic graph). */
  readonly traffic: P2PTraffic = { bytesIn: 0, bytesOut: 0 };
  /** Early relay's counters (docs/protocol.md#early-relay). */
  readonly earlyRelay: EarlyRelayCounts = { shares: 0, sends: 0, failedVerification: 0, notBanned: 0 };
  /** Early relay on (the option, and the v35 rules). */
  private readonly early: boolean;
  private readonly addresses: AddressExchange;
  private readonly peers = new Map<string, PeerState>();
  private readonly dialing = new Set<string>();
  private server: Server | undefined;
  private listenPort = 0;
  private timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private readonly log: Log;
  private readonly timing: PeerTiming;
  /** The sharechain, through its interface. */
  readonly chain: NodeSharechain;
  private readonly onBest = (best: string | null, previous: string | null): void => {
    // Relay first: peers' latency is the network's orphan rate (issue 5: under 5 ms per hop).
    this.relayBest(best);
    this.logSwitch(best, previous);
  };
  private readonly onFresh = (shares: ChainShare[]): void => this.relayFresh(shares);
  private readonly onBad = (peerKey: string, reason: string): void => {
    // An early-relay peer may forward a share before it has verified it, as we do: a share that
    // passed its own-bytes checks (its PoW met its target: real work) and then fails
    // verification is dropped without banning the peer (docs/protocol.md#early-relay).
    const st = this.peers.get(peerKey);
    if (this.early && st !== undefined && !st.peer.isClosed && relaysEarly(st.peer)) {
      this.earlyRelay.notBanned++;
      this.log('warn', `P2P: peer ${peerKey} sent a share that failed verification (${reason}); not banned: it relays before verifying (docs/protocol.md#early-relay)`);
      return;
    }
    this.punish(peerKey, `sent an invalid share: ${reason}`);
  };

  constructor(private readonly opts: P2PNodeOptions) {
    super();
    this.chain = asNodeSharechain(opts.chain, opts.net as P2PoolNetwork);
    this.early = opts.earlyRelay !== false && this.chain.rules === 'v35';
    this.log = opts.log ?? (() => {});
    this.timing = { ...defaultTiming(), ...opts.timing };
    this.bans = new BanList(opts.bans);
    this.book = new AddressBook({ backend: opts.addressBackend });
    const now = Math.floor(Date.now() / 1000);
    for (const a of opts.net.bootstrapAddrs) {
      const hp = parseHostPort(a, opts.net.p2pPort);
      if (!this.book.has(hp)) this.book.gotAddr(hp, 0n, now);
    }
    this.manager = new PeerManager({
      book: this.book,
      bans: this.bans,
      persistent: (opts.connect ?? []).map((a) => parseHostPort(a, opts.net.p2pPort)),
      outgoingConns: opts.outgoingConns ?? 6,
      maxConns: opts.maxConns ?? 40,
    });
    this.addresses = new AddressExchange(this.book, () => this.readyPeers(), opts.getaddrsMeanMs, Math.random, opts.advertiseScale);
    const chain = this.chain;
    this.sync = new ShareSync({
      source: {
        desired: () => chain.desired,
        heads: () => chain.heads(),
        getHeight: (h) => chain.height(h),
        getNthParent: (h, n) => chain.nthParent(h, n),
      },
      peers: () => this.readyPeers(),
      peerByKey: (k) => {
        const st = this.peers.get(k);
        return st?.peer.isReady ? st.peer : undefined;
      },
      receive: (peer, shares) => this.receiveShares(peer, shares),
      batch: opts.syncBatch,
      log: this.log,
    });
  }

  /** Listen and start dialling; resolves with the bound port (0 when not listening). */
  async start(): Promise<number> {
    const { chain } = this;
    // Ahead of every other 'best' listener: the work layer's listener rebuilds and broadcasts
    // jobs to every miner (synchronously), which must not delay the relay to peers.
    chain.prependListener('best', this.onBest);
    chain.prependListener('fresh', this.onFresh);
    chain.on('bad', this.onBad);
    if (this.opts.port !== null) {
      const server = createServer((s) => this.onIncoming(s));
      this.server = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.port ?? 0, this.opts.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const addr = server.address();
      this.listenPort = typeof addr === 'object' && addr ? addr.port : 0;
      this.log('info', `P2P: listening for P2Pool peers on port ${this.listenPort}`);
    }
    this.timers.push(setInterval(() => this.dial(), this.opts.dialIntervalMs ?? 1_000));
    this.timers.push(setInterval(() => this.sync.kick(), 1_000));
    this.timers.push(setInterval(() => this.book.save(), BOOK_SAVE_MS));
    this.timers.push(setInterval(() => this.probePings(), this.opts.pingProbeMs ?? PING_PROBE_MS));
    this.addresses.start();
    if (this.opts.advertise !== false && this.server) this.addresses.advertise(() => this.listenPort);
    this.dial();
    return this.listenPort;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.sync.stop();
    this.chain.off('best', this.onBest);
    this.chain.off('fresh', this.onFresh);
    this.chain.off('bad', this.onBad);
    for (const t of this.timers) clearInterval(t);
    this.addresses.stop();
    for (const st of [...this.peers.values()]) st.peer.close('shutting down');
    this.book.save();
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get port(): number {
    return this.listenPort;
  }

  /** Peers that finished the handshake. */
  readyPeers(): Peer[] {
    return [...this.peers.values()].filter((s) => s.peer.isReady && !s.peer.isClosed).map((s) => s.peer);
  }

  /**
   * One row per connected, handshaken peer, for the web API (/peer_addresses, /peer_versions,
   * /pings) and the dashboard. `pingMs`: the minimum of the last 3 sharereq round trips
   * without parents (our ping probes every 30 s, and the request for an unknown best share on
   * connect), null before the first. The probes start after the first interval, so the
   * handshake stays exactly the reference's (version, ping, sharereq for its unknown best).
   */
  peerInfo(): PeerInfo[] {
    return this.readyPeers().map((p) => ({
      host: p.host,
      port: p.port,
      incoming: p.incoming,
      subVersion: p.remote?.subVersion ?? '',
      protocolVersion: p.remote?.version ?? 0,
      connectedAt: p.connectedAt,
      pingMs: p.pingMs,
    }));
  }

  /** PoolWork's syncState: why miners must wait, or null. */
  syncState(): string | null {
    if (!this.opts.net.persist || this.chain.best !== null) return null;
    return `downloading shares: ${this.downloadedHeight()} of ${this.opts.net.chainLength}`;
  }

  /**
   * The sharechain download while one is under way (the node shows it as a progress line):
   * shares held of the chain length, and the peers it comes from; null when none is.
   */
  syncProgress(): { downloaded: number; target: number; peers: number } | null {
    if (this.chain.best !== null || this.chain.desired.length === 0) return null;
    if (!this.opts.net.persist && this.readyPeers().length === 0) return null;
    return { downloaded: this.downloadedHeight(), target: this.opts.net.chainLength, peers: this.readyPeers().length };
  }

  /** Dial a peer now (tests, `-n` at runtime). */
  connectTo(hp: HostPort): void {
    const key = formatHostPort(hp);
    if (this.stopped || this.dialing.has(key)) return;
    this.dialing.add(key);
    let settled = false;
    const socket = connect({ host: hp.host, port: hp.port });
    const timer = setTimeout(() => fail('connect timed out'), CONNECT_TIMEOUT_MS);
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.dialing.delete(key);
      socket.destroy();
      const wait = this.manager.failed(hp);
      this.log('debug', `P2P: could not connect to ${key} (${why}); next try in ${Math.round(wait / 1000)} s`);
    };
    socket.once('error', (e) => fail(e.message));
    socket.once('connect', () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.dialing.delete(key);
      socket.removeAllListeners('error');
      if (this.stopped) return void socket.destroy();
      this.attach(socket, false, hp);
    });
  }

  // ---- connections --------------------------------------------------------------------------

  private dial(): void {
    if (this.stopped) return;
    const conns = [...this.peers.values()].map((s) => ({ host: s.dialed?.host ?? s.peer.host, port: s.dialed?.port ?? s.peer.port, incoming: s.peer.incoming }));
    for (const hp of this.manager.nextDials(conns, this.dialing)) this.connectTo(hp);
  }

  private onIncoming(socket: Socket): void {
    const host = normalizeHost(socket.remoteAddress ?? '');
    const conns = [...this.peers.values()].map((s) => ({ host: s.peer.host, port: s.peer.port, incoming: s.peer.incoming }));
    const why = this.stopped ? 'shutting down' : this.manager.refuseIncoming(host, conns);
    if (why) {
      this.log('debug', `P2P: refused connection from ${host}: ${why}`);
      socket.on('error', () => {});
      socket.resetAndDestroy();
      return;
    }
    this.attach(socket, true);
  }

  private attach(socket: Socket, incoming: boolean, dialed?: HostPort): void {
    const peer = new Peer({
      socket,
      incoming,
      prefix: this.opts.net.prefix,
      minimumProtocolVersion: this.opts.net.minimumProtocolVersion,
      ourVersion: () => ({
        nonce: this.nonce,
        subVersion: this.opts.subVersion,
        bestShareHash: this.chain.best === null ? null : displayHexToHash(this.chain.best),
        port: this.listenPort,
      }),
      timing: this.timing,
      requestRate: this.opts.requestRate,
      traffic: this.traffic,
      maxQueuedBytes: this.opts.maxQueuedBytes,
      services: this.early ? SERVICE_EARLY_RELAY : 0n,
    });
    const st: PeerState = { peer, dialed, known: new KnownShares(), txs: new PeerTxs() };
    this.peers.set(peer.key, st);
    peer.on('version', (v) => this.onVersion(st, v.nonce, v.bestShareHash));
    peer.on('message', (m, frame) => this.onMessage(st, m, frame));
    peer.on('close', (info) => this.onClose(st, info));
  }

  private onVersion(st: PeerState, nonce: bigint, best: Buffer | null): void {
    const { peer } = st;
    if (nonce === this.nonce) return peer.close('connected to self');
    for (const other of this.peers.values()) {
      if (other !== st && other.peer.isReady && other.peer.remote?.nonce === nonce) return peer.close('duplicate connection');
    }
    peer.accept();
    if (st.dialed) {
      this.manager.succeeded(st.dialed);
      this.book.gotAddr(st.dialed, peer.remote?.services ?? 0n, Math.floor(Date.now() / 1000));
    }
    this.log('info', `P2P: ${peer.incoming ? 'incoming' : 'outgoing'} peer ${peer.key} connected (${peer.remote?.subVersion}, protocol ${peer.remote?.version})`);
    this.emit('peer', peer);
    // Reference: an unknown best share is requested at once (parents=0); the download loop
    // then fetches its ancestry in batches.
    if (best !== null && !this.chain.has(hashToDisplayHex(best))) {
      peer
        .requestShares([best], 0, [])
        .then((r) => {
          if (this.receiveShares(peer, r.shares)) this.sync.kick();
        })
        .catch(() => {});
    }
    this.sync.kick();
  }

  private onClose(st: PeerState, info: CloseInfo): void {
    const { peer } = st;
    if (this.peers.get(peer.key) === st) this.peers.delete(peer.key);
    if (info.misbehaved) this.ban(peer.host, info.reason);
    if (st.dialed) {
      if (peer.isReady) this.manager.closed(st.dialed);
      else this.manager.failed(st.dialed);
    }
    const level = info.misbehaved ? 'warn' : peer.isReady ? 'info' : 'debug';
    if (!this.stopped) this.log(level, `P2P: peer ${peer.key} disconnected: ${info.reason}`);
  }

  private ban(host: string, reason: string): void {
    const r = this.bans.ban(host, reason);
    if (r.banned) {
      this.log('warn', `P2P: banned ${host} for ${Math.round(r.durationMs / 1000)} s (offence ${r.offences}): ${reason}`);
      for (const st of [...this.peers.values()]) if (st.peer.host === normalizeHost(host)) st.peer.close('banned');
    } else {
      this.log('warn', `P2P: ${host} misbehaved (${reason}); loopback is not banned`);
    }
    this.emit('banned', host, reason);
  }

  /** Close a peer (by its tracker key) that sent bad data, and ban its host. */
  private punish(peerKey: string, reason: string): void {
    const st = this.peers.get(peerKey);
    if (st && !st.peer.isClosed) st.peer.close(reason, true);
    else this.ban(parseHostPort(peerKey, 1).host, reason);
  }

  // ---- messages -----------------------------------------------------------------------------

  private onMessage(st: PeerState, msg: P2PoolMessage, frame: Buffer): void {
    const { peer } = st;
    switch (msg.command) {
      case 'ping':
        return;
      case 'shares':
        return void this.receiveShares(peer, msg.shares, frame);
      case 'sharereq': {
        const reply = serveShareRequest(this.chain, msg.hashes, msg.parents, msg.stops);
        peer.send({ command: 'sharereply', id: msg.id, result: reply.result, shares: reply.shares });
        for (const h of reply.hashes) st.known.add(h);
        return;
      }
      case 'getaddrs':
      case 'addrs':
      case 'addrme':
        return this.addresses.handle(peer, msg);
      case 'bestblock': {
        // Reference: the header must meet its own bits, else the peer is misbehaving.
        const header80 = encodeHeader(msg.header);
        if (bytesToBigIntLE(powHash(this.opts.net.parent, header80)) > bitsToTarget(msg.header.bits)) {
          return peer.close('bestblock header fails its PoW check', true);
        }
        this.opts.onBestBlock?.(msg.header);
        return;
      }
      case 'have_tx':
        return st.txs.haveTx(msg.txHashes);
      case 'losing_tx':
        return st.txs.losingTx(msg.txHashes);
      case 'forget_tx':
        return st.txs.forgetTx(msg.txHashes);
      case 'remember_tx': {
        const v = st.txs.rememberTx(msg.txHashes, msg.txs);
        if (!v.ok) peer.close(v.reason, v.misbehaved);
        return;
      }
      default:
        return;
    }
  }

  /**
   * Shares from a peer: each must decode and pass its own-bytes checks, else the peer is
   * banned; then they go to the chain (which verifies and may report 'bad' for this peer).
   * New shares it announced (`shares`, not a download's `sharereply`; `announced` is that
   * message's frame as received) that extend our best are first forwarded to early-relay peers
   * (relayEarly). Returns false when the peer was dropped.
   */
  private receiveShares(peer: Peer, wire: readonly WireShare[], announced?: Buffer): boolean {
    if (wire.length === 0) return true;
    const st = this.peers.get(peer.key);
    const shares: ChainShare[] = [];
    const now = Date.now();
    for (const w of wire) {
      try {
        shares.push(this.chain.decode(w.raw, now));
      } catch (e) {
        if (e instanceof DecodeError || e instanceof InvalidShare) {
          peer.close(`sent an invalid share: ${e.message}`, true);
          return false;
        }
        throw e;
      }
    }
    for (const s of shares) st?.known.add(s.hash);
    const early = announced !== undefined && this.early && st !== undefined ? this.relayEarly(st, shares, announced) : undefined;
    this.chain.addShares(shares, peer.key);
    // Verification ran in addShares (a share on our best is verifiable at once): one it did not
    // keep as verified failed it, and was dropped.
    if (early !== undefined) {
      for (const s of early) {
        if (this.chain.isVerified(s.hash)) continue;
        this.earlyRelay.failedVerification++;
        this.log('warn', `P2P: share ${s.hash.slice(0, 16)}… from ${peer.key}, relayed early, failed verification and was dropped (docs/protocol.md#early-relay)`);
      }
    }
    this.emit('shares', shares, peer.key);
    this.sync.kick();
    return !peer.isClosed;
  }

  /**
   * Early relay (docs/protocol.md#early-relay): a peer's new share that extends our best share
   * goes, as its exact bytes, to every ready early-relay peer that does not have it, before
   * verification and the best-share choice run on it. Its decode (own-bytes checks, its PoW
   * against its target) has passed. What a peer is sent is remembered as for any relay, so the
   * share is not sent again when it becomes best. Returns the shares forwarded.
   *
   * A message that carried that share alone is forwarded as its frame (`received`): the bytes
   * sharesFrame would make (the same prefix, command and wrapper bytes; the decoder takes only
   * canonical encodings and no trailing bytes), without encoding and hashing them again on the
   * way to the next peer. The frame is a view of what the sender's socket read: a P2P socket reads
   * into memory of its own for every read (no shared read buffer, as the Stratum server's
   * stratum/socket-reads.ts has), so the bytes stay as received while another peer's socket
   * queues them.
   */
  private relayEarly(from: PeerState, shares: readonly ChainShare[], received: Buffer): ChainShare[] | undefined {
    const best = this.chain.best;
    if (best === null) return undefined;
    let out: ChainShare[] | undefined;
    for (const s of shares) {
      if (s.prevHash !== best || this.chain.has(s.hash)) continue;
      let frame: Buffer | undefined;
      let sent = 0;
      for (const st of this.peers.values()) {
        if (st === from || !st.peer.isReady || st.peer.isClosed || !relaysEarly(st.peer) || st.known.has(s.hash)) continue;
        frame ??= shares.length === 1 ? received : this.sharesFrame([s]);
        st.known.add(s.hash);
        if (st.peer.sendFrame(frame)) sent++;
      }
      if (sent === 0) continue;
      (out ??= []).push(s);
      this.earlyRelay.shares++;
      this.earlyRelay.sends += sent;
      this.emit('relayedEarly', s.hash, sent);
    }
    return out;
  }

  private relayBest(best: string | null): void {
    if (best === null) return;
    // Peers that lack the same shares (usually all of them: just the new best) get the same
    // frame: encode it (payload + sha256d checksum) once, not once per peer.
    const frames = new Map<string, Buffer>();
    let sent = 0;
    for (const st of this.peers.values()) if (st.peer.isReady && this.relayTo(st, best, frames)) sent++;
    this.emit('relayed', best, sent);
  }

  /**
   * Newly verified shares besides the best chain (the fair rules' sub-shares and uncles): every
   * peer gets those it does not have, oldest first, in one message.
   */
  private relayFresh(shares: readonly ChainShare[]): void {
    const frames = new Map<string, Buffer>();
    let sent = 0;
    for (const st of this.peers.values()) {
      if (!st.peer.isReady || st.peer.isClosed) continue;
      const unknown = shares.filter((s) => !st.known.has(s.hash)).slice(-MAX_FRESH_RELAY);
      if (unknown.length > 0 && this.sendShares(st, unknown, frames)) sent++;
    }
    if (sent > 0) this.emit('relayed', shares.at(-1)!.hash, sent);
  }

  private relayTo(st: PeerState, best: string, frames: Map<string, Buffer>): boolean {
    if (st.peer.isClosed) return false;
    const shares = sharesToRelay(this.chain, best, st.known);
    if (shares.length === 0) return false;
    return this.sendShares(st, shares, frames);
  }

  /** One `shares` message to a peer; the frame is shared by peers that get the same shares. */
  private sendShares(st: PeerState, shares: readonly ChainShare[], frames: Map<string, Buffer>): boolean {
    for (const s of shares) st.known.add(s.hash);
    const key = shares.map((s) => s.hash).join();
    let frame = frames.get(key);
    if (frame === undefined) {
      frame = this.sharesFrame(shares);
      frames.set(key, frame);
    }
    return st.peer.sendFrame(frame);
  }

  /** A `shares` frame carrying the shares' wrapper bytes as received (never re-encoded). */
  private sharesFrame(shares: readonly ChainShare[]): Buffer {
    // At most MAX_RELAY_SHARES (v35) or MAX_FRESH_RELAY (fair) shares: far below the payload limit.
    const { command, payload } = encodeMessage({ command: 'shares', shares: shares.map((s) => ({ type: s.version, raw: s.raw })) });
    return encodeFrame(this.opts.net.prefix, command, payload);
  }

  /**
   * ChainState says only that the best share changed; when the new best does not build on the
   * old one the node moved to another chain (a fork won, a partition healed), which the
   * operator should see (issue 5: "each node logs the switch").
   */
  private logSwitch(best: string | null, previous: string | null): void {
    if (best === null || previous === null) return;
    const chain = this.chain;
    if (!chain.has(previous) || chain.isAncestor(previous, best)) return;
    const h = (x: string): string => x.slice(0, 16);
    let fork: string | null = null;
    // Bounded: a switch is rare, but a chain can be CHAIN_LENGTH deep.
    const depth = Math.min(chain.height(best), FORK_SEARCH_DEPTH);
    for (let i = 0; i < depth; i++) {
      const s = chain.nthParent(best, i);
      if (s === null) break;
      if (chain.isAncestor(s, previous)) {
        fork = s;
        break;
      }
    }
    const from = chain.peerOf(best);
    this.log('info', `P2P: switched to another chain: best share ${h(best)}… (height ${chain.height(best)}${from ? `, from ${from}` : ''}) does not build on the previous best ${h(previous)}…; ${fork ? `they fork after ${h(fork)}…` : `no common share in the newest ${FORK_SEARCH_DEPTH}`}`);
  }

  // ---- periodic -----------------------------------------------------------------------------

  private probe(peer: Peer): void {
    if (peer.isReady && !peer.isClosed && peer.pendingRequests < 4) void peer.ping().catch(() => {});
  }

  private probePings(): void {
    for (const p of this.readyPeers()) this.probe(p);
  }

  private downloadedHeight(): number {
    let max = 0;
    for (const h of this.chain.heads()) max = Math.max(max, this.chain.height(h));
    return Math.min(max, this.opts.net.chainLength);
  }
}

/** The peer's version advertised SERVICE_EARLY_RELAY. */
function relaysEarly(peer: Peer): boolean {
  return ((peer.remote?.services ?? 0n) & SERVICE_EARLY_RELAY) !== 0n;
}
