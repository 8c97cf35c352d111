/**
 * JSON-RPC client of one aux chain node (`--merged-url`), for merged mining.
 *
 * Two RPC styles exist (docs/mining.md#miningsubmit-answers; jtoomim/p2pool PR #51):
 * - `getauxblock` (no arguments) -> {hash, chainid, target | _target | bits, ...}; submit with
 *   `getauxblock HASH AUXPOWHEX`. The aux node's wallet supplies the payout address.
 * - `createauxblock ADDRESS` -> the same object; submit with `submitauxblock HASH AUXPOWHEX`.
 *   For the address we ask the aux node's wallet once (`getnewaddress`).
 * getauxblock is tried first (what the reference uses); when the node does not offer it
 * (unknown method, or no wallet for it: Namecoin Core registers it as a wallet RPC) we switch
 * to createauxblock for good.
 *
 * Transport is src/chain/rpc-client.ts (keep-alive, deadline, bounded body); its errors name
 * bitcoind, so they are reworded here to name the aux chain.
 */
import { RpcClient } from '../chain/rpc-client.js';
import { RpcAuthError, RpcConnectionError, RpcError, RPC_METHOD_NOT_FOUND, RPC_WALLET_NOT_FOUND, RPC_WALLET_NOT_SPECIFIED } from '../chain/errors.js';
import { bitsToTarget } from '../bitcoin/target.js';
import { displayHexToHash, fromHex, bytesToBigIntLE, hashToDisplayHex, toHex } from '../bitcoin/hex.js';

/** Core's RPC_WALLET_ERROR (rpc/protocol.h): also what a wallet-less aux node may answer. */
const RPC_WALLET_ERROR = -4;
/** An aux template is a few hundred bytes of JSON; 1 MiB leaves room and bounds a hostile node. */
const MAX_AUX_RESPONSE_BYTES = 1024 * 1024;
/** Polled every second: a node that needs more than this is treated as down for that poll. */
export const DEFAULT_AUX_TIMEOUT_MS = 5_000;

export type AuxRpcStyle = 'getauxblock' | 'createauxblock';

/** One aux chain's current block to merge-mine. */
export interface AuxWork {
  /** Aux block hash, internal byte order. */
  hash: Buffer;
  chainId: number;
  /** The aux chain's target for this block. */
  target: bigint;
  /** Height of the aux block, when the node says it. */
  height: number | null;
}

/** The aux node failed or answered something unusable; `message` is one log line. */
export class AuxRpcError extends Error {
  override readonly name = 'AuxRpcError';
}

export interface AuxEndpoint {
  host: string;
  port: number;
  path: string;
  user: string;
  password: string;
  /** The URL without credentials, for logs and stats. */
  display: string;
}

/**
 * `http://[user:pass@]host:port[/path]`, credentials from `userpass` (`USER:PASS`) taking
 * precedence over the URL's. Only plain HTTP: aux nodes, like bitcoind, speak no TLS.
 */
export function parseAuxUrl(url: string, userpass?: string): AuxEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AuxRpcError(`--merged-url ${JSON.stringify(url.slice(0, 200))} is not a URL (expected http://user:pass@host:port/)`);
  }
  if (u.protocol !== 'http:') throw new AuxRpcError(`--merged-url must be http:// (aux chain nodes serve JSON-RPC over plain HTTP), got ${u.protocol}`);
  const port = u.port === '' ? 80 : Number(u.port);
  let user = decodeURIComponent(u.username);
  let password = decodeURIComponent(u.password);
  if (userpass !== undefined) {
    const colon = userpass.indexOf(':');
    if (colon < 0) throw new AuxRpcError('--merged-userpass must be USER:PASS');
    user = userpass.slice(0, colon);
    password = userpass.slice(colon + 1);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const path = u.pathname || '/';
  return { host, port, path, user, password, display: `http://${u.host}${path}` };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * An aux block template as getauxblock/createauxblock return it. `hash` is display hex;
 * `target`/`_target` is the 256-bit target as little-endian hex (Namecoin: HexStr of the
 * uint256; the reference unpacks it with IntType(256)); `bits` is the compact target as hex.
 */
export function parseAuxWork(result: unknown): AuxWork {
  if (!isObject(result)) throw new AuxRpcError('aux block template is not a JSON object');
  const { hash, chainid, height } = result;
  if (typeof hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(hash)) throw new AuxRpcError('aux block template has no 64-hex "hash"');
  if (typeof chainid !== 'number' || !Number.isInteger(chainid) || chainid < 0 || chainid > 0xffff) {
    throw new AuxRpcError(`aux block template has no valid "chainid" (0..65535): ${JSON.stringify(chainid)}`);
  }
  let target: bigint | null = null;
  const t = result['target'] ?? result['_target'];
  // 'p2pool' (a target meaning "the share target", docs/mining.md#miningsubmit-answers) is not offered by real
  // aux nodes; such a template falls back to its bits.
  if (typeof t === 'string' && /^[0-9a-fA-F]{64}$/.test(t)) target = bytesToBigIntLE(fromHex(t));
  else if (typeof result['bits'] === 'string' && /^[0-9a-fA-F]{8}$/.test(result['bits'])) target = bitsToTarget(parseInt(result['bits'], 16));
  if (target === null || target <= 0n) throw new AuxRpcError('aux block template has no usable "target", "_target" or "bits"');
  const h = typeof height === 'number' && Number.isSafeInteger(height) && height >= 0 ? height : null;
  return { hash: displayHexToHash(hash), chainId: chainid, target, height: h };
}

/** One line for any failure of a call, naming the aux node rather than bitcoind. */
function describe(e: unknown, display: string, method: string): AuxRpcError {
  if (e instanceof AuxRpcError) return e;
  if (e instanceof RpcError) return new AuxRpcError(`aux chain ${display}: ${method} failed: ${e.nodeMessage || 'error'} (code ${e.code})`);
  if (e instanceof RpcAuthError) return new AuxRpcError(`aux chain ${display}: 401 Unauthorized: check --merged-userpass or the user:pass in --merged-url`);
  if (e instanceof RpcConnectionError) {
    const code = (e.cause as NodeJS.ErrnoException | undefined)?.code;
    if (code) return new AuxRpcError(`aux chain ${display}: cannot connect (${code})`);
    if (/did not answer/.test(e.message)) return new AuxRpcError(`aux chain ${display}: no answer to ${method} within the deadline`);
  }
  const msg = e instanceof Error ? e.message : String(e);
  return new AuxRpcError(`aux chain ${display}: ${method}: ${msg.replace(/^bitcoind /, '')}`);
}

export class AuxRpcClient {
  readonly endpoint: AuxEndpoint;
  private readonly rpc: RpcClient;
  private styleUsed: AuxRpcStyle | null = null;
  private address: string | null = null;

  constructor(url: string, userpass?: string, opts: { timeoutMs?: number } = {}) {
    this.endpoint = parseAuxUrl(url, userpass);
    this.rpc = new RpcClient({
      host: this.endpoint.host,
      port: this.endpoint.port,
      path: this.endpoint.path,
      auth: { kind: 'password', user: this.endpoint.user, password: this.endpoint.password },
      timeoutMs: opts.timeoutMs ?? DEFAULT_AUX_TIMEOUT_MS,
      maxResponseBytes: MAX_AUX_RESPONSE_BYTES,
    });
  }

  /** The style in use, once the node has answered. */
  get style(): AuxRpcStyle | null {
    return this.styleUsed;
  }

  /** The payout address createauxblock uses (from the aux node's getnewaddress). */
  get payoutAddress(): string | null {
    return this.address;
  }

  private async call(method: string, params: unknown[] = []): Promise<unknown> {
    try {
      return await this.rpc.call(method, params);
    } catch (e) {
      throw e instanceof RpcError ? e : describe(e, this.endpoint.display, method);
    }
  }

  /** The aux node's current block template (detecting the RPC style on first success). */
  async getWork(): Promise<AuxWork> {
    if (this.styleUsed === 'createauxblock') return this.createAuxBlock();
    try {
      const work = parseAuxWork(await this.call('getauxblock'));
      this.styleUsed = 'getauxblock';
      return work;
    } catch (e) {
      if (this.styleUsed === null && e instanceof RpcError && [RPC_METHOD_NOT_FOUND, RPC_WALLET_NOT_FOUND, RPC_WALLET_NOT_SPECIFIED, RPC_WALLET_ERROR].includes(e.code)) {
        return this.createAuxBlock(e);
      }
      throw describe(e, this.endpoint.display, 'getauxblock');
    }
  }

  private async createAuxBlock(why?: RpcError): Promise<AuxWork> {
    if (this.address === null) {
      let addr: unknown;
      try {
        addr = await this.call('getnewaddress');
      } catch (e) {
        const first = why ? `getauxblock failed (${why.nodeMessage}) and ` : '';
        throw new AuxRpcError(`aux chain ${this.endpoint.display}: ${first}createauxblock needs a payout address, but getnewaddress failed: ${describe(e, this.endpoint.display, 'getnewaddress').message}`);
      }
      if (typeof addr !== 'string' || addr.length === 0 || addr.length > 128 || !/^[\x21-\x7e]+$/.test(addr)) {
        throw new AuxRpcError(`aux chain ${this.endpoint.display}: getnewaddress answered something that is not an address`);
      }
      this.address = addr;
    }
    try {
      const work = parseAuxWork(await this.call('createauxblock', [this.address]));
      this.styleUsed = 'createauxblock';
      return work;
    } catch (e) {
      throw describe(e, this.endpoint.display, 'createauxblock');
    }
  }

  /**
   * Submit a solved aux block. Resolves `{accepted, reason}` with the node's verdict (true or
   * null is acceptance; false, a BIP22-style string or an RPC error a rejection); rejects with
   * AuxRpcError only when the node could not be asked (worth retrying).
   */
  async submit(hash: Buffer, auxpow: Buffer): Promise<{ accepted: boolean; reason: string | null }> {
    const method = this.styleUsed === 'createauxblock' ? 'submitauxblock' : 'getauxblock';
    let answer: unknown;
    try {
      answer = await this.call(method, [hashToDisplayHex(hash), toHex(auxpow)]);
    } catch (e) {
      if (e instanceof RpcError) return { accepted: false, reason: `${e.nodeMessage || 'error'} (code ${e.code})` };
      throw e;
    }
    if (answer === true || answer === null) return { accepted: true, reason: null };
    if (typeof answer === 'string') return { accepted: false, reason: answer.slice(0, 200) };
    return { accepted: false, reason: `${method} answered ${JSON.stringify(answer).slice(0, 100)}` };
  }

  close(): void {
    this.rpc.close();
  }
}
