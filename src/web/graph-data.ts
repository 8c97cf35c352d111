/**
 * The graph history behind `/web/graph_data/<stream>/<view>` (docs/api.md,
 * p2pool/util/graph.py and web.py), in our own design: pure, no clock and no I/O of its own.
 *
 * Each stream is kept in five views (last hour: 150 bins of 24 s; last day, week, month and
 * year: 300 bins each). A datum adds `value` to the bin holding its time, per key: a bin keeps
 * `key -> [total, count]`. Single-valued streams keep their value under the key "null", as the
 * reference does. What a bin shows (reference DataView.get_data):
 *   - gauge, undefined-means-0 (pool_rates, desired_version_rates): total / (largest count of
 *     any key) per key, null when the bin is empty; the point's default is 0;
 *   - gauge (current_payout, peers, getwork_latency, memory_usage, current_payouts):
 *     total / count per key; default null;
 *   - rate (local_hash_rate, miner_hash_rates, traffic_rate, ...): total / bin width; default 0.
 * A single-valued stream shows its "null" value, or the default when the bin has none.
 *
 * Our bins are aligned to the epoch (bin n covers [n·w, (n+1)·w)) instead of to the time the
 * database was created; the answer has the same shape: newest bin first, the current bin only
 * as wide as the time already elapsed in it.
 *
 * Bounded: the bins outside a view's window are dropped as time moves on, and a multi-valued
 * bin holds at most MAX_KEYS_PER_BIN keys (miner names come from miners).
 */

export interface StreamDescription {
  /** A level (averaged per bin) rather than an amount (summed and divided by the bin width). */
  gauge: boolean;
  multivalues: boolean;
  /** Keys missing from a sample count as 0 (a "null" key carries the sample count). */
  undefinedMeansZero: boolean;
}

const RATE: StreamDescription = { gauge: false, multivalues: false, undefinedMeansZero: false };
const RATES: StreamDescription = { gauge: false, multivalues: true, undefinedMeansZero: false };
const GAUGE: StreamDescription = { gauge: true, multivalues: false, undefinedMeansZero: false };
const GAUGES: StreamDescription = { gauge: true, multivalues: true, undefinedMeansZero: false };

/** The reference's streams and how each is binned (web.py HistoryDatabase.from_obj). */
export const STREAMS: Readonly<Record<string, StreamDescription>> = {
  local_hash_rate: RATE,
  local_dead_hash_rate: RATE,
  local_share_hash_rates: { gauge: false, multivalues: true, undefinedMeansZero: true },
  pool_rates: { gauge: true, multivalues: true, undefinedMeansZero: true },
  current_payout: GAUGE,
  current_payouts: GAUGES,
  peers: GAUGES,
  miner_hash_rates: RATES,
  miner_dead_hash_rates: RATES,
  desired_version_rates: { gauge: true, multivalues: true, undefinedMeansZero: true },
  traffic_rate: RATES,
  getwork_latency: GAUGE,
  memory_usage: GAUGE,
};

export interface ViewDescription {
  binCount: number;
  /** Seconds the view spans; a bin is totalSeconds / binCount wide. */
  totalSeconds: number;
}

/** Reference dataview_descriptions: 24 s, 288 s, 2016 s, 8640 s and 105192 s bins. */
export const VIEWS: Readonly<Record<string, ViewDescription>> = {
  last_hour: { binCount: 150, totalSeconds: 60 * 60 },
  last_day: { binCount: 300, totalSeconds: 60 * 60 * 24 },
  last_week: { binCount: 300, totalSeconds: 60 * 60 * 24 * 7 },
  last_month: { binCount: 300, totalSeconds: 60 * 60 * 24 * 30 },
  last_year: { binCount: 300, totalSeconds: 60 * 60 * 24 * 365.25 },
};

/** Keys one bin of a multi-valued stream keeps (further keys in that bin are dropped). */
export const MAX_KEYS_PER_BIN = 100;
/** Longer keys are cut (they are miner usernames or peer names). */
export const MAX_KEY_LENGTH = 160;

/** key -> [total, count] */
export type Bin = Map<string, [number, number]>;
/** One answer row: [center time (s), value, width (s), default]. */
export type GraphPoint = [number, number | Record<string, number> | null, number, number | null];
export type Datum = number | Record<string, number>;

/** A stored bin (the database row). */
export interface BinRow {
  stream: string;
  view: string;
  bin: number;
  /** JSON of [[key, total, count], ...]. */
  data: string;
}

export function binWidth(view: ViewDescription): number {
  return view.totalSeconds / view.binCount;
}

export class GraphHistory {
  /** stream -> view -> bin number -> bin */
  private readonly bins = new Map<string, Map<string, Map<number, Bin>>>();
  private readonly dirty = new Set<string>();

  constructor() {
    for (const s of Object.keys(STREAMS)) {
      const views = new Map<string, Map<number, Bin>>();
      for (const v of Object.keys(VIEWS)) views.set(v, new Map());
      this.bins.set(s, views);
    }
  }

  /** Add a sample taken at `t` (seconds). Unknown streams and non-finite values are ignored. */
  add(stream: string, t: number, value: Datum): void {
    const desc = STREAMS[stream];
    const views = this.bins.get(stream);
    if (!desc || !views || !Number.isFinite(t)) return;
    let values: Record<string, number>;
    if (!desc.multivalues) values = { null: value as number };
    else if (typeof value === 'number') return;
    else values = desc.undefinedMeansZero && !('null' in value) ? { ...value, null: 0 } : value;
    for (const [viewName, view] of Object.entries(VIEWS)) {
      const w = binWidth(view);
      const n = Math.floor(t / w);
      const byBin = views.get(viewName)!;
      let bin = byBin.get(n);
      if (!bin) {
        // A new bin: time moved on, so older bins may have left the window.
        this.prune(byBin, n - view.binCount + 1);
        bin = new Map();
        byBin.set(n, bin);
      }
      for (const [rawKey, v] of Object.entries(values)) {
        if (typeof v !== 'number' || !Number.isFinite(v)) continue;
        const key = rawKey.slice(0, MAX_KEY_LENGTH);
        const prev = bin.get(key);
        if (prev) {
          prev[0] += v;
          prev[1] += 1;
        } else if (bin.size < MAX_KEYS_PER_BIN) {
          bin.set(key, [v, 1]);
        }
      }
      this.dirty.add(`${stream}\n${viewName}\n${n}`);
    }
  }

  private prune(byBin: Map<number, Bin>, oldest: number): void {
    for (const n of byBin.keys()) if (n < oldest) byBin.delete(n);
  }

  /** The view as the reference's get_data(t): `binCount` points, newest first. */
  data(stream: string, viewName: string, t: number): GraphPoint[] | null {
    const desc = STREAMS[stream];
    const view = VIEWS[viewName];
    if (!desc || !view) return null;
    const byBin = this.bins.get(stream)!.get(viewName)!;
    const w = binWidth(view);
    const current = Math.floor(t / w);
    const out: GraphPoint[] = [];
    for (let i = 0; i < view.binCount; i++) {
      const n = current - i;
      const left = n * w;
      const right = Math.min(t, (n + 1) * w);
      const width = right - left;
      const [value, dflt] = binValue(desc, byBin.get(n), width);
      out.push([(left + right) / 2, value, width, dflt]);
    }
    return out;
  }

  /** Bins changed since the last call, for the database (and forgets them). */
  takeDirty(): BinRow[] {
    const rows: BinRow[] = [];
    for (const k of this.dirty) {
      const [stream, view, n] = k.split('\n') as [string, string, string];
      const bin = this.bins.get(stream)?.get(view)?.get(Number(n));
      if (bin) rows.push({ stream, view, bin: Number(n), data: JSON.stringify([...bin].map(([key, [tot, cnt]]) => [key, tot, cnt])) });
    }
    this.dirty.clear();
    return rows;
  }

  /**
   * Restore stored bins (from disk: untrusted). Rows for unknown streams or views, outside the
   * view's window at `t`, or with malformed data are skipped; returns how many were used.
   */
  load(rows: Iterable<BinRow>, t: number): number {
    let used = 0;
    for (const r of rows) {
      const view = VIEWS[r.view];
      const byBin = this.bins.get(r.stream)?.get(r.view);
      if (!view || !byBin || !Number.isSafeInteger(r.bin)) continue;
      const current = Math.floor(t / binWidth(view));
      if (r.bin <= current - view.binCount || r.bin > current) continue;
      const bin = parseBin(r.data);
      if (!bin) continue;
      byBin.set(r.bin, bin);
      used++;
    }
    return used;
  }

  /** Per view, the oldest bin number still inside the window at `t` (older rows may be deleted). */
  static oldestBins(t: number): Array<{ view: string; oldest: number }> {
    return Object.entries(VIEWS).map(([view, d]) => ({ view, oldest: Math.floor(t / binWidth(d)) - d.binCount + 1 }));
  }
}

/** [value, default] of one bin (reference DataView.get_data's inner function). */
function binValue(desc: StreamDescription, bin: Bin | undefined, width: number): [GraphPoint[1], GraphPoint[3]] {
  const entries = bin ? [...bin] : [];
  let val: Record<string, number> | null;
  let dflt: number | null;
  if (desc.gauge && desc.undefinedMeansZero) {
    const realCount = Math.max(0, ...entries.map(([, [, c]]) => c));
    val = realCount === 0 ? null : Object.fromEntries(entries.map(([k, [tot]]) => [k, tot / realCount]));
    dflt = 0;
  } else if (desc.gauge) {
    val = Object.fromEntries(entries.map(([k, [tot, c]]) => [k, tot / c]));
    dflt = null;
  } else {
    // width is 0 only at the very first instant of a bin; the reference would divide by zero.
    val = Object.fromEntries(entries.map(([k, [tot]]) => [k, width > 0 ? tot / width : 0]));
    dflt = 0;
  }
  if (!desc.multivalues) return [val === null ? null : (val['null'] ?? dflt), dflt];
  return [val, dflt];
}

function parseBin(data: string): Bin | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length > MAX_KEYS_PER_BIN) return null;
  const bin: Bin = new Map();
  for (const e of parsed) {
    if (!Array.isArray(e) || e.length !== 3) return null;
    const [k, tot, cnt] = e as unknown[];
    if (typeof k !== 'string' || k.length > MAX_KEY_LENGTH) return null;
    if (typeof tot !== 'number' || !Number.isFinite(tot) || typeof cnt !== 'number' || !Number.isSafeInteger(cnt) || cnt < 1) return null;
    bin.set(k, [tot, cnt]);
  }
  return bin;
}
