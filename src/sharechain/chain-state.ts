/**
 * The node's sharechain: tracker + store + best-share choice, behind one small interface the
 * work layer and the P2P layer share. Shares come in (from our miners, from peers, from the
 * store at start), are verified when the chain below them allows (docs/sharechain.md#the-tracker), are stored, and the
 * best share is re-chosen (docs/sharechain.md#best-share); an event says when it changed.
 *
 * Durability: a share is written to the store (one transaction per batch) before `addShares`
 * returns, so anything reported added survives a crash. Loading re-verifies everything.
 *
 * Order within `addShares` (issue 5's relay budget, under 5 ms through one node): track,
 * verify, choose the best share and emit 'best' (the P2P layer relays in that event) first,
 * then write the batch to the store, in the same call. The store's commit (a WAL write, no
 * fsync: store.ts) would otherwise sit on every relay; relaying a share before it is on disk
 * loses nothing, since a node that crashes before the commit simply has not "added" it (it
 * fetches it again). Shares that verification dropped meanwhile are not written. Our own
 * shares are the exception: written before they are tracked (addLocalShare).
 */
import { EventEmitter } from 'node:events';
import { hashToDisplayHex } from '../bitcoin/hex.js';
import type { P2PoolNetwork } from './networks.js';
import { pruneTracker } from './prune.js';
import { think, type HeightRelHighest, UNKNOWN_BLOCK_HEIGHT } from './score.js';
import { decodeShare } from './share.js';
import { StaleAccounting } from './stale.js';
import type { ShareStore } from './store.js';
import { ShareTracker, type DesiredShare } from './tracker.js';
import type { ChainView, Share, ShareHash } from './types.js';
import { checkShare } from './verify.js';

export interface ChainStateOptions {
  net: P2PoolNetwork;
  store?: ShareStore;
  /** Parent-chain height of a block relative to the tip (0 tip, negative older). */
  getHeightRelHighest?: HeightRelHighest;
  /** ms since epoch. */
  now?: () => number;
  /**
   * The share check, default verify.ts checkShare (verifyShare's checks, without building
   * the gentx it returns) at `nowSeconds`. Only the simulator
   * (src/sim, docs/simulate.md#verification) replaces it: with a timed, per-process cache
   * around the same verifyShare.
   */
  verify?: (share: Share, chain: ChainView, nowSeconds: number) => unknown;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
}

export interface ChainStateEvents {
  /** The best share changed (null when there is none). */
  best: [best: ShareHash | null, previous: ShareHash | null];
  /** A peer sent shares that failed verification. */
  bad: [peer: string, reason: string];
}

/** While the store refuses writes, retry the backlog at most this often. */
const STORE_RETRY_MS = 10_000;

/**
 * Errors of the disk rather than of our code: SQLite's full, read-only and I/O errors
 * (better-sqlite3 SqliteError codes, with extended codes such as SQLITE_IOERR_WRITE), and the
 * plain ENOSPC/EROFS/EACCES/EIO a file write can give.
 */
export function isDiskError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|PERM|NOLFS)/.test(code) || ['ENOSPC', 'EROFS', 'EACCES', 'EIO', 'EDQUOT'].includes(code);
}

/** Prune at most this often (the reference cleans every 5 s). */
const PRUNE_INTERVAL_MS = 5_000;

export class ChainState extends EventEmitter<ChainStateEvents> {
  readonly tracker: ShareTracker<unknown>;
  readonly stale: StaleAccounting;
  private bestHash: ShareHash | null = null;
  private keep = new Set<ShareHash>();
  private lastDesired: DesiredShare[] = [];
  private lastPrune = 0;
  private readonly now: () => number;
  /** Shares the store refused to take (disk full, read-only): written with the next write that works. */
  private readonly unsaved = new Map<ShareHash, Share>();
  private failingSince: number | null = null;
  /** A local share addLocalShare saved before handing it to addShares (which then skips it). */
  private readonly savedFirst = new Set<ShareHash>();
  private lastTry = 0;

  constructor(private readonly opts: ChainStateOptions) {
    super();
    this.now = opts.now ?? Date.now;
    const verify = opts.verify ?? ((share: Share, chain: ChainView, now: number) => checkShare(share, chain, opts.net, { now }));
    this.tracker = new ShareTracker<unknown>({ chainLength: opts.net.chainLength }, (share, chain) =>
      verify(share, chain, Math.floor(this.now() / 1000)),
    );
    this.stale = new StaleAccounting(this.tracker);
    this.tracker.onRemove = (shares) => {
      this.stale.forget(shares.map((s) => s.hash));
      const gone = shares.map((s) => s.hash);
      for (const h of gone) this.unsaved.delete(h);
      this.persist(() => opts.store?.deleteShares(opts.net.name, gone));
    };
  }

  get best(): ShareHash | null {
    return this.bestHash;
  }

  /** Missing parents the last think() wants (reference `desired`): the P2P layer requests them. */
  get desired(): readonly DesiredShare[] {
    return this.lastDesired;
  }

  get bestShare(): Share | undefined {
    return this.bestHash === null ? undefined : this.tracker.get(this.bestHash);
  }

  /** Load every stored share (re-verified); returns how many were loaded. */
  load(): number {
    const store = this.opts.store;
    if (!store) return 0;
    let n = 0;
    store.forEachShare(this.opts.net.name, (raw) => decodeShare(raw, this.opts.net, 0, true), (share) => {
      this.tracker.add(share);
      n++;
    });
    this.update();
    return n;
  }

  /**
   * Add shares (from a peer, or ours). Stores the new ones, verifies what can be verified and
   * re-chooses the best share. Returns the shares that were new.
   */
  addShares(shares: readonly Share[], peer?: string): Share[] {
    const fresh = shares.filter((s) => !this.tracker.has(s.hash));
    if (fresh.length === 0) return [];
    for (const s of fresh) this.tracker.add(s, peer);
    try {
      this.update();
    } finally {
      // After the relay (see the file comment); in `finally` so a throwing 'best' listener
      // cannot leave tracked shares unstored.
      // Our own shares were saved before (addLocalShare): not again.
      const kept = fresh.filter((s) => !this.savedFirst.delete(s.hash) && this.tracker.has(s.hash));
      this.save(kept);
    }
    return fresh;
  }

  /**
   * A share our own miners found; `deadOnArrival` when its work was already outdated. Unlike a
   * peer's share, it is written to the store BEFORE it is tracked and relayed: a peer's share
   * is still held by that peer if we crash before the commit, but our own exists nowhere else,
   * and the relay and the miner's `true` are acknowledgements that must survive a kill -9
   * (docs/operations.md, "Crash and fault drills": before this order, the drill lost one share
   * a peer already held in its first 8 kills). A share every few seconds at most: the commit
   * costs nothing here.
   */
  addLocalShare(share: Share, deadOnArrival: boolean): boolean {
    this.stale.addMine(share.hash, deadOnArrival);
    if (this.tracker.has(share.hash)) return false;
    this.save([share]);
    this.savedFirst.add(share.hash);
    const added = this.addShares([share]).length === 1;
    this.savedFirst.delete(share.hash);
    // Verification may drop it at once (then the tracker's onRemove deleted nothing: it was
    // never tracked as kept); keep the store equal to what is tracked.
    if (added && !this.tracker.has(share.hash)) {
      this.unsaved.delete(share.hash);
      this.persist(() => this.opts.store?.deleteShares(this.opts.net.name, [share.hash]));
    }
    return added;
  }

  /** True while the store refuses writes (disk full, read-only, I/O errors): shares wait in `unsaved`. */
  get storeFailing(): boolean {
    return this.failingSince !== null;
  }

  /** Shares tracked but not yet in the store because it refused the write. */
  get unsavedCount(): number {
    return this.unsaved.size;
  }

  /**
   * Write shares to the store. When the disk refuses (full, read-only, I/O error), the node goes
   * on: the shares stay tracked and relayed (peers hold them too), wait in `unsaved`, and are
   * written with the next write that succeeds; the first failure is logged as one error line and
   * the recovery as one more (docs/operations.md "While running"). SQLite rolls back a
   * transaction that could not be written, so the file never holds half of one.
   */
  private save(shares: readonly Share[]): void {
    if (!this.opts.store) return;
    for (const s of shares) this.unsaved.set(s.hash, s);
    if (this.unsaved.size === 0) return;
    // Failing: retry at most every STORE_RETRY_MS (update() retries too), not the whole
    // backlog on every share.
    if (this.failingSince !== null && this.now() - this.lastTry < STORE_RETRY_MS) return;
    const rows = [...this.unsaved.values()].map((s) => ({ hash: s.hash, prevHash: s.prevHash, raw: s.raw }));
    if (this.persist(() => this.opts.store!.addShares(this.opts.net.name, rows))) this.unsaved.clear();
  }

  /** Run a store write; on a disk error, log (once per failure spell) and return false. */
  private persist(write: () => void): boolean {
    this.lastTry = this.now();
    try {
      write();
    } catch (err) {
      if (!isDiskError(err)) throw err;
      if (this.failingSince === null) {
        this.failingSince = this.now();
        const e = err as { code?: string; message?: string };
        this.opts.log?.('error', `share store: cannot write (${e.code ?? 'error'}: ${e.message ?? String(err)}): the node goes on serving miners and peers, ` +
          'but new shares are kept in memory only until the store takes writes again (free disk space, or make the data directory writable); ' +
          `it retries every ${STORE_RETRY_MS / 1000} s`);
      }
      return false;
    }
    if (this.failingSince !== null) {
      this.opts.log?.('info', `share store: writing again after ${Math.round((this.now() - this.failingSince) / 1000)} s; every share is saved`);
      this.failingSince = null;
    }
    return true;
  }

  /** Verify, choose the best share, prune now and then; emits 'best' on change. */
  update(): void {
    if (this.unsaved.size > 0) this.save([]);
    const result = think(this.tracker, {
      chainLength: this.opts.net.chainLength,
      blockPeriod: this.opts.net.parent.blockPeriod,
      getHeightRelHighest: this.opts.getHeightRelHighest ?? (() => UNKNOWN_BLOCK_HEIGHT),
      now: Math.floor(this.now() / 1000),
    });
    for (const bad of result.bads) {
      this.opts.log?.('warn', `dropped invalid share ${bad.hash}${bad.peer ? ` from ${bad.peer}` : ''}: ${bad.reason}`);
      if (bad.peer) this.emit('bad', bad.peer, bad.reason);
    }
    this.lastDesired = result.desired;
    this.keep = new Set(result.decoratedHeads.slice(-5).map((d) => d.hash));
    if (result.best !== null) this.keep.add(result.best);
    const previous = this.bestHash;
    this.bestHash = result.best;
    // 'best' before pruning: the relay should not wait for it, and pruning never removes the
    // best share or the newest heads (`keep`).
    try {
      if (previous !== this.bestHash) this.emit('best', this.bestHash, previous);
    } finally {
      if (this.now() - this.lastPrune > PRUNE_INTERVAL_MS) {
        this.lastPrune = this.now();
        pruneTracker(this.tracker, { now: Math.floor(this.now() / 1000), chainLength: this.opts.net.chainLength, keep: this.keep });
      }
    }
  }
}

/** Display hex of an internal-order hash (shares key their maps by it). */
export function shareKey(hash: Buffer): ShareHash {
  return hashToDisplayHex(hash);
}
