import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { registerChainCommand } from '../../src/cli/chain-command.js';
import { exitCodeFor, verifyChainLines } from '../../src/sharechain/chain-verify.js';
import { jtGeneratedNet, loadFixture } from './fixtures.js';

const fixture = loadFixture('jt_v35_generated.json');
const lines = fixture.shares.map((s) => s.wrapped_share_hex);
const now = 1351658690 + 3600; // the generated chain's time; the 600 s future rule is relative to it

describe('chain verify on the reference-generated v35 chain (jt_v35_generated.json)', () => {
  it('accepts every share and reports the recorded pow hash, gentx txid and outputs', () => {
    const results = verifyChainLines(lines, jtGeneratedNet(), { details: true, now });
    expect(exitCodeFor(results)).toBe(0);
    expect(results).toHaveLength(fixture.shares.length);
    results.forEach((r, i) => {
      const want = fixture.shares[i]!;
      expect(r).toEqual({
        index: i,
        hash: want.share_hash,
        valid: true,
        pow_hash: want.pow_hash,
        gentx_txid: want.gentx_txid,
        payouts: want.payout_outputs.map((o) => ({ script: o.script, value: o.value })),
      });
    });
  });

  it('without --details prints only index, hash and validity', () => {
    const results = verifyChainLines(['', ...lines, '  '], jtGeneratedNet(), { now });
    expect(results.map((r) => Object.keys(r))).toEqual(lines.map(() => ['index', 'hash', 'valid']));
  });

  it('drops a share that fails, so the shares built on it fail too', () => {
    // Share 1 claims a different subsidy: the header commits to the gentx through hash_link,
    // so the share's hash changes and with this MAX_TARGET its PoW no longer holds.
    const s1 = fixture.shares[1]!;
    const tampered = Buffer.from(s1.wrapped_share_hex, 'hex');
    const subsidy = Buffer.alloc(8);
    subsidy.writeBigUInt64LE(BigInt(s1.subsidy));
    const at = tampered.indexOf(subsidy);
    expect(at).toBeGreaterThan(0);
    tampered.writeBigUInt64LE(BigInt(s1.subsidy) - 1n, at);
    const results = verifyChainLines([lines[0]!, tampered.toString('hex'), lines[2]!, lines[3]!], jtGeneratedNet(), { now });
    expect(results.map((r) => r.valid)).toEqual([true, false, false, false]);
    expect(results[1]!.reason).toBe('share PoW invalid');
    expect(results[2]!.reason).toMatch(/previous share .* unknown/);
    expect(exitCodeFor(results)).toBe(1);
  });

  it('reports undecodable lines and duplicates without stopping', () => {
    const results = verifyChainLines([lines[0]!, 'zz', lines[0]!, lines[1]!], jtGeneratedNet(), { now });
    expect(results.map((r) => [r.index, r.valid])).toEqual([[0, true], [1, false], [2, false], [3, true]]);
    expect(results[1]!.hash).toBeNull();
    expect(results[1]!.reason).toMatch(/undecodable share/);
    expect(results[2]!.reason).toBe('duplicate share');
  });

  it('takes a missing first parent as the chain start and verifies the rest as if rooted there', () => {
    const results = verifyChainLines(lines.slice(1), jtGeneratedNet(), { now });
    expect(results[0]!.valid).toBe(false);
    expect(results[0]!.reason).toMatch(/not in the file: taken as the chain's start/);
    // Share 2 rebuilt on a one-share chain: its absheight/abswork/payouts claim more history,
    // so it fails with a reason, and share 3 (built on it) fails as well.
    expect(results.slice(1).map((r) => r.valid)).toEqual([false, false]);
    expect(results[1]!.reason).toBeTruthy();
  });

  it('rejects shares from the future (600 s rule) relative to the given time', () => {
    const results = verifyChainLines(lines, jtGeneratedNet(), { now: 1351658600 - 1000 });
    expect(results[0]!.valid).toBe(false);
    expect(results[0]!.reason).toMatch(/future/);
  });
});

describe('p2pool chain verify (commander wiring)', () => {
  it('prints one JSON line per share and sets the exit status', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2pool-chain-verify-'));
    const file = join(dir, 'chain.txt');
    const maxTarget = ((1n << 256n) / 2n - 1n).toString(16);
    const run = async (content: string, extra: string[]): Promise<{ out: string; code: number | undefined }> => {
      writeFileSync(file, content);
      const program = new Command('p2pool').exitOverride();
      registerChainCommand(program);
      let out = '';
      const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        out += chunk.toString();
        return true;
      });
      const before = process.exitCode;
      try {
        await program.parseAsync(['chain', 'verify', '--net', 'bitcoin', '--max-target', maxTarget, '--now', String(now), ...extra, file], { from: 'user' });
        return { out, code: process.exitCode as number | undefined };
      } finally {
        spy.mockRestore();
        process.exitCode = before;
      }
    };
    try {
      const ok = await run(lines.join('\n') + '\n', ['--details']);
      expect(ok.code).toBe(0);
      const parsed = ok.out.trim().split('\n').map((l) => JSON.parse(l) as { hash: string; valid: boolean; gentx_txid: string });
      expect(parsed.map((p) => [p.hash, p.valid, p.gentx_txid])).toEqual(fixture.shares.map((s) => [s.share_hash, true, s.gentx_txid]));
      const bad = await run([lines[0], lines[2]].join('\n'), []);
      expect(bad.code).toBe(1);
      expect(bad.out.trim().split('\n').map((l) => (JSON.parse(l) as { valid: boolean }).valid)).toEqual([true, false]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
