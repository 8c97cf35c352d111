/**
 * The fair sharechain of one node, behind the same small interface as v35's ChainState
 * (src/sharechain/chain-state.ts): shares come in (our miners', peers', the store's), are
 * verified once their parent and references are here, the best link is re-chosen, an event says
 * when it changed. The clock is injected (ms), so the simulator runs it on virtual time.
 *
 * Durability, when a store is given, as v35's: a share is written in the same call that adds
 * it, after 'best' is emitted (the relay does not wait for the disk); loading re-verifies.
 */
import { EventEmitter } from 'node:events';
import type { HeightRelHighest } from '../score.js';
import type { ShareStore } from '../store.js';
import { chooseBestFair } from './chain-choice.js';
import type { FairNetwork } from './networks.js';
import { decodeFairShare } from './share.js';
import { FairTracker, type FairShareStatus } from './tracker.js';
import type { FairShare, ShareHash } from './types.js';
import { verifyFairShare } from './verify.js';

export interface FairChainStateOptions {
  net: FairNetwork;
  store?: ShareStore;
  /** ms since the epoch. */
  now?: () => number;
  getHeightRelHighest?: HeightRelHighest;
  log?: (level: 'info' | 'warn', msg: string) => void;
  /**
   * Links kept below the best one. Default: the window, the longest lookbehind and 64 more, the
   * least that lets any share built near the tip be verified.
   */
  keepLinks?: number;
  /**
   * The share check (default: verify.ts verifyFairShare at the clock's second). The simulator
   * passes a timed one that verifies each share once per process (docs/simulate.md#verification).
   */
  verify?: (share: FairShare, view: FairTracker, nowSeconds: number) => { refs: readonly FairShare[] };
}

export interface FairChainStateEvents {
  /** The best link changed (null when there is none). */
  best: [best: ShareHash | null, previous: ShareHash | null];
  /** A peer sent a share that failed verification. */
  bad: [peer: string, reason: string];
  /** Shares that passed verification in one call, in the order they did. */
  verified: [shares: FairShare[]];
}

/** Prune at most this often. */
const PRUNE_INTERVAL_MS = 5_000;

export class FairChainState extends EventEmitter<FairChainStateEvents> {
  readonly tracker: FairTracker;
  readonly net: FairNetwork;
  private bestHash: ShareHash | null = null;
  private lastPrune = 0;
  private readonly now: () => number;
  private readonly keepLinks: number;

  constructor(private readonly opts: FairChainStateOptions) {
    super();
    this.net = opts.net;
    this.now = opts.now ?? Date.now;
    this.keepLinks = opts.keepLinks ?? opts.net.windowLinks + Math.max(opts.net.linkLookbehind, opts.net.floorLookbehind) + 64;
    const verify = opts.verify ?? ((share: FairShare, view: FairTracker, now: number) => verifyFairShare(share, view, opts.net, { now }));
    this.tracker = new FairTracker(opts.net, (share, view) => verify(share, view, Math.floor(this.now() / 1000)));
    this.tracker.onRemove = (hashes) => opts.store?.deleteShares(opts.net.name, hashes);
  }

  get best(): ShareHash | null {
    return this.bestHash;
  }

  get bestShare(): FairShare | undefined {
    return this.tracker.link(this.bestHash);
  }

  /** Parents and references some received share waits for (the P2P layer requests them). */
  get desired(): Array<{ hash: ShareHash; peer: string | undefined }> {
    return this.tracker.missing();
  }

  /** Load and re-verify every stored share; returns how many were read. */
  load(): number {
    const store = this.opts.store;
    if (!store) return 0;
    const rows = store.loadShares(this.net.name, (raw) => decodeFairShare(raw, this.net, 0));
    for (const r of rows) this.tracker.add(r.share);
    this.update();
    return rows.length;
  }

  /**
   * Add shares (a peer's, or ours): verifies what can be, re-chooses the best link, stores the
   * new ones. Returns the shares that were new to the tracker.
   */
  addShares(shares: readonly FairShare[], peer?: string): FairShare[] {
    const fresh: FairShare[] = [];
    const seen = this.now();
    for (const s of shares) {
      if (this.tracker.has(s.hash)) continue;
      if (s.timeSeen === 0) s.timeSeen = seen;
      this.tracker.add(s, peer);
      fresh.push(s);
    }
    if (fresh.length === 0) return [];
    try {
      this.update();
    } finally {
      const kept = fresh.filter((s) => this.tracker.isVerified(s.hash) || this.tracker.badReason(s.hash) === undefined);
      this.opts.store?.addShares(this.net.name, kept.map((s) => ({ hash: s.hash, prevHash: s.prevHash, raw: s.raw })));
    }
    return fresh;
  }

  /** A share one of our miners found. True when it was new. */
  addLocalShare(share: FairShare): boolean {
    return this.addShares([share]).length === 1;
  }

  /** Where a share stands relative to the best link. */
  classify(hash: ShareHash): FairShareStatus {
    return this.tracker.classify(hash, this.bestHash);
  }

  /** Verify what can be, choose the best link, prune now and then; emits the events. */
  update(): void {
    const { verified, bad } = this.tracker.process();
    for (const b of bad) {
      this.opts.log?.('warn', `dropped invalid share ${b.hash}${b.peer ? ` from ${b.peer}` : ''}: ${b.reason}`);
      if (b.peer) this.emit('bad', b.peer, b.reason);
    }
    if (verified.length > 0) this.emit('verified', verified);
    const previous = this.bestHash;
    this.bestHash = chooseBestFair(this.tracker, {
      blockPeriod: this.net.parent.blockPeriod,
      ...(this.opts.getHeightRelHighest ? { getHeightRelHighest: this.opts.getHeightRelHighest } : {}),
    });
    try {
      if (previous !== this.bestHash) this.emit('best', this.bestHash, previous);
    } finally {
      if (this.bestHash !== null && this.now() - this.lastPrune > PRUNE_INTERVAL_MS) {
        this.lastPrune = this.now();
        this.tracker.prune(this.bestHash, this.keepLinks);
      }
    }
  }
}
