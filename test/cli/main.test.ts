/**
 * The `p2pool` executable as a user meets it: a child process running src/cli/main.ts.
 * Checks the contract of docs/cli.md that does not depend on a subcommand: --version, help,
 * exit codes, and errors as one line on stderr.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

// Each child process starts node and tsx (~1-2 s; much more on a loaded machine).
describe('p2pool (child process)', { timeout: 180_000 }, () => {
  it('--version prints the package version and exits 0', () => {
    const r = run('--version');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it('with no subcommand prints help on stderr and exits 1 (no crash, no stack trace)', () => {
    const r = run();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^Usage: p2pool /);
    expect(r.stderr).toContain('inspect');
    expect(r.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
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
});
