/**
 * The fuzzer finds what it is for (fuzz/engine.ts, fuzz/selftest/): a toy decoder hides a crash,
 * an allocation trusted from a length byte and a slow loop behind a 4-byte magic that random
 * bytes pass once in 2^32 tries; starting from one seed that fails the magic, coverage guidance
 * must reach and report each, as the right kind of finding, within seconds.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function selftest(kind: number): { finding: { kind: string; message: string } | null; execs: number; ownCovered: number; ownTotal: number } {
  const r = spawnSync(process.execPath, ['--import', './fuzz/register.mjs', 'fuzz/selftest/main.ts', String(kind), '60'], { cwd: root, encoding: 'utf8', timeout: 90_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) throw new Error(`self-test ${kind} printed no result:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line) as ReturnType<typeof selftest>;
}

describe('the coverage-guided fuzzer', () => {
  it.each([
    [1, 'crash', /TypeError/],
    [2, 'allocation', /one allocation of \d+ bytes/],
    [3, 'hang', /> 100 ms/],
  ])('finds the planted bug %i behind a 4-byte magic: %s', (kind, expected, message) => {
    const r = selftest(kind);
    expect(r.finding?.kind).toBe(expected);
    expect(r.finding?.message).toMatch(message);
    // Found by coverage, not luck: well under the 2^32 tries blind chance would need.
    expect(r.execs).toBeLessThan(5_000_000);
    console.log(`planted bug ${kind} (${expected}) found after ${r.execs} executions`);
  }, 100_000);
});
