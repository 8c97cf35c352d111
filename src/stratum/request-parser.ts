/**
 * Request parsing with a hand-written fast path for the shape nearly every Stratum line has:
 * `{"id":N,"method":"...","params":["...", ...]}` (keys in any order, spaces between tokens,
 * an optional "jsonrpc" string). mining.submit is the node's hottest input, and JSON.parse
 * with its object, array and string allocations was the largest non-hashing cost of a submit
 * after the header's own work (bench/mining.ts `inProcess`, profiled with --cpu-prof).
 *
 * The fast path only RECOGNISES: for any line it returns either exactly what parseRequestJson
 * (messages.ts: JSON.parse and the checks) returns for that line, or null, and then the
 * general path decides. Everything unusual is left to the general path: any backslash (string
 * escapes) or control character (so the only whitespace is the space), numbers that are not
 * short integers, literals other than a null id, nested values, keys other than id, method,
 * params and jsonrpc, repeated keys, and any line the general path would reject. RFC 8259 is
 * the grammar. test/stratum/request-parser.test.ts compares the two paths on generated and
 * mutated lines.
 */
import { MAX_ID_LENGTH, MAX_METHOD_LENGTH, MAX_PARAMS, parseRequestJson, type StratumRequest } from './messages.js';

const QUOTE = 0x22;
const SPACE = 0x20;
/** Integer ids of up to 15 digits are exact doubles, so Number() of the text equals JSON.parse's. */
const MAX_ID_DIGITS = 15;
/** A backslash or a control character anywhere: not for the fast path. */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it looks for
const UNUSUAL = /[\u0000-\u001f\\]/;

/**
 * parseRequestFast's params while it reads them (single-threaded): MAX_PARAMS slots made once,
 * never shrunk (emptying an array frees its slots, and the next push grows them again).
 */
const PARAMS_SCRATCH: string[] = new Array<string>(MAX_PARAMS).fill('');

/** Parse one line into a request; throws BadRequest (messages.ts) with a reason for anything else. */
export function parseRequest(line: string): StratumRequest {
  return parseRequestFast(line) ?? parseRequestJson(line);
}

/** The request, or null when the line is not of the common shape (use parseRequestJson). */
export function parseRequestFast(s: string): StratumRequest | null {
  if (UNUSUAL.test(s)) return null;
  let i = skipSpaces(s, 0);
  if (at(s, i) !== 0x7b) return null; // '{'
  let id: number | string | null | undefined;
  let method: string | undefined;
  let params: string[] | undefined;
  let jsonrpc = false;
  for (;;) {
    i = skipSpaces(s, i + 1);
    const key = keyAt(s, i);
    if (key === Key.Other) return null;
    i = skipSpaces(s, i + KEY_LENGTH[key]);
    if (at(s, i) !== 0x3a) return null; // ':'
    i = skipSpaces(s, i + 1);
    if (key === Key.Method || key === Key.JsonRpc) {
      // method, jsonrpc: a string (no escapes: none is left in the line).
      if (at(s, i) !== QUOTE) return null;
      const end = s.indexOf('"', i + 1);
      if (end < 0) return null;
      if (key === Key.Method) {
        if (method !== undefined) return null;
        method = s.slice(i + 1, end);
      } else {
        if (jsonrpc) return null;
        jsonrpc = true;
      }
      i = end + 1;
    } else if (key === Key.Params) {
      if (params !== undefined || at(s, i) !== 0x5b) return null; // '['
      i = skipSpaces(s, i + 1);
      if (at(s, i) === 0x5d) { // ']': no params
        params = [];
        i++;
      } else {
        // Gathered in a reused array, then copied at their count: an array grown by push from
        // empty reserves ~17 slots (~100 bytes more garbage a submit than 5).
        const found = PARAMS_SCRATCH;
        let n = 0;
        for (;;) {
          if (at(s, i) !== QUOTE) return null;
          const end = s.indexOf('"', i + 1);
          // More params than the general parser allows: it gives the error.
          if (end < 0 || n === MAX_PARAMS) return null;
          found[n++] = s.slice(i + 1, end);
          i = skipSpaces(s, end + 1);
          const c = at(s, i);
          if (c === 0x5d) break; // ']'
          if (c !== 0x2c) return null; // ','
          i = skipSpaces(s, i + 1);
        }
        params = found.slice(0, n);
        i++;
      }
    } else {
      if (id !== undefined) return null;
      const c = at(s, i);
      if (c === QUOTE) {
        const end = s.indexOf('"', i + 1);
        if (end < 0) return null;
        id = s.slice(i + 1, end);
        i = end + 1;
      } else if (c === 0x6e) { // 'n'
        if (!s.startsWith('null', i)) return null;
        id = null;
        i += 4;
      } else {
        // -?(0|[1-9][0-9]*) with no fraction or exponent (RFC 8259 §6), its value made from the
        // digits (exact below 2**53, as JSON.parse's; "-0" is -0 in both).
        const negative = c === 0x2d; // '-'
        if (negative) i++;
        const first = i;
        let n = 0;
        for (let d = digitAt(s, i); d >= 0; d = digitAt(s, ++i)) n = n * 10 + d;
        const digits = i - first;
        if (digits === 0 || digits > MAX_ID_DIGITS || (digits > 1 && s.charCodeAt(first) === 0x30)) return null;
        id = negative ? -n : n;
      }
    }
    i = skipSpaces(s, i);
    const c = at(s, i);
    if (c === 0x7d) break; // '}'
    if (c !== 0x2c) return null; // ','
  }
  if (skipSpaces(s, i + 1) !== s.length) return null;
  // The general parser's checks: a line it would reject goes to it for the exact error.
  if (method === undefined || method.length === 0 || method.length > MAX_METHOD_LENGTH) return null;
  if (typeof id === 'string' && id.length > MAX_ID_LENGTH) return null;
  return { id: id ?? null, method, params: params ?? [] };
}

/** The keys the fast path knows. */
const enum Key {
  Other,
  Method,
  Params,
  Id,
  JsonRpc,
}
/** Each key's length in the line, quotes included. */
const KEY_LENGTH = [0, 8, 8, 4, 9] as const;

/** Which known key starts at i, compared in place with its quotes ("idx" is not "id"): no string is made. */
function keyAt(s: string, i: number): Key {
  if (i + 4 > s.length || s.charCodeAt(i) !== QUOTE) return Key.Other;
  switch (s.charCodeAt(i + 1)) {
    case 0x6d: return s.startsWith('method"', i + 1) ? Key.Method : Key.Other; // 'm'
    case 0x70: return s.startsWith('params"', i + 1) ? Key.Params : Key.Other; // 'p'
    case 0x69: return s.charCodeAt(i + 2) === 0x64 && s.charCodeAt(i + 3) === QUOTE ? Key.Id : Key.Other; // 'i', 'd'
    case 0x6a: return s.startsWith('jsonrpc"', i + 1) ? Key.JsonRpc : Key.Other; // 'j'
    default: return Key.Other;
  }
}

/**
 * The index of the first non-space at or after i. Every read stays inside the string: reading
 * past the end (NaN) made V8 deoptimise the parser (--cpu-prof).
 */
function skipSpaces(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) === SPACE) i++;
  return i;
}

/** The code unit at i, or -1 past the end. */
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : -1;
}

/** The digit at i, or -1 (also past the end). */
function digitAt(s: string, i: number): number {
  if (i >= s.length) return -1;
  const d = s.charCodeAt(i) - 0x30;
  return d >= 0 && d <= 9 ? d : -1;
}
