/**
 * The dashboard's static file handler on a real HTTP server on 127.0.0.1: content types, `/`
 * -> index.html, ETag revalidation, HEAD, and every way out of the folder refused (the request
 * falls through to the server's own 404, as the worker port's does).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler, packageRoot, resolvePath } from '../../src/web/static.js';

let dir: string;
let server: Server;
let port: number;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: node:http sends the path as given (fetch would normalise dot segments away). */
function get(path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  const parent = mkdtempSync(join(tmpdir(), 'p2pool-static-'));
  dir = join(parent, 'dashboard');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dash</title>');
  writeFileSync(join(dir, 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, 'app.css'), 'body{}');
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
  writeFileSync(join(dir, 'sub', 'x.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
  writeFileSync(join(dir, 'data.bin'), Buffer.from([1, 2, 3]));
  // Beside the served folder: must never be reachable.
  writeFileSync(join(parent, 'secret.txt'), 'SECRET');
  writeFileSync(join(parent, 'dashboard-secret.txt'), 'SECRET');
  const handler = createStaticHandler(dir);
  server = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('fell through\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

describe('static files', () => {
  it('serves / as index.html with its content type, ETag and cache headers', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toBe('<!doctype html><title>dash</title>');
    expect(r.headers['etag']).toMatch(/^"[\w-]+"$/);
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(new Date(String(r.headers['last-modified'])).getTime()).toBeGreaterThan(0);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['content-security-policy']).toContain("default-src 'self'");
    expect((await get('/index.html')).body).toBe(r.body);
  });

  it('names each file type', async () => {
    const types: Array<[string, string]> = [
      ['/app.js', 'text/javascript; charset=utf-8'],
      ['/app.css', 'text/css; charset=utf-8'],
      ['/favicon.svg', 'image/svg+xml'],
      ['/sub/x.png', 'image/png'],
      ['/data.bin', 'application/octet-stream'],
      ['/app.js?v=2', 'text/javascript; charset=utf-8'],
    ];
    for (const [path, type] of types) {
      const r = await get(path);
      expect(r.status, path).toBe(200);
      expect(r.headers['content-type'], path).toBe(type);
    }
  });

  it('answers a matching If-None-Match with 304 and no body, and a stale one with the file', async () => {
    const first = await get('/app.js');
    const again = await get('/app.js', { headers: { 'If-None-Match': String(first.headers['etag']) } });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const stale = await get('/app.js', { headers: { 'If-None-Match': '"something-else"' } });
    expect(stale.status).toBe(200);
    expect(stale.body).toBe('console.log(1)');
  });

  it('picks up a rebuilt file (new ETag)', async () => {
    const before = await get('/app.css');
    await new Promise((r) => setTimeout(r, 20));
    writeFileSync(join(dir, 'app.css'), 'body{color:red}');
    const after = await get('/app.css');
    expect(after.body).toBe('body{color:red}');
    expect(after.headers['etag']).not.toBe(before.headers['etag']);
  });

  it('answers HEAD with the headers only', async () => {
    const r = await get('/app.js', { method: 'HEAD' });
    expect(r.status).toBe(200);
    expect(r.headers['content-length']).toBe(String('console.log(1)'.length));
    expect(r.body).toBe('');
  });

  it('leaves other methods, unknown paths and folders to the server (404 fall-through)', async () => {
    for (const [method, path] of [
      ['POST', '/'],
      ['PUT', '/app.js'],
      ['DELETE', '/app.js'],
      ['GET', '/nope.js'],
      ['GET', '/sub'],
      ['GET', '/sub/'],
      ['GET', '/local_stats'],
    ] as const) {
      const r = await get(path, { method });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body).toBe('fell through\n');
    }
  });

  it('never serves a file outside its folder', async () => {
    const attempts = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/sub/../../secret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt',
      '/..%5csecret.txt',
      '/sub\\..\\..\\secret.txt',
      '/%00/../secret.txt',
      '/app.js%00.png',
      '/../dashboard-secret.txt',
      '/%2e%2e/dashboard-secret.txt',
      '//etc/passwd',
      '/%2fetc%2fpasswd',
      '/./index.html',
      '/%ff',
      '/' + 'a/'.repeat(200) + 'x',
    ];
    for (const path of attempts) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('SECRET');
    }
  });

  it('resolvePath keeps to the folder', () => {
    expect(resolvePath('/srv/dash', '/')).toBe('/srv/dash/index.html');
    expect(resolvePath('/srv/dash', '/a/b.js?x=1')).toBe('/srv/dash/a/b.js');
    expect(resolvePath('/srv/dash', '/../dash-x/a')).toBeNull();
    expect(resolvePath('/srv/dash', 'relative.js')).toBeNull();
    expect(resolvePath('/srv/dash', '/%')).toBeNull();
  });

  it('finds the package root (where dist/dashboard is built) from src/', () => {
    const root = packageRoot();
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name).toBe('p2pool');
    expect(root).toBe(join(import.meta.dirname, '..', '..'));
  });
});
