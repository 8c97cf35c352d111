/**
 * A chain the simulator makes under the fair rules passes `p2pool chain verify --net
 * regtest-fair` when proof of work is real (docs/simulate.md#the-fair-rules): real nonces are
 * ground at regtest-fair difficulty (a link is ~1,200 hashes for this 120 H/s pool, the small
 * miners' own targets ~360), the final chain is emitted with every uncle and sub-share it
 * references, and a fresh verifier (every check, proof of work included) accepts every share.
 * Both steps run the `p2pool` executable as a user would.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'p2pool-sim-fair-verify-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function p2pool(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const p = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { code: p.status, stdout: p.stdout, stderr: p.stderr };
}

describe('a simulated fair chain with real hashing', () => {
  it('passes p2pool chain verify --net regtest-fair, sub-shares and references included', () => {
    const start = 1_767_225_600;
    const scenarioFile = join(dir, 'fair-real.json');
    writeFileSync(scenarioFile, JSON.stringify({
      name: 'fair real hashing',
      rules: { name: 'fair', network: 'regtest-fair' },
      start,
      duration: '30 min',
      // A block every few minutes of this pool's work.
      parentChain: { difficulty: 5e-6, blockReward: 50 },
      nodes: { count: 2 },
      links: { latency: '300 ms' },
      miners: [
        { label: 'big', count: 1, hashrate: '100 H/s', node: 0, restartDelay: '1 s' },
        { label: 'small', count: 10, hashrate: '2 H/s', node: 'round-robin', restartDelay: '1 s', maxOutputs: { oneOf: [11, 200] } },
      ],
      report: { replicates: 0 },
      options: { realHashing: true, emitChain: true, bootstrapShares: 40 },
    }));
    const out = join(dir, 'out');
    const sim = p2pool('simulate', scenarioFile, '--seed', '3', '--out', out, '--quiet');
    expect(sim.stderr).toBe('');
    expect(sim.code).toBe(0);
    const paths = JSON.parse(sim.stdout) as { report: string; chain: string };
    const report = JSON.parse(readFileSync(paths.report, 'utf8')) as {
      pool: { shares: { found: number; chain: number; subShare: number; uncle: number }; blocks: { found: number } };
      scenario: { rules: { proofOfWork: string } };
    };
    expect(report.scenario.rules.proofOfWork).toBe('real (ground)');
    expect(report.pool.shares.chain).toBeGreaterThan(50);
    expect(report.pool.shares.subShare).toBeGreaterThan(20);
    const lines = readFileSync(paths.chain, 'utf8').trim().split('\n');
    const verify = p2pool('chain', 'verify', '--net', 'regtest-fair', paths.chain, '--now', String(start + 3 * 3600));
    const results = verify.stdout.trim().split('\n').map((l) => JSON.parse(l) as { valid: boolean; reason?: string; kind?: string });
    expect(results.filter((r) => !r.valid)).toEqual([]);
    expect(results.length).toBe(lines.length);
    expect(verify.code).toBe(0);
  }, 240_000);
});
