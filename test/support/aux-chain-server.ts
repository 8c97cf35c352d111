/**
 * An aux chain node for merged-mining tests: JSON-RPC 1.0 over HTTP on 127.0.0.1 with basic
 * auth, speaking what Namecoin Core speaks for merged mining:
 * - style 'getauxblock': `getauxblock` -> {hash, chainid, previousblockhash, coinbasevalue,
 *   bits, height, _target}; `getauxblock HASH AUXPOW` -> true/false.
 * - style 'createauxblock': `getnewaddress`, `createauxblock ADDRESS` -> the same object,
 *   `submitauxblock HASH AUXPOW` -> true/false; `getauxblock` is an unknown method (-32601).
 *
 * Every AuxPoW it receives is fully checked, twice: with our checker (Namecoin's
 * CAuxPow::check and CheckAuxPowProofOfWork rules, src/merged/auxpow-check.ts), and by an
 * independent re-derivation written here (coinbase -> parent merkle root, parent PoW against
 * the target from bits, the fabe6d6d commitment, the slot formula in bigint, the chain branch
 * to the committed root). An accepted block becomes the new tip (new aux work); rejections
 * are recorded with their reason.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256d } from '../../src/bitcoin/hash.js';
import { decodeAuxPow, type AuxPow } from '../../src/merged/auxpow.js';
import { AuxPowError, checkAuxBlock } from '../../src/merged/auxpow-check.js';

export interface AuxChainServerOptions {
  chainId: number;
  style: 'getauxblock' | 'createauxblock';
  /** Compact target of the aux blocks (default 0x207fffff, regtest's: about every hash). */
  bits?: number;
  user?: string;
  password?: string;
  /** Listen on this port (default: any free one). */
  port?: number;
  /** The parent chain's PoW (default sha256d). */
  parentPow?: (header80: Buffer) => Buffer;
}

export interface AcceptedAuxBlock {
  /** Display hex. */
  hash: string;
  height: number;
  header: Buffer;
  auxpow: Buffer;
  /** sha256d of the parent header, display hex. */
  parentHash: string;
}

interface Template {
  header: Buffer;
  height: number;
  prev: string;
}

const display = (h: Buffer): string => Buffer.from(h).reverse().toString('hex');
const MAX_BODY = 1024 * 1024;

export class AuxChainServer {
  readonly accepted: AcceptedAuxBlock[] = [];
  readonly rejected: { hash: string; reason: string }[] = [];
  /** Every method called, in order. */
  readonly calls: string[] = [];
  height = 0;
  /** Display hex of the tip (genesis: 32 zero bytes). */
  tip = '00'.repeat(32);
  private readonly templates = new Map<string, Template>();
  private addresses = 0;
  /** Kept after stop(), so a test can start a server on the same port again. */
  private boundPort = 0;
  private constructor(
    private readonly server: http.Server,
    readonly opts: Required<Omit<AuxChainServerOptions, 'port'>>,
  ) {}

  static async start(o: AuxChainServerOptions): Promise<AuxChainServer> {
    const opts = { bits: 0x207fffff, user: 'aux', password: 'auxpass', parentPow: sha256d, ...o };
    const server = http.createServer();
    const aux = new AuxChainServer(server, opts);
    server.on('request', (req, res) => aux.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
    });
    aux.boundPort = (server.address() as AddressInfo).port;
    return aux;
  }

  get port(): number {
    return this.boundPort;
  }

  /** URL with the credentials in it. */
  get url(): string {
    return `http://${this.opts.user}:${this.opts.password}@127.0.0.1:${this.port}/`;
  }

  get target(): bigint {
    // Written out here rather than imported: mantissa << 8 * (exponent - 3).
    const exp = this.opts.bits >>> 24;
    return BigInt(this.opts.bits & 0xffffff) << BigInt(8 * (exp - 3));
  }

  /** Someone else found the next aux block: our outstanding templates go stale. */
  advanceTip(): void {
    this.height++;
    this.tip = display(sha256d(Buffer.from(`someone else's block ${this.height}`)));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private template(payTo: string): Template {
    const header = Buffer.alloc(80);
    // Version: chain id in the upper 16 bits, the AuxPoW flag (1 << 8), base version 4.
    header.writeUInt32LE(((this.opts.chainId << 16) | 0x100 | 4) >>> 0, 0);
    Buffer.from(this.tip, 'hex').reverse().copy(header, 4);
    sha256d(Buffer.from(`coinbase of height ${this.height + 1} paying ${payTo}`)).copy(header, 36);
    header.writeUInt32LE(1_700_000_000 + this.height, 68);
    header.writeUInt32LE(this.opts.bits, 72);
    const t = { header, height: this.height + 1, prev: this.tip };
    this.templates.set(display(sha256d(header)), t);
    if (this.templates.size > 1000) this.templates.delete(this.templates.keys().next().value!);
    return t;
  }

  private auxBlockJson(t: Template): Record<string, unknown> {
    const targetLE = Buffer.alloc(32);
    let v = this.target;
    for (let i = 0; i < 32; i++, v >>= 8n) targetLE[i] = Number(v & 0xffn);
    return {
      hash: display(sha256d(t.header)),
      chainid: this.opts.chainId,
      previousblockhash: t.prev,
      coinbasevalue: 5_000_000_000,
      bits: this.opts.bits.toString(16).padStart(8, '0'),
      height: t.height,
      _target: targetLE.toString('hex'),
    };
  }

  /** Both checks; null when the block is good, else the reason. */
  private verify(t: Template, auxpowHex: unknown): { reason: string } | { auxpow: Buffer; parsed: AuxPow } {
    if (typeof auxpowHex !== 'string' || !/^(?:[0-9a-f]{2})+$/i.test(auxpowHex)) return { reason: 'auxpow is not hex' };
    if (t.prev !== this.tip) return { reason: 'stale: not on the current tip' };
    const bytes = Buffer.from(auxpowHex, 'hex');
    let parsed: AuxPow;
    try {
      parsed = decodeAuxPow(bytes);
      checkAuxBlock(t.header, parsed, { chainId: this.opts.chainId, parentPow: this.opts.parentPow, target: this.target });
    } catch (e) {
      return { reason: e instanceof AuxPowError ? e.reason : `undecodable auxpow: ${(e as Error).message}` };
    }
    const independent = this.independentCheck(t, parsed);
    return independent ?? { auxpow: bytes, parsed };
  }

  private independentCheck(t: Template, a: AuxPow): { reason: string } | null {
    const pair = (l: Buffer, r: Buffer): Buffer => sha256d(Buffer.concat([l, r]));
    let cur = sha256d(a.coinbaseBytes);
    for (const h of a.coinbaseBranch) cur = pair(cur, h); // index 0: always the left side
    if (!cur.equals(a.parentHeader.subarray(36, 68))) return { reason: 'independent: coinbase not under the parent merkle root' };
    const pow = BigInt(`0x${display(this.opts.parentPow(a.parentHeader))}`);
    if (pow > this.target) return { reason: 'independent: parent PoW above the aux target' };
    const at = a.coinbaseBytes.indexOf(Buffer.from('fabe6d6d', 'hex'));
    if (at < 0 || a.coinbaseBytes.length < at + 44) return { reason: 'independent: no fabe6d6d commitment' };
    const committedRoot = Buffer.from(a.coinbaseBytes.subarray(at + 4, at + 36)).reverse();
    const size = a.coinbaseBytes.readUInt32LE(at + 36);
    const nonce = BigInt(a.coinbaseBytes.readUInt32LE(at + 40));
    const M = 1n << 32n;
    let rand = (nonce * 1103515245n + 12345n) % M;
    rand = (((rand + BigInt(this.opts.chainId)) % M) * 1103515245n + 12345n) % M;
    const slot = Number(rand % BigInt(size));
    if (slot !== a.chainIndex || size !== 2 ** a.chainBranch.length) return { reason: `independent: slot ${a.chainIndex} of ${size}, formula says ${slot}` };
    let node = sha256d(t.header);
    a.chainBranch.forEach((h, level) => (node = ((slot >> level) & 1) === 1 ? pair(h, node) : pair(node, h)));
    if (!node.equals(committedRoot)) return { reason: 'independent: chain branch does not lead to the committed root' };
    return null;
  }

  private submit(hashHex: unknown, auxpowHex: unknown): boolean {
    const hash = typeof hashHex === 'string' ? hashHex.toLowerCase() : '';
    const t = this.templates.get(hash);
    const result = t ? this.verify(t, auxpowHex) : { reason: 'block hash unknown' };
    if ('reason' in result) {
      this.rejected.push({ hash, reason: result.reason });
      return false;
    }
    this.height = t!.height;
    this.tip = hash;
    this.accepted.push({ hash, height: t!.height, header: t!.header, auxpow: result.auxpow, parentHash: display(sha256d(result.parsed.parentHeader)) });
    return true;
  }

  private dispatch(method: string, params: unknown[]): unknown {
    const style = this.opts.style;
    if (method === 'getauxblock' && style === 'getauxblock') {
      return params.length === 0 ? this.auxBlockJson(this.current('wallet')) : this.submit(params[0], params[1]);
    }
    if (method === 'getnewaddress') return `aux1address${++this.addresses}`;
    if (method === 'createauxblock' && style === 'createauxblock') {
      if (typeof params[0] !== 'string' || !params[0]) throw Object.assign(new Error('Invalid coinbase payout address'), { code: -8 });
      return this.auxBlockJson(this.current(params[0]));
    }
    if (method === 'submitauxblock' && style === 'createauxblock') return this.submit(params[0], params[1]);
    throw Object.assign(new Error('Method not found'), { code: -32601 });
  }

  /** Like Namecoin's AuxpowMiner: the same template until the tip moves. */
  private current(payTo: string): Template {
    for (const t of [...this.templates.values()].reverse()) {
      if (t.prev === this.tip && t.header.subarray(36, 68).equals(sha256d(Buffer.from(`coinbase of height ${this.height + 1} paying ${payTo}`)))) return t;
    }
    return this.template(payTo);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const auth = `Basic ${Buffer.from(`${this.opts.user}:${this.opts.password}`).toString('base64')}`;
    if (req.headers.authorization !== auth) {
      res.writeHead(401).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let id: unknown = null;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown; method?: unknown; params?: unknown };
        id = body.id ?? null;
        const method = typeof body.method === 'string' ? body.method : '';
        this.calls.push(method);
        const result = this.dispatch(method, Array.isArray(body.params) ? body.params : []);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result, error: null, id }));
      } catch (e) {
        const code = (e as { code?: number }).code ?? -32700;
        // Core answers a failed JSON-RPC 1.0 call with 404 (unknown method) or 500.
        res.writeHead(code === -32601 ? 404 : 500, { 'content-type': 'application/json' })
          .end(JSON.stringify({ result: null, error: { code, message: (e as Error).message }, id }));
      }
    });
  }
}
