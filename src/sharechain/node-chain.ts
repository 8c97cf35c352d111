/**
 * The sharechain as the rest of the node sees it, whichever rules it runs
 * (docs/architecture.md#one-node-two-rule-sets): the P2P layer, the node and the web layer add
 * shares, read the best one, fetch what is missing, relay and serve shares through this
 * interface only. Two implementations: the v35 rules (this file, around ChainState) and the
 * fair rules (fair/node-chain.ts, around FairChainState). Neither changes what it wraps.
 *
 * Shares travel as `ChainShare`: the fields every share has whatever its version (hash, parent,
 * wrapper bytes, work). A share handed back to `addShares` is one this sharechain decoded.
 */
import { bytesToBigIntLE } from '../bitcoin/hex.js';
import { bitsToTarget } from '../bitcoin/target.js';
import { ChainState, type LoadOptions } from './chain-state.js';
import { decodeShare } from './share.js';
import { isBlockSolution, rebuildShareBlock, type ShareBlock, type ShareBlockBody } from './share-block.js';
import type { P2PoolNetwork } from './networks.js';
import type { Share, ShareHash } from './types.js';

export type { ShareBlock, ShareBlockBody } from './share-block.js';

/** What every share has, v35 or fair. */
export interface ChainShare {
  readonly hash: ShareHash;
  /** sha256d of the header, internal byte order (the block hash when the share is a block). */
  readonly hashBytes: Buffer;
  readonly prevHash: ShareHash | null;
  /** The wrapper bytes (type VarInt ‖ contents VarStr), as on the wire. */
  readonly raw: Buffer;
  /** The wrapper's type: the share version. */
  readonly version: number;
  /** Work of the share's own target: what it is paid for. */
  readonly work: bigint;
  /** ms since the epoch when first seen; 0 when loaded or built. */
  timeSeen: number;
}

/** A missing share some held share needs (its parent, or for the fair rules a reference). */
export interface WantedShare {
  hash: ShareHash;
  /** The peer that sent the share that needs it (asked first). */
  peer: string | undefined;
}

export interface NodeSharechainEvents {
  /** The best share changed (null when there is none). */
  best: [best: ShareHash | null, previous: ShareHash | null];
  /** A peer sent a share that failed verification. */
  bad: [peer: string, reason: string];
  /**
   * Newly verified shares that peers should get besides the best chain (the fair rules'
   * sub-shares and uncles, within the reference horizon), oldest first. v35 never emits it.
   */
  fresh: [shares: ChainShare[]];
}

type Listener<K extends keyof NodeSharechainEvents> = (...args: NodeSharechainEvents[K]) => void;

export interface NodeSharechain {
  /** Which rules: 'v35' (docs/sharechain.md) or 'fair' (docs/fair-sharechain.md). */
  readonly rules: 'v35' | 'fair';
  readonly best: ShareHash | null;
  /** Missing shares to fetch from peers (parents; for the fair rules also references). */
  readonly desired: readonly WantedShare[];
  /**
   * Load and re-verify the store; returns how many shares were read. `background` (v35 rules):
   * the full checks run after it returns, and every share added meanwhile waits for them
   * (ChainState.load, docs/operations.md#startup-time).
   */
  load(options?: LoadOptions): number;
  /** A share from its wrapper bytes. Throws DecodeError (bytes) or InvalidShare (its own rules). */
  decode(raw: Uint8Array, nowMs: number): ChainShare;
  /** Add shares this sharechain decoded (from a peer, or ours); returns those that were new. */
  addShares(shares: readonly ChainShare[], peer?: string): ChainShare[];
  /** Known at all (held, waiting or, for the fair rules, remembered as invalid). */
  has(hash: ShareHash): boolean;
  isVerified(hash: ShareHash): boolean;
  /** A held share (served to peers, relayed). */
  get(hash: ShareHash): ChainShare | undefined;
  /** Shares (v35) or links (fair) from `hash` down to the first missing one; 0 when unknown. */
  height(hash: ShareHash | null): number;
  /** Tips of every chain held (the P2P download stops at them). */
  heads(): ShareHash[];
  /** The n-th share (v35) or link (fair) below `hash`; null past the held chain. */
  nthParent(hash: ShareHash, n: number): ShareHash | null;
  /** `ancestor` is `hash` or below it on its chain. */
  isAncestor(ancestor: ShareHash, hash: ShareHash): boolean;
  /** The peer a share came from; undefined for ours and loaded ones. */
  peerOf(hash: ShareHash): string | undefined;
  /** The share's proof of work also meets its header's block target. */
  isBlock(share: ChainShare): boolean;
  /** The parent-chain block the share's header builds on, internal byte order. */
  prevBlockOf(share: ChainShare): Buffer;
  /** The share's block, rebuilt from the chain and the first matching body (a peer's block). */
  rebuildBlock(share: ChainShare, bodies: readonly ShareBlockBody[], nowSeconds: number): ShareBlock;
  on<K extends keyof NodeSharechainEvents>(event: K, listener: Listener<K>): this;
  prependListener<K extends keyof NodeSharechainEvents>(event: K, listener: Listener<K>): this;
  off<K extends keyof NodeSharechainEvents>(event: K, listener: Listener<K>): this;
}

/**
 * The v35 rules behind the interface: every call goes to the ChainState and its tracker
 * unchanged, and 'best'/'bad' listeners are the ChainState's own (so the relay still runs first
 * when the P2P layer prepends its listener).
 */
export class V35Sharechain implements NodeSharechain {
  readonly rules = 'v35' as const;

  constructor(readonly state: ChainState, readonly net: P2PoolNetwork) {}

  get best(): ShareHash | null {
    return this.state.best;
  }

  get desired(): readonly WantedShare[] {
    return this.state.desired;
  }

  load(options?: LoadOptions): number {
    return this.state.load(options);
  }

  decode(raw: Uint8Array, nowMs: number): Share {
    return decodeShare(raw, this.net, nowMs);
  }

  addShares(shares: readonly ChainShare[], peer?: string): Share[] {
    return this.state.addShares(shares as readonly Share[], peer);
  }

  has(hash: ShareHash): boolean {
    return this.state.tracker.has(hash);
  }

  isVerified(hash: ShareHash): boolean {
    return this.state.tracker.isVerified(hash);
  }

  get(hash: ShareHash): Share | undefined {
    return this.state.tracker.get(hash);
  }

  height(hash: ShareHash | null): number {
    return this.state.tracker.getHeight(hash);
  }

  heads(): ShareHash[] {
    return [...this.state.tracker.all.heads().keys()];
  }

  nthParent(hash: ShareHash, n: number): ShareHash | null {
    return this.state.tracker.getNthParent(hash, n);
  }

  isAncestor(ancestor: ShareHash, hash: ShareHash): boolean {
    return this.state.tracker.all.isAncestor(ancestor, hash);
  }

  peerOf(hash: ShareHash): string | undefined {
    return this.state.tracker.peerOf(hash);
  }

  isBlock(share: ChainShare): boolean {
    return isBlockSolution(share as Share);
  }

  prevBlockOf(share: ChainShare): Buffer {
    return (share as Share).minHeader.prevBlock ?? Buffer.alloc(32);
  }

  rebuildBlock(share: ChainShare, bodies: readonly ShareBlockBody[], nowSeconds: number): ShareBlock {
    return rebuildShareBlock(share as Share, this.state.tracker, this.net, bodies, nowSeconds);
  }

  on<K extends keyof NodeSharechainEvents>(event: K, listener: Listener<K>): this {
    if (event !== 'fresh') this.state.on(event as 'best', listener as Listener<'best'>);
    return this;
  }

  prependListener<K extends keyof NodeSharechainEvents>(event: K, listener: Listener<K>): this {
    if (event !== 'fresh') this.state.prependListener(event as 'best', listener as Listener<'best'>);
    return this;
  }

  off<K extends keyof NodeSharechainEvents>(event: K, listener: Listener<K>): this {
    if (event !== 'fresh') this.state.off(event as 'best', listener as Listener<'best'>);
    return this;
  }
}

const wrapped = new WeakMap<ChainState, V35Sharechain>();

/**
 * The interface over `chain`: a ChainState (v35; the same wrapper every time, so listeners
 * added through one are removed through another) or a NodeSharechain as it is.
 */
export function asNodeSharechain(chain: ChainState | NodeSharechain, net: P2PoolNetwork): NodeSharechain {
  if (!(chain instanceof ChainState)) return chain;
  let w = wrapped.get(chain);
  if (!w) {
    w = new V35Sharechain(chain, net);
    wrapped.set(chain, w);
  }
  return w;
}

/** pow <= the header's target, for any share whose proof of work and bits are given. */
export function meetsBlockTarget(powHash: Uint8Array, bits: number): boolean {
  return bytesToBigIntLE(powHash) <= bitsToTarget(bits);
}
