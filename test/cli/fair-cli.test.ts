/**
 * `p2pool chain verify --net regtest-fair` and `p2pool inspect share` through the real CLI (child
 * processes), on the fair chain fixture mined with real hashing (test/fixtures/fair-sharechain)
 * and on a v35 share recorded from a running reference node. Expected values come from the
 * fixtures' own fields.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { inspectShare } from '../../src/cli/inspect-share.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const CHAIN = fileURLToPath(new URL('../fixtures/fair-sharechain/regtest-chain.hex', import.meta.url));
const vectors = JSON.parse(readFileSync(new URL('../fixtures/fair-sharechain/vectors.json', import.meta.url), 'utf8')) as {
  now: number;
  shares: Array<{ name: string; hash: string; kind: string; hex: string; payouts: Array<{ script: string; value: number }> }>;
};
const capture = JSON.parse(readFileSync(new URL('../fixtures/p2pool-reference-node/p2p-capture.json', import.meta.url), 'utf8')) as {
  frames: Array<{ command: string; decoded?: { shares?: Array<{ wrapper_hex: string; contents: { min_header: { previous_block: string; nonce: number; bits_hex: string }; share_info: { share_data: { previous_share_hash: string; address: string; subsidy: number } } } }> } }>;
};

const run = (...args: string[]) => {
  const p = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: p.status, stdout: p.stdout, stderr: p.stderr };
};

// Each child process starts node and tsx (~1-2 s; much more on a loaded machine).
describe('the fair sharechain through the CLI', { timeout: 180_000 }, () => {
  it('chain verify --net regtest-fair passes the fixture chain, naming links and sub-shares', () => {
    const r = run('chain', 'verify', '--net', 'regtest-fair', CHAIN, '--now', String(vectors.now), '--details');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { index: number; hash: string; valid: boolean; kind: string; payouts: Array<{ script: string; value: number }> });
    expect(lines).toHaveLength(readFileSync(CHAIN, 'utf8').trim().split('\n').length);
    expect(lines.every((l) => l.valid)).toBe(true);
    for (const v of vectors.shares) {
      const line = lines.find((l) => l.hash === v.hash)!;
      expect(line.kind).toBe(v.kind);
      // --details prints every output: commitment, the payouts, the ref output.
      expect(line.payouts.slice(1, -1)).toEqual(v.payouts);
      expect(line.payouts[0]!.script.startsWith('6a24aa21a9ed')).toBe(true);
    }
  });

  it('chain verify fails a tampered share, and what builds on it; fair names refuse v35-only options', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fair-cli-'));
    try {
      const lines = readFileSync(CHAIN, 'utf8').trim().split('\n');
      const i = 10;
      // Flip the lowest bit of the subsidy (docs/fair-sharechain.md#wire-format: after the payout script).
      const raw = Buffer.from(lines[i]!, 'hex');
      let o = 1 + (raw[1] === 0xfd ? 3 : 1) + 48 + 32;
      o += 1 + raw[o]!; // coinbase
      o += 1 + raw[o]!; // payout script
      raw[o] = raw[o]! ^ 1;
      lines[i] = raw.toString('hex');
      const file = join(dir, 'bad.hex');
      writeFileSync(file, lines.join('\n') + '\n');
      const r = run('chain', 'verify', '--net', 'regtest-fair', file, '--now', String(vectors.now));
      expect(r.code).toBe(1);
      const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { index: number; valid: boolean; reason?: string });
      expect(out[i]!.valid).toBe(false);
      expect(out.slice(0, i).every((o) => o.valid)).toBe(true);
      expect(out.filter((o) => !o.valid).length).toBeGreaterThan(1);
      const t = run('chain', 'verify', '--net', 'regtest-fair', '--testnet', CHAIN);
      expect(t.code).toBe(1);
      expect(t.stderr).toMatch(/^error: --testnet does not apply to a fair network/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('inspect share --net regtest-fair: a link referencing an uncle, and a sub-share', () => {
    const link = vectors.shares.find((v) => v.name === 'link_with_uncle_ref')!;
    const r = run('inspect', 'share', link.hex, '--net', 'regtest-fair');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ rules: 'fair', network: 'regtest-fair', version: 64, hash: link.hash, kind: 'link' });
    expect(out.refs).toContain(vectors.shares.find((v) => v.name === 'uncle')!.hash);
    // The same function in-process for a sub-share with a taproot-free payee.
    const sub = vectors.shares.find((v) => v.name === 'sub_share')!;
    expect(inspectShare(Buffer.from(sub.hex, 'hex'), 'regtest-fair')).toMatchObject({ hash: sub.hash, kind: 'sub-share' });
  });

  it('inspect share --net regtest: a v35 share recorded from the reference node', () => {
    const frame = capture.frames.find((f) => f.command === 'shares' && f.decoded?.shares?.length)!;
    const share = frame.decoded!.shares![0]!;
    const r = run('inspect', 'share', share.wrapper_hex, '--net', 'regtest');
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { rules: string; version: number; prev_hash: string; payee: { address: string }; subsidy: number; header: { prev_block: string; nonce: number; bits: string } };
    const d = share.contents;
    expect(out).toMatchObject({ rules: 'v35', version: 35, prev_hash: d.share_info.share_data.previous_share_hash, subsidy: d.share_info.share_data.subsidy });
    expect(out.payee.address).toBe(d.share_info.share_data.address);
    expect(out.header).toMatchObject({ prev_block: d.min_header.previous_block, nonce: d.min_header.nonce, bits: d.min_header.bits_hex });
    // A fair share read as v35, and garbage: one error line.
    const wrong = run('inspect', 'share', vectors.shares[0]!.hex, '--net', 'regtest');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: invalid share: unknown share version 64\n$/);
  });
});
