/**
 * The node's log (src/node/logger.ts, log-format.ts): readable lines with colour only on a
 * TTY, JSON otherwise, and no secret in any output. The last test runs the real node command
 * against a "bitcoind" that echoes the credentials it receives into its answers (as a broken or
 * hostile proxy might): the RPC password, the cookie, and their HTTP Basic form must not appear
 * on stdout, stderr or in the log file, while the lines that carried them still do (masked).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPretty, localTime } from '../../src/node/log-format.js';
import { createLogger, makeScrubber } from '../../src/node/logger.js';
import { freePort } from '../support/bcoin-node.js';
import { waitFor } from '../support/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ESC = '\x1b[';

function collector(isTTY: boolean): { write(s: string): void; isTTY: boolean; text: string } {
  const c = { isTTY, text: '', write: (s: string) => void (c.text += s) };
  return c;
}

describe('log lines', () => {
  it('pretty: local time, level, subsystem, message and fields, one line; colour only on a TTY', () => {
    const t = new Date(2026, 11, 6, 9, 5, 7, 42).getTime();
    expect(localTime(t)).toBe('09:05:07.042');
    expect(formatPretty({ level: 40, time: t, sub: 'bitcoind', msg: 'no template\n  retrying', tries: 3, why: 'a b' }, false)).toBe(
      '09:05:07.042 WARN  bitcoind no template retrying tries=3 why="a b"',
    );
    expect(formatPretty({ level: 30, time: t, msg: 'ready' }, false)).toBe('09:05:07.042 INFO  node     ready');
    expect(formatPretty({ level: 30, time: t, msg: 'ready' }, true)).toContain(`${ESC}32mINFO `);

    const plain = collector(false);
    const l1 = createLogger({ console: 'pretty', stream: plain });
    l1.sub('p2p')('info', 'hello');
    expect(plain.text).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}p2p {6}hello\n$/);
    const tty = collector(true);
    const l2 = createLogger({ stream: tty });
    l2.log('warn', 'careful');
    expect(tty.text).toContain(`${ESC}33mWARN `);
    expect(l2.interactive).toBe(true);
    // The status line is redrawn under each new event.
    l2.status('downloading 1 of 2');
    l2.log('info', 'event');
    const last = tty.text.slice(tty.text.lastIndexOf('\r'));
    expect(last.startsWith(`\r${ESC}K`)).toBe(true);
    expect(last).toContain('event');
    expect(last.endsWith('\ndownloading 1 of 2')).toBe(true);
  });

  it('json is the default when the output is not a terminal (one object per line, with the subsystem)', () => {
    const out = collector(false);
    const l = createLogger({ stream: out });
    l.sub('stratum')('info', 'miner connected', { port: 1 });
    const o = JSON.parse(out.text) as Record<string, unknown>;
    expect(o).toMatchObject({ level: 30, sub: 'stratum', msg: 'miner connected', port: 1 });
    expect(typeof o['time']).toBe('number');
    expect(l.interactive).toBe(false);
  });

  it('masks given secrets and anything shaped like a credential', () => {
    const scrub = makeScrubber(['hunter2-password', 'short', 'abc']);
    expect(scrub('auth failed for hunter2-password and short; abc stays (too brief to be a secret)')).toBe(
      'auth failed for *** and ***; abc stays (too brief to be a secret)',
    );
    expect(scrub('cookie __cookie__:0123abcd, header Authorization: Basic dXNlcjpwYXNz==, url http://u:p@host:1/')).toBe(
      'cookie __cookie__:***, header Authorization: Basic ***, url http://***@host:1/',
    );
  });
});

/** A JSON-RPC server that answers like a regtest node but puts the Authorization it got into its answers. */
async function echoingBitcoind(): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      const auth = String(req.headers.authorization ?? '');
      const decoded = Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString('utf8');
      const { method, id } = JSON.parse(body) as { method: string; id: unknown };
      const answer = (result: unknown, error: unknown = null): void => {
        res.writeHead(error ? 500 : 200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ result, error, id }));
      };
      const fork = { active: true };
      if (method === 'getblockchaininfo') answer({ chain: 'regtest', blocks: 500, softforks: { bip65: fork, csv: fork, segwit: fork } });
      else if (method === 'getnetworkinfo') answer({ version: `echo ${auth}`, subversion: `/echo:${decoded}/` });
      else if (method === 'getblockhash') answer('0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206');
      else if (method === 'getdeploymentinfo') answer(null, { code: -32601, message: 'Method not found' });
      else answer(null, { code: -1, message: `refused ${method} for ${decoded} (${auth})` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

describe('no secret in any log', { timeout: 120_000 }, () => {
  let server: Server;
  let dir: string;
  beforeAll(async () => {
    server = await echoingBitcoind();
    dir = mkdtempSync(join(tmpdir(), 'p2pool-secrets-'));
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Run the node until it has logged the echoed lines, then SIGTERM it. */
  async function runNode(name: string, auth: string[]): Promise<{ code: number | null; out: string; log: string }> {
    const datadir = join(dir, name);
    const args = [
      '--import', 'tsx', 'src/cli/main.ts', '--regtest', '--datadir', datadir, '--disable-upnp', '-w', '0', '--p2pool-port', '0',
      '--bitcoind-rpc-port', String((server.address() as AddressInfo).port), '--bitcoind-p2p-port', String(await freePort()),
      '-a', 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', ...auth,
    ];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    let done = false;
    const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c))).finally(() => (done = true));
    await waitFor(`${name}: the echoed version and template lines`, () => done || (/non-numeric version/.test(out) && /no block template/.test(out)), 60_000).catch((e: Error) => {
      child.kill('SIGKILL');
      throw new Error(`${e.message}\n${out}`);
    });
    child.kill('SIGTERM');
    const code = await exited;
    return { code, out, log: readFileSync(join(datadir, 'regtest', 'log'), 'utf8') };
  }

  it('the RPC password and the cookie are masked on stdout, stderr and in the log file', async () => {
    const cookie = join(dir, '.cookie');
    const cookieSecret = 'f00dfacecafe0123456789abcdef0123456789abcdef0123456789abcdef9999';
    writeFileSync(cookie, `__cookie__:${cookieSecret}\n`);
    const password = 'correct-horse-battery-staple';
    const [withPassword, withCookie] = await Promise.all([runNode('password', ['rpcuser', password]), runNode('cookie', ['--bitcoind-cookie', cookie])]);
    for (const [r, secrets] of [
      [withPassword, [password, Buffer.from(`rpcuser:${password}`).toString('base64')]],
      [withCookie, [cookieSecret, Buffer.from(`__cookie__:${cookieSecret}`).toString('base64')]],
    ] as const) {
      // Not a terminal: JSON lines on stdout, JSON in the file; SIGTERM stops cleanly.
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/"msg":"stopped"/);
      for (const s of secrets) {
        expect(r.out).not.toContain(s);
        expect(r.log).not.toContain(s);
      }
      // The lines that carried them are there, masked.
      expect(r.log).toMatch(/non-numeric version \\"echo Basic \*\*\*\\"/);
      expect(r.log).toMatch(/no block template[^\n]*\*\*\*/);
    }
  });
});
