import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { RpcAuthError, RpcConnectionError, RpcError, RpcProtocolError } from '../../src/chain/errors.js';
import { cookieFilePath, RpcClient } from '../../src/chain/rpc-client.js';

/**
 * A stand-in for bitcoind's HTTP server. Replies are shaped as Core sends them to a JSON-RPC 1.0
 * request (src/httprpc.cpp): 200 with {result, error: null, id}; an RPC error as HTTP 500 with
 * {result: null, error: {code, message}, id} (404 for an unknown method); 401 with an empty
 * body for bad credentials. Error messages are Core's own strings.
 */
type Handler = (req: http.IncomingMessage, body: { method: string; params: unknown[]; id: number }, res: http.ServerResponse) => void;

let handler: Handler;
let server: http.Server;
let port: number;
const sockets = new Set<net.Socket>();
let connections = 0;
let credentials = 'user:pass';

const reply = (res: http.ServerResponse, status: number, body: unknown) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const expected = `Basic ${Buffer.from(credentials).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="jsonrpc"', 'content-length': 0 });
        res.end();
        return;
      }
      handler(req, JSON.parse(Buffer.concat(chunks).toString('utf8')), res);
    });
  });
  server.on('connection', (s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

const clients: RpcClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  credentials = 'user:pass';
});

/** The error a call fails with (a call that succeeds fails the test). */
function failure<E extends Error = Error>(p: Promise<unknown>): Promise<E> {
  return p.then(() => {
    throw new Error('expected the call to fail');
  }, (e: unknown) => e as E);
}

function client(opts: Partial<ConstructorParameters<typeof RpcClient>[0]> = {}): RpcClient {
  const c = new RpcClient({ host: '127.0.0.1', port, auth: { kind: 'password', user: 'user', password: 'pass' }, ...opts });
  clients.push(c);
  return c;
}

describe('RpcClient against a local HTTP server', () => {
  it('sends JSON-RPC with basic auth and returns result; keeps the connection alive', async () => {
    const seen: { method: string; params: unknown[] }[] = [];
    handler = (_req, body, res) => {
      seen.push({ method: body.method, params: body.params });
      reply(res, 200, { result: { blocks: 432, echo: body.params }, error: null, id: body.id });
    };
    const c = client();
    const before = connections;
    expect(await c.call('getblockchaininfo')).toEqual({ blocks: 432, echo: [] });
    expect(await c.call('getblockheader', ['00'.repeat(32), true])).toEqual({ blocks: 432, echo: ['00'.repeat(32), true] });
    expect(seen.map((s) => s.method)).toEqual(['getblockchaininfo', 'getblockheader']);
    expect(connections - before).toBe(1);
  });

  it('401 is RpcAuthError saying the credentials are wrong', async () => {
    const c = client({ auth: { kind: 'password', user: 'user', password: 'wrong' } });
    const err = await failure(c.call('getblockcount'));
    expect(err).toBeInstanceOf(RpcAuthError);
    expect((err as Error).message).toContain('wrong RPC user/password or cookie');
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });

  it('cookie auth: reads <datadir>/<net>/.cookie, and reads it again after bitcoind restarted with a new one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pool-cookie-'));
    try {
      const file = cookieFilePath(getChainParams('regtest'), dir);
      expect(file).toBe(join(dir, 'regtest', '.cookie'));
      expect(cookieFilePath(getChainParams('bitcoin'), dir)).toBe(join(dir, '.cookie'));
      mkdirSync(join(dir, 'regtest'));
      writeFileSync(file, '__cookie__:first\n');
      credentials = '__cookie__:first';
      handler = (_req, body, res) => reply(res, 200, { result: 7, error: null, id: body.id });
      const c = client({ auth: { kind: 'cookie', cookieFile: file } });
      expect(await c.call('getblockcount')).toBe(7);
      // bitcoind restarts: new cookie on disk, old one refused.
      writeFileSync(file, '__cookie__:second');
      credentials = '__cookie__:second';
      expect(await c.call('getblockcount')).toBe(7);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing cookie file is a connection error that names the file', async () => {
    const c = client({ auth: { kind: 'cookie', cookieFile: '/nonexistent/regtest/.cookie' } });
    await expect(c.call('getblockcount')).rejects.toThrow(/\/nonexistent\/regtest\/\.cookie.*ENOENT/);
  });

  it("Core's error replies become RpcError with the node's code and message, explained", async () => {
    const errors: Record<string, [number, number, string]> = {
      getblocktemplate: [500, -10, 'Bitcoin Core is in initial sync and waiting for blocks...'],
      getblockchaininfo: [500, -28, 'Loading block index…'],
      getdeploymentinfo: [404, -32601, 'Method not found'],
      getblockheader: [500, -5, 'Block not found'],
    };
    handler = (_req, body, res) => {
      const [status, code, message] = errors[body.method]!;
      reply(res, status, { result: null, error: { code, message }, id: body.id });
    };
    const c = client();
    const get = (m: string) => failure<RpcError>(c.call(m));

    const ibd = await get('getblocktemplate');
    expect(ibd).toBeInstanceOf(RpcError);
    expect(ibd.code).toBe(-10);
    expect(ibd.isInitialDownload).toBe(true);
    expect(ibd.nodeMessage).toBe('Bitcoin Core is in initial sync and waiting for blocks...');
    expect(ibd.message).toContain('initial block download');

    const warm = await get('getblockchaininfo');
    expect(warm.isWarmingUp).toBe(true);
    expect(warm.message).toContain('warming up');

    const missing = await get('getdeploymentinfo');
    expect(missing.isMethodNotFound).toBe(true);
    expect(missing.message).toContain('does not know the method "getdeploymentinfo"');

    const notFound = await get('getblockheader');
    expect(notFound.code).toBe(-5);
    expect(notFound.message).toContain('Block not found');
  });

  it('JSON-RPC 2.0 style error replies (HTTP 200, no result) are understood too', async () => {
    handler = (_req, body, res) => reply(res, 200, { jsonrpc: '2.0', error: { code: -8, message: 'Invalid parameter' }, id: body.id });
    const err = await failure<RpcError>(client().call('getblockhash', [-1]));
    expect(err).toBeInstanceOf(RpcError);
    expect(err.code).toBe(-8);
  });

  it('a refused port is RpcConnectionError naming host:port and what to check', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const err = await failure(client({ port: closed }).call('getblockcount'));
    expect(err).toBeInstanceOf(RpcConnectionError);
    expect(err.message).toContain(`127.0.0.1:${closed}`);
    expect(err.message).toContain('connection refused');
    expect(err.message).toContain('server=1');
  });

  it('a node that never answers times out per call', async () => {
    handler = () => undefined; // hold the request forever
    const c = client({ timeoutMs: 5_000 });
    const started = Date.now();
    const err = await failure(c.call('getblocktemplate', [], { timeoutMs: 300 }));
    expect(err).toBeInstanceOf(RpcConnectionError);
    expect(err.message).toContain('did not answer getblocktemplate within 0.3 s');
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a response larger than the limit is refused, with or without content-length', async () => {
    const big = JSON.stringify({ result: 'x'.repeat(10_000), error: null, id: 1 });
    handler = (_req, body, res) => {
      if (body.method === 'declared') {
        reply(res, 200, JSON.parse(big));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no length
        for (let i = 0; i < 10; i++) res.write('x'.repeat(1_000));
        res.end();
      }
    };
    const c = client({ maxResponseBytes: 4_096 });
    await expect(c.call('declared')).rejects.toThrow(RpcProtocolError);
    await expect(c.call('declared')).rejects.toThrow(/exceeds the 4096-byte limit/);
    await expect(c.call('chunked')).rejects.toThrow(/exceeds the 4096-byte limit/);
    // Within the limit the same reply is fine.
    expect(await client({ maxResponseBytes: 20_000 }).call('declared')).toBe('x'.repeat(10_000));
  });

  it('malformed JSON and non-JSON-RPC JSON are RpcProtocolError', async () => {
    handler = (_req, body, res) => {
      const text = body.method === 'html' ? '<html>nginx</html>' : body.method === 'array' ? '[1,2]' : '{"id":1}';
      res.writeHead(200, { 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const c = client();
    await expect(c.call('html')).rejects.toThrow(/not JSON.*really the RPC port/);
    await expect(c.call('array')).rejects.toThrow(RpcProtocolError);
    await expect(c.call('noresult')).rejects.toThrow(/without "result" or "error"/);
  });

  it('403 (rpcallowip) and 503 (work queue full) say what to change', async () => {
    handler = (_req, body, res) => {
      if (body.method === 'forbidden') {
        res.writeHead(403, { 'content-length': 0 });
        res.end();
      } else {
        res.writeHead(503, { 'content-length': 19 });
        res.end('Work queue depth exceeded'.slice(0, 19));
      }
    };
    const c = client();
    await expect(c.call('forbidden')).rejects.toThrow(/rpcallowip/);
    await expect(c.call('busy')).rejects.toThrow(/rpcworkqueue/);
  });
});
