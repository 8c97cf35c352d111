/**
 * The budgets of docs/architecture.md#budgets read off one `npm run bench` result: one line each,
 * with our figure, its floor (or the absolute limit) and whether it was met, printed to stderr
 * after the JSON (bench/run.ts) so that a reader sees the verdicts without digging through it.
 * The verdicts and the budgets are the sections' own (`ok`, `budgetRatio`, ...); a section that
 * did not run, or printed no verdict, gives no line.
 */

export interface BudgetLine {
  met: boolean;
  name: string;
  /** Ours, and the floor's figure beside it when the budget is a ratio. */
  figures: string;
  /** Ours over the floor, for the ratio budgets. */
  ratio: number | null;
  budget: string;
}

type Json = Record<string, unknown>;

function at(o: unknown, ...path: string[]): unknown {
  let v = o;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Json)[k];
  }
  return v;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const n2 = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 3 });

/** The lines for the sections `results` holds (bench/run.ts's object). */
export function budgetLines(results: Json): BudgetLine[] {
  const lines: BudgetLine[] = [];

  const startup = at(results, 'sharechain', 'startupVersusHashingFloor');
  const load = num(at(startup, 'loadAndVerifyMs'));
  const hashing = num(at(startup, 'hashingFloorMs'));
  const loadOk = bool(at(startup, 'ok'));
  const loadBudget = num(at(startup, 'budgetRatio'));
  if (load !== null && hashing !== null && loadOk !== null && loadBudget !== null) {
    lines.push({ met: loadOk, name: 'load and fully verify the stored chain', figures: `${n2(load)} ms / hashing ${n2(hashing)} ms`, ratio: num(at(startup, 'ratio')), budget: `<= ${n2(loadBudget)}x` });
  }

  const firstJob = at(results, 'sharechain', 'memory', 'firstJob');
  const firstMs = num(at(firstJob, 'msSinceProcessStart'));
  const firstOk = bool(at(firstJob, 'ok'));
  const firstBudget = num(at(firstJob, 'budgetMs'));
  if (firstMs !== null && firstOk !== null && firstBudget !== null) {
    lines.push({ met: firstOk, name: 'first job after start, full store', figures: `${n2(firstMs / 1000)} s`, ratio: null, budget: `< ${n2(firstBudget / 1000)} s` });
  }

  const memory = at(results, 'sharechain', 'memory');
  const rss = num(at(memory, 'afterMiners', 'rssMb'));
  const rssOk = bool(at(memory, 'ok'));
  const rssBudget = num(at(memory, 'rssBudgetMb'));
  if (rss !== null && rssOk !== null && rssBudget !== null) {
    lines.push({ met: rssOk, name: 'RSS, full chain and 1,000 miners', figures: `${n2(rss)} MB`, ratio: null, budget: `< ${n2(rssBudget)} MB` });
  }

  const vs = at(results, 'mining', 'versusFloor');
  const ratioLine = (key: string, name: string, unit: string, floorKey: string, atLeast: boolean): void => {
    const o = at(vs, key);
    const ours = num(at(o, 'ours'));
    const floor = num(at(o, floorKey));
    const ok = bool(at(o, 'ok'));
    const budget = num(at(o, 'budgetRatio'));
    if (ours === null || floor === null || ok === null || budget === null) return;
    lines.push({ met: ok, name, figures: `${n2(ours)} / ${n2(floor)}${unit}`, ratio: num(at(o, 'ratio')), budget: `${atLeast ? '>=' : '<='} ${n2(budget)}x` });
  };
  ratioLine('notifyLastWrittenP99Ms', 'notify to 1,000 payees, last written p99', ' ms', 'floor', false);
  ratioLine('submitsPerSecond', 'sustained submits/s, 1,000 connections', '/s', 'floorLinesPerSecond', true);
  ratioLine('submitP99At5000Ms', 'submit p99 at 5,000/s', ' ms', 'floor', false);

  const relay = at(results, 'p2p', 'relay');
  for (const p of ['p50', 'p99'] as const) {
    const ours = num(at(relay, `${p}Ms`));
    const floor = num(at(relay, 'floor', `${p}Ms`));
    const v = at(relay, 'versusFloor', p);
    const ok = bool(at(v, 'ok'));
    const budget = num(at(v, 'budgetRatio'));
    if (ours === null || floor === null || ok === null || budget === null) continue;
    lines.push({ met: ok, name: `relay through one node, paced, ${p}`, figures: `${n2(ours)} / ${n2(floor)} ms`, ratio: num(at(v, 'ratio')), budget: `<= ${n2(budget)}x` });
  }
  return lines;
}

/** The lines as a table for a terminal, with a count; '' when there are none. */
export function formatBudgets(lines: readonly BudgetLine[]): string {
  if (lines.length === 0) return '';
  const rows = lines.map((l) => [l.met ? 'met' : 'NOT met', l.name, l.figures, l.ratio === null ? '' : `${n2(l.ratio)}x`, l.budget]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const text = rows.map((r) => `  ${r.map((c, i) => (i === 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()}`);
  const met = lines.filter((l) => l.met).length;
  return `budgets (docs/architecture.md#budgets), this run; ours / floor where the budget is a ratio:\n${text.join('\n')}\n  ${met} of ${lines.length} met\n`;
}
