/**
 * Time-series charts (uPlot) fed from /web/graph_data/<stream>/<view>. A stream's bins come
 * newest first as [center_time, value, width, default] (docs/api.md); value is a number or a
 * {key: number} map (pool_rates: good/orphan/doa; miner_hash_rates: address -> rate).
 */
import uPlot from 'uplot';
import type { GraphPoint } from './api';
import { si } from './format';

export interface SeriesSpec {
  label: string;
  color: string;
  /** The series' value in one bin (null: no data). */
  pick: (value: GraphPoint[1]) => number | null;
  fill?: boolean;
}

export const VIEWS = ['last_hour', 'last_day', 'last_week', 'last_month', 'last_year'] as const;
export type View = (typeof VIEWS)[number];
export const VIEW_LABELS: Record<View, string> = { last_hour: 'hour', last_day: 'day', last_week: 'week', last_month: 'month', last_year: 'year' };

/** A number value as is; a map's entry `key`; the sum of a map's entries when key is null. */
export function pickKey(key: string | null): (v: GraphPoint[1]) => number | null {
  return (v) => {
    if (typeof v === 'number') return key === null ? v : null;
    if (!v || typeof v !== 'object') return null;
    if (key !== null) return typeof v[key] === 'number' ? v[key]! : 0;
    let s = 0;
    for (const x of Object.values(v)) if (typeof x === 'number' && Number.isFinite(x)) s += x;
    return s;
  };
}

/** Bins -> uPlot's columns, oldest first; malformed bins are skipped. */
export function toColumns(points: unknown, series: SeriesSpec[]): uPlot.AlignedData {
  const rows = (Array.isArray(points) ? points : []).filter((p): p is GraphPoint => Array.isArray(p) && typeof p[0] === 'number' && Number.isFinite(p[0]));
  rows.sort((a, b) => a[0] - b[0]);
  const xs = rows.map((r) => r[0]);
  const ys = series.map((s) => rows.map((r) => s.pick(r[1])));
  return [xs, ...ys] as uPlot.AlignedData;
}

export class TimeChart {
  private plot: uPlot | null = null;
  private readonly resize: ResizeObserver;

  constructor(
    readonly el: HTMLElement,
    private readonly series: SeriesSpec[],
    private readonly unit: string,
  ) {
    this.resize = new ResizeObserver(() => this.plot?.setSize(this.size()));
    this.resize.observe(el);
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(240, this.el.clientWidth), height: this.el.clientWidth < 500 ? 170 : 220 };
  }

  setData(points: unknown): void {
    const data = toColumns(points, this.series);
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    const axis = { stroke: '#8b96a8', grid: { stroke: 'rgba(139,150,168,0.12)', width: 1 }, ticks: { stroke: 'rgba(139,150,168,0.25)', width: 1 } };
    const opts: uPlot.Options = {
      ...this.size(),
      cursor: { drag: { x: false, y: false } },
      legend: { show: true, live: true },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [
        { ...axis },
        { ...axis, size: 84, values: (_u, vals) => vals.map((v) => `${si(v)}${this.unit}`) },
      ],
      series: [
        {},
        ...this.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: s.fill ? `${s.color}22` : undefined,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : `${si(v)}${this.unit}`),
        })),
      ],
    };
    this.plot = new uPlot(opts, data, this.el);
  }

  destroy(): void {
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }
}
