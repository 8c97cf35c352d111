import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeGetworkData, encodeGetwork } from '../../src/getwork/getwork-data.js';
import { DecodeError } from '../../src/bitcoin/errors.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/p2pool-reference/repo_test_vectors.json', import.meta.url), 'utf8')) as {
  getwork_cases: { cases: Array<{ data: string; midstate: string; target: string; hash1: string }> };
};

describe('getwork encoding', () => {
  it('reproduces the reference getwork cases (data, midstate, target)', () => {
    const cases = vectors.getwork_cases.cases;
    expect(cases.length).toBe(2);
    for (const c of cases) {
      const header = decodeGetworkData(c.data);
      const target = BigInt('0x' + Buffer.from(c.target, 'hex').reverse().toString('hex'));
      const enc = encodeGetwork(header, target);
      expect(enc.data).toBe(c.data);
      expect(enc.midstate).toBe(c.midstate);
      expect(enc.target).toBe(c.target);
      expect(enc.hash1).toBe(c.hash1);
    }
  });

  it('rejects malformed data', () => {
    for (const bad of [null, 5, 'zz', '00'.repeat(79), '00'.repeat(81)]) expect(() => decodeGetworkData(bad)).toThrow(DecodeError);
  });
});
