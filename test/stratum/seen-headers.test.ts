/**
 * The duplicate check's set of submitted headers (src/stratum/seen-headers.ts) against a plain
 * Set of the same four fields: random headers with repeats, the extreme values, growth past
 * many doublings, and clear().
 */
import { describe, expect, it } from 'vitest';
import { SeenHeaders } from '../../src/stratum/seen-headers.js';
import { xorshift32 } from '../support/xorshift.js';

describe('SeenHeaders', () => {
  it('answers as a Set of the four fields would, through growth', () => {
    const next = xorshift32(7); // repeatable: a failure repeats
    const set = new SeenHeaders();
    const reference = new Set<string>();
    const pool: [number, number, number, number][] = [];
    for (let i = 0; i < 20_000; i++) {
      // Half the time a header seen before (a duplicate), else a new one; fields from the whole
      // 32-bit range, and from a narrow one (a miner counting up its extranonce2 and nonce).
      let h: [number, number, number, number];
      if (pool.length > 0 && next() % 2 === 0) h = pool[next() % pool.length]!;
      else if (next() % 2 === 0) h = [next(), next(), next(), next()];
      else h = [i % 7, 1_700_000_000 + (i % 3), i, 0x20000000];
      pool.push(h);
      const key = h.join(',');
      const isNew = !reference.has(key);
      reference.add(key);
      expect(set.add(...h)).toBe(isNew);
    }
    expect(set.size).toBe(reference.size);
    expect(set.slots).toBeGreaterThanOrEqual(2 * reference.size);
  });

  it('tells apart headers that differ in one bit of any field, zeros and 2**32 - 1 included', () => {
    const set = new SeenHeaders();
    const base: [number, number, number, number] = [0, 0, 0, 0];
    expect(set.add(...base)).toBe(true);
    expect(set.add(...base)).toBe(false);
    for (let field = 0; field < 4; field++) {
      for (let bit = 0; bit < 32; bit++) {
        const h: [number, number, number, number] = [...base];
        h[field] = (2 ** bit) >>> 0;
        expect(set.add(...h)).toBe(true);
        expect(set.add(...h)).toBe(false);
      }
    }
    const top: [number, number, number, number] = [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff];
    expect(set.add(...top)).toBe(true);
    expect(set.add(...top)).toBe(false);
    expect(set.size).toBe(1 + 4 * 32 + 1);
  });

  it('forgets everything on clear() and keeps working', () => {
    const set = new SeenHeaders();
    for (let i = 0; i < 100; i++) expect(set.add(i, 1, 2, 3)).toBe(true);
    const slots = set.slots;
    set.clear();
    expect(set.size).toBe(0);
    expect(set.slots).toBe(slots);
    for (let i = 0; i < 100; i++) expect(set.add(i, 1, 2, 3)).toBe(true);
    for (let i = 0; i < 100; i++) expect(set.add(i, 1, 2, 3)).toBe(false);
  });
});
