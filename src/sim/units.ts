/**
 * Quantities with units in scenario files (docs/simulate.md#units): durations ("250 ms", "2 s",
 * "30 d"; a bare number is seconds), hash rates ("25 PH/s"; a bare number is H/s), and the
 * distributions that draw them. Every parse error names the field (a JSON path).
 */

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, min: 60, h: 3600, d: 86400 };
const RATE_PREFIXES: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const NUMBER = '([0-9]+(?:\\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\\.[0-9]+(?:[eE][+-]?[0-9]+)?)';
const DURATION_RE = new RegExp(`^${NUMBER}\\s*(ms|s|min|h|d)$`);
const RATE_RE = new RegExp(`^${NUMBER}\\s*([kKMGTPE]?)H/s$`);

function finiteNonNegative(x: number, where: string): number {
  if (!Number.isFinite(x) || x < 0) throw new ScenarioError(`${where}: must be a finite number >= 0, got ${x}`);
  return x;
}

/** A duration in seconds: a number (seconds) or "<number> <ms|s|min|h|d>". */
export function parseDuration(v: unknown, where: string): number {
  if (typeof v === 'number') return finiteNonNegative(v, where);
  if (typeof v === 'string') {
    const m = DURATION_RE.exec(v.trim());
    if (m) return finiteNonNegative(Number(m[1]) * DURATION_UNITS[m[2]!]!, where);
  }
  throw new ScenarioError(`${where}: expected a duration such as 250 (seconds), "250 ms", "2 s", "5 min", "6 h" or "30 d", got ${JSON.stringify(v)}`);
}

/** A hash rate in H/s: a number (H/s) or "<number> <k|M|G|T|P|E>H/s". */
export function parseHashrate(v: unknown, where: string): number {
  if (typeof v === 'number') return finiteNonNegative(v, where);
  if (typeof v === 'string') {
    const m = RATE_RE.exec(v.trim());
    if (m) return finiteNonNegative(Number(m[1]) * RATE_PREFIXES[m[2]!]!, where);
  }
  throw new ScenarioError(`${where}: expected a hash rate such as 1.4e13 (H/s) or "14 TH/s", got ${JSON.stringify(v)}`);
}

/**
 * A distribution of a quantity: a fixed value, {"uniform": [lo, hi]}, {"logUniform": [lo, hi]}
 * (lo > 0) or {"oneOf": [v, ...]}, each value parsed by `unit`.
 */
export type Distribution =
  | { kind: 'fixed'; value: number }
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'logUniform'; lo: number; hi: number }
  | { kind: 'oneOf'; values: number[] };

export function parseDistribution(v: unknown, where: string, unit: (x: unknown, w: string) => number): Distribution {
  if (typeof v === 'number' || typeof v === 'string') return { kind: 'fixed', value: unit(v, where) };
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1) {
      const k = keys[0]!;
      const arg = (v as Record<string, unknown>)[k];
      if ((k === 'uniform' || k === 'logUniform') && Array.isArray(arg) && arg.length === 2) {
        const lo = unit(arg[0], `${where}.${k}[0]`);
        const hi = unit(arg[1], `${where}.${k}[1]`);
        if (hi < lo) throw new ScenarioError(`${where}.${k}: the upper bound is below the lower bound`);
        if (k === 'logUniform' && lo <= 0) throw new ScenarioError(`${where}.logUniform: the lower bound must be > 0`);
        return { kind: k, lo, hi };
      }
      if (k === 'oneOf' && Array.isArray(arg) && arg.length > 0 && arg.length <= 10_000) {
        return { kind: 'oneOf', values: arg.map((x, i) => unit(x, `${where}.oneOf[${i}]`)) };
      }
    }
  }
  throw new ScenarioError(`${where}: expected a value, {"uniform": [lo, hi]}, {"logUniform": [lo, hi]} or {"oneOf": [...]}, got ${JSON.stringify(v)}`);
}

/** Draw from a distribution with `u` uniform in [0, 1) (the caller's PRNG). */
export function drawFrom(d: Distribution, u: () => number): number {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
      return d.lo + (d.hi - d.lo) * u();
    case 'logUniform':
      return d.lo * Math.pow(d.hi / d.lo, u());
    case 'oneOf':
      return d.values[Math.floor(u() * d.values.length)]!;
  }
}

/** Largest value a distribution can give (bounds scheduling look-aheads). */
export function maxOf(d: Distribution): number {
  switch (d.kind) {
    case 'fixed':
      return d.value;
    case 'uniform':
    case 'logUniform':
      return d.hi;
    case 'oneOf':
      return Math.max(...d.values);
  }
}

/** "2.5 PH/s" style text for reports. */
export function formatHashrate(h: number): string {
  const units: Array<[number, string]> = [[1e18, 'EH/s'], [1e15, 'PH/s'], [1e12, 'TH/s'], [1e9, 'GH/s'], [1e6, 'MH/s'], [1e3, 'kH/s']];
  for (const [f, u] of units) if (h >= f) return `${trim(h / f)} ${u}`;
  return `${trim(h)} H/s`;
}

export function formatDuration(s: number): string {
  if (s >= 86400 && s % 3600 === 0) return `${trim(s / 86400)} d`;
  if (s >= 3600) return `${trim(s / 3600)} h`;
  if (s >= 60) return `${trim(s / 60)} min`;
  if (s >= 1) return `${trim(s)} s`;
  return `${trim(s * 1000)} ms`;
}

function trim(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
