/**
 * The installable package, as an operator gets it: `npm pack`, then `npm install -g` of the
 * tarball into an empty prefix, then the installed `p2pool` command: --version, --help,
 * `inspect` on a real block, the startup checks (in under a second, no bitcoind), and a regtest
 * node against bcoin started from a config file, which a Stratum miner mines a block on, which
 * `p2pool status` reads, and which SIGTERM stops cleanly.
 *
 * The install builds native code (better-sqlite3 and our SHA-256 addon), so without a C
 * compiler this test is skipped outside CI. better-sqlite3 would fetch a prebuilt binary from
 * its GitHub releases, which no machine here can reach, and compile SQLite from source instead
 * (~2 minutes on 2 cores); to keep the test short, a server on 127.0.0.1 plays that release
 * host (npm_config_better_sqlite3_binary_host), serving the binary this checkout already built
 * for the same Node: the install then runs as it does for a user with internet access.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { witnessScript } from '../../src/bitcoin/script.js';
import { freePort, startBcoinNode, type BcoinNode } from '../support/bcoin-node.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { waitFor } from '../support/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const hasCompiler = spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = !hasCompiler && !process.env['CI'];
if (skip) console.log('package.test.ts skipped: no C compiler (cc) to build the native modules the install compiles (CI runs it)');

const regtest = getChainParams('regtest');
const NODE_ADDRESS = scriptToAddress(witnessScript(0, hash160(Buffer.from('package node'))), regtest)!;
const MINER = scriptToAddress(witnessScript(0, hash160(Buffer.from('package miner'))), regtest)!;

let dir: string;
let prefix: string;
let bin: string;
let mirror: Server;
const mirrorRequests: string[] = [];
let mirrorHost = '';
const npmCache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();

function runAsync(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync(bin, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t0 };
}

/** The built tree is older than a source file: build again, so the package holds this code. */
function buildIfStale(): void {
  const built = join(root, 'dist', 'bin', 'main.js');
  const newest = (d: string): number =>
    Math.max(0, ...readdirSync(d, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(d, e.name)) : statSync(join(d, e.name)).mtimeMs)));
  if (existsSync(built) && existsSync(join(root, 'dist', 'dashboard', 'app.js')) && statSync(built).mtimeMs >= Math.max(newest(join(root, 'src')), newest(join(root, 'dashboard')))) return;
  const b = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`npm run build failed:\n${b.stdout}${b.stderr}`);
}

/** better-sqlite3's release host, on 127.0.0.1, serving this checkout's own build as the prebuilt. */
async function startMirror(): Promise<Server> {
  const tarball = join(dir, 'better-sqlite3-prebuilt.tar.gz');
  const t = spawnSync('tar', ['czf', tarball, '-C', join(root, 'node_modules', 'better-sqlite3'), 'build/Release/better_sqlite3.node']);
  if (t.status !== 0) throw new Error(`tar failed: ${t.stderr.toString()}`);
  const server = createServer((req, res) => {
    mirrorRequests.push(req.url ?? '');
    if (req.url?.endsWith('.tar.gz')) res.writeHead(200, { 'Content-Type': 'application/gzip' }).end(readFileSync(tarball));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

describe.skipIf(skip)('the installed package', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'p2pool-package-'));
    prefix = join(dir, 'prefix');
    bin = join(prefix, 'bin', 'p2pool');
    buildIfStale();
    const packed = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
    expect(packed.status, packed.stderr).toBe(0);
    const tarball = join(dir, `p2pool-${pkg.version}.tgz`);
    expect(existsSync(tarball)).toBe(true);
    mirror = await startMirror();
    mirrorHost = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
    // Not spawnSync: the mirror answers from this process's event loop.
    const install = await runAsync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], {
      cwd: dir,
      env: { ...process.env, npm_config_better_sqlite3_binary_host: mirrorHost },
    });
    expect(install.code, install.out).toBe(0);
  }, 600_000);

  afterAll(async () => {
    mirror?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    // prebuild-install keeps what it downloaded in npm's cache, under a name made from the URL
    // (its util.cachedPrebuild): remove ours, whose URL named this run's port.
    for (const url of mirrorRequests) {
      const full = `${mirrorHost}${url}`;
      const name = `${createHash('sha512').update(full).digest('hex').slice(0, 6)}-${basename(full).replace(/[^a-zA-Z0-9.]+/g, '-')}`;
      rmSync(join(npmCache, '_prebuilds', name), { force: true });
    }
  });

  it('ships only what runs, with its runtime dependencies and the native addon built', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'p2pool');
    const top = readdirSync(installed).sort();
    expect(top).toEqual(['LICENSE', 'README.md', 'contrib', 'dist', 'docs', 'native', 'node_modules', 'package.json', 'scripts', 'sim']);
    // p2pool simulate's example scenarios (docs/simulate.md).
    expect(readdirSync(join(installed, 'sim', 'scenarios')).sort()).toEqual([
      'big-pool-fair-k1000.json', 'big-pool-fair.json', 'big-pool-v35.json', 'fair-baseline-k1000.json', 'fair-baseline.json', 'fair-latency-sweep.json', 'fair-small-pool.json',
      'latency-sweep.json', 'small-pool.json', 'v35-baseline-2d.json', 'v35-baseline.json',
    ]);
    expect(readdirSync(join(installed, 'dist')).sort()).toEqual(['bin', 'dashboard']);
    expect(existsSync(join(installed, 'dist', 'dashboard', 'index.html'))).toBe(true);
    expect(readdirSync(join(installed, 'scripts'))).toEqual(['build-native.mjs']);
    // Our addon was compiled by the package's install script (a compiler is here).
    expect(existsSync(join(installed, 'native', 'build', 'Release', 'p2pool_sha256.node'))).toBe(true);
    // The runtime dependencies are there, no development dependency is.
    const modules = readdirSync(join(installed, 'node_modules'));
    for (const d of Object.keys(pkg.dependencies)) expect(modules, d).toContain(d.split('/')[0]);
    for (const d of Object.keys(pkg.devDependencies)) expect(existsSync(join(installed, 'node_modules', d)), d).toBe(false);
    // better-sqlite3 came from the "release host", as for a user online.
    expect(mirrorRequests.some((u) => /\/v[\d.]+\/better-sqlite3-v[\d.]+-node-v\d+-linux-x64\.tar\.gz$/.test(u))).toBe(true);
  });

  it('p2pool --version, --help and inspect run; bad startup input exits 1 in under a second with no bitcoind', () => {
    const v = run(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.split('\n').slice(0, 3)).toEqual([pkg.version, 'P2Pool protocol 3501', 'share versions: mines 35; verifies 17, 32, 33, 34, 35']);
    const h = run(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/^Usage: p2pool /);
    for (const c of ['inspect', 'chain', 'status', 'run']) expect(h.stdout).toContain(c);
    const block = run(['inspect', 'block', `@${join(root, 'test', 'fixtures', 'bitcoin-core', 'block413567.raw')}`]);
    expect(block.code).toBe(0);
    // Mainnet block 413567 (test/fixtures/SOURCES.md).
    expect(JSON.parse(block.stdout)).toMatchObject({ hash: '0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069', height: 413567, merkle_root_ok: true });
    const home = join(dir, 'home');
    // Node's own start on this machine now (a loaded 2-core machine takes several times longer).
    const floor = run(['--version']).ms;
    for (const [address, why] of [
      ['bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297', /taproot addresses cannot be paid by P2Pool share v35/],
      ['garbage', /^error: payout address "garbage" is not usable on bitcoin: .*expected a bitcoin P2PKH/],
    ] as const) {
      const r = run(['--net', 'bitcoin', '-a', address], { HOME: home });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(why);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.ms).toBeLessThan(Math.max(1_000, 3 * floor));
    }
    expect(existsSync(home)).toBe(false);
  });

  it('runs a regtest node against bcoin from a config file: a miner finds a block, status reads it, SIGTERM stops it', async () => {
    const bcoin: BcoinNode = await startBcoinNode();
    const datadir = join(dir, 'node');
    const miners: StratumTestMiner[] = [];
    const children: ChildProcess[] = [];
    let out = '';
    try {
      const workerPort = await freePort();
      const { mkdirSync } = await import('node:fs');
      mkdirSync(datadir);
      writeFileSync(
        join(datadir, 'p2pool.conf'),
        [
          '# a regtest node beside bcoin',
          'net=regtest',
          `address=${NODE_ADDRESS}`,
          `worker-port=${workerPort}`,
          'worker-host=127.0.0.1',
          'p2pool-port=0',
          'disable-upnp=1',
          `bitcoind-rpc-port=${bcoin.rpcPort}`,
          `bitcoind-p2p-port=${bcoin.p2pPort}`,
          `bitcoind-rpc-user=${bcoin.rpcUser}`,
          `bitcoind-rpc-password=${bcoin.rpcPassword}`,
          '',
        ].join('\n'),
      );
      const child = spawn(bin, ['--datadir', datadir], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
      const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      await waitFor('the ready line', () => out.includes('ready: point miners at'), 60_000).catch((e: Error) => {
        child.kill('SIGKILL');
        throw new Error(`${e.message}\n${out}`);
      });
      // Not a terminal: JSON lines, and the ready line names the worker port of the config file.
      const ready = out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { msg: string }).find((l) => l.msg.startsWith('ready:'))!;
      expect(ready.msg).toBe(`ready: point miners at stratum+tcp://127.0.0.1:${workerPort} (user name: a payout address), dashboard at http://127.0.0.1:${workerPort}/`);
      expect(out).toContain(`"msg":"config file ${join(datadir, 'p2pool.conf')}"`);
      expect(out).not.toContain(bcoin.rpcPassword);

      const miner = new StratumTestMiner({ port: workerPort, username: MINER, onePerJob: true });
      miners.push(miner);
      await miner.connect();
      expect((await miner.login()).result).toBe(true);
      const height0 = bcoin.height();
      miner.start();
      await waitFor('a block accepted by bcoin', () => bcoin.height() > height0 && out.includes('accepted by bitcoind'), 60_000);
      miner.stop();

      const status = await runAsync(bin, ['status', '--datadir', datadir, '--json']);
      expect(status.code, status.out).toBe(0);
      const s = JSON.parse(status.out) as { network: string; sync: { synced: boolean; height: number }; blocks: { accepted: number }; payout_address: string };
      expect(s.network).toBe('regtest');
      expect(s.sync.synced).toBe(true);
      expect(s.sync.height).toBeGreaterThan(0);
      expect(s.blocks.accepted).toBeGreaterThanOrEqual(1);
      expect(s.payout_address).toBe(NODE_ADDRESS);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('"msg":"stopped"');
    } catch (e) {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n--- node output:\n${out}`);
    } finally {
      for (const m of miners) m.close();
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await bcoin.stop();
    }
  });
});
