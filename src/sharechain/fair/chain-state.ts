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
  /**
   * Start from a sync base when the held chain has no bottom (docs/fair-sharechain.md#sync-base):
   * default true. The simulator and tests of verification may turn it off.
   */
  syncBase?: boolean;
}

/** A sync base once taken: shares on its chain below `until` are taken without verification. */
interface SyncBase {
  bottom: ShareHash;
  height: number;
  until: number;
  exactFrom: number;
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
  private base: SyncBase | null = null;

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
    // One row at a time (ShareStore.forEachShare): no array of rows held to the end of the load.
    let n = 0;
    store.forEachShare(this.net.name, (raw) => decodeFairShare(raw, this.net, 0), (share) => {
      this.tracker.add(share);
      n++;
    });
    this.update();
    return n;
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
      // History below a sync base can never be placed under it (and is not needed).
      if (this.base !== null && s.info.height < this.base.height) continue;
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

  /** The sync base's bottom link and height, once one was taken. */
  get syncBase(): { bottom: ShareHash; height: number } | null {
    return this.base && { bottom: this.base.bottom, height: this.base.height };
  }

  /**
   * A node that holds a chain whose bottom's parent it cannot get (a peer pruned it, or the
   * store did) cannot verify the shares whose window reaches below that bottom. Once such a
   * chain of waiting links is window_links + H + 1 deep, its bottom becomes the sync base: the
   * shares on it below the bottom's height + window_links + H are taken as verified (the links
   * from H above the bottom only once they have all their references, so that every window
   * above is exactly the one the peers computed), and everything above is verified as usual.
   * Returns how many shares were taken.
   */
  private takeSyncBase(): number {
    const net = this.net;
    if (this.base === null) {
      const need = net.windowLinks + net.refDepth + 1;
      let deepest: { bottom: FairShare; depth: number } | undefined;
      for (const c of this.tracker.waitingChains()) if (c.depth >= need && (!deepest || c.depth > deepest.depth)) deepest = c;
      if (!deepest) return 0;
      const h = deepest.bottom.info.height;
      this.base = { bottom: deepest.bottom.hash, height: h, until: h + net.windowLinks + net.refDepth, exactFrom: h + net.refDepth };
      const dropped = this.tracker.dropPendingBelow(h);
      this.opts.log?.('info', `sync base: link ${deepest.bottom.hash} at height ${h} (its parent is not held; ${deepest.depth} links above it): ` +
        `shares below height ${this.base.until} are taken as verified, the ones above are verified${dropped ? `; ${dropped} older shares dropped` : ''}`);
    }
    return this.tracker.takeBase(this.base.bottom, this.base.until, this.base.exactFrom).length;
  }

  /** Where a share stands relative to the best link. */
  classify(hash: ShareHash): FairShareStatus {
    return this.tracker.classify(hash, this.bestHash);
  }

  /** Verify what can be, choose the best link, prune now and then; emits the events. */
  update(): void {
    const { verified, bad } = this.tracker.process();
    if (this.opts.syncBase !== false && this.takeSyncBase() > 0) {
      const again = this.tracker.process();
      verified.push(...again.verified);
      bad.push(...again.bad);
    }
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
