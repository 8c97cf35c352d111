/**
 * bench/budgets.ts: the budgets' table that `npm run bench` prints after its JSON, read off a
 * real run's output (test/fixtures/bench, see SOURCES.md).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { budgetLines, formatBudgets } from '../../bench/budgets.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const run = JSON.parse(readFileSync(new URL('../fixtures/bench/bench-run-2026-12-08.json', import.meta.url), 'utf8')) as Json;

describe('the budgets read off a bench run', () => {
  const lines = budgetLines(run);
  const byName = (re: RegExp) => {
    const l = lines.find((x) => re.test(x.name));
    if (!l) throw new Error(`no line matching ${re}`);
    return l;
  };

  it('has one line per budget the run measured, each with the section\'s own verdict', () => {
    expect(lines).toHaveLength(8);
    const v = run.mining.versusFloor;
    const relay = run.p2p.relay;
    expect(lines.map((l) => l.met)).toEqual([
      run.sharechain.startupVersusHashingFloor.ok,
      run.sharechain.memory.firstJob.ok,
      run.sharechain.memory.ok,
      v.notifyLastWrittenP99Ms.ok,
      v.submitsPerSecond.ok,
      v.submitP99At5000Ms.ok,
      relay.versusFloor.p50.ok,
      relay.versusFloor.p99.ok,
    ]);
  });

  it('puts ours beside the floor, with the ratio the budget is about', () => {
    const relay = run.p2p.relay;
    const p50 = byName(/relay.*p50/);
    expect(p50.figures).toBe(`${relay.p50Ms} / ${relay.floor.p50Ms} ms`);
    expect(p50.ratio).toBe(relay.versusFloor.p50.ratio);
    // 0.289 ms against 0.095 ms: over 3x, so not met.
    expect(p50.ratio! > 3).toBe(true);
    expect(p50.met).toBe(false);
    const submits = byName(/submits\/s/);
    expect(submits.budget).toBe('>= 0.95x');
    expect(submits.figures).toContain(run.mining.versusFloor.submitsPerSecond.ours.toLocaleString('en-US'));
    const load = byName(/load and fully verify/);
    expect(load.ratio).toBe(run.sharechain.startupVersusHashingFloor.ratio);
    expect(load.budget).toBe('<= 2x');
  });

  it('prints a table with a count of what was met', () => {
    const text = formatBudgets(lines);
    const met = lines.filter((l) => l.met).length;
    expect(text).toContain(`${met} of 8 met`);
    expect(text.split('\n').filter((l) => /^\s+NOT met/.test(l))).toHaveLength(8 - met);
    expect(text).toMatch(/first job after start, full store\s+0\.441 s\s+< 1 s/);
  });

  it('leaves out the sections that did not run, and prints nothing for none', () => {
    const onlyP2p = budgetLines({ node: run.node, p2p: run.p2p });
    expect(onlyP2p.map((l) => l.name)).toEqual(['relay through one node, paced, p50', 'relay through one node, paced, p99']);
    expect(budgetLines({ mining: { skipped: 'bench/mining.js not present' } })).toEqual([]);
    expect(formatBudgets([])).toBe('');
  });
});
