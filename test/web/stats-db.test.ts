import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GraphHistory } from '../../src/web/graph-data.js';
import { STAT_LOG_SECONDS, StatsDb } from '../../src/web/stats-db.js';

let dir: string;
let path: string;
const warnings: string[] = [];
const warn = (m: string): void => void warnings.push(m);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'p2pool-stats-'));
  path = join(dir, 'stats.sqlite');
  warnings.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function countRows(table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('stats history file', () => {
  it('graphs and the stat log survive a close and reopen', () => {
    const t0 = 1_800_000_000;
    const h = new GraphHistory();
    for (let t = t0; t < t0 + 600; t += 5) {
      h.add('local_hash_rate', t, 1000);
      h.add('pool_rates', t, { good: 5, doa: 1 });
    }
    const db = StatsDb.open(path, warn);
    db.saveBins(h.takeDirty(), GraphHistory.oldestBins(t0 + 600));
    db.appendLog(t0, { time: t0, shares: 3 });
    db.appendLog(t0 + 300, { time: t0 + 300, shares: 4 });
    db.close();

    const again = StatsDb.open(path, warn);
    const restored = new GraphHistory();
    restored.load(again.loadBins(), t0 + 600);
    for (const stream of ['local_hash_rate', 'pool_rates']) {
      expect(restored.data(stream, 'last_hour', t0 + 600)).toEqual(h.data(stream, 'last_hour', t0 + 600));
    }
    // t0 is a multiple of 24: the bin [t0+552, t0+576) holds the samples at 555..575, five
    // times 1000 H of work in 24 s; the one after it (580..595) four.
    const d = restored.data('local_hash_rate', 'last_hour', t0 + 600)!;
    expect(d[2]![1]).toBeCloseTo(5000 / 24, 9);
    expect(d[1]![1]).toBeCloseTo(4000 / 24, 9);
    expect(again.loadLog(t0 + 600)).toEqual([{ time: t0, shares: 3 }, { time: t0 + 300, shares: 4 }]);
    again.close();
    expect(warnings).toEqual([]);
  });

  it('is bounded: bins before each window and stat log entries older than 24 h are deleted', () => {
    const db = StatsDb.open(path, warn);
    const h = new GraphHistory();
    const t0 = 1_800_000_000;
    // Three days of one stream every 60 s, saved as the sampler does.
    for (let t = t0; t <= t0 + 3 * 86_400; t += 60) {
      h.add('memory_usage', t, 1);
      if ((t - t0) % 3600 === 0) db.saveBins(h.takeDirty(), GraphHistory.oldestBins(t));
      if ((t - t0) % 300 === 0) db.appendLog(t, { time: t });
    }
    db.close();
    // last_hour holds at most 150 bins, the others 300 each (and 3 days fill fewer).
    expect(countRows('graph_bins')).toBeLessThanOrEqual(150 + 4 * 300);
    expect(countRows('graph_bins')).toBeGreaterThan(150);
    expect(countRows('stat_log')).toBe(STAT_LOG_SECONDS / 300 + 1);
  });

  it('moves a corrupt file aside with a warning and starts a new one', () => {
    writeFileSync(path, Buffer.alloc(8192, 0x5a));
    const db = StatsDb.open(path, warn);
    db.appendLog(1, { time: 1 });
    expect(db.loadLog(2)).toEqual([{ time: 1 }]);
    db.close();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot be used .*moved it to .*stats\.sqlite\.bad-/);
    expect(readdirSync(dir).filter((f) => f.startsWith('stats.sqlite.bad-'))).toHaveLength(1);
  });

  it("moves another application's SQLite file aside, and one from a newer schema", () => {
    const other = new Database(path);
    other.exec('CREATE TABLE shares (hash TEXT)');
    other.close();
    StatsDb.open(path, warn).close();
    expect(warnings[0]).toMatch(/not a stats history file/);

    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    StatsDb.open(path, warn).close();
    expect(warnings[1]).toMatch(/newer version \(schema 99\)/);
    expect(readdirSync(dir).filter((f) => f.startsWith('stats.sqlite.bad-')).length).toBeGreaterThanOrEqual(1);
    expect(existsSync(path)).toBe(true);
  });

  it('skips stat log rows it cannot read', () => {
    const db = StatsDb.open(path, warn);
    db.appendLog(10, { time: 10 });
    db.close();
    const raw = new Database(path);
    raw.prepare('INSERT INTO stat_log (time, entry) VALUES (?, ?)').run(11, '{broken');
    raw.prepare('INSERT INTO stat_log (time, entry) VALUES (?, ?)').run(12, '[1,2]');
    raw.close();
    const again = StatsDb.open(path, warn);
    expect(again.loadLog(20)).toEqual([{ time: 10 }]);
    again.close();
  });
});
