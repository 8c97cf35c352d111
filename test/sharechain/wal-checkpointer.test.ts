/**
 * The share store's WAL is checkpointed by its worker thread, never by a commit on the store's
 * own thread: with autocheckpoint off on the store's connection, the rows still reach the
 * database file (it grows while the WAL is reused), close() waits for the worker's connection,
 * and the file reopens with every row. The thread starts at the first write (or when asked),
 * not at the open. Real SQLite files.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ShareStore } from '../../src/sharechain/store.js';
import { WalCheckpointer } from '../../src/sharechain/wal-checkpointer.js';
import { waitFor } from '../support/wait.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'p2pool-wal-'));
  dirs.push(dir);
  return join(dir, 'shares.sqlite');
}

const hashOf = (i: number): string => i.toString(16).padStart(64, '0');

describe('WAL checkpoints on their own thread', () => {
  it('moves committed shares into the database file while the store never checkpoints itself', async () => {
    const path = tempPath();
    const store = ShareStore.open(path);
    try {
      const internal = (store as unknown as { db: Database.Database }).db;
      expect(internal.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      const before = statSync(path).size;
      // ~2 MB of shares in 100 commits: 500+ WAL pages, that only a checkpoint moves into the file.
      for (let b = 0; b < 100; b++) {
        store.addShares('test', Array.from({ length: 10 }, (_, i) => ({ hash: hashOf(b * 10 + i), prevHash: null, raw: Buffer.alloc(2000, b) })));
      }
      await waitFor('the database file to hold the rows', () => statSync(path).size > before + 1_500_000, 20_000);
      expect(store.count('test')).toBe(1000);
    } finally {
      store.close();
    }
    // The last connection closed: SQLite folded the WAL back and removed it; every row is there.
    expect(existsSync(`${path}-wal`)).toBe(false);
    const db = new Database(path, { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM shares').get() as { n: number }).n).toBe(1000);
    db.close();
  }, 30_000);

  it('starts its thread at the first write or when asked, never for a store that is only read', () => {
    const path = tempPath();
    const first = ShareStore.open(path);
    try {
      // Opened, read: no thread (the node's load reads the whole store before the first write).
      expect(first.count('test')).toBe(0);
      first.forEachShare('test', (raw) => ({ hash: raw.toString('hex') }), () => {});
      expect(first.checkpointThreadStarted).toBe(false);
      // SQLite's own checkpoints are off from the open on, thread or not.
      expect((first as unknown as { db: Database.Database }).db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
      first.addShares('test', [{ hash: hashOf(1), prevHash: null, raw: Buffer.alloc(100, 1) }]);
      expect(first.checkpointThreadStarted).toBe(true);
    } finally {
      first.close();
    }
    const asked = ShareStore.open(path);
    try {
      expect(asked.checkpointThreadStarted).toBe(false);
      asked.startCheckpoints();
      asked.startCheckpoints();
      expect(asked.checkpointThreadStarted).toBe(true);
    } finally {
      asked.close();
    }
    // A closed store starts none; neither does one in memory (no WAL).
    asked.startCheckpoints();
    expect(asked.checkpointThreadStarted).toBe(true);
    const memory = ShareStore.open(':memory:');
    memory.addShares('test', [{ hash: hashOf(2), prevHash: null, raw: Buffer.alloc(100, 2) }]);
    expect(memory.checkpointThreadStarted).toBe(false);
    memory.close();
    const closed = ShareStore.open(path);
    closed.close();
    closed.startCheckpoints();
    expect(closed.checkpointThreadStarted).toBe(false);
  });

  it('stops promptly, also right after it was started', () => {
    const path = tempPath();
    new Database(path).pragma('journal_mode = WAL');
    const c = new WalCheckpointer(path, { intervalMs: 60_000 });
    const t0 = Date.now();
    c.stop();
    // Bounded at 5 s by design; a worker that booted and closed its connection takes far less.
    expect(Date.now() - t0).toBeLessThan(4_000);
    c.stop();
  });

  it('reports a worker that cannot open its database, so the store can fall back', async () => {
    const failures: string[] = [];
    const c = new WalCheckpointer(join(tempPath(), 'no', 'such', 'dir.sqlite'), { onFailure: (e) => failures.push(e.message) });
    await waitFor('the failure reported', () => failures.length === 1, 10_000);
    expect(failures[0]).toMatch(/directory|open/i);
    c.stop();
  });
});
