/**
 * The node's sharechain: tracker + store + best-share choice, behind one small interface the
 * work layer and the P2P layer share. Shares come in (from our miners, from peers, from the
 * store at start), are verified when the chain below them allows (docs/sharechain.md#the-tracker), are stored, and the
 * best share is re-chosen (docs/sharechain.md#best-share); an event says when it changed.
 *
 * Durability: a share is written to the store (one transaction per batch) before `addShares`
 * returns, so anything reported added survives a crash. Loading re-verifies everything (the
 * node's load: in the background, before any new share is checked; `LoadOptions`).
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
import { performance } from 'node:perf_hooks';
import { hashToDisplayHex } from '../bitcoin/hex.js';
import type { P2PoolNetwork } from './networks.js';
import { pruneTracker } from './prune.js';
import { think, type HeightRelHighest, UNKNOWN_BLOCK_HEIGHT } from './score.js';
import { decodeShare } from './share.js';
import { StaleAccounting } from './stale.js';
import type { ShareRowRange, ShareStore } from './store.js';
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

export interface LoadOptions {
  /**
   * Serve before the stored shares' full verification ends (docs/operations.md#startup-time):
   * the load decodes and links the newest CHAIN_LENGTH x 1.25 rows (the decoder's checks: its
   * hash, its PoW, its bytes; every row when those hold no chain CHAIN_LENGTH deep), chooses
   * the best share with the checks the tracker asks for queued (the shares verified
   * provisionally), and returns. Then, in slices of the event loop (`storedVerification`): the
   * older rows are decoded, the tracker is asked again with every row in (its further checks
   * queued too: the same checks, of the same shares, as a load of every row at once), and the
   * queued checks run; a share that fails leaves with what builds on it. Anything that adds a
   * share meanwhile (a miner's, a peer's) first finishes all of it.
   */
  background?: boolean;
}

/** How the background verification of the stored shares ended. */
export interface StoredVerification {
  /** Shares fully checked. */
  checked: number;
  /** Shares that failed (each left the chain with what builds on it). */
  failed: number;
  /** Shares dropped because they built on one that failed, or pruned before their turn. */
  skipped: number;
  /** ms from the load's start to the verification's end. */
  ms: number;
}

/** One slice of the background verification runs at most this long before the event loop's turn. */
const SLICE_MS = 8;

/**
 * The background verification's first slice waits this long after the load, so that the
 * node's first template and job are made before it (its slices and the older rows' decoding
 * otherwise came between the steps of the first job: ~30-50 ms of a ~1 s first job,
 * docs/operations.md#startup-time), or less when the node says it serves
 * (`startStoredVerificationNow`). A new share does not wait: it finishes the verification at
 * once (`finishStoredVerification`).
 */
const START_DELAY_MS = 300;

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
  /** Set while load() defers the checks: the shares the tracker verified provisionally, in its order. */
  private deferring: Share[] | null = null;
  /** The background verification of the stored shares, while it runs. */
  private stored: { pending: Share[]; next: number; olderFrom: number | null; olderBelow: number; decoded: number; checked: number; failed: number; skipped: number; startedAt: number; nextReport: number; done: (r: StoredVerification) => void; timer: NodeJS.Immediate | null; start: NodeJS.Timeout | null } | null = null;
  /** Resolves when the stored shares are fully verified (at once after a load without `background`). */
  storedVerification: Promise<StoredVerification> = Promise.resolve({ checked: 0, failed: 0, skipped: 0, ms: 0 });
  private readonly check: (share: Share, chain: ChainView) => unknown;

  constructor(private readonly opts: ChainStateOptions) {
    super();
    this.now = opts.now ?? Date.now;
    const verify = opts.verify ?? ((share: Share, chain: ChainView, now: number) => checkShare(share, chain, opts.net, { now }));
    this.check = (share, chain) => verify(share, chain, Math.floor(this.now() / 1000));
    this.tracker = new ShareTracker<unknown>({ chainLength: opts.net.chainLength }, (share, chain) => {
      if (this.deferring === null) return this.check(share, chain);
      // load({ background: true }): the share is verified provisionally, its check queued in the
      // order the tracker asked for it (the same shares, in the same order, as a load without it).
      this.deferring.push(share);
      return undefined;
    });
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

  /**
   * Load every stored share (re-verified); returns how many were decoded before it returned.
   * With `background`, the older rows' decoding and the full checks run after it returns
   * (LoadOptions, `storedVerification`).
   */
  load(options: LoadOptions = {}): number {
    const store = this.opts.store;
    if (!store) return 0;
    const startedAt = performance.now();
    if (options.background !== true) {
      const n = this.decodeRows(store, {});
      this.update();
      return n;
    }
    // The newest rows first: enough for the best chain's CHAIN_LENGTH below its head, with room
    // for forks among them (a node's rows are in the order it stored them: its chain's order
    // but for forks and a first download).
    const L = this.opts.net.chainLength;
    const split = store.newestRowsStart(this.opts.net.name, L + Math.ceil(L / 4));
    let n = this.decodeRows(store, split === null ? {} : { from: split });
    const pending: Share[] = [];
    let older = split;
    // No pruning before every row is in: the first prune runs with the whole chain, 5 s on.
    this.lastPrune = this.now();
    this.deferredUpdate(pending);
    if (older !== null && this.bestHash === null) {
      // The newest rows hold no chain with CHAIN_LENGTH shares below its head: the rest now.
      n += this.decodeRows(store, { below: older });
      older = null;
      this.deferredUpdate(pending);
    }
    // Shares the older rows hold are not missing: nothing to ask peers for yet.
    if (older !== null) this.lastDesired = [];
    if (pending.length > 0 || older !== null) this.startStoredVerification(pending, older, startedAt);
    return n;
  }

  /** update() with the checks the tracker asks for queued on `pending` (verified provisionally). */
  private deferredUpdate(pending: Share[]): void {
    this.deferring = pending;
    try {
      this.update();
    } finally {
      this.deferring = null;
    }
  }

  private decodeRows(store: ShareStore, range: ShareRowRange): number {
    let n = 0;
    store.forEachShare(this.opts.net.name, (raw) => decodeShare(raw, this.opts.net, 0, true), (share) => {
      this.tracker.add(share);
      n++;
    }, range);
    return n;
  }

  /** True while the stored shares' background verification runs. */
  get verifyingStored(): boolean {
    return this.stored !== null;
  }

  private startStoredVerification(pending: Share[], olderBelow: number | null, startedAt: number): void {
    let done!: (r: StoredVerification) => void;
    this.storedVerification = new Promise((resolve) => (done = resolve));
    this.stored = { pending, next: 0, olderFrom: olderBelow === null ? null : Number.MIN_SAFE_INTEGER, olderBelow: olderBelow ?? 0, decoded: 0, checked: 0, failed: 0, skipped: 0, startedAt, nextReport: Math.ceil(pending.length / 4), done, timer: null, start: null };
    const older = olderBelow === null ? '' : ` (and decoding the older stored shares first: more to verify then)`;
    this.opts.log?.('info', `verifying ${pending.length} stored shares in the background${older}; until it ends, work builds on the stored best share ${this.bestHash ?? 'none'}, and a new share (a miner's or a peer's) waits for it`);
    const st = this.stored;
    st.start = setTimeout(() => {
      st.start = null;
      this.verifyStoredSlice();
    }, START_DELAY_MS);
  }

  /** One slice of the background verification, then the event loop's turn. */
  private verifyStoredSlice(): void {
    const st = this.stored;
    if (st === null) return;
    st.timer = null;
    try {
      this.verifyStored(performance.now() + SLICE_MS);
    } catch (err) {
      // A 'best' listener's error (or the store's) out of a slice: said, and the checks go on
      // (each slice moves past the shares it checked), rather than an uncaught exception.
      this.opts.log?.('error', `verifying the stored shares: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    }
    if (this.stored === st) st.timer = setImmediate(() => this.verifyStoredSlice());
  }

  /**
   * Start the stored shares' background verification now instead of START_DELAY_MS after the
   * load: the node calls it once it serves (its first template and work made, its port open), so
   * that the checks no longer wait out the rest of the delay. Nothing when none is waiting to start.
   */
  startStoredVerificationNow(): void {
    const st = this.stored;
    if (st === null || st.start === null) return;
    clearTimeout(st.start);
    st.start = null;
    st.timer = setImmediate(() => this.verifyStoredSlice());
  }

  /**
   * Finish the stored shares' verification now (a new share must not be checked, nor a miner
   * answered, on a chain whose checks are still to run). Nothing when none runs.
   */
  finishStoredVerification(): void {
    // A 'best' listener adding a share inside a deferred update would have its checks queued, not run.
    if (this.deferring !== null) throw new Error('internal error: a share was added while the load defers its checks');
    if (this.stored !== null) this.verifyStored(Infinity);
  }

  /** Stop the background verification unfinished (the node stops); `storedVerification` never resolves. */
  cancelStoredVerification(): void {
    if (this.stored?.timer) clearImmediate(this.stored.timer);
    if (this.stored?.start) clearTimeout(this.stored.start);
    this.stored = null;
  }

  /**
   * Run the queued checks until `until` (performance.now()) or the end. A share that fails is
   * handled as a failing share always is (docs/sharechain.md#the-tracker): it and every share
   * built on it leave the tracker and the store, and the best share is chosen again ('best').
   */
  private verifyStored(until: number): void {
    const st = this.stored!;
    let failedNow = false;
    // First the older rows (the decoder's checks), in chunks, each added below the chain.
    while (st.olderFrom !== null) {
      const before = this.tracker.size;
      const last = this.opts.store!.forEachShare(this.opts.net.name, (raw) => decodeShare(raw, this.opts.net, 0, true), (share) => {
        this.tracker.add(share);
      }, { from: st.olderFrom, below: st.olderBelow, limit: 256 });
      st.decoded += this.tracker.size - before;
      st.olderFrom = last === undefined ? null : last + 1;
      if (st.olderFrom === null) {
        // Every row in: the tracker now asks for the rest of the checks a load of every row at
        // once would have asked for (the verified chains extended down to CHAIN_LENGTH).
        const pendingBefore = st.pending.length;
        this.deferredUpdate(st.pending);
        st.nextReport = Math.ceil(st.pending.length / 4);
        this.opts.log?.('info', `decoded ${st.decoded} older stored shares in the background (${Math.round(performance.now() - st.startedAt)} ms since the load began); ${st.pending.length} stored shares to verify (${st.pending.length - pendingBefore} more)`);
      }
      if (performance.now() >= until) return;
    }
    while (st.next < st.pending.length) {
      const share = st.pending[st.next++]!;
      if (!this.tracker.has(share.hash)) {
        st.skipped++;
      } else {
        let reason: string | null = null;
        try {
          this.check(share, this.tracker);
        } catch (err) {
          reason = err instanceof Error ? ((err as { reason?: string }).reason ?? err.message) : String(err);
        }
        st.checked++;
        if (reason !== null) {
          st.failed++;
          failedNow = true;
          const removed = this.tracker.removeWithDescendants(share.hash);
          this.opts.log?.('warn', `stored share ${share.hash} failed its verification: ${reason}; it and ${removed.length - 1} shares built on it are dropped`);
        }
      }
      if (st.next >= st.nextReport && st.next < st.pending.length) {
        this.opts.log?.('info', `verifying stored shares: ${st.next} of ${st.pending.length} (${Math.floor((st.next * 100) / st.pending.length)}%)`);
        st.nextReport += Math.ceil(st.pending.length / 4);
      }
      if ((st.next & 15) === 0 && performance.now() >= until) break;
    }
    // Ended already: a 'best' listener of the update below added a share, which finished it.
    if (this.stored !== st) return;
    const finished = st.next >= st.pending.length;
    if (finished) {
      if (st.start !== null) clearTimeout(st.start);
      this.stored = null;
    }
    try {
      // The best share again after a failure (the work moves off it), and once at the end.
      if (failedNow || finished) this.update();
    } finally {
      if (finished) {
        st.pending = [];
        const result: StoredVerification = { checked: st.checked, failed: st.failed, skipped: st.skipped, ms: Math.round(performance.now() - st.startedAt) };
        this.opts.log?.('info', `verified ${st.checked} stored shares in the background (${result.ms} ms since the load began): ${st.failed} failed${st.skipped > 0 ? `, ${st.skipped} dropped with them or pruned` : ''}; best share ${this.bestHash ?? 'none'}`);
        st.done(result);
      }
    }
  }

  /**
   * Add shares (from a peer, or ours). Stores the new ones, verifies what can be verified and
   * re-chooses the best share. Returns the shares that were new.
   */
  addShares(shares: readonly Share[], peer?: string): Share[] {
    this.finishStoredVerification();
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
    // The miner is answered when this returns: only after the chain below its share is checked.
    this.finishStoredVerification();
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
