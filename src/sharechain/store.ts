/**
 * The persistent share store (docs/architecture.md#store-durability; the reference's ShareStore, in SQLite instead of append-only text
 * files): raw share wrappers with their hash, parent, verified flag and time, per network.
 *
 * Durability: journal_mode=WAL with synchronous=NORMAL. "Reported stored" means the transaction
 * that wrote the share has committed. In WAL mode a commit is a write() of the WAL frames: once
 * it returns the bytes are in the kernel's page cache, so kill -9 at any moment loses no
 * committed share (docs/architecture.md#store-durability; test/integration/store-crash.test.ts) and the file always
 * reopens consistent. What NORMAL gives up against FULL is the fsync per commit: after a power
 * cut or kernel crash the commits made since the WAL was last synced (at its last checkpoint)
 * may be missing, never a torn or corrupt database (SQLite's WAL frame checksums drop them).
 * For a sharechain that is a few shares the node fetches again from its peers at start, which
 * is how a node that was off catches up anyway. The fsync is not free on this path: on the 2-core VM of the budgets it
 * cost 2-3 ms per commit, which sat between one share's relay and the next share's (issue 5:
 * relay through one node under 5 ms; bench/p2p.ts). The WAL's checkpoints still fsync, on a
 * thread of their own (wal-checkpointer.ts).
 * Writes are batched: one transaction per batch of shares, one writer (this process;
 * better-sqlite3 is synchronous).
 *
 * Schema versioning: a `meta` table holds `schema_version`; migrations run in order on open. Later
 * issues add their own tables (peers, stats) as further migrations; the store refuses a database
 * written by a newer schema rather than guessing.
 *
 * Untrusted disk: a row that does not decode (bad hash, bad bytes, hash mismatch) is skipped with a
 * log line, never a crash.
 */
import Database from 'better-sqlite3';
import type { ShareHash } from './types.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export const SCHEMA_VERSION = 2;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE shares (
      id INTEGER PRIMARY KEY,
      net TEXT NOT NULL,
      hash TEXT NOT NULL,
      prev TEXT,
      raw BLOB NOT NULL,
      verified INTEGER NOT NULL DEFAULT 0,
      time_added INTEGER NOT NULL,
      UNIQUE (net, hash)
    );
  `,
  // The P2P address book (docs/protocol.md#peers-addresses-and-bans; the reference's addr_store), per network. services is a u64 kept as
  // decimal text (SQLite integers are signed 64-bit); times are seconds since the epoch.
  2: `
    CREATE TABLE peers (
      net TEXT NOT NULL,
      host TEXT NOT NULL,
      port INTEGER NOT NULL,
      services TEXT NOT NULL,
      first_seen INTEGER NOT NULL,
      last_seen INTEGER NOT NULL,
      PRIMARY KEY (net, host, port)
    );
  `,
};

/** One address book row (p2p/address-book.ts). */
export interface StoredPeer {
  host: string;
  port: number;
  services: bigint;
  firstSeen: number;
  lastSeen: number;
}

export interface StoredShareInput {
  hash: ShareHash;
  prevHash: ShareHash | null;
  /** The wrapper bytes exactly as received. */
  raw: Uint8Array;
  verified?: boolean;
}

export interface StoredShare {
  hash: ShareHash;
  prevHash: ShareHash | null;
  raw: Buffer;
  verified: boolean;
  /** ms since epoch when it was stored. */
  timeAdded: number;
}

export type StoreLog = (message: string) => void;

const HASH_RE = /^[0-9a-f]{64}$/;

/** forEachShare reads this many rows per query (one chunk: ~75 KB of shares). */
export const CHUNK_ROWS = 256;

/**
 * forEachShare's query: one chunk of up to `limit` rows of a network with ids in [from, below),
 * as one row: [rows, last id, rows of the right shape, their hashes (64 characters each), their
 * byte lengths (decimal, comma-separated), their bytes (one blob)]. Parameters: net, from,
 * below, limit. The lists are in id order: SQLite runs the ordered subquery as a co-routine
 * that the aggregates scan in one pass (an ORDER BY inside each group_concat, which would
 * promise it, sorted each list again: the scan took ~70% longer). Whatever the order, the
 * three lists are built in that one pass, so a row's hash, length and bytes stay together.
 */
export const SHARE_CHUNK_SQL = 'SELECT count(*), max(id), ' +
  "total(typeof(hash) = 'text' AND length(hash) = 64 AND length(CAST(hash AS BLOB)) = 64 AND typeof(raw) = 'blob' AND length(raw) > 0), " +
  "group_concat(hash, ''), group_concat(length(raw), ','), CAST(group_concat(raw, x'') AS BLOB) " +
  'FROM (SELECT id, hash, raw FROM shares NOT INDEXED WHERE net = ? AND id >= ? AND id < ? ORDER BY id LIMIT ?)';
/** An address book host: an IPv4 or IPv6 address or a host name, nothing else. */
const PEER_HOST_RE = /^[0-9A-Za-z.:_-]{1,253}$/;

export class ShareStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly setVerified: Database.Statement;
  private readonly del: Database.Statement;
  /**
   * forEachShare's chunk query, prepared on first use and kept: the node's background load
   * reads the older rows a chunk per call (chain-state.ts), and preparing the query again for
   * each (SQLite parses and plans it, ~0.1 ms) was ~27 preparations per start. Its get() ends before
   * the decoder sees a row, so one statement serves calls made from inside another.
   */
  private chunkStatement: Database.Statement | null = null;
  private closed = false;
  /** The checkpoint thread, once started (startCheckpoints). */
  private checkpointer: WalCheckpointer | null = null;
  /** Whether checkpoints are this store's to run (a file, not an in-memory database), and not started yet. */
  private checkpointsPending: boolean;

  private constructor(
    path: string,
    private readonly log: StoreLog,
    private readonly now: () => number,
  ) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // SQLite's own default page cache (2 MB), not better-sqlite3's 16 MB: the load at start reads
    // the whole table once (~10 MB for a full chain), and the pages it cached stayed in the
    // process's memory for good (+6-8 MB RSS, measured 2026-12-06). The writes after that (one
    // share every few seconds, its index lookups) fit in 2 MB.
    this.db.pragma('cache_size = -2000');
    // Checkpoints (the WAL's only fsync) on a thread of their own (wal-checkpointer.ts), started by
    // the first write or startCheckpoints(), not here: SQLite's own are off from the open on.
    this.checkpointsPending = path !== ':memory:' && path !== '';
    if (this.checkpointsPending) this.db.pragma('wal_autocheckpoint = 0');
    this.migrate();
    this.insert = this.db.prepare(
      'INSERT INTO shares (net, hash, prev, raw, verified, time_added) VALUES (?, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT (net, hash) DO UPDATE SET verified = MAX(verified, excluded.verified)',
    );
    this.setVerified = this.db.prepare('UPDATE shares SET verified = 1 WHERE net = ? AND hash = ?');
    this.del = this.db.prepare('DELETE FROM shares WHERE net = ? AND hash = ?');
  }

  /** Open (creating if needed) the store at `path` (':memory:' for tests). */
  static open(path: string, opts: { log?: StoreLog; now?: () => number } = {}): ShareStore {
    return new ShareStore(path, opts.log ?? (() => {}), opts.now ?? Date.now);
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
    const current = row ? Number(row.value) : 0;
    if (!Number.isInteger(current) || current < 0) throw new Error(`share store: bad schema_version ${row?.value}`);
    if (current > SCHEMA_VERSION) {
      throw new Error(`share store: schema version ${current} is newer than this program's (${SCHEMA_VERSION})`);
    }
    const step = this.db.transaction((v: number) => {
      this.db.exec(MIGRATIONS[v]!);
      this.db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(v));
    });
    for (let v = current + 1; v <= SCHEMA_VERSION; v++) step(v);
  }

  get schemaVersion(): number {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string };
    return Number(row.value);
  }

  /**
   * Start the WAL's checkpoint thread, if it has not started (the first write starts it too).
   * Not at the open: the thread is a Node isolate of its own (~10 MB of RSS, ~70 ms of CPU to
   * start, measured 2026-12-07), which at a node's start competed with the load of the stored
   * shares and the first job; a store that is only read (`p2pool chain verify`, inspect) never
   * needs it, since only writes grow the WAL. The node starts it once the stored shares are
   * checked (docs/operations.md#startup-time).
   */
  startCheckpoints(): void {
    if (!this.checkpointsPending || this.closed) return;
    this.checkpointsPending = false;
    const fallBack = (err: unknown): void => {
      if (this.closed) return;
      this.log(`share store: checkpoint thread failed (${err instanceof Error ? err.message : String(err)}); SQLite checkpoints on commit instead`);
      this.db.pragma('wal_autocheckpoint = 1000');
    };
    try {
      this.checkpointer = new WalCheckpointer(this.db.name, { onFailure: fallBack });
    } catch (err) {
      // No worker at all (Worker or the module lookup threw): same fallback, not a failed write.
      fallBack(err);
    }
  }

  /** Whether the checkpoint thread has been started (startCheckpoints). */
  get checkpointThreadStarted(): boolean {
    return this.checkpointer !== null;
  }

  /** Store a batch of shares in one transaction; when this returns they are durable. */
  addShares(net: string, shares: readonly StoredShareInput[]): void {
    if (shares.length === 0) return;
    this.startCheckpoints();
    const t = this.now();
    this.db.transaction(() => {
      for (const s of shares) this.insert.run(net, s.hash, s.prevHash, Buffer.from(s.raw), s.verified ? 1 : 0, t);
    })();
  }

  markVerified(net: string, hashes: Iterable<ShareHash>): void {
    this.startCheckpoints();
    this.db.transaction(() => {
      for (const h of hashes) this.setVerified.run(net, h);
    })();
  }

  deleteShares(net: string, hashes: Iterable<ShareHash>): void {
    this.startCheckpoints();
    this.db.transaction(() => {
      for (const h of hashes) this.del.run(net, h);
    })();
  }

  count(net: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM shares WHERE net = ?').get(net) as { n: number }).n;
  }

  /**
   * Every share stored for `net`, oldest first. Rows that are malformed are skipped with a log.
   * With `decode`, each raw wrapper is decoded too (and checked to hash to its row's hash); a row
   * that fails is skipped the same way.
   */
  loadShares(net: string): StoredShare[];
  loadShares<S extends { hash: ShareHash }>(net: string, decode: (raw: Buffer) => S): Array<StoredShare & { share: S }>;
  loadShares<S extends { hash: ShareHash }>(net: string, decode?: (raw: Buffer) => S): Array<StoredShare & { share?: S }> {
    const out: Array<StoredShare & { share?: S }> = [];
    this.forEachRow(net, (row, bad) => {
      if (!decode) {
        out.push(row);
        return;
      }
      const share = decodeRow(row.hash, row.raw, decode, bad);
      if (share !== undefined) out.push({ ...row, share });
    });
    return out;
  }

  /**
   * The shares of loadShares one at a time: `each` gets every stored share of `net` decoded,
   * oldest first, checked to hash to its row's hash; a row that fails is skipped with a log.
   * Nothing is held between rows, so SQLite's copy of the bytes dies young (ChainState.load:
   * the whole chain at start, where an array of rows kept every one of them alive to the end
   * of the load and the collector copied them into the old generation; docs/mining.md). Only
   * the hash and the bytes are read: the parent, the verified flag and the time are not what
   * a load needs (a share's bytes name its parent; everything is verified again). `range`:
   * only some rows (ids in [from, below), at most `limit`); returns the last row id read
   * (undefined when none was).
   *
   * The rows are read CHUNK_ROWS at a time, each chunk as one row of SQLite's (its rows' hashes
   * as one string, their byte lengths, their bytes as one blob: ~3x faster than a row each, and
   * one Buffer per chunk instead of one per share; docs/operations.md#startup-time). `decode`
   * gets a view of the chunk's blob: a decoder that keeps views of its input keeps the chunk
   * (decodeShare copies the bytes it keeps). A chunk with a row of the wrong shape (a hash
   * that is not 64 characters, bytes that are not a non-empty blob) is read again a row at a
   * time, so that such rows are skipped with their reason as before.
   */
  forEachShare<S extends { hash: ShareHash }>(net: string, decode: (raw: Buffer) => S, each: (share: S) => void, range: ShareRowRange = {}): number | undefined {
    const chunks = (this.chunkStatement ??= this.db.prepare(SHARE_CHUNK_SQL).raw(true));
    const below = range.below ?? Number.MAX_SAFE_INTEGER;
    const limit = range.limit ?? -1;
    let from = range.from ?? Number.MIN_SAFE_INTEGER;
    let lastId: number | undefined;
    let read = 0;
    for (;;) {
      const want = limit < 0 ? CHUNK_ROWS : Math.min(CHUNK_ROWS, limit - read);
      if (want <= 0) break;
      const [count, maxId, shaped, hashes, lengths, blob] = chunks.get(net, from, below, want) as [number, number | null, number, string | null, string | null, Buffer | null];
      if (count === 0 || maxId === null) break;
      read += count;
      lastId = maxId;
      if (shaped === count && typeof hashes === 'string' && hashes.length === 64 * count && typeof lengths === 'string' && Buffer.isBuffer(blob)) {
        this.eachInChunk(hashes, lengths, blob, count, decode, each);
      } else {
        this.eachRow(net, from, maxId + 1, decode, each);
      }
      if (count < want) break;
      from = maxId + 1;
    }
    // The scan filled SQLite's page cache with the table, which nothing reads again soon:
    // give those pages back (docs/operations.md#startup-time: the memory with a full chain).
    // (For a scan in chunks, after its last.)
    if (range.limit === undefined || read < range.limit) this.db.pragma('shrink_memory');
    return lastId;
  }

  /** The rows of one chunk (forEachShare): `count` hashes of 64 characters, their lengths, their bytes. */
  private eachInChunk<S extends { hash: ShareHash }>(hashes: string, lengths: string, blob: Buffer, count: number, decode: (raw: Buffer) => S, each: (share: S) => void): void {
    let at = 0;
    let c = 0;
    for (let i = 0; i < count; i++) {
      // The decimal length of row i (group_concat's ',' list).
      let n = 0;
      for (; c < lengths.length; c++) {
        const d = lengths.charCodeAt(c) - 48;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
      }
      c++;
      const hash = hashes.slice(i * 64, i * 64 + 64);
      if (n === 0 || at + n > blob.length) {
        this.log(`share store: skipping corrupt row ${hash}: raw share bytes missing`);
        continue;
      }
      this.eachShareRow(hash, blob.subarray(at, at + n), decode, each);
      at += n;
    }
  }

  /** forEachShare's rows in [from, below) one at a time (a chunk with a row of the wrong shape). */
  private eachRow<S extends { hash: ShareHash }>(net: string, from: number, below: number, decode: (raw: Buffer) => S, each: (share: S) => void): void {
    const rows = this.db.prepare('SELECT hash, raw FROM shares NOT INDEXED WHERE net = ? AND id >= ? AND id < ? ORDER BY id').raw(true);
    for (const row of rows.iterate(net, from, below) as IterableIterator<unknown[]>) this.eachShareRow(row[0], row[1], decode, each);
  }

  /** One row of forEachShare: decoded, checked to hash to `hash`, handed to `each`; else skipped with a log. */
  private eachShareRow<S extends { hash: ShareHash }>(hash: unknown, raw: unknown, decode: (raw: Buffer) => S, each: (share: S) => void): void {
    // The hash's pattern is not tested first here (~1 us a row at start): a decoded share's
    // hash is 64 hex digits, so a row whose bytes hash to its hash has a well-formed one, and
    // a row that does not is skipped with wellFormed's reason when it has one.
    if (typeof hash === 'string' && Buffer.isBuffer(raw) && raw.length !== 0) {
      let share: S | undefined;
      try {
        share = decode(raw);
      } catch {
        share = undefined;
      }
      if (share !== undefined && share.hash === hash) {
        each(share);
        return;
      }
    }
    const bad = (why: string): void => this.log(`share store: skipping corrupt row ${String(hash).slice(0, 64)}: ${why}`);
    if (!wellFormed(hash, null, raw, bad)) return;
    // wellFormed checked raw: a non-empty Buffer. Decoded again for the reason (a bad row is rare).
    decodeRow(hash, raw as Buffer, decode, bad);
  }

  /**
   * The id of the `n`-th newest row of `net` when older rows exist (the rows from it on are
   * its newest `n`), else null (ChainState.load decodes the newest rows first).
   */
  newestRowsStart(net: string, n: number): number | null {
    if (!Number.isInteger(n) || n < 1) return null;
    const ids = this.db.prepare('SELECT id FROM shares NOT INDEXED WHERE net = ? ORDER BY id DESC LIMIT 2 OFFSET ?').pluck().all(net, n - 1) as number[];
    return ids.length === 2 ? ids[0]! : null;
  }

  /** Every well-formed row of `net` in insertion order; `bad` logs a row as skipped. */
  private forEachRow(net: string, each: (row: StoredShare, bad: (why: string) => void) => void): void {
    scanShareRows(this.db, net, this.log, each);
  }

  /** The file the store is in ('' or ':memory:' for a store in memory). */
  get path(): string {
    return this.db.name;
  }

  /** The stored address book of `net`; malformed rows are skipped. */
  loadPeers(net: string): StoredPeer[] {
    const out: StoredPeer[] = [];
    const rows = this.db.prepare('SELECT host, port, services, first_seen, last_seen FROM peers WHERE net = ?').all(net) as Array<Record<string, unknown>>;
    for (const r of rows) {
      if (typeof r.host !== 'string' || !PEER_HOST_RE.test(r.host) || typeof r.services !== 'string' || !/^\d{1,20}$/.test(r.services)) continue;
      // A port of 1.5, -1 or 70000 (a damaged row; found by fuzzing, test/fixtures/fuzz/store-rows)
      // would make the dialler's net.connect throw.
      if (typeof r.port !== 'number' || !Number.isInteger(r.port) || r.port < 1 || r.port > 65535) continue;
      if (typeof r.first_seen !== 'number' || !Number.isFinite(r.first_seen) || typeof r.last_seen !== 'number' || !Number.isFinite(r.last_seen)) continue;
      if (BigInt(r.services) >= 1n << 64n) continue;
      out.push({ host: r.host, port: r.port, services: BigInt(r.services), firstSeen: r.first_seen, lastSeen: r.last_seen });
    }
    return out;
  }

  /** Replace the stored address book of `net` (one transaction). */
  savePeers(net: string, peers: readonly StoredPeer[]): void {
    this.startCheckpoints();
    const ins = this.db.prepare('INSERT OR REPLACE INTO peers (net, host, port, services, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM peers WHERE net = ?').run(net);
      for (const p of peers) ins.run(net, p.host, p.port, p.services.toString(), Math.floor(p.firstSeen), Math.floor(p.lastSeen));
    })();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.checkpointer?.stop();
    this.db.close();
  }
}

/** Which rows forEachShare reads: ids in [from, below), at most `limit` of them; all by default. */
export interface ShareRowRange {
  from?: number;
  below?: number;
  limit?: number;
}

/** A row's hash, parent (null: none, or not read) and bytes have their types and shapes; else `bad` says which does not. */
function wellFormed(hash: unknown, prev: unknown, raw: unknown, bad: (why: string) => void): hash is string {
  if (typeof hash !== 'string' || !HASH_RE.test(hash)) {
    bad('hash is not 64 hex digits');
    return false;
  }
  if (prev !== null && (typeof prev !== 'string' || !HASH_RE.test(prev))) {
    bad('previous hash is not 64 hex digits');
    return false;
  }
  if (!Buffer.isBuffer(raw) || raw.length === 0) {
    bad('raw share bytes missing');
    return false;
  }
  return true;
}

/** A row's bytes decoded and checked to hash to its hash; undefined (logged by `bad`) when not. */
function decodeRow<S extends { hash: ShareHash }>(hash: string, raw: Buffer, decode: (raw: Buffer) => S, bad: (why: string) => void): S | undefined {
  let share: S;
  try {
    share = decode(raw);
  } catch (err) {
    bad(err instanceof Error ? err.message : String(err));
    return undefined;
  }
  if (share.hash !== hash) {
    bad(`bytes hash to ${share.hash}`);
    return undefined;
  }
  return share;
}

/**
 * The rows of `net` in insertion order (at most `limit`), well-formed ones only: the others are
 * logged as skipped (ShareStore's loads).
 */
export function scanShareRows(db: Database.Database, net: string, log: StoreLog, each: (row: StoredShare, bad: (why: string) => void) => void, limit = -1): void {
  // A scan of the table in rowid order (NOT INDEXED: through the (net, hash) index SQLite
  // would look each row up and sort them in a temporary B-tree), rows as arrays (raw mode).
  const rows = db.prepare('SELECT hash, prev, raw, verified, time_added FROM shares NOT INDEXED WHERE net = ? ORDER BY id LIMIT ?').raw(true);
  for (const [hash, prev, raw, verified, timeAdded] of rows.iterate(net, limit) as IterableIterator<unknown[]>) {
    const bad = (why: string): void => log(`share store: skipping corrupt row ${String(hash).slice(0, 64)}: ${why}`);
    if (!wellFormed(hash, prev, raw, bad)) continue;
    // wellFormed checked prev (null or a hash) and raw (a non-empty Buffer).
    each({ hash, prevHash: prev as string | null, raw: raw as Buffer, verified: verified === 1, timeAdded: typeof timeAdded === 'number' ? timeAdded : 0 }, bad);
  }
}
