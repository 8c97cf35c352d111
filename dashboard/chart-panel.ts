/**
 * A chart card with its own view selector (hour ... year): fetches its graph streams on every
 * refresh and merges them bin by bin (streams share their bin times, docs/api.md).
 */
import { getOptional, type GraphPoint } from './api';
import { TimeChart, VIEWS, VIEW_LABELS, type SeriesSpec, type View } from './charts';
import { h } from './dom';

export interface StreamSpec {
  stream: string;
  /** Key in the merged bin's map under which this stream's value goes. */
  as: string;
}

/** Merge several streams' bins into one list of [time, {as: value}] by bin time. */
export function mergeStreams(streams: Array<{ as: string; points: unknown }>): GraphPoint[] {
  const byTime = new Map<number, Record<string, number>>();
  for (const { as, points } of streams) {
    if (!Array.isArray(points)) continue;
    for (const p of points as GraphPoint[]) {
      if (!Array.isArray(p) || typeof p[0] !== 'number') continue;
      const row = byTime.get(p[0]) ?? {};
      const v = p[1];
      if (typeof v === 'number') row[as] = v;
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (typeof x === 'number') row[`${as}.${k}`] = x;
      byTime.set(p[0], row);
    }
  }
  return [...byTime.entries()].map(([t, v]) => [t, v, 0, null]);
}

export class ChartPanel {
  readonly el: HTMLElement;
  private view: View = 'last_hour';
  private readonly chart: TimeChart;
  private readonly buttons = new Map<View, HTMLButtonElement>();
  private pending = false;

  constructor(
    title: string,
    private readonly streams: StreamSpec[],
    series: SeriesSpec[],
    unit: string,
    id: string,
  ) {
    const plot = h('div', { class: 'chart' });
    const views = h('div', { class: 'views', role: 'group', 'aria-label': 'time range' });
    for (const v of VIEWS) {
      const b = h('button', { type: 'button', onclick: () => this.select(v) }, VIEW_LABELS[v]);
      this.buttons.set(v, b);
      views.append(b);
    }
    this.el = h('section', { class: 'card chart-card', id }, h('div', { class: 'card-head' }, h('h2', null, title), views), plot);
    this.chart = new TimeChart(plot, series, unit);
    this.markSelected();
  }

  private select(v: View): void {
    this.view = v;
    this.markSelected();
    void this.refresh();
  }

  private markSelected(): void {
    for (const [v, b] of this.buttons) b.classList.toggle('on', v === this.view);
  }

  async refresh(): Promise<void> {
    if (this.pending) return;
    this.pending = true;
    try {
      const view = this.view;
      const results = await Promise.all(this.streams.map((s) => getOptional<unknown>(`/web/graph_data/${s.stream}/${view}`, []).catch(() => [])));
      this.chart.setData(mergeStreams(this.streams.map((s, i) => ({ as: s.as, points: results[i] }))));
    } finally {
      this.pending = false;
    }
  }

  destroy(): void {
    this.chart.destroy();
  }
}
