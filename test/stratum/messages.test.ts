import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { BadRequest, hexParam, pushLine, responseLine } from '../../src/stratum/messages.js';
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
});
