/**
 * A simulated chain passes `p2pool chain verify` when proof of work is real: a run with real
 * hashing at regtest difficulty (MAX_TARGET 2**255; with 10 H/s miners a share takes ~600 hashes) emits
 * its final chain from the start chain's first share, and the verifier (a fresh tracker,
 * every check including PoW) accepts every share. Both steps run the `p2pool` executable as a
 * user would.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'p2pool-sim-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function p2pool(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const p = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: p.status, stdout: p.stdout, stderr: p.stderr };
}

describe('a simulated chain with real hashing', () => {
  it('passes p2pool chain verify', () => {
    const start = 1_767_225_600;
    const scenarioFile = join(dir, 'real.json');
    writeFileSync(scenarioFile, JSON.stringify({
      name: 'real hashing',
      rules: { name: 'v35', network: 'regtest' },
      start,
      duration: '40 min',
      // Shares need ~600 hashes, blocks ~40 times more: a block or two in the run.
      parentChain: { difficulty: 5e-6, blockReward: 50 },
      nodes: { count: 2 },
      links: { latency: '100 ms' },
      miners: [{ count: 2, hashrate: '10 H/s', node: 'round-robin', restartDelay: '1 s' }],
      report: { replicates: 100 },
      options: { realHashing: true, emitChain: true },
    }));
    const out = join(dir, 'out');
    const sim = p2pool('simulate', scenarioFile, '--seed', '3', '--out', out, '--quiet');
    expect(sim.stderr).toBe('');
    expect(sim.code).toBe(0);
    const paths = JSON.parse(sim.stdout) as { report: string; html: string; chain: string };
    const report = JSON.parse(readFileSync(paths.report, 'utf8')) as { pool: { shares: { found: number; chain: number } }; scenario: { rules: { proofOfWork: string } } };
    expect(report.scenario.rules.proofOfWork).toBe('real (ground)');
    expect(report.pool.shares.chain).toBeGreaterThan(20);
    const lines = readFileSync(paths.chain, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(400);
    const verify = p2pool('chain', 'verify', '--net', 'regtest', paths.chain, '--now', String(start + 3 * 3600));
    const results = verify.stdout.trim().split('\n').map((l) => JSON.parse(l) as { valid: boolean; reason?: string });
    expect(results.filter((r) => !r.valid)).toEqual([]);
    expect(results.length).toBe(lines.length);
    expect(verify.code).toBe(0);
  }, 180_000);
});
