import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, ShareStore } from '../../src/sharechain/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'p2pool-store-'));
  dirs.push(dir);
  return join(dir, 'shares.sqlite');
}

/** Stand-in share identity for the store: the hash is sha256 of the raw bytes. */
function fakeShare(i: number, prev: string | null): { hash: string; prevHash: string | null; raw: Buffer } {
  const raw = Buffer.from(`share-${i}`);
  return { hash: createHash('sha256').update(raw).digest('hex'), prevHash: prev, raw };
}
const decode = (raw: Buffer): { hash: string } => {
  if (raw.toString().startsWith('garbage')) throw new Error('truncated input');
  return { hash: createHash('sha256').update(raw).digest('hex') };
};

describe('ShareStore', () => {
  it('persists shares, verified flags and deletions across reopen, per network', () => {
    const path = tempDb();
    const a = fakeShare(1, null);
    const b = fakeShare(2, a.hash);
    const c = fakeShare(3, b.hash);
    let store = ShareStore.open(path, { now: () => 1234 });
    expect(store.schemaVersion).toBe(SCHEMA_VERSION);
    store.addShares('bitcoin', [a, b, c]);
    store.addShares('litecoin', [fakeShare(9, null)]);
    store.markVerified('bitcoin', [b.hash]);
    store.deleteShares('bitcoin', [a.hash]);
    store.addShares('bitcoin', [b]); // duplicate insert keeps the row (and its verified flag)
    store.close();

    store = ShareStore.open(path);
    const loaded = store.loadShares('bitcoin', decode);
    store.close();
    expect(loaded.map((s) => [s.hash, s.prevHash, s.verified, s.timeAdded])).toEqual([
      [b.hash, a.hash, true, 1234],
      [c.hash, b.hash, false, 1234],
    ]);
    expect(loaded[1]!.raw.equals(c.raw)).toBe(true);
    expect(loaded[1]!.share.hash).toBe(c.hash);
  });

  it('skips corrupt rows with a log line instead of crashing', () => {
    const path = tempDb();
    const good = fakeShare(1, null);
    const store0 = ShareStore.open(path);
    store0.addShares('regtest', [good]);
    store0.close();
    // Damage the disk behind the store's back.
    const db = new Database(path);
    const ins = db.prepare('INSERT INTO shares (net, hash, prev, raw, verified, time_added) VALUES (?, ?, ?, ?, ?, ?)');
    ins.run('regtest', 'not-a-hash', null, Buffer.from('x'), 0, 0);
    ins.run('regtest', 'ab'.repeat(32), 'zz', Buffer.from('x'), 0, 0);
    ins.run('regtest', 'cd'.repeat(32), null, 'text instead of bytes', 0, 0);
    ins.run('regtest', 'ef'.repeat(32), null, Buffer.from('garbage bytes'), 0, 0);
    ins.run('regtest', '01'.repeat(32), null, Buffer.from('share-77'), 0, 0); // bytes of another hash
    db.close();

    const logs: string[] = [];
    const store = ShareStore.open(path, { log: (m) => logs.push(m) });
    const loaded = store.loadShares('regtest', decode);
    store.close();
    expect(loaded.map((s) => s.hash)).toEqual([good.hash]);
    expect(logs).toHaveLength(5);
    expect(logs.join('\n')).toMatch(/hash is not 64 hex digits/);
    expect(logs.join('\n')).toMatch(/truncated input/);
    expect(logs.join('\n')).toMatch(/bytes hash to/);

    // The node's load (forEachShare, reading only hash and bytes) skips the same rows.
    const eachLogs: string[] = [];
    const again = ShareStore.open(path, { log: (m) => eachLogs.push(m) });
    const each: string[] = [];
    again.forEachShare('regtest', decode, (s) => each.push(s.hash));
    again.close();
    expect(each).toEqual([good.hash]);
    expect(eachLogs).toHaveLength(5);
    expect(eachLogs.join('\n')).toMatch(/hash is not 64 hex digits/);
    expect(eachLogs.join('\n')).toMatch(/bytes hash to/);
  });

  it('reads every row in order across chunks, skipping damaged rows in them, and keeps ranges exact', () => {
    const path = tempDb();
    const good = Array.from({ length: 700 }, (_, i) => fakeShare(i, null));
    const store0 = ShareStore.open(path);
    store0.addShares('regtest', good.slice(0, 300));
    store0.close();
    // Damaged rows inside the second chunk of 256 rows: bytes of another hash and bytes that do
    // not decode (the chunk's shape is right: read as a chunk), and in the third a row whose
    // bytes are text, not a blob (the chunk is read again row by row).
    const db = new Database(path);
    const ins = db.prepare('INSERT INTO shares (net, hash, prev, raw, verified, time_added) VALUES (?, ?, ?, ?, ?, ?)');
    ins.run('regtest', '01'.repeat(32), null, Buffer.from('share-9999'), 0, 0);
    ins.run('regtest', 'ef'.repeat(32), null, Buffer.from('garbage bytes'), 0, 0);
    db.close();
    const store1 = ShareStore.open(path);
    store1.addShares('regtest', good.slice(300, 600));
    store1.close();
    const db2 = new Database(path);
    db2.prepare('INSERT INTO shares (net, hash, prev, raw, verified, time_added) VALUES (?, ?, ?, ?, ?, ?)').run('regtest', 'cd'.repeat(32), null, 'text instead of bytes', 0, 0);
    db2.close();
    const store2 = ShareStore.open(path);
    store2.addShares('regtest', good.slice(600));
    store2.addShares('litecoin', [fakeShare(5000, null)]);
    store2.close();

    const logs: string[] = [];
    const store = ShareStore.open(path, { log: (m) => logs.push(m) });
    const each: string[] = [];
    const last = store.forEachShare('regtest', decode, (s) => each.push(s.hash));
    expect(each).toEqual(good.map((g) => g.hash));
    expect(logs).toHaveLength(3);
    expect(logs.join('\n')).toMatch(/bytes hash to/);
    expect(logs.join('\n')).toMatch(/truncated input/);
    expect(logs.join('\n')).toMatch(/raw share bytes missing/);
    // Row ids: 1..300 good, 301-302 damaged, 303..602 good, 603 damaged, 604..703 good (704 litecoin).
    expect(last).toBe(703);
    // A range: ids in [from, below), at most `limit` rows; the last row id read comes back.
    const part: string[] = [];
    expect(store.forEachShare('regtest', decode, (s) => part.push(s.hash), { from: 250, below: 650, limit: 300 })).toBe(549);
    expect(part).toEqual(good.slice(249, 547).map((g) => g.hash));
    const tail: string[] = [];
    expect(store.forEachShare('regtest', decode, (s) => tail.push(s.hash), { from: 600 })).toBe(703);
    expect(tail).toEqual(good.slice(597).map((g) => g.hash));
    expect(store.forEachShare('regtest', decode, () => {}, { from: 704 })).toBeUndefined();
    store.close();
  });

  it('refuses a database written by a newer schema', () => {
    const path = tempDb();
    ShareStore.open(path).close();
    const db = new Database(path);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION + 1));
    db.close();
    expect(() => ShareStore.open(path)).toThrow(/newer than this program/);
  });

  it('uses WAL, whose commits survive kill -9 without an fsync each (synchronous=NORMAL)', () => {
    const path = tempDb();
    const store = ShareStore.open(path);
    // synchronous is per connection: read it on the store's own (0 OFF, 1 NORMAL, 2 FULL).
    expect((store as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true })).toBe(1);
    store.close();
    const db = new Database(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});
