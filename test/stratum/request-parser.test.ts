/**
 * The hand parser (parseRequestFast) against the general one (JSON.parse and the checks,
 * parseRequestJson): on every line the fast path either gives exactly the general result or
 * declines (null), and parseRequest (fast, else general) answers every line as the general
 * parser does, the same request or the same BadRequest. Lines are real miners' requests
 * (test/fixtures worker-capture.json), generated requests (keys in any order and repeated,
 * spaces, tabs, unicode and escapes, numbers of every kind as ids, nulls, nested values, extra
 * and too many params, over-long ids and methods) and mutations of real submit lines.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { BadRequest, parseRequestJson, type StratumRequest } from '../../src/stratum/messages.js';
import { parseRequest, parseRequestFast } from '../../src/stratum/request-parser.js';

const capture = JSON.parse(
  readFileSync(new URL('../fixtures/p2pool-reference-node/worker-capture.json', import.meta.url), 'utf8'),
) as { stratum_sessions: Array<{ lines: Array<{ direction: string; raw: string }> }> };
const realRequests = capture.stratum_sessions.flatMap((s) => s.lines.filter((l) => l.direction === 'out').map((l) => l.raw.trim()));
const realSubmit = realRequests.find((l) => l.includes('"mining.submit"'))!;

type Outcome = { ok: StratumRequest } | { error: string; id: number | string | null };

function outcome(parse: (line: string) => StratumRequest, line: string): Outcome {
  try {
    return { ok: parse(line) };
  } catch (e) {
    if (e instanceof BadRequest) return { error: e.message, id: e.id };
    throw e;
  }
}

/** Same request (ids compared with Object.is: -0 is not 0) or the same error. */
function expectSame(a: Outcome, b: Outcome, line: string): void {
  if ('ok' in a && 'ok' in b) {
    expect(Object.is(a.ok.id, b.ok.id), `id of ${line}`).toBe(true);
    expect(a.ok.method, line).toBe(b.ok.method);
    expect(a.ok.params, line).toStrictEqual(b.ok.params);
  } else {
    expect(a, line).toStrictEqual(b);
  }
}

/** Checks one line; returns whether the fast path took it. */
function check(line: string): boolean {
  const general = outcome(parseRequestJson, line);
  const fast = parseRequestFast(line);
  if (fast !== null) {
    expect('ok' in general, `fast path accepted a line the general one rejects: ${line}`).toBe(true);
    expectSame({ ok: fast }, general, line);
  }
  expectSame(outcome(parseRequest, line), general, line);
  return fast !== null;
}

const hex8 = fc.integer({ min: 0, max: 0xffffffff }).map((n) => n.toString(16).padStart(8, '0'));
/** Strings of any code units (lone surrogates, controls, quotes, backslashes) and plain ones. */
const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 8 }));
/** Strings a fast path takes (no control characters, quotes or backslashes). */
// eslint-disable-next-line no-control-regex -- control characters are what is removed
const UNPLAIN = /[\u0000-\u001f"\\]/g;
const plainString = fc.string({ maxLength: 20 }).map((x) => x.replace(UNPLAIN, ''));
const idValue = fc.oneof(
  fc.integer({ min: -1000, max: 1_000_000 }),
  plainString,
  fc.maxSafeInteger(),
  fc.constantFrom(0, -0, 1e15 - 1, 1e15, 123456789012345, -999999999999999, 1.5, 1e21, 2 ** 53 + 2),
  fc.double(),
  anyString,
  fc.constantFrom('x'.repeat(64), 'x'.repeat(65)),
  fc.constant(null),
  fc.boolean(),
  fc.jsonValue({ maxDepth: 1 }),
);
const methodValue = fc.oneof(
  plainString,
  fc.constantFrom('mining.submit', 'mining.authorize', 'mining.subscribe', '', 'm'.repeat(64), 'm'.repeat(65)),
  anyString,
  fc.jsonValue({ maxDepth: 1 }),
);
const submitParams = fc.tuple(fc.oneof(plainString, anyString), fc.stringMatching(/^[0-9a-f]{0,8}$/), hex8, hex8, hex8).map((p) => [...p] as unknown[]);
const paramsValue = fc.oneof(
  submitParams,
  submitParams.map((p) => [...p, '1fffe000']),
  fc.array(fc.oneof(plainString, anyString), { maxLength: 18 }),
  fc.array(fc.constant('p'), { minLength: 15, maxLength: 18 }),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 4 }),
  fc.constantFrom(null, {}, 'x', 5),
);
const keyName = fc.oneof(fc.constantFrom('id', 'method', 'params', 'jsonrpc'), fc.constantFrom('ID', 'idx', 'i', '__proto__', 'error', 'result'), anyString);

/** A JSON text of a string with some or all of its characters as \u escapes. */
function escapedString(s: string, every: number): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += i % every === 0 || c < 0x20 || c === 0x22 || c === 0x5c ? `\\u${c.toString(16).padStart(4, '0')}` : s[i];
  }
  return `${out}"`;
}

const whitespace = fc.oneof({ weight: 20, arbitrary: fc.constantFrom('', ' ') }, { weight: 1, arbitrary: fc.constantFrom('  ', '\t', '\r', '\n', ' \t') });
/** How a string value is written: plain JSON (mostly), or with every 1st/2nd/3rd character as a \u escape. */
const escaping = fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) });
/** (key, value, escaping): mostly the four known keys with values of their kind, so repeats are common. */
const entry = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(fc.constant('id'), idValue, escaping) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('method'), methodValue, escaping) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('params'), paramsValue, escaping) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('jsonrpc'), fc.oneof(fc.constant('2.0'), anyString, fc.jsonValue({ maxDepth: 1 })), escaping) },
  { weight: 1, arbitrary: fc.tuple(keyName, fc.jsonValue({ maxDepth: 1 }), escaping) },
);
/** Serialises (key, value) pairs as an object, repeats allowed, with chosen whitespace and escapes. */
const entriesLine = fc
  .tuple(
    // A method among them most of the time (a request without one is rejected at once).
    fc.tuple(fc.array(entry, { maxLength: 3 }), fc.option(fc.tuple(fc.constant('method'), methodValue, escaping), { freq: 5 }), fc.array(entry, { maxLength: 2 }))
      .map(([before, method, after]) => (method === null ? [...before, ...after] : [...before, method, ...after])),
    fc.array(whitespace, { minLength: 8, maxLength: 8 }),
  )
  .map(([entries, ws]) => {
    const [a, b, c, d, e, f, g, h] = ws;
    const value = (v: unknown, esc: number): string => (typeof v === 'string' && esc > 0 ? escapedString(v, esc) : JSON.stringify(v) ?? 'null');
    const body = entries.map(([k, v, esc]) => `${JSON.stringify(k)}${b}:${c}${value(v, esc)}`).join(`${d},${e}`);
    return `${a}{${f}${body}${g}}${h}`;
  });

/** Well-formed requests of the common shape, so the fast path is exercised, not just declined. */
const commonLine = fc
  .record({
    id: fc.oneof(fc.integer({ min: -1e6, max: 1e12 }), plainString, fc.constantFrom('i'.repeat(64), 'i'.repeat(65)), fc.constant(null)),
    method: fc.constantFrom('mining.submit', 'mining.authorize', 'mining.subscribe', 'mining.extranonce.subscribe'),
    params: fc.oneof(submitParams.map((p) => p.map(String).map((s) => s.replace(UNPLAIN, ''))), fc.constant([])),
    jsonrpc: fc.constant('2.0'),
  }, { requiredKeys: ['method'] })
  .chain((req) => fc.tuple(fc.shuffledSubarray(Object.keys(req), { minLength: Object.keys(req).length }), fc.constantFrom([',', ':'], [', ', ': '], [' , ', ' : '])).map(([keys, [comma, colon]]) =>
    `{${keys.map((k) => `${JSON.stringify(k)}${colon}${JSON.stringify(req[k as keyof typeof req])}`).join(comma)}}`));

const mutationChar = fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\t', '\r', '\n', '0', '1', '9', '-', '+', '.', 'e', 'E', 'n', 'u', 'l', 'é', '\u0000', '\u001f', '\u007f', '\ud800', '😀', 'x');
const mutation = fc.tuple(fc.constantFrom('insert', 'delete', 'replace'), fc.nat(), mutationChar);
function mutate(line: string, ops: Array<[string, number, string]>): string {
  let s = line;
  for (const [op, at, c] of ops) {
    const i = at % (s.length + 1);
    if (op === 'insert') s = s.slice(0, i) + c + s.slice(i);
    else if (op === 'delete') s = s.slice(0, i) + s.slice(i + 1);
    else s = s.slice(0, i) + c + s.slice(i + 1);
  }
  return s;
}

describe('parseRequestFast and parseRequest against JSON.parse and the checks', () => {
  it("takes every real miner's simple request, and answers all of them as the general parser", () => {
    let fast = 0;
    for (const line of realRequests) if (check(line)) fast++;
    // subscribe, authorize and submit have string params; configure's are nested (general path).
    expect(fast).toBe(realRequests.filter((l) => !l.includes('mining.configure')).length);
    expect(fast).toBeGreaterThan(3);
  });

  it('gives each request params of its own, however many lines it read since', () => {
    // The fast path gathers params in one reused array: each result must be a copy.
    const first = parseRequestFast('{"id":1,"method":"mining.submit","params":["w","j","e2","t","n"]}')!;
    const second = parseRequestFast('{"id":2,"method":"mining.authorize","params":["user","pass"]}')!;
    const declined = parseRequestFast('{"id":3,"method":"m","params":["a","b","c",4]}');
    const none = parseRequestFast('{"id":4,"method":"mining.subscribe","params":[]}')!;
    expect(declined).toBeNull();
    expect(first.params).toEqual(['w', 'j', 'e2', 't', 'n']);
    expect(second.params).toEqual(['user', 'pass']);
    expect(none.params).toEqual([]);
    expect(first.params).not.toBe(second.params);
  });

  it('agrees on chosen edge cases', () => {
    const cases: Array<[string, boolean]> = [
      ['{"id":1,"method":"mining.submit","params":["w","j","00000001","5f5e1000","0000abcd"]}', true],
      ['{"params":[],"jsonrpc":"2.0","method":"x","id":"a"}', true],
      ['{"id":-0,"method":"a","params":[]}', true],
      ['{"id":null,"method":"a"}', true],
      ['{"id":123456789012345,"method":"a"}', true],
      ['{"id":1234567890123456,"method":"a"}', false],
      ['{"id":1.0,"method":"a"}', false],
      ['{"id":1e2,"method":"a"}', false],
      ['{"id":01,"method":"a"}', false],
      ['{"id":true,"method":"a"}', false],
      ['{"id":1,"id":2,"method":"a"}', false],
      ['{"id":1,"method":"a","method":"b"}', false],
      ['{"id":1,"method":"\\u0061"}', false],
      ['{"id":"\\u00e9","method":"a"}', false],
      ['{"id":1,\t"method":"a"}', false],
      ['{"id":1,"method":"a","params":null}', false],
      ['{"id":1,"method":"a","params":[1]}', false],
      ['{"id":1,"method":"a","params":["x",]}', false],
      ['{"id":1,"method":"a",}', false],
      ['{"id":1,"method":"a","extra":1}', false],
      ['{"id":1,"method":""}', false],
      [`{"id":1,"method":"${'m'.repeat(65)}"}`, false],
      [`{"id":"${'i'.repeat(65)}","method":"a"}`, false],
      [`{"id":1,"method":"a","params":[${Array(17).fill('"p"').join(',')}]}`, false],
      [`{"id":1,"method":"a","params":[${Array(16).fill('"p"').join(',')}]}`, true],
      ['{"id":1,"method":"é✓😀"}', true],
      ['{"id":1,"method":"a"} x', false],
      ['{"id":1,"method":"a"', false],
      ['  {"id":1,"method":"a"}  ', true],
      ['', false],
      ['[]', false],
      ['{}', false],
    ];
    for (const [line, fast] of cases) expect(check(line), line).toBe(fast);
  });

  it('agrees on generated requests: any keys, repeats, whitespace, escapes, ids and params', () => {
    let taken = 0;
    fc.assert(fc.property(entriesLine, (line) => {
      if (check(line)) taken++;
    }), { numRuns: 5000 });
    // Both paths are exercised.
    expect(taken).toBeGreaterThan(250);
    expect(taken).toBeLessThan(4750);
  });

  it('takes well-formed requests of the common shape in any key order and spacing', () => {
    let taken = 0;
    fc.assert(fc.property(commonLine, (line) => {
      if (check(line)) taken++;
    }), { numRuns: 2000 });
    // Only over-long string ids go to the general path.
    expect(taken).toBeGreaterThan(1500);
    expect(taken).toBeLessThan(2000);
  });

  it('agrees on mutated real and generated submit lines', () => {
    fc.assert(fc.property(fc.oneof(fc.constant(realSubmit), commonLine), fc.array(mutation, { minLength: 1, maxLength: 4 }), (line, ops) => {
      check(mutate(line, ops));
    }), { numRuns: 5000 });
  });
});
