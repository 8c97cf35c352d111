/**
 * How the API writes its answers: JSON (with exact big integers), plain text, raw bytes, and
 * short JSON errors. Every endpoint goes through here so status codes, content types and HEAD
 * handling are the same everywhere. CORS (`Access-Control-Allow-Origin: *`) is set by the
 * worker port for every HTTP answer (src/node/worker-port.ts), as the reference does (docs/api.md).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';

/**
 * JSON text of `value`, with bigints written as exact integer literals. The reference prints
 * targets and work (up to 2^256) as Python ints, e.g. share_data.target in /web/share; JSON has
 * no size limit on numbers, so we must not round them through a double.
 *
 * How: a bigint becomes a marked string, then the marked strings become bare digits. The
 * marker holds a random nonce made per call, so no string from outside (a miner's name) can
 * look like one.
 */
export function toJson(value: unknown): string {
  const mark = `\u0000${randomBytes(8).toString('hex')}:`;
  const text = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? mark + v.toString() : v));
  // JSON.stringify(undefined) is undefined: an endpoint with nothing to say answers null.
  if (text === undefined) return 'null';
  // In the JSON text the marker's NUL appears escaped as the six characters \u0000.
  const escaped = JSON.stringify(mark).slice(1, -1);
  return text.split(`"${escaped}`).map((part, i) => (i === 0 ? part : part.replace(/^(-?\d+)"/, '$1'))).join('');
}

/** An answer an endpoint computed: JSON by default, or text/bytes with their content type. */
export type ApiBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: Buffer };

/** A request the API refuses: 400 for bad parameters, 404 for unknown things. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: 400 | 404 | 503,
    message: string,
  ) {
    super(message);
  }
}

export const json = (value: unknown): ApiBody => ({ kind: 'json', value });

/** Write `body` (no body bytes for HEAD, but the same headers and Content-Length). */
export function sendBody(res: ServerResponse, head: boolean, body: ApiBody, status = 200): void {
  let payload: Buffer;
  let type: string;
  switch (body.kind) {
    case 'json':
      payload = Buffer.from(toJson(body.value));
      type = 'application/json';
      break;
    case 'text':
      payload = Buffer.from(body.text);
      type = 'text/plain; charset=utf-8';
      break;
    case 'bytes':
      payload = body.bytes;
      type = 'application/octet-stream';
      break;
  }
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': payload.length, 'Cache-Control': 'no-store' });
  res.end(head ? undefined : payload);
}

/** A short JSON error: `{"error": "..."}` with the status. */
export function sendError(res: ServerResponse, head: boolean, status: number, message: string): void {
  sendBody(res, head, json({ error: message }), status);
}
