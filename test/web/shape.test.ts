import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareShape, kindOf } from './shape.js';

const capture = JSON.parse(readFileSync(new URL('../fixtures/p2pool-reference-node/web-capture.json', import.meta.url), 'utf8')) as Record<string, { body: string | null }>;
const body = (path: string): unknown => JSON.parse(capture[path]!.body!);

describe('shape comparer', () => {
  it('names JSON kinds', () => {
    expect([null, true, 1.5, 'x', [], {}].map(kindOf)).toEqual(['null', 'boolean', 'number', 'string', 'array', 'object']);
    expect(() => kindOf(undefined)).toThrow();
  });

  it('accepts the reference against itself, for every JSON endpoint captured', () => {
    for (const [path, r] of Object.entries(capture)) {
      if (r.body === null || !path.startsWith('/') || path === '/' || path === '/static/') continue;
      let v: unknown;
      try {
        v = JSON.parse(r.body);
      } catch {
        continue; // text bodies (patron_sendmany, errors, 404 page)
      }
      expect(compareShape(v, v), path).toEqual([]);
    }
  });

  it('finds a missing key, an extra key and a changed type, with their paths', () => {
    const ref = body('/global_stats') as Record<string, unknown>;
    const { min_difficulty: _drop, ...missing } = ref;
    expect(compareShape(ref, missing)).toEqual(["$: missing key 'min_difficulty'"]);
    expect(compareShape(ref, { ...ref, bonus: 1 })).toEqual(["$: extra key 'bonus'"]);
    expect(compareShape(ref, { ...ref, bonus: 1 }, { extra: ['$.bonus'] })).toEqual([]);
    expect(compareShape(ref, { ...ref, pool_hash_rate: '2.5' })).toEqual(['$.pool_hash_rate: reference has number, ours string']);
  });

  it('checks nested objects (a share) and nullable fields', () => {
    const share = body('/web/share/0000000ebf4d8d400a2b077b86a287bb534f0e8f9ae522d429453dd80555875d') as { share_data: Record<string, unknown>; block: { header: Record<string, unknown> } };
    const orphan = { ...share, share_data: { ...share.share_data, stale_info: 'orphan' } };
    expect(compareShape(share, orphan)).toEqual(['$.share_data.stale_info: reference has null, ours string']);
    expect(compareShape(share, orphan, { nullable: ['$.share_data.stale_info'] })).toEqual([]);
    const badHeader = { ...share, block: { ...share.block, header: { ...share.block.header, nonce: '1' } } };
    expect(compareShape(share, badHeader)).toEqual(['$.block.header.nonce: reference has number, ours string']);
  });

  it('treats dictionaries as maps: any keys, values of the reference type', () => {
    const users = body('/users');
    expect(compareShape(users, { someaddress: 0.5, other: 0.5 })).not.toEqual([]);
    expect(compareShape(users, { someaddress: 0.5, other: 0.5 }, { maps: ['$'] })).toEqual([]);
    expect(compareShape(users, { someaddress: '0.5' }, { maps: ['$'] })).toEqual(["$.*: reference has number, ours string"]);
    expect(compareShape({}, { anything: [1] }, { maps: ['$'] })).toEqual([]);
  });

  it('checks each array element against the reference elements (graph points)', () => {
    const points = body('/web/graph_data/pool_rates/last_hour') as unknown[];
    const opts = { maps: ['$[*][*]'] };
    expect(compareShape(points, [[1, null, 24, 0], [2, { good: 1, null: 0 }, 24, 0]], opts)).toEqual([]);
    expect(compareShape(points, [[1, 'x', 24, 0]], opts)).not.toEqual([]);
    expect(compareShape(points, [[1, { good: 'x' }, 24, 0]], opts)).toEqual(['$[*][*].*: reference has number, ours string']);
    expect(compareShape([], [[1]])).toEqual([]);
  });
});
