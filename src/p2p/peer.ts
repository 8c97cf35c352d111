/**
 * One P2Pool peer connection (docs/protocol.md#framing, observed behaviour in
 * test/fixtures/p2pool-reference-node/README.md): framing, the version handshake, timeouts,
 * pings, and our outstanding `sharereq`s. What the messages *mean* for the node (shares, address
 * book, relay) is decided by the P2P node through events; this class only keeps the link honest.
 *
 * On the wire, as the reference does:
 * - our `version` goes out as soon as the TCP connection exists, without waiting for theirs;
 * - the first message must be `version`, only one; a protocol version below the network's minimum
 *   is 'peer too old'; after accepting it we send exactly one `ping`;
 * - no `version` within 10 s: 'handshake timed out'; afterwards, 100 s without an inbound byte:
 *   'connection timed out' (our own sends do not reset it);
 * - pings at exponential intervals (mean 100 s); a `sharereq` we sent that is not answered within
 *   15 s drops the peer; every disconnect we initiate is abortive (RST).
 *
 * Misbehaviour (a bad checksum, an oversize length, garbage between frames, a payload that does
 * not decode, a second version, ...) closes the link with `misbehaved` set, so the node bans.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { DecodeError } from '../bitcoin/errors.js';
import { encodeFrame, FrameDecoder, PayloadTooLong, type FrameEvent } from './framing.js';
import { formatHostPort, normalizeHost } from './host.js';
import {
  addressFromString, decodeMessage, encodeMessage, type P2PoolMessage, type ShareReplyResult,
  type VersionMessage, type WireShare,
} from './messages.js';

/** Protocol version we speak: JT's current network (docs/protocol.md#messages). */
export const PROTOCOL_VERSION = 3501;

export interface PeerTiming {
  /** No `version` within this: drop (reference 10 s). */
  handshakeMs: number;
  /** No inbound byte for this after the handshake: drop (reference 100 s). */
  idleMs: number;
  /** Next ping delay; reference expovariate(1/100) s. */
  nextPingMs: () => number;
  /** Our sharereq unanswered for this: drop (reference 15 s). */
  requestMs: number;
}

export function defaultTiming(random: () => number = Math.random): PeerTiming {
  return {
    handshakeMs: 10_000,
    idleMs: 100_000,
    nextPingMs: () => expovariateMs(100_000, random),
    requestMs: 15_000,
  };
}

/** An exponential delay with the given mean (Python's random.expovariate(1/mean)). */
export function expovariateMs(meanMs: number, random: () => number = Math.random): number {
  return -Math.log(1 - random()) * meanMs;
}

export interface PeerOptions {
  socket: Socket;
  incoming: boolean;
  prefix: Buffer;
  minimumProtocolVersion: number;
  /** Fields of the version we send, read when the connection starts. */
  ourVersion: () => { nonce: bigint; subVersion: string; bestShareHash: Buffer | null; port: number };
  timing: PeerTiming;
  /** Incoming requests allowed per second (burst = 5 s worth); more is a flood. */
  requestRate?: number;
  /** Bytes queued for a peer that does not read before it is dropped (default MAX_QUEUED_BYTES). */
  maxQueuedBytes?: number;
  /** Totals this link adds its bytes to (shared by every peer of a P2PNode: /metrics, the traffic graph). */
  traffic?: P2PTraffic;
  /** The `services` bits of the version we send (default 0, the reference's; docs/protocol.md#early-relay). */
  services?: bigint;
}

/**
 * Bytes moved over P2P links since start: every byte read from a peer's socket and every frame
 * handed to it (headers included; a frame refused because the peer does not read is not counted).
 */
export interface P2PTraffic {
  bytesIn: number;
  bytesOut: number;
}

/**
 * Outgoing bytes queued in Node (beyond the kernel's socket buffer) for a peer that does not
 * read before it is dropped: a peer may keep asking for shares at the allowed request rate and
 * never read the answers (each up to ~600 KB), and without this the node would buffer without
 * end. 4 MB is several of the largest replies; 40 peers hold at most ~200 MB
 * (docs/operations.md "Limits").
 */
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export interface ShareReply {
  result: ShareReplyResult;
  shares: WireShare[];
}

export interface CloseInfo {
  reason: string;
  /** Set when the peer broke the protocol: the node bans it. */
  misbehaved: boolean;
}

export interface PeerEvents {
  /** Their version arrived and passed our checks; `ready` follows unless the node rejects it. */
  version: [msg: VersionMessage];
  /**
   * Every message after the handshake (sharereplies to our requests are consumed here), with
   * its frame's bytes as received (a view; the node forwards a `shares` frame as it came).
   */
  message: [msg: P2PoolMessage, frame: Buffer];
  close: [info: CloseInfo];
}

interface Pending {
  resolve: (r: ShareReply) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class PeerClosed extends Error {
  override readonly name = 'PeerClosed';
}

/** Reference /pings: the minimum of 3 pings. */
const PING_SAMPLES = 3;
const ZERO_HASH = Buffer.alloc(32);

/** Requests (sharereq/getaddrs) per second a peer may send us before it counts as a flood. */
const DEFAULT_REQUEST_RATE = 20;

export class Peer extends EventEmitter<PeerEvents> {
  readonly host: string;
  readonly port: number;
  /** `host:port` of the remote end: the key shares from this peer carry in the tracker. */
  readonly key: string;
  readonly connectedAt = Date.now();
  remote: VersionMessage | undefined;
  private ready = false;
  private closed = false;
  private readonly decoder: FrameDecoder;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Map<string, Pending>();
  private tokens: number;
  private lastRefill = Date.now();
  /** Round trips (ms) of our last small sharereqs (parents=0): the ping probes (reference /pings). */
  private readonly roundTrips: number[] = [];

  constructor(private readonly opts: PeerOptions) {
    super();
    const s = opts.socket;
    this.host = normalizeHost(s.remoteAddress ?? '0.0.0.0');
    this.port = s.remotePort ?? 0;
    this.key = formatHostPort({ host: this.host, port: this.port });
    this.decoder = new FrameDecoder(opts.prefix);
    this.tokens = this.burst;
    s.setNoDelay(true);
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('error', (e) => this.finish({ reason: `socket error: ${e.message}`, misbehaved: false }, false));
    s.on('close', () => this.finish({ reason: 'connection closed by peer', misbehaved: false }, false));
    this.handshakeTimer = setTimeout(() => this.close('handshake timed out'), opts.timing.handshakeMs);
    this.sendVersion();
  }

  get isReady(): boolean {
    return this.ready;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get incoming(): boolean {
    return this.opts.incoming;
  }

  /** Send a message; false when the link is closed. A too-long payload is our bug: it throws. */
  send(msg: P2PoolMessage): boolean {
    if (this.closed) return false;
    const { command, payload } = encodeMessage(msg);
    return this.write(encodeFrame(this.opts.prefix, command, payload));
  }

  private write(frame: Buffer): boolean {
    const limit = this.opts.maxQueuedBytes ?? MAX_QUEUED_BYTES;
    if (this.opts.socket.writableLength > limit) {
      this.close(`not reading: over ${limit} bytes queued for it`);
      return false;
    }
    this.opts.socket.write(frame);
    if (this.opts.traffic) this.opts.traffic.bytesOut += frame.length;
    return true;
  }

  /**
   * Send a frame already encoded with this network's prefix (the relay encodes a new share's
   * `shares` frame once for all peers instead of once per peer); false when the link is closed.
   */
  sendFrame(frame: Buffer): boolean {
    if (this.closed) return false;
    return this.write(frame);
  }

  /** Like send, but a payload over the limit returns false instead of throwing. */
  trySend(msg: P2PoolMessage): boolean {
    try {
      return this.send(msg);
    } catch (e) {
      if (e instanceof PayloadTooLong) return false;
      throw e;
    }
  }

  /**
   * sharereq with a fresh random 256-bit id (reference); resolves with the reply, rejects when
   * the peer goes away. Unanswered within the timeout, the peer is dropped.
   */
  requestShares(hashes: Buffer[], parents: number, stops: Buffer[]): Promise<ShareReply> {
    if (this.closed) return Promise.reject(new PeerClosed(`peer ${this.key} is closed`));
    const id = randomBytes(32);
    const key = id.toString('hex');
    const sentAt = performance.now();
    return new Promise<ShareReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new PeerClosed(`sharereq to ${this.key} timed out`));
        this.close('sharereq timed out');
      }, this.opts.timing.requestMs);
      // Only requests without ancestors measure the link: a download's reply time is mostly
      // the peer reading shares.
      const done = (r: ShareReply): void => {
        if (parents === 0) this.recordRoundTrip(performance.now() - sentAt);
        resolve(r);
      };
      this.pending.set(key, { resolve: done, reject, timer });
      this.send({ command: 'sharereq', id, hashes, parents, stops });
    });
  }

  /**
   * The reference's ping (`do_ping`): a sharereq for hash 0 with no parents, which every peer
   * answers at once with no shares. Resolves with the round trip in ms.
   */
  async ping(): Promise<number> {
    const t0 = performance.now();
    await this.requestShares([ZERO_HASH], 0, []);
    return performance.now() - t0;
  }

  /** Minimum of the last 3 sharereq round trips (reference /pings: min of 3 pings), or null. */
  get pingMs(): number | null {
    return this.roundTrips.length === 0 ? null : Math.min(...this.roundTrips);
  }

  private recordRoundTrip(ms: number): void {
    this.roundTrips.push(Math.round(ms * 1000) / 1000);
    if (this.roundTrips.length > PING_SAMPLES) this.roundTrips.shift();
  }

  get pendingRequests(): number {
    return this.pending.size;
  }

  /** Close abortively (RST, as the reference does). `misbehaved` makes the node ban. */
  close(reason: string, misbehaved = false): void {
    this.finish({ reason, misbehaved }, true);
  }

  /** The node accepted their version (nonce checks passed): start the link proper. */
  accept(): void {
    if (this.closed || this.ready) return;
    this.ready = true;
    clearTimeout(this.handshakeTimer);
    this.resetIdle();
    this.send({ command: 'ping' });
    this.schedulePing();
  }

  private sendVersion(): void {
    const ours = this.opts.ourVersion();
    const s = this.opts.socket;
    const addr = (host: string | undefined): Buffer => {
      try {
        return addressFromString(normalizeHost(host ?? '0.0.0.0'));
      } catch {
        return Buffer.alloc(16);
      }
    };
    this.send({
      command: 'version',
      version: PROTOCOL_VERSION,
      services: this.opts.services ?? 0n,
      addrTo: { services: 0n, address: addr(s.remoteAddress), port: s.remotePort ?? 0 },
      addrFrom: { services: 0n, address: addr(s.localAddress), port: ours.port },
      nonce: ours.nonce,
      subVersion: ours.subVersion,
      mode: 1,
      bestShareHash: ours.bestShareHash,
    });
  }

  private onData(chunk: Buffer): void {
    if (this.opts.traffic) this.opts.traffic.bytesIn += chunk.length;
    if (this.closed) return;
    if (this.ready) this.resetIdle();
    for (const ev of this.decoder.push(chunk)) {
      this.onFrameEvent(ev);
      if (this.closed) return;
    }
  }

  private onFrameEvent(ev: FrameEvent): void {
    switch (ev.kind) {
      case 'frame':
        return this.onFrame(ev.command, ev.payload, ev.frame);
      case 'bad-checksum':
        // Reference: "invalid hash for <peer> '<cmd>' ..." -> badPeerHappened (test/fixtures/p2pool-reference-node/README.md, P2P 13).
        return this.close(`bad checksum on '${ev.command}' (${ev.checksum.toString('hex')})`, true);
      case 'oversize':
        return this.close(`'${ev.command}' length ${ev.length} over the limit ${ev.limit}`, true);
      case 'bad-command':
        return this.close('malformed command field', true);
      case 'garbage':
        // The reference resynchronises silently; honest peers never send bytes between frames.
        return this.close(`${ev.skipped} bytes of garbage between frames`, true);
    }
  }

  private onFrame(command: string, payload: Buffer, frame: Buffer): void {
    let msg: P2PoolMessage;
    try {
      msg = decodeMessage(command, payload);
    } catch (e) {
      if (e instanceof DecodeError) return this.close(`malformed '${command}': ${e.message}`, true);
      throw e;
    }
    if (msg.command === 'unknown') return; // the reference ignores unknown commands
    if (!this.remote) {
      if (msg.command !== 'version') return this.close('first message was not version message', true);
      this.remote = msg;
      if (msg.version < this.opts.minimumProtocolVersion) return this.close(`peer too old (protocol ${msg.version})`);
      this.emit('version', msg);
      return;
    }
    if (msg.command === 'version') return this.close('more than one version message', true);
    if (!this.ready) return; // the node is deciding on their version; nothing else counts yet
    if (msg.command === 'sharereply') {
      const p = this.pending.get(msg.id.toString('hex'));
      if (p) {
        this.pending.delete(msg.id.toString('hex'));
        clearTimeout(p.timer);
        p.resolve({ result: msg.result, shares: msg.shares });
      }
      return; // a reply we did not ask for (or that came late) is ignored, as the reference does
    }
    if ((msg.command === 'sharereq' || msg.command === 'getaddrs') && !this.takeToken()) {
      return this.close(`${msg.command} flood (over ${this.rate}/s)`, true);
    }
    this.emit('message', msg, frame);
  }

  private get rate(): number {
    return this.opts.requestRate ?? DEFAULT_REQUEST_RATE;
  }

  private get burst(): number {
    return this.rate * 5;
  }

  private takeToken(): boolean {
    const t = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.lastRefill) / 1000) * this.rate);
    this.lastRefill = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Restart the idle timeout (on every read: one timer per link, restarted in place). */
  private resetIdle(): void {
    if (this.idleTimer === undefined) this.idleTimer = setTimeout(() => this.close('connection timed out'), this.opts.timing.idleMs);
    else this.idleTimer.refresh();
  }

  private schedulePing(): void {
    this.pingTimer = setTimeout(() => {
      this.send({ command: 'ping' });
      this.schedulePing();
    }, this.opts.timing.nextPingMs());
  }

  private finish(info: CloseInfo, abort: boolean): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.pingTimer);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new PeerClosed(`peer ${this.key} closed: ${info.reason}`));
    }
    this.pending.clear();
    const s = this.opts.socket;
    if (abort && !s.destroyed) s.resetAndDestroy();
    else s.destroy();
    this.emit('close', info);
  }
}
