/** How the dashboard writes numbers: SI hash rates, human durations, coins, percentages. */

const SI = ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z'];

/** 1234567 -> "1.23 MH/s" */
export function hashRate(h: number | null | undefined): string {
  return h === null || h === undefined || !Number.isFinite(h) ? '–' : `${si(h)}H/s`;
}

/** 1234567 -> "1.23 M" (three significant digits). */
export function si(v: number): string {
  if (!Number.isFinite(v)) return '–';
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1000 && i < SI.length - 1) {
    x /= 1000;
    i++;
  }
  const digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return `${v < 0 ? '-' : ''}${x.toFixed(digits)} ${SI[i]}`;
}

/** Seconds -> "3.2 s", "4 min", "2.5 h", "3.1 days", "2.0 years". */
export function duration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s) || s < 0) return '–';
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  if (s < 3600) return `${(s / 60).toFixed(s < 600 ? 1 : 0)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  if (s < 86400 * 365) return `${(s / 86400).toFixed(1)} days`;
  return `${(s / 86400 / 365).toFixed(1)} years`;
}

/** A past Unix time (s) as "12 s ago". */
export function ago(t: number, now = Date.now() / 1000): string {
  const d = Math.max(0, now - t);
  return `${duration(d)} ago`;
}

/** Coins with up to 8 decimals, trailing zeros trimmed: 6.25 -> "6.25 rBTC". */
export function coins(v: number | null | undefined, symbol: string): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const s = v.toFixed(8).replace(/\.?0+$/, '');
  return `${s} ${symbol}`.trim();
}

export function percent(p: number | null | undefined, digits = 1): string {
  return p === null || p === undefined || !Number.isFinite(p) ? '–' : `${(p * 100).toFixed(digits)}%`;
}

/** Difficulty with SI units above 1000, else up to 6 significant digits. */
export function difficulty(d: number | null | undefined): string {
  if (d === null || d === undefined || !Number.isFinite(d)) return '–';
  if (d >= 1000) return si(d).trim();
  return Number(d.toPrecision(6)).toString();
}

/** "0000000ebf4d…75d": enough to tell hashes apart in a table. */
export function shortHash(h: string): string {
  const t = h.replace(/^0+/, '');
  return t.length > 16 ? `${t.slice(0, 10)}…${t.slice(-6)}` : h;
}

/** "bcrt1qrgggr…r8pp9w" for narrow cells; the full address stays in the title. */
export function shortAddress(a: string): string {
  return a.length > 24 ? `${a.slice(0, 12)}…${a.slice(-8)}` : a;
}

/** Difficulty 1 target (Bitcoin's), for target <-> difficulty in display only. */
const DIFF1 = 0xffff * 2 ** 208;

/** A 256-bit target (as the API's JSON number) -> difficulty. Float precision is fine for display. */
export function targetToDifficulty(target: number): number | null {
  return target > 0 && Number.isFinite(target) ? DIFF1 / target : null;
}

/** Hex hash -> its value as a float, to compare with a target for display. */
export function hashValue(hex: string): number {
  let v = 0;
  for (let i = 0; i < hex.length; i += 8) v = v * 2 ** 32 + parseInt(hex.slice(i, i + 8), 16);
  return v;
}
