import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GraphHistory, MAX_KEYS_PER_BIN, STREAMS, VIEWS, type GraphPoint } from '../../src/web/graph-data.js';

const capture = JSON.parse(readFileSync(new URL('../fixtures/p2pool-reference-node/web-capture.json', import.meta.url), 'utf8')) as Record<string, { body: string }>;
const refPoints = (stream: string, view = 'last_hour'): GraphPoint[] => JSON.parse(capture[`/web/graph_data/${stream}/${view}`]!.body) as GraphPoint[];

describe('graph history', () => {
  it('has the reference streams, and views with its bin counts and widths', () => {
    const captured = Object.keys(capture).filter((p) => p.startsWith('/web/graph_data/') && p.endsWith('/last_hour') && !p.includes('no_such')).map((p) => p.split('/')[3]);
    expect(Object.keys(STREAMS).sort()).toEqual(captured.sort());
    const h = new GraphHistory();
    const t = 1_795_749_032.35;
    for (const [stream, view] of [['pool_rates', 'last_hour'], ['pool_rates', 'last_day']] as const) {
      const ours = h.data(stream, view, t)!;
      const ref = refPoints(stream, view);
      expect(ours.length).toBe(ref.length);
      // Full bins are as wide as the reference's (24 s / 288 s); the newest is partial.
      expect(ours[1]![2]).toBe(ref[1]![2]);
      expect(ours[0]![2]).toBeGreaterThan(0);
      expect(ours[0]![2]).toBeLessThanOrEqual(ref[1]![2]);
      // Newest first, consecutive bins one width apart.
      expect(ours[1]![0] - ours[2]![0]).toBeCloseTo(ref[1]![2], 6);
    }
    expect(Object.values(VIEWS).map((v) => v.binCount)).toEqual([150, 300, 300, 300, 300]);
  });

  it('shows a rate stream as work per second of bin (partial current bin included)', () => {
    const h = new GraphHistory();
    // Bin 41 of last_hour covers [984, 1008).
    h.add('local_hash_rate', 1000, 240);
    h.add('local_hash_rate', 1001, 120);
    h.add('local_hash_rate', 970, 48); // bin 40: [960, 984)
    const d = h.data('local_hash_rate', 'last_hour', 1007)!;
    expect(d[0]).toEqual([995.5, 360 / 23, 23, 0]);
    expect(d[1]).toEqual([972, 2, 24, 0]);
    // An empty bin shows the default 0, as the reference's local_hash_rate.
    expect(d[2]).toEqual([948, 0, 24, 0]);
  });

  it('averages a gauge per bin; an empty one is null', () => {
    const h = new GraphHistory();
    h.add('current_payout', 1000, 1);
    h.add('current_payout', 1002, 3);
    const d = h.data('current_payout', 'last_hour', 1007)!;
    expect(d[0]![1]).toBe(2);
    expect(d[0]![3]).toBeNull();
    expect(d[1]).toEqual([972, null, 24, null]);
  });

  it('pool_rates: missing keys count as 0 against the most frequent key, with the "null" sample key', () => {
    const h = new GraphHistory();
    h.add('pool_rates', 1000, { good: 10 });
    h.add('pool_rates', 1001, { good: 20, orphan: 4 });
    const d = h.data('pool_rates', 'last_hour', 1007)!;
    expect(d[0]![1]).toEqual({ good: 15, orphan: 2, null: 0 });
    expect(d[0]![3]).toBe(0);
    expect(d[1]![1]).toBeNull();
  });

  it('multi-valued rates per key; a bin keeps a bounded number of keys', () => {
    const h = new GraphHistory();
    h.add('miner_hash_rates', 970, { a: 48, b: 24 });
    expect(h.data('miner_hash_rates', 'last_hour', 1007)![1]![1]).toEqual({ a: 2, b: 1 });
    for (let i = 0; i < MAX_KEYS_PER_BIN + 50; i++) h.add('miner_hash_rates', 1000, { [`miner${i}`]: 1 });
    expect(Object.keys(h.data('miner_hash_rates', 'last_hour', 1007)![0]![1] as object).length).toBe(MAX_KEYS_PER_BIN);
    // Ignored: unknown streams, a number for a multi-valued stream, non-finite values.
    h.add('no_such_stream', 1000, 1);
    h.add('miner_hash_rates', 1000, 5);
    h.add('current_payout', 1000, Number.NaN);
    expect(h.data('current_payout', 'last_hour', 1007)![0]![1]).toBeNull();
    expect(h.data('no_such_stream', 'last_hour', 1007)).toBeNull();
    expect(h.data('local_hash_rate', 'last_century', 1007)).toBeNull();
  });

  it('round-trips through its rows, and keeps only what is inside each window', () => {
    const h = new GraphHistory();
    const t0 = 1_700_000_000;
    // Two days of samples every 5 s: the hour view holds 150 bins, the day view 300.
    for (let t = t0; t < t0 + 2 * 86_400; t += 5) h.add('memory_usage', t, t - t0);
    const rows = h.takeDirty();
    expect(h.takeDirty()).toEqual([]);
    const now = t0 + 2 * 86_400;
    const restored = new GraphHistory();
    const used = restored.load(rows, now);
    expect(used).toBeLessThanOrEqual(150 + 300 * 4);
    for (const view of Object.keys(VIEWS)) expect(restored.data('memory_usage', view, now)).toEqual(h.data('memory_usage', view, now));
    // Bad rows from disk are skipped.
    const bad = [
      { stream: 'memory_usage', view: 'last_hour', bin: Math.floor(now / 24), data: 'not json' },
      { stream: 'memory_usage', view: 'last_hour', bin: Math.floor(now / 24), data: '[["k", "x", 1]]' },
      { stream: 'memory_usage', view: 'no_view', bin: 1, data: '[]' },
      { stream: 'memory_usage', view: 'last_hour', bin: 5, data: '[]' },
    ];
    expect(new GraphHistory().load(bad, now)).toBe(0);
  });
});
