/**
 * The stats history on disk: `<datadir>/<net>/stats.sqlite`, its own file beside the share
 * store (the reference keeps `graph_db` and `stats` JSON files in the data directory, docs/architecture.md#store-durability).
 * Two tables: the graph bins (graph-data.ts; one row per stream, view and bin) and the stat log
 * behind /web/log (one sample every 5 minutes, 24 hours kept).
 *
 * WAL with synchronous=NORMAL: losing the last few seconds of graph samples in a power cut is
 * harmless, and a commit then costs no fsync. Bounded: rows outside the views' windows and stat
 * log entries older than 24 h are deleted as new ones arrive.
 *
 * A file that is not ours (another application id), from a newer schema, or corrupt is moved
 * aside (`stats.sqlite.bad-<time>`) with a warning and a fresh one is made: graphs are nice to
 * have, never a reason not to start.
 */
import { existsSync, renameSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { BinRow } from './graph-data.js';

/** PRAGMA application_id of our stats file: ASCII "P2st". */
export const STATS_APPLICATION_ID = 0x50327374;
export const STATS_SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS graph_bins (
    view TEXT NOT NULL,
    bin INTEGER NOT NULL,
    stream TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (view, bin, stream)
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS stat_log (
    time REAL PRIMARY KEY,
    entry TEXT NOT NULL
  );
`;

/** Rows read back are bounded even if the file was tampered with. */
const MAX_ROWS_LOADED = 50_000;
/** The stat log keeps this long (reference: 24 h). */
export const STAT_LOG_SECONDS = 24 * 60 * 60;

export class StatsDb {
  private readonly db: Database.Database;
  private readonly upsertBin: Database.Statement;
  private readonly pruneView: Database.Statement;
  private readonly insertLog: Database.Statement;
  private readonly pruneLog: Database.Statement;
  private closed = false;

  private constructor(db: Database.Database) {
    this.db = db;
    this.upsertBin = db.prepare('INSERT INTO graph_bins (view, bin, stream, data) VALUES (?, ?, ?, ?) ON CONFLICT (view, bin, stream) DO UPDATE SET data = excluded.data');
    this.pruneView = db.prepare('DELETE FROM graph_bins WHERE view = ? AND bin < ?');
    this.insertLog = db.prepare('INSERT OR REPLACE INTO stat_log (time, entry) VALUES (?, ?)');
    this.pruneLog = db.prepare('DELETE FROM stat_log WHERE time < ?');
  }

  /**
   * Open `path`, creating it when missing. A file we cannot use is moved aside (reported
   * through `warn`) and replaced by a fresh one.
   */
  static open(path: string, warn: (msg: string) => void, now = Date.now): StatsDb {
    try {
      return new StatsDb(openChecked(path));
    } catch (e) {
      if (!existsSync(path)) throw e;
      const aside = `${path}.bad-${now()}`;
      for (const suffix of ['', '-wal', '-shm']) {
        if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
      }
      warn(`stats history ${path} cannot be used (${e instanceof Error ? e.message : String(e)}); moved it to ${aside} and started a new one`);
      return new StatsDb(openChecked(path));
    }
  }

  /** Write changed bins and drop the ones before each view's window, in one transaction. */
  saveBins(rows: readonly BinRow[], oldest: ReadonlyArray<{ view: string; oldest: number }>): void {
    if (this.closed) return;
    this.db.transaction(() => {
      for (const r of rows) this.upsertBin.run(r.view, r.bin, r.stream, r.data);
      for (const o of oldest) this.pruneView.run(o.view, o.oldest);
    })();
  }

  loadBins(): BinRow[] {
    const rows = this.db.prepare('SELECT view, bin, stream, data FROM graph_bins LIMIT ?').all(MAX_ROWS_LOADED) as Array<Record<string, unknown>>;
    const out: BinRow[] = [];
    for (const r of rows) {
      if (typeof r.view !== 'string' || typeof r.stream !== 'string' || typeof r.data !== 'string') continue;
      const bin = typeof r.bin === 'bigint' ? Number(r.bin) : r.bin;
      if (typeof bin !== 'number' || !Number.isSafeInteger(bin)) continue;
      out.push({ view: r.view, stream: r.stream, bin, data: r.data });
    }
    return out;
  }

  /** Append one stat log entry (time in seconds) and drop those older than 24 h. */
  appendLog(time: number, entry: object): void {
    if (this.closed) return;
    this.db.transaction(() => {
      this.insertLog.run(time, JSON.stringify(entry));
      this.pruneLog.run(time - STAT_LOG_SECONDS);
    })();
  }

  /** Stat log entries of the last 24 h before `now` (seconds), oldest first; bad rows skipped. */
  loadLog(now: number): Array<Record<string, unknown>> {
    const rows = this.db.prepare('SELECT time, entry FROM stat_log WHERE time >= ? ORDER BY time LIMIT ?').all(now - STAT_LOG_SECONDS, MAX_ROWS_LOADED) as Array<{ time: unknown; entry: unknown }>;
    const out: Array<Record<string, unknown>> = [];
    for (const r of rows) {
      if (typeof r.entry !== 'string') continue;
      try {
        const e = JSON.parse(r.entry) as unknown;
        if (e && typeof e === 'object' && !Array.isArray(e)) out.push(e as Record<string, unknown>);
      } catch {
        // A row we cannot read is skipped; the next samples replace it.
      }
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

/** Open and check (or initialise) the file; throws when it is not usable. */
function openChecked(path: string): Database.Database {
  const db = new Database(path);
  try {
    // Reading the header fails on a file that is not SQLite at all ("file is not a database").
    const appId = db.pragma('application_id', { simple: true }) as number;
    const version = db.pragma('user_version', { simple: true }) as number;
    const empty = (db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number }).n === 0;
    if (empty) {
      db.pragma(`application_id = ${STATS_APPLICATION_ID}`);
      db.pragma(`user_version = ${STATS_SCHEMA_VERSION}`);
    } else if (appId !== STATS_APPLICATION_ID) {
      throw new Error(`not a stats history file (application_id ${appId})`);
    } else if (version > STATS_SCHEMA_VERSION) {
      throw new Error(`written by a newer version (schema ${version})`);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    const check = db.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') throw new Error(`integrity check failed: ${check}`);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
