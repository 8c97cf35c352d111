/**
 * Stratum v1 JSON-RPC messages: parsing of untrusted request lines and the shapes the node
 * sends. Shapes follow what miners already accept from the reference node
 * (test/fixtures/p2pool-reference-node/worker-capture.json): responses carry
 * `{"id","result","error":null,"jsonrpc":"2.0"}`; server pushes (set_difficulty, notify) are
 * requests with an integer id.
 */

/** Conventional Stratum error codes (shared by slush's spec, ckpool and most pools). */
export const StratumErrorCode = {
  OTHER: 20,
  JOB_NOT_FOUND: 21,
  DUPLICATE_SHARE: 22,
  LOW_DIFFICULTY: 23,
  UNAUTHORIZED: 24,
  NOT_SUBSCRIBED: 25,
} as const;

export type StratumError = [code: number, message: string, traceback: null];

export interface StratumRequest {
  id: number | string | null;
  method: string;
  params: unknown[];
}

export class BadRequest extends Error {
  override readonly name = 'BadRequest';
  constructor(message: string, readonly id: number | string | null = null) {
    super(message);
  }
}

export const MAX_METHOD_LENGTH = 64;
export const MAX_PARAMS = 16;
/** Longest string id echoed back. */
export const MAX_ID_LENGTH = 64;

/**
 * Parse one line into a request with JSON.parse; throws BadRequest with a reason for anything
 * else. The general path: request-parser.ts `parseRequest` tries its hand parser first.
 */
export function parseRequestJson(line: string): StratumRequest {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    throw new BadRequest('malformed JSON');
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) throw new BadRequest('request is not a JSON object');
  const o = msg as Record<string, unknown>;
  const rawId = o.id;
  const id = typeof rawId === 'number' || typeof rawId === 'string' ? rawId : null;
  if (typeof id === 'string' && id.length > MAX_ID_LENGTH) throw new BadRequest('id too long');
  if (typeof o.method !== 'string' || o.method.length === 0 || o.method.length > MAX_METHOD_LENGTH) {
    throw new BadRequest('missing or invalid method', id);
  }
  const params = o.params === undefined || o.params === null ? [] : o.params;
  if (!Array.isArray(params)) throw new BadRequest('params must be an array', id);
  if (params.length > MAX_PARAMS) throw new BadRequest('too many params', id);
  return { id, method: o.method, params };
}

export function responseLine(id: number | string | null, result: unknown, error: StratumError | null = null): string {
  return JSON.stringify({ id, result: error ? null : result, error, jsonrpc: '2.0' }) + '\n';
}

/**
 * responseLine(id, true): the answer to every good mining.submit, written without building and
 * stringifying an object (a number id prints the same in a template as in JSON.stringify).
 */
export function acceptedLine(id: number | string | null): string {
  return typeof id === 'number' ? `{"id":${id},"result":true,"error":null,"jsonrpc":"2.0"}\n` : responseLine(id, true);
}

let pushId = 0;
/** A server -> miner call (mining.notify, mining.set_difficulty, ...), with a fresh integer id. */
export function pushLine(method: string, params: unknown[]): string {
  return pushLineJson(method, JSON.stringify(params));
}

/**
 * pushLine with the params already serialized as a JSON array. mining.notify goes to every
 * miner on new work with a multi-kilobyte coinb1, and JSON.stringify re-scanning it for
 * escapes was a sixth of the broadcast's time (bench/mining.ts); its params are hex strings,
 * numbers and booleans, which the caller writes directly.
 */
export function pushLineJson(method: string, paramsJson: string): string {
  return `{"id":${nextPushId()},"method":${JSON.stringify(method)},"params":${paramsJson},"jsonrpc":"2.0"}\n`;
}

/** The id of the next server -> miner call (a line assembled elsewhere takes it here: notify-line.ts). */
export function nextPushId(): number {
  pushId = (pushId + 1) % 0x7fffffff;
  return pushId;
}

export function stratumError(code: number, message: string): StratumError {
  return [code, message, null];
}

/** A param that must be a hex string of exactly `bytes` bytes (ntime, nonce, extranonce2, version bits). */
export function hexParam(value: unknown, bytes: number, name: string): string {
  if (typeof value !== 'string' || value.length !== bytes * 2 || !/^[0-9a-fA-F]+$/.test(value)) {
    throw new BadRequest(`${name} must be ${bytes * 2} hex characters`);
  }
  return value.toLowerCase();
}

/**
 * hexParam(value, 4, name) read as the big-endian number it spells (what mining.submit's
 * extranonce2, ntime, nonce and version bits are): one pass over the characters instead of a
 * regular expression, a lower-cased copy and parseInt for each of a submit's four params.
 */
export function hexU32Param(value: unknown, name: string): number {
  if (typeof value === 'string' && value.length === 8) {
    let n = 0;
    for (let i = 0; i < 8; i++) {
      const d = hexDigit(value.charCodeAt(i));
      if (d < 0) break;
      n = n * 16 + d;
      if (i === 7) return n;
    }
  }
  throw new BadRequest(`${name} must be 8 hex characters`);
}

/** The value of one hex digit's character code, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30; // 0-9
  const l = c | 0x20; // A-F to a-f
  if (l >= 0x61 && l <= 0x66) return l - 0x57;
  return -1;
}
