/**
 * JSON-RPC over HTTP to the user's full node (Bitcoin Core and relatives, bcoin).
 *
 * - One keep-alive agent, so a template poll every few seconds reuses its TCP connection.
 * - Basic auth from rpcuser/rpcpassword, or from the cookie file Core writes at start
 *   (`<datadir>/<network subfolder>/.cookie`, content `__cookie__:<hex>`). Core writes a new
 *   cookie each time it starts, so on a 401 the cookie is read again once before giving up.
 * - Every call has a deadline and a bounded response body; failures are typed
 *   (errors.ts): the node's own error, an unreachable node, bad credentials, or a reply that
 *   is not JSON-RPC.
 * - Requests are JSON-RPC 1.0 (what every Core version and bcoin accept). Core answers a 1.0
 *   request that failed with HTTP 500 (404 for an unknown method) and the error in the JSON
 *   body, so the body is read whatever the status.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import type { ChainParams } from '../bitcoin/chain-params.js';
import { RpcAuthError, RpcConnectionError, RpcError, RpcProtocolError } from './errors.js';

/** 64 MiB: a 4 MB-weight block template is at most ~8 MB of hex plus per-tx JSON; room to spare. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Core's own HTTP client (bitcoin-cli) waits 900 s; a pool must notice a hung node far sooner. */
export const DEFAULT_RPC_TIMEOUT_MS = 30_000;

export type RpcAuth =
  | { kind: 'password'; user: string; password: string }
  | { kind: 'cookie'; cookieFile: string };

export interface RpcClientOptions {
  host: string;
  port: number;
  auth: RpcAuth;
  /** URL path, e.g. `/wallet/NAME` for a multi-wallet Core node. Default `/`. */
  path?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
}

export interface CallOptions {
  /** Overrides the client's timeout (long polls wait minutes). */
  timeoutMs?: number;
  /** Overrides the client's path for this call (wallet calls). */
  path?: string;
}

/**
 * Where Core keeps its data by default: ~/.bitcoin on Linux, ~/Library/Application Support/Bitcoin
 * on macOS, %APPDATA%\Bitcoin on Windows (Core src/common/args.cpp GetDefaultDataDir); Litecoin
 * and Namecoin Core follow the same pattern with their own names.
 */
export function defaultDataDir(coin: ChainParams['coin']): string {
  const name = coin === 'bitcoin' ? 'Bitcoin' : coin === 'litecoin' ? 'Litecoin' : 'Namecoin';
  if (platform() === 'win32') return join(process.env['APPDATA'] ?? homedir(), name);
  if (platform() === 'darwin') return join(homedir(), 'Library', 'Application Support', name);
  return join(homedir(), `.${name.toLowerCase()}`);
}

/** The cookie file of `chain`'s node: `<datadir>/<subfolder>/.cookie` (mainnet has no subfolder). */
export function cookieFilePath(chain: Pick<ChainParams, 'coin' | 'dataDirSubfolder'>, dataDir?: string): string {
  return join(dataDir ?? defaultDataDir(chain.coin), chain.dataDirSubfolder, '.cookie');
}

/** Reads `user:password` from a cookie file; throws RpcAuthError-worthy details as a plain Error. */
export function readCookie(file: string): { user: string; password: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the RPC cookie file ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)}): ` +
      'is bitcoind running, is --bitcoind-datadir right, may this user read it? Or give RPC user and password');
  }
  const line = text.trim();
  const colon = line.indexOf(':');
  if (colon <= 0) throw new Error(`RPC cookie file ${file} is not "user:password"`);
  return { user: line.slice(0, colon), password: line.slice(colon + 1) };
}

export class RpcClient {
  readonly endpoint: string;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly path: string;
  private authHeader: string | null = null;
  private nextId = 1;

  constructor(private readonly opts: RpcClientOptions) {
    this.endpoint = `${opts.host}:${opts.port}`;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.maxResponseBytes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.path = opts.path ?? '/';
  }

  /** Call `method`; resolves with `result`, rejects with one of the typed errors. */
  async call(method: string, params: unknown[] = [], options: CallOptions = {}): Promise<unknown> {
    try {
      return await this.callOnce(method, params, options);
    } catch (e) {
      // A restarted Core has a new cookie: read it again once.
      if (e instanceof RpcAuthError && this.opts.auth.kind === 'cookie') {
        this.authHeader = null;
        return await this.callOnce(method, params, options);
      }
      throw e;
    }
  }

  /** Close idle keep-alive sockets (call on shutdown). */
  close(): void {
    this.agent.destroy();
  }

  private basicAuth(): string {
    if (this.authHeader === null) {
      const { user, password } = this.opts.auth.kind === 'password'
        ? this.opts.auth
        : (() => {
          try {
            return readCookie(this.opts.auth.cookieFile);
          } catch (e) {
            throw new RpcConnectionError((e as Error).message, this.endpoint, e);
          }
        })();
      this.authHeader = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    }
    return this.authHeader;
  }

  private callOnce(method: string, params: unknown[], options: CallOptions): Promise<unknown> {
    const id = this.nextId++;
    const body = Buffer.from(JSON.stringify({ jsonrpc: '1.0', id, method, params }));
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const endpoint = this.endpoint;
    const authHow = this.opts.auth.kind === 'cookie' ? `cookie ${this.opts.auth.cookieFile}` : `user "${this.opts.auth.user}"`;
    const auth = this.basicAuth();

    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | null, value?: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value);
      };
      const req = http.request({
        host: this.opts.host,
        port: this.opts.port,
        path: options.path ?? this.path,
        method: 'POST',
        agent: this.agent,
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          authorization: auth,
        },
      }, (res) => {
        const status = res.statusCode ?? 0;
        if (status === 401) {
          res.resume();
          finish(new RpcAuthError(endpoint, authHow));
          return;
        }
        if (status === 403) {
          res.resume();
          finish(new RpcConnectionError(`bitcoind at ${endpoint} answered 403 Forbidden: allow this host with rpcallowip= in bitcoin.conf`, endpoint));
          return;
        }
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (declared > this.maxResponseBytes) {
          req.destroy();
          finish(new RpcProtocolError(`bitcoind ${method} response of ${declared} bytes exceeds the ${this.maxResponseBytes}-byte limit`, endpoint));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.maxResponseBytes) {
            req.destroy();
            finish(new RpcProtocolError(`bitcoind ${method} response exceeds the ${this.maxResponseBytes}-byte limit`, endpoint));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (e) => finish(new RpcConnectionError(`bitcoind RPC at ${endpoint}: connection lost while reading ${method} (${e.message})`, endpoint, e)));
        res.on('end', () => {
          if (settled) return;
          try {
            finish(null, parseReply(method, status, Buffer.concat(chunks).toString('utf8'), endpoint));
          } catch (e) {
            finish(e as Error);
          }
        });
      });
      const timer = setTimeout(() => {
        req.destroy();
        finish(new RpcConnectionError(`bitcoind RPC at ${endpoint} did not answer ${method} within ${timeoutMs / 1000} s: is the node overloaded or hung?`, endpoint));
      }, timeoutMs);
      req.on('error', (e: NodeJS.ErrnoException) => finish(connectionError(e, endpoint, method)));
      req.end(body);
    });
  }
}

function connectionError(e: NodeJS.ErrnoException, endpoint: string, method: string): RpcConnectionError {
  const what = e.code === 'ECONNREFUSED'
    ? 'connection refused: is bitcoind running with server=1, and is the RPC port right (--bitcoind-rpc-port)?'
    : e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN'
      ? 'host not found: check --bitcoind-address'
      : e.code === 'ECONNRESET' || e.code === 'EPIPE'
        ? 'connection reset: if bitcoind is remote, allow this host with rpcallowip= and rpcbind='
        : `${e.code ?? ''} ${e.message}`.trim();
  return new RpcConnectionError(`cannot reach bitcoind RPC at ${endpoint} (${method}): ${what}`, endpoint, e);
}

/** Parse a JSON-RPC reply; the status matters only when the body is not JSON-RPC. (Exported for fuzz/targets/bitcoind.ts.) */
export function parseReply(method: string, status: number, text: string, endpoint: string): unknown {
  let reply: unknown;
  try {
    reply = JSON.parse(text);
  } catch {
    if (status === 503) {
      throw new RpcConnectionError(`bitcoind RPC at ${endpoint} is busy (503: work queue full); raise rpcworkqueue or rpcthreads`, endpoint);
    }
    throw new RpcProtocolError(`bitcoind ${method} answered HTTP ${status} with a body that is not JSON (${JSON.stringify(text.slice(0, 80))}): is ${endpoint} really the RPC port?`, endpoint);
  }
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
    throw new RpcProtocolError(`bitcoind ${method} answered HTTP ${status} with JSON that is not a JSON-RPC reply`, endpoint);
  }
  const r = reply as { result?: unknown; error?: unknown };
  if (r.error !== undefined && r.error !== null) {
    const err = r.error as { code?: unknown; message?: unknown };
    const code = typeof err.code === 'number' ? err.code : 0;
    const message = typeof err.message === 'string' ? err.message : JSON.stringify(r.error).slice(0, 200);
    throw new RpcError(method, code, message);
  }
  if (!('result' in r)) {
    throw new RpcProtocolError(`bitcoind ${method} answered HTTP ${status} without "result" or "error"`, endpoint);
  }
  return r.result;
}
