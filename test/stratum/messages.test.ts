import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { acceptedLine, BadRequest, hexParam, hexU32Param, pushLine, responseLine } from '../../src/stratum/messages.js';
import { parseRequest } from '../../src/stratum/request-parser.js';

const capture = JSON.parse(
  readFileSync(new URL('../fixtures/p2pool-reference-node/worker-capture.json', import.meta.url), 'utf8'),
) as { stratum_sessions: Array<{ lines: Array<{ direction: string; raw: string; parsed: Record<string, unknown> }> }> };

describe('stratum messages', () => {
  it('parses every request a real miner sent to the reference node', () => {
    const requests = capture.stratum_sessions.flatMap((s) => s.lines.filter((l) => l.direction === 'out'));
    expect(requests.length).toBeGreaterThan(3);
    for (const l of requests) {
      const r = parseRequest(l.raw.trim());
      expect(r.method).toBe(l.parsed.method);
      expect(r.params).toEqual(l.parsed.params);
      expect(r.id).toBe(l.parsed.id);
    }
  });

  it('answers with the same keys and value types as the reference', () => {
    const refResponse = capture.stratum_sessions[0]!.lines.find((l) => l.direction === 'in' && 'result' in l.parsed)!.parsed;
    const ours = JSON.parse(responseLine(1, true)) as Record<string, unknown>;
    expect(Object.keys(ours).sort()).toEqual(Object.keys(refResponse).sort());
    const refPush = capture.stratum_sessions[0]!.lines.find((l) => l.direction === 'in' && l.parsed.method === 'mining.set_difficulty')!.parsed;
    const push = JSON.parse(pushLine('mining.set_difficulty', [1])) as Record<string, unknown>;
    expect(Object.keys(push).sort()).toEqual(Object.keys(refPush).sort());
    expect(typeof push.id).toBe('number');
  });

  it('rejects malformed input with BadRequest', () => {
    for (const bad of ['{', '[]', '"x"', '{"id":1}', '{"id":1,"method":5}', '{"id":1,"method":"a","params":{}}']) {
      expect(() => parseRequest(bad)).toThrow(BadRequest);
    }
    expect(() => hexParam('xyz', 4, 'nonce')).toThrow(BadRequest);
    expect(() => hexParam('0011223', 4, 'nonce')).toThrow(BadRequest);
    expect(hexParam('DEADBEEF', 4, 'nonce')).toBe('deadbeef');
  });

  it('reads a 4-byte hex param as hexParam + parseInt do, and rejects what hexParam rejects', () => {
    const general = (v: unknown): number | string => {
      try {
        return parseInt(hexParam(v, 4, 'nonce'), 16);
      } catch (e) {
        return (e as Error).message;
      }
    };
    const fast = (v: unknown): number | string => {
      try {
        return hexU32Param(v, 'nonce');
      } catch (e) {
        expect(e).toBeInstanceOf(BadRequest);
        return (e as Error).message;
      }
    };
    const hexish = fc.oneof(fc.stringMatching(/^[0-9a-fA-F]{8}$/), fc.stringMatching(/^[0-9a-fA-FgGxX \-+.٠]{0,10}$/));
    fc.assert(fc.property(fc.oneof(hexish, fc.string({ unit: 'binary', maxLength: 9 }), fc.jsonValue()), (v) => {
      expect(fast(v)).toBe(general(v));
    }), { numRuns: 5000 });
    for (const [v, n] of [['00000000', 0], ['FFFFFFFF', 0xffffffff], ['deadBEEF', 0xdeadbeef], ['0000abcd', 0xabcd]] as const) expect(hexU32Param(v, 'x')).toBe(n);
  });

  it('writes the accepted answer as responseLine does', () => {
    for (const id of [0, 1, -5, 123456789012345, 'a', 'é"\\', null]) expect(acceptedLine(id)).toBe(responseLine(id, true));
  });
});
