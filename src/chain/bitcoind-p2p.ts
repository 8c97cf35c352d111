/**
 * A minimal P2P connection to the user's own full node (docs/bitcoind.md "bitcoind P2P client").
 *
 * Why P2P at all: the node announces a new block over P2P the moment it has it, so templates
 * are refreshed within milliseconds instead of at the next poll; and a found block can also
 * be handed over this way, beside submitblock.
 *
 * - Handshake: version (protocol 70016, services NODE_WITNESS, relay=false so the node does not
 *   flood us with transaction invs), verack; then `sendheaders` (BIP130) so new blocks come as
 *   `headers`. Both `inv(block)` and `headers` announcements emit 'block' with the new tip hash.
 * - Keep-alive: ping every 30 s (BIP31); a connection silent for 90 s is dropped.
 * - Reconnects by itself with exponential backoff (1 s doubling to 30 s).
 * - Block hand-over: `announceBlock` sends `inv` and answers the node's `getdata` with the
 *   block, and its `getheaders` with the header (Core asks headers first). bcoin disconnects a
 *   peer that sends an unrequested block, which is why the block is not just pushed;
 *   `sendBlock` pushes it anyway (Core accepts unsolicited blocks that extend its tip).
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { DecodeError } from '../bitcoin/errors.js';
import { hashToDisplayHex } from '../bitcoin/hex.js';
import { silentLog, type LogFn } from './log.js';
import {
  decodeGetHeaders, decodeHeaders, decodeInv, decodeNonce, decodeVersion, encodeFrame, encodeHeaders, encodeInv,
  encodeNonce, encodeVersion, FrameReader, headerHash80, MSG_BLOCK, MSG_CMPCT_BLOCK, MSG_WITNESS_BLOCK, MSG_WITNESS_FLAG,
  NODE_WITNESS, type Frame, type VersionMessage,
} from './p2p-messages.js';

/** BIP339 wtxidrelay era; Core 0.21+. Older nodes answer with their own lower version. */
export const P2P_PROTOCOL_VERSION = 70016;
export const USER_AGENT = '/p2pool-ts:0.1.0/';
const PING_INTERVAL_MS = 30_000;
const IDLE_TIMEOUT_MS = 90_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;
/** Blocks we announced are kept this long for the node's getdata, at most this many. */
const ANNOUNCED_BLOCK_TTL_MS = 10 * 60_000;
const MAX_ANNOUNCED_BLOCKS = 8;
/** Stop reading when this much is queued unsent (a node that never reads from us). */
const MAX_WRITE_BUFFER = 16 * 1024 * 1024;

export interface BitcoindP2pOptions {
  host: string;
  port: number;
  /** ChainParams.magic of the network. */
  magic: Uint8Array;
  log?: LogFn;
  /** For tests: faster reconnects. */
  reconnectMinMs?: number;
}

export interface PeerInfo {
  version: number;
  userAgent: string;
  startHeight: number;
}

interface AnnouncedBlock {
  hash: Buffer;
  prevHash: Buffer;
  header: Buffer;
  witness: Buffer;
  stripped: Buffer;
  expires: number;
}

export interface BitcoindP2pEvents {
  /** A new block the node announced (internal byte order hash of the announced tip). */
  block: [hash: Buffer];
  connected: [peer: PeerInfo];
  disconnected: [reason: string];
}

export class BitcoindP2p extends EventEmitter<BitcoindP2pEvents> {
  private socket: net.Socket | null = null;
  private running = false;
  private handshakeDone = false;
  private peer: PeerInfo | null = null;
  private backoffMs: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private handshakeTimer: NodeJS.Timeout | null = null;
  private lastReceived = 0;
  private readonly log: LogFn;
  private readonly announced = new Map<string, AnnouncedBlock>();
  private readonly endpoint: string;

  constructor(private readonly opts: BitcoindP2pOptions) {
    super();
    this.log = opts.log ?? silentLog;
    this.backoffMs = opts.reconnectMinMs ?? RECONNECT_MIN_MS;
    this.endpoint = `${opts.host}:${opts.port}`;
  }

  get connected(): boolean {
    return this.handshakeDone;
  }

  get peerInfo(): PeerInfo | null {
    return this.peer;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect();
  }

  stop(): void {
    this.running = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.drop('stopped');
  }

  /**
   * Offer a found block to the node: `inv` now, the block itself when it asks (getdata), its
   * header when it asks (getheaders). `witness` is the full serialization; `stripped` the one
   * without witness data for a peer that asks for a plain MSG_BLOCK (defaults to `witness`,
   * which is the same bytes for a block without witness data).
   */
  announceBlock(witness: Uint8Array, stripped: Uint8Array = witness): void {
    const header = Buffer.from(witness.subarray(0, 80));
    const hash = headerHash80(header);
    const now = Date.now();
    for (const [k, b] of this.announced) if (b.expires < now) this.announced.delete(k);
    if (this.announced.size >= MAX_ANNOUNCED_BLOCKS) this.announced.delete(this.announced.keys().next().value!);
    this.announced.set(hash.toString('hex'), {
      hash, header, prevHash: header.subarray(4, 36), witness: Buffer.from(witness), stripped: Buffer.from(stripped), expires: now + ANNOUNCED_BLOCK_TTL_MS,
    });
    this.send('inv', encodeInv([{ type: MSG_BLOCK, hash }]));
  }

  /** Push a `block` message unasked (the reference's way; Core takes it, bcoin drops the connection). */
  sendBlock(witness: Uint8Array): boolean {
    return this.send('block', witness);
  }

  private connect(): void {
    if (!this.running) return;
    const socket = net.connect({ host: this.opts.host, port: this.opts.port });
    this.socket = socket;
    const reader = new FrameReader(this.opts.magic);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.lastReceived = Date.now();
      this.send('version', encodeVersion({
        version: P2P_PROTOCOL_VERSION,
        services: NODE_WITNESS,
        timestamp: Math.floor(Date.now() / 1000),
        nonce: randomBytes(8).readBigUInt64LE(),
        userAgent: USER_AGENT,
        startHeight: 0,
        relay: false,
      }));
      this.handshakeTimer = setTimeout(() => this.drop(`no handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s`), HANDSHAKE_TIMEOUT_MS);
    });
    socket.on('data', (chunk: Buffer) => {
      if (this.socket !== socket) return;
      this.lastReceived = Date.now();
      try {
        for (const frame of reader.push(chunk)) this.handle(frame);
      } catch (e) {
        if (e instanceof DecodeError) this.drop(`bad P2P data from bitcoind: ${e.message}`);
        else throw e;
      }
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      if (this.socket === socket) this.drop(`${e.code ?? e.message}`);
    });
    socket.on('close', () => {
      if (this.socket === socket) this.drop('connection closed by bitcoind');
    });
  }

  private handle(frame: Frame): void {
    switch (frame.command) {
      case 'version': {
        if (this.peer) throw new DecodeError('duplicate version message');
        const v: VersionMessage = decodeVersion(frame.payload);
        this.peer = { version: v.version, userAgent: v.userAgent, startHeight: v.startHeight };
        this.send('verack');
        break;
      }
      case 'verack': {
        if (!this.peer) throw new DecodeError('verack before version');
        if (this.handshakeDone) break;
        this.handshakeDone = true;
        if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
        this.backoffMs = this.opts.reconnectMinMs ?? RECONNECT_MIN_MS;
        this.send('sendheaders');
        this.pingTimer = setInterval(() => this.keepAlive(), PING_INTERVAL_MS);
        this.log('info', `connected to bitcoind P2P at ${this.endpoint} (${this.peer.userAgent}, protocol ${this.peer.version}, height ${this.peer.startHeight})`);
        this.emit('connected', this.peer);
        // Blocks announced while disconnected are offered again.
        for (const b of this.announced.values()) this.send('inv', encodeInv([{ type: MSG_BLOCK, hash: b.hash }]));
        break;
      }
      case 'ping':
        this.send('pong', encodeNonce(decodeNonce(frame.payload)));
        break;
      case 'inv': {
        const blocks = decodeInv(frame.payload).filter((i) => (i.type & ~MSG_WITNESS_FLAG) === MSG_BLOCK || i.type === MSG_CMPCT_BLOCK);
        const last = blocks[blocks.length - 1];
        if (last) this.newBlock(last.hash, 'inv');
        break;
      }
      case 'headers': {
        const headers = decodeHeaders(frame.payload);
        const last = headers[headers.length - 1];
        if (last) this.newBlock(headerHash80(last), 'headers');
        break;
      }
      case 'getdata':
        for (const item of decodeInv(frame.payload)) {
          const b = this.announced.get(item.hash.toString('hex'));
          if (!b) continue;
          if (item.type === MSG_WITNESS_BLOCK) this.send('block', b.witness);
          else if (item.type === MSG_BLOCK) this.send('block', b.stripped);
        }
        break;
      case 'getheaders': {
        // The node asks for headers after its locator; answer with an announced block whose
        // parent is the node's tip (the first locator entry).
        const { locator } = decodeGetHeaders(frame.payload);
        const tip = locator[0];
        const replies = tip ? [...this.announced.values()].filter((b) => b.prevHash.equals(tip)).map((b) => b.header) : [];
        this.send('headers', encodeHeaders(replies));
        break;
      }
      default:
        // pong, sendcmpct, feefilter, wtxidrelay, sendaddrv2, addr, ...: nothing to do.
        break;
    }
  }

  private newBlock(hash: Buffer, via: string): void {
    this.log('debug', `bitcoind announced block ${hashToDisplayHex(hash)} (${via})`);
    this.emit('block', hash);
  }

  private keepAlive(): void {
    if (Date.now() - this.lastReceived > IDLE_TIMEOUT_MS) {
      this.drop(`bitcoind silent for ${IDLE_TIMEOUT_MS / 1000} s`);
      return;
    }
    this.send('ping', encodeNonce(randomBytes(8).readBigUInt64LE()));
  }

  private send(command: string, payload?: Uint8Array): boolean {
    const s = this.socket;
    if (!s || s.destroyed || !s.writable) return false;
    if (s.writableLength > MAX_WRITE_BUFFER) {
      this.drop('bitcoind is not reading from the P2P connection');
      return false;
    }
    s.write(encodeFrame(this.opts.magic, command, payload));
    return true;
  }

  /** Close the current connection (if any) and, while running, schedule a reconnect. */
  private drop(reason: string): void {
    const s = this.socket;
    this.socket = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.handshakeTimer) clearTimeout(this.handshakeTimer);
    this.pingTimer = null;
    this.handshakeTimer = null;
    const wasConnected = this.handshakeDone;
    this.handshakeDone = false;
    this.peer = null;
    if (s) s.destroy();
    if (wasConnected) {
      this.log('warn', `lost bitcoind P2P connection to ${this.endpoint}: ${reason}`);
      this.emit('disconnected', reason);
    } else if (s && this.running) {
      this.log('debug', `bitcoind P2P connection to ${this.endpoint} failed: ${reason}; retrying in ${this.backoffMs} ms`);
    }
    if (this.running && !this.reconnectTimer && s) {
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.connect();
      }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, RECONNECT_MAX_MS);
    }
  }
}
