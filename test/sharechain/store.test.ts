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
