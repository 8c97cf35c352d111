/**
 * Every input the fuzzers found a problem with (test/fixtures/fuzz/TARGET/*.bin, each named
 * for what it broke) goes through its target again, here without instrumentation: the target's
 * own checks (only the decoder's typed errors, decode -> encode identity, ...) must hold.
 * docs/testing.md#fuzzing says how a finding becomes one of these.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TARGETS } from '../../fuzz/targets/index.js';

const dir = fileURLToPath(new URL('../fixtures/fuzz/', import.meta.url));
const cases = readdirSync(dir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(join(dir, d.name)).filter((f) => f.endsWith('.bin')).map((f) => ({ target: d.name, file: f })));

describe('fuzz findings stay fixed', () => {
  it('has findings to replay, each for a known target', () => {
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(TARGETS.map((t) => t.name)).toContain(c.target);
  });

  it.each(cases)('$target: $file', async ({ target, file }) => {
    const t = TARGETS.find((x) => x.name === target)!;
    await t.run(readFileSync(join(dir, target, file)));
  });
});
