/**
 * A real getwork miner for tests: HTTP JSON-RPC `getwork`, long polling on the path the node
 * advertises in X-Long-Polling, and submissions of solved `data`.
 */
import { request } from 'node:http';
import { sha256d } from '../../src/bitcoin/hash.js';
import { hashToBigInt } from '../../src/bitcoin/hex.js';

export interface GetworkResult {
  data: string;
  midstate: string;
  hash1: string;
  target: string;
  identifier?: string;
  submitold?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpCall(port: number, method: string, path: string, body: string | null, auth: string, timeoutMs = 30_000): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: { Authorization: 'Basic ' + Buffer.from(auth).toString('base64'), 'Content-Type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

export class GetworkTestMiner {
  constructor(private readonly port: number, private readonly username: string) {}

  async getwork(): Promise<{ result: GetworkResult; headers: HttpAnswer['headers'] }> {
    const r = await httpCall(this.port, 'POST', '/', JSON.stringify({ id: 1, method: 'getwork', params: [] }), `${this.username}:x`);
    const body = JSON.parse(r.body) as { result: GetworkResult; error: unknown };
    if (body.error) throw new Error(`getwork error: ${JSON.stringify(body.error)}`);
    return { result: body.result, headers: r.headers };
  }

  async submit(data: string): Promise<boolean> {
    const r = await httpCall(this.port, 'POST', '/', JSON.stringify({ id: 2, method: 'getwork', params: [data] }), `${this.username}:x`);
    return (JSON.parse(r.body) as { result: boolean }).result;
  }

  /** Wait on the long-poll path for the next work. */
  async longPoll(path = '/long-polling', timeoutMs = 60_000): Promise<GetworkResult> {
    const r = await httpCall(this.port, 'GET', path, null, `${this.username}:x`, timeoutMs);
    return (JSON.parse(r.body) as { result: GetworkResult }).result;
  }

  /** Grind nonces on `work` until a hash meets its target; returns the solved data hex. */
  static solve(work: GetworkResult, pow: (h: Buffer) => Buffer = sha256d, maxNonces = 50_000_000): string | null {
    const data = Buffer.from(work.data, 'hex');
    const header = Buffer.alloc(80);
    for (let i = 0; i < 80; i += 4) {
      header[i] = data[i + 3]!;
      header[i + 1] = data[i + 2]!;
      header[i + 2] = data[i + 1]!;
      header[i + 3] = data[i]!;
    }
    const target = BigInt('0x' + Buffer.from(work.target, 'hex').reverse().toString('hex'));
    for (let nonce = 0; nonce < maxNonces; nonce++) {
      header.writeUInt32LE(nonce, 76);
      if (hashToBigInt(pow(header)) <= target) {
        data.writeUInt32BE(nonce, 76);
        return data.toString('hex');
      }
    }
    return null;
  }
}
