/**
 * The `p2pool` executable as a user meets it: a child process running src/cli/main.ts.
 * Checks the contract of docs/cli.md that does not depend on a subcommand: --version, help,
 * exit codes, and errors as one line on stderr.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function run(...args: string[]) {
  const p = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { code: p.status, stdout: p.stdout, stderr: p.stderr };
}

function runAsync(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    p.on('error', reject);
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// Each child process starts node and tsx (~1-2 s; much more on a loaded machine).
describe('p2pool (child process)', { timeout: 180_000 }, () => {
  it('--version prints the package version alone on its first line, then the P2P protocol and share versions, and exits 0', () => {
    const r = run('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\nP2Pool protocol 3501\nshare versions: mines 35; verifies 17, 32, 33, 34, 35\nNode.js ${process.versions.node}\n`);
  });

  it('a bad payout address, a typo in the config file or a bad port stops the node with one line before it writes anything', async () => {
    const datadir = mkdtempSync(join(tmpdir(), 'p2pool-cli-'));
    const fresh = join(datadir, 'not-yet');
    try {
      writeFileSync(join(datadir, 'typo.conf'), 'net=regtest\nworker_port=9332\n');
      const cases: Array<[string[], RegExp]> = [
        // No bitcoind anywhere: the address is refused before anything looks for one.
        [['--net', 'bitcoin', '-a', 'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297'], /^error: payout address bc1p\S+ cannot be used on bitcoin: taproot addresses cannot be paid by P2Pool share v35/],
        [['--net', 'bitcoin', '-a', 'garbage'], /^error: payout address "garbage" is not usable on bitcoin: .*; expected a bitcoin P2PKH \(1\.\.\.\), P2SH \(3\.\.\.\) or segwit v0 \(bc1q\.\.\.\) address$/],
        [['--conf', join(datadir, 'typo.conf')], new RegExp(`^error: ${join(datadir, 'typo.conf').replace(/[.]/g, '\\.')}:2: unknown key "worker_port"$`)],
        [['--regtest', '--p2pool-port', '70000'], /^error: --p2pool-port must be a port number \(0-65535\), got "70000"$/],
        [['--regtest', '--bitcoind-cookie', datadir], /^error: the RPC cookie file \S+ is a directory/],
        [['--regtest', '--datadir', join(datadir, 'typo.conf'), 'u', 'p'], /^error: data directory \S+typo\.conf is not a directory$/],
      ];
      // In parallel: each child is mostly node and tsx starting.
      const runs = await Promise.all(cases.map(([args]) => runAsync('--datadir', fresh, ...args)));
      for (const [i, [args, expected]] of cases.entries()) {
        const r = runs[i]!;
        expect(r.code, args.join(' ')).toBe(1);
        expect(r.stdout, args.join(' ')).toBe('');
        expect(r.stderr.trimEnd(), args.join(' ')).toMatch(expected);
        expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
        expect(existsSync(fresh), args.join(' ')).toBe(false);
      }
    } finally {
      rmSync(datadir, { recursive: true, force: true });
    }
  });

  it('with no subcommand runs the node, and an unreachable bitcoind is one clear line and exit 1', () => {
    const datadir = mkdtempSync(join(tmpdir(), 'p2pool-cli-'));
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const r = run('--net', 'regtest', '--datadir', datadir, '--bitcoind-rpc-port', '1', '--disable-upnp', 'user', 'pass');
    rmSync(datadir, { recursive: true, force: true });
    expect(r.code).toBe(1);
    const last = r.stderr.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^error: .*127\.0\.0\.1:1/);
    expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it("--net bitcoin --testnet --help shows the node's options with testnet's ports (the seed's form)", () => {
    const r = run('--net', 'bitcoin', '--testnet', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: p2pool run /);
    expect(r.stdout).toContain('--bitcoind-rpc-port');
    // Bitcoin Core's testnet3 RPC/P2P ports, the reference's bitcoin_testnet P2Pool ports (docs/networks.md#p2pool-networks-sharechains).
    expect(r.stdout).toContain('Defaults for --net testnet');
    expect(r.stdout).toContain('RPC port 18332, P2P port 18333');
    expect(r.stdout).toContain('P2P port 19333, worker port 19332');
  });

  it('--net namecoin says to merge-mine it with --merged-url instead', () => {
    const r = run('--net', 'namecoin', '--bitcoind-rpc-port', '1', 'user', 'pass');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: namecoin has no P2Pool sharechain.*--net bitcoin.*--merged-url[^\n]*\n$/);
  });

  it('--help lists the subcommands on stdout and exits 0', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: p2pool /);
    expect(r.stdout).toContain('inspect');
    expect(r.stdout).toContain('chain');
  });

  it('usage and input errors are one line on stderr with exit code 1', () => {
    for (const args of [
      ['no-such-command'],
      ['inspect', 'tx'],
      ['inspect', 'address', '1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo'],
      ['inspect', 'tx', '00', '--net', 'dogecoin'],
      // `chain verify` is wired in: its errors take the same one-line path.
      ['chain', 'verify', '/nonexistent/p2pool-shares.txt', '--net', 'bitcoin'],
    ]) {
      const r = run(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr, args.join(' ')).toMatch(/^error: [^\n]+\n$/);
    }
  });

  it('a one-shot command whose reader closes the pipe (`| head`) stops quietly with 141, as on SIGPIPE', async () => {
    // inspect block prints ~300 KB of JSON for this block, more than a pipe holds: the reader
    // takes the first chunk and closes its end while the command is still writing.
    const p = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'inspect', 'block', `@${join(repoRoot, 'test/fixtures/bitcoin-core/block413567.raw')}`], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let first = '';
    let stderr = '';
    p.stdout.once('data', (d: Buffer) => {
      first = d.toString('utf8');
      p.stdout.destroy();
    });
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const code = await new Promise<number | null>((resolve, reject) => {
      p.on('error', reject);
      p.on('exit', (c) => resolve(c));
    });
    expect(first.startsWith('{')).toBe(true);
    expect(code).toBe(141);
    expect(stderr).toBe('');
  });
});
