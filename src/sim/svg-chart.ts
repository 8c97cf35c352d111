/**
 * Small SVG charts for the simulator's HTML report (docs/simulate.md#reporthtml): scatter,
 * lines and bars with linear or logarithmic axes. Drawn as text here, so the page needs no
 * script or network to show them and the same report always gives the same page.
 */

export interface Axis {
  label: string;
  log?: boolean;
  min?: number;
  max?: number;
  /** Format a tick value. */
  format?: (v: number) => string;
}

export interface Series {
  name: string;
  color: string;
  points: Array<{ x: number; y: number; title?: string; r?: number }>;
  /** Draw as a line (else dots). */
  line?: boolean;
  /** Error bars: half-widths per point, in y units. */
  errors?: number[];
}

const W = 640;
const H = 316;
const M = { l: 64, r: 16, t: 44, b: 44 };

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e15) return `${+(v / 1e15).toPrecision(3)}P`;
  if (a >= 1e12) return `${+(v / 1e12).toPrecision(3)}T`;
  if (a >= 1e9) return `${+(v / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

interface Scale {
  map: (v: number) => number;
  ticks: number[];
  format: (v: number) => string;
}

function scale(values: number[], axis: Axis, lo: number, hi: number): Scale {
  const finite = values.filter((v) => Number.isFinite(v) && (!axis.log || v > 0));
  let min = axis.min ?? (finite.length ? Math.min(...finite) : 0);
  let max = axis.max ?? (finite.length ? Math.max(...finite) : 1);
  const format = axis.format ?? fmt;
  if (axis.log) {
    if (!(min > 0)) min = 1;
    if (!(max > min)) max = min * 10;
    const a = Math.floor(Math.log10(min));
    const b = Math.ceil(Math.log10(max));
    const ticks: number[] = [];
    for (let e = a; e <= b; e++) ticks.push(10 ** e);
    const l0 = a;
    const l1 = Math.max(b, a + 1);
    return { map: (v) => lo + ((Math.log10(Math.max(v, 10 ** l0)) - l0) / (l1 - l0)) * (hi - lo), ticks, format };
  }
  if (max === min) max = min + 1;
  const span = max - min;
  const step0 = 10 ** Math.floor(Math.log10(span / 5));
  const step = [1, 2, 5, 10].map((k) => k * step0).find((s) => span / s <= 6) ?? step0 * 10;
  const t0 = Math.ceil(min / step) * step;
  const ticks: number[] = [];
  for (let t = t0; t <= max + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return { map: (v) => lo + ((v - min) / (max - min)) * (hi - lo), ticks, format };
}

function frame(title: string, x: Axis, y: Axis, sx: Scale, sy: Scale, body: string, legend: Series[]): string {
  const parts: string[] = [];
  parts.push(`<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg">`);
  parts.push(`<text class="title" x="${M.l}" y="16">${esc(title)}</text>`);
  for (const t of sy.ticks) {
    const py = sy.map(t);
    if (py < M.t - 0.5 || py > H - M.b + 0.5) continue;
    parts.push(`<line class="grid" x1="${M.l}" x2="${W - M.r}" y1="${py.toFixed(1)}" y2="${py.toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="${M.l - 6}" y="${(py + 4).toFixed(1)}" text-anchor="end">${esc(sy.format(t))}</text>`);
  }
  for (const t of sx.ticks) {
    const px = sx.map(t);
    if (px < M.l - 0.5 || px > W - M.r + 0.5) continue;
    parts.push(`<line class="grid" y1="${M.t}" y2="${H - M.b}" x1="${px.toFixed(1)}" x2="${px.toFixed(1)}"/>`);
    parts.push(`<text class="tick" x="${px.toFixed(1)}" y="${H - M.b + 16}" text-anchor="middle">${esc(sx.format(t))}</text>`);
  }
  parts.push(`<rect class="axes" x="${M.l}" y="${M.t}" width="${W - M.l - M.r}" height="${H - M.t - M.b}"/>`);
  parts.push(`<text class="label" x="${(M.l + W - M.r) / 2}" y="${H - 6}" text-anchor="middle">${esc(x.label)}</text>`);
  parts.push(`<text class="label" transform="translate(14 ${(M.t + H - M.b) / 2}) rotate(-90)" text-anchor="middle">${esc(y.label)}</text>`);
  parts.push(body);
  let lx = M.l;
  for (const s of legend) {
    parts.push(`<rect x="${lx.toFixed(1)}" y="24" width="10" height="10" fill="${s.color}"/><text class="legend" x="${(lx + 13).toFixed(1)}" y="33">${esc(s.name)}</text>`);
    lx += 22 + s.name.length * 6.2;
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Dots and/or lines over numeric axes. */
export function xyChart(title: string, x: Axis, y: Axis, series: Series[], refY?: number): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.flatMap((p, i) => [p.y, p.y + (s.errors?.[i] ?? 0), p.y - (s.errors?.[i] ?? 0)]));
  if (refY !== undefined) ys.push(refY);
  const sx = scale(xs, x, M.l, W - M.r);
  const sy = scale(ys, y, H - M.b, M.t);
  const body: string[] = [];
  if (refY !== undefined) {
    const py = sy.map(refY).toFixed(1);
    body.push(`<line class="ref" x1="${M.l}" x2="${W - M.r}" y1="${py}" y2="${py}"/>`);
  }
  const ok = (v: number, a: Axis): boolean => Number.isFinite(v) && (!a.log || v > 0);
  for (const s of series) {
    const pts = s.points.filter((p) => ok(p.x, x) && ok(p.y, y));
    if (s.line) {
      const d = pts.map((p, i) => `${i ? 'L' : 'M'}${sx.map(p.x).toFixed(1)} ${sy.map(p.y).toFixed(1)}`).join('');
      if (d) body.push(`<path class="line" stroke="${s.color}" d="${d}"/>`);
    }
    s.points.forEach((p, i) => {
      if (!ok(p.x, x) || !ok(p.y, y)) return;
      const px = sx.map(p.x).toFixed(1);
      const py = sy.map(p.y).toFixed(1);
      const e = s.errors?.[i];
      if (e !== undefined && e > 0) {
        body.push(`<line class="err" stroke="${s.color}" x1="${px}" x2="${px}" y1="${sy.map(p.y - e).toFixed(1)}" y2="${sy.map(p.y + e).toFixed(1)}"/>`);
      }
      if (!s.line || p.title) {
        body.push(`<circle cx="${px}" cy="${py}" r="${p.r ?? 2.2}" fill="${s.color}">${p.title ? `<title>${esc(p.title)}</title>` : ''}</circle>`);
      }
    });
  }
  return frame(title, x, y, sx, sy, body.join(''), series);
}

/** Vertical bars, one group per category, stacked series. */
export function barChart(title: string, categories: string[], xLabel: string, y: Axis, series: Array<{ name: string; color: string; values: number[] }>, titles?: string[]): string {
  const totals = categories.map((_, i) => series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const sy = scale([0, ...totals], { ...y, min: y.min ?? 0 }, H - M.b, M.t);
  const n = Math.max(1, categories.length);
  const slot = (W - M.l - M.r) / n;
  const sx: Scale = { map: (v) => M.l + (v + 0.5) * slot, ticks: [], format: String };
  const body: string[] = [];
  categories.forEach((c, i) => {
    let base = 0;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      const y0 = sy.map(base);
      const y1 = sy.map(base + v);
      body.push(`<rect x="${(M.l + i * slot + slot * 0.15).toFixed(1)}" y="${y1.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${Math.max(0, y0 - y1).toFixed(1)}" fill="${s.color}"><title>${esc(`${titles?.[i] ?? c}: ${s.name} ${fmt(v)}`)}</title></rect>`);
      base += v;
    }
    if (n <= 40) body.push(`<text class="tick" x="${sx.map(i).toFixed(1)}" y="${H - M.b + 16}" text-anchor="middle">${esc(c)}</text>`);
  });
  return frame(title, { label: xLabel }, y, sx, sy, body.join(''), series.map((s) => ({ name: s.name, color: s.color, points: [] })));
}
