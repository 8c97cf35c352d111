/**
 * The chain side of found blocks (src/chain/block-submitter.ts): P2P announce + RPC submit (RPC
 * only when asked), "is this block bitcoind's at its height" from getblockhash, and bad blocks
 * written to a folder for a report, at most MAX_BAD_BLOCKS kept. Real files in a temporary
 * folder; the node's two calls are recorded.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ChainBlockSubmitter, MAX_BAD_BLOCKS } from '../../src/chain/block-submitter.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(at: Buffer | null = null) {
  const calls: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'p2pool-bad-blocks-'));
  dirs.push(dir);
  const s = new ChainBlockSubmitter({
    bitcoind: {
      submitBlock: (b) => {
        calls.push(`rpc ${Buffer.from(b).toString('hex')}`);
        return Promise.resolve(null);
      },
      getBlockHash: (h) => {
        calls.push(`getblockhash ${h}`);
        return Promise.resolve(at);
      },
    },
    p2p: { announceBlock: (b) => void calls.push(`p2p ${Buffer.from(b).toString('hex')}`) },
    badBlockDir: join(dir, 'regtest', 'bad-blocks'),
  });
  return { s, calls, dir: join(dir, 'regtest', 'bad-blocks') };
}

describe('ChainBlockSubmitter', () => {
  it('announces over P2P and submits over RPC; RPC only when asked', async () => {
    const { s, calls } = setup();
    expect(await s.submitBlock(Buffer.from('aa', 'hex'))).toBeNull();
    expect(await s.submitBlock(Buffer.from('bb', 'hex'), { announce: false })).toBeNull();
    expect(calls).toEqual(['p2p aa', 'rpc aa', 'rpc bb']);
  });

  it('asks which block is at the height: ours, another one, or none yet', async () => {
    const ours = Buffer.alloc(32, 1);
    expect(await setup(ours).s.inBestChain(ours, 120)).toBe(true);
    expect(await setup(Buffer.alloc(32, 2)).s.inBestChain(ours, 120)).toBe(false);
    const none = setup(null);
    expect(await none.s.inBestChain(ours, 120)).toBe(false);
    expect(none.calls).toEqual(['getblockhash 120']);
  });

  it('writes a bad block and its report, keeping the newest MAX_BAD_BLOCKS', () => {
    const { s, dir } = setup();
    const hash = (i: number): string => i.toString(16).padStart(64, '0');
    expect(s.saveBadBlock(hash(1), Buffer.from('0102', 'hex'), { problems: ['weight 4000001 is over the limit of 4000000'] })).toBe(dir);
    expect(readFileSync(join(dir, `${hash(1)}.hex`), 'utf8')).toBe('0102\n');
    const report = JSON.parse(readFileSync(join(dir, `${hash(1)}.json`), 'utf8')) as Record<string, unknown>;
    expect(report['problems']).toEqual(['weight 4000001 is over the limit of 4000000']);
    expect(typeof report['savedAt']).toBe('string');
    for (let i = 2; i <= MAX_BAD_BLOCKS + 5; i++) s.saveBadBlock(hash(i), Buffer.from('00', 'hex'), {});
    const files = readdirSync(dir);
    expect(files.filter((f) => f.endsWith('.json'))).toHaveLength(MAX_BAD_BLOCKS);
    expect(files.filter((f) => f.endsWith('.hex'))).toHaveLength(MAX_BAD_BLOCKS);
    expect(existsSync(join(dir, `${hash(MAX_BAD_BLOCKS + 5)}.hex`))).toBe(true);
    expect(() => s.saveBadBlock('../../etc/passwd', Buffer.alloc(1), {})).toThrow(/not a block hash/);
  });
});
