/**
 * MergedMining against real aux chain servers over HTTP on 127.0.0.1 (test/support/
 * aux-chain-server.ts, which fully checks every AuxPoW it gets). Parent solutions are real
 * headers ground here until their sha256d meets the wanted target.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { sha256d } from '../../src/bitcoin/hash.js';
import { hashToBigInt } from '../../src/bitcoin/hex.js';
import { checkMerkleLink } from '../../src/bitcoin/merkle.js';
import { bip34HeightPush, pushData } from '../../src/bitcoin/script.js';
import { encodeTransaction } from '../../src/bitcoin/transaction.js';
import { MergedMining } from '../../src/merged/merged-mining.js';
import { AuxRpcClient } from '../../src/merged/aux-rpc.js';
import type { ParentSolution } from '../../src/work/merged-hook.js';
import { AuxChainServer } from '../support/aux-chain-server.js';
import { freePort } from '../support/bcoin-node.js';
import { waitFor } from '../support/wait.js';

const parent = getChainParams('regtest');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(opts: Parameters<typeof AuxChainServer.start>[0]): Promise<AuxChainServer> {
  const s = await AuxChainServer.start(opts);
  cleanups.push(() => s.stop());
  return s;
}

function merged(urls: string[], logs: string[]): MergedMining {
  const mm = new MergedMining({ chains: urls.map((url) => ({ url })), parent, log: (l, m) => logs.push(`${l} ${m}`), pollIntervalMs: 100, timeoutMs: 2000, submitRetryMs: 50 });
  cleanups.push(() => mm.stop());
  return mm;
}

/** A parent coinbase carrying `commitment`, two other transactions, and a header ground until `ok(pow)`. */
function solve(commitment: Buffer, ok: (pow: bigint) => boolean): ParentSolution {
  const coinbase = encodeTransaction({
    version: 1,
    inputs: [{ prevout: { hash: Buffer.alloc(32), index: 0xffffffff }, script: Buffer.concat([bip34HeightPush(500), commitment, pushData(Buffer.from('/test/'))]), sequence: 0xffffffff, witness: [] }],
    outputs: [{ value: 5_000_000_000, script: Buffer.from('51', 'hex') }],
    locktime: 0,
  }, { witness: false });
  const other = [sha256d(Buffer.from('tx a')), sha256d(Buffer.from('tx b'))];
  const merkleBranch = [other[0]!, sha256d(Buffer.concat([other[1]!, other[1]!]))];
  const header = Buffer.alloc(80);
  header.writeUInt32LE(0x20000000, 0);
  sha256d(Buffer.from('parent tip')).copy(header, 4);
  checkMerkleLink(sha256d(coinbase), { branch: merkleBranch, index: 0 }).copy(header, 36);
  header.writeUInt32LE(1_700_000_000, 68);
  header.writeUInt32LE(0x207fffff, 72);
  for (let nonce = 0; ; nonce++) {
    header.writeUInt32LE(nonce, 76);
    const powHash = sha256d(header);
    if (ok(hashToBigInt(powHash))) return { header: Buffer.from(header), coinbase, merkleBranch, powHash };
  }
}

describe('MergedMining with two aux chains (getauxblock and createauxblock)', () => {
  it('commits to both, submits a solution to each, counts the accepted blocks and moves to the new aux work', async () => {
    const a = await server({ chainId: 1, style: 'getauxblock' });
    const b = await server({ chainId: 0x62, style: 'createauxblock' });
    const logs: string[] = [];
    const mm = merged([a.url, b.url], logs);
    let changed = 0;
    mm.on('changed', () => changed++);
    const events: { url: string; accepted: boolean }[] = [];
    mm.on('auxblock', (e) => events.push(e));
    await mm.start();

    const commitment = mm.coinbaseCommitment()!;
    expect(commitment.length).toBe(45);
    expect(commitment.subarray(0, 5).toString('hex')).toBe('2cfabe6d6d');
    expect(mm.stats().map((s) => s.chainId)).toEqual([1, 0x62]);
    expect(mm.stats()[0]!.url).not.toContain('auxpass'); // credentials never shown
    expect(b.calls.filter((m) => m === 'getnewaddress')).toHaveLength(1);
    expect(logs.some((l) => l.includes('createauxblock/submitauxblock, paying aux1address1'))).toBe(true);
    expect(mm.easiestTarget()).toBe(a.target);

    const before = changed;
    mm.onSolution(solve(commitment, (pow) => pow <= a.target && pow <= b.target));
    await waitFor('both aux blocks accepted', () => a.accepted.length === 1 && b.accepted.length === 1, 20_000);
    expect(a.rejected).toEqual([]);
    expect(b.rejected).toEqual([]);
    await waitFor('stats counted', () => mm.stats().every((s) => s.accepted === 1 && s.rejected === 0));
    expect(events.map((e) => e.accepted)).toEqual([true, true]);
    // Both tips moved: new aux work, a new commitment, 'changed' for the miners.
    await waitFor('new aux work', () => changed > before && !mm.coinbaseCommitment()!.equals(commitment));
    expect(b.calls).toContain('submitauxblock');

    // The server checks what it gets: the old proof for the new aux block is refused.
    const client = new AuxRpcClient(a.url);
    cleanups.push(() => client.close());
    const work = await client.getWork();
    expect(await client.submit(work.hash, a.accepted[0]!.auxpow)).toEqual({ accepted: false, reason: 'getauxblock answered false' });
    expect(a.rejected.at(-1)!.reason).toBe('Aux POW missing chain merkle root in parent coinbase');
  });

  it('submits only to the chains whose target the parent PoW meets', async () => {
    const easy = await server({ chainId: 1, style: 'getauxblock' });
    const hard = await server({ chainId: 2, style: 'getauxblock', bits: 0x2000ffff });
    const mm = merged([easy.url, hard.url], []);
    await mm.start();
    mm.onSolution(solve(mm.coinbaseCommitment()!, (pow) => pow <= easy.target && pow > hard.target));
    await waitFor('easy chain accepted', () => easy.accepted.length === 1, 20_000);
    await new Promise((r) => setTimeout(r, 300)); // give a wrong submission time to arrive
    expect(hard.calls.filter((m) => m === 'getauxblock').length).toBeGreaterThan(0);
    expect(hard.accepted.length + hard.rejected.length).toBe(0);
  });

  it('counts a rejected (stale) aux block and reports it', async () => {
    const a = await server({ chainId: 1, style: 'getauxblock' });
    const logs: string[] = [];
    const mm = merged([a.url], logs);
    await mm.start();
    const sol = solve(mm.coinbaseCommitment()!, (pow) => pow <= a.target);
    a.advanceTip(); // another miner found the aux block first
    mm.onSolution(sol);
    await waitFor('rejection counted', () => mm.stats()[0]!.rejected === 1, 20_000);
    expect(a.rejected[0]!.reason).toBe('stale: not on the current tip');
    expect(logs.some((l) => l.startsWith('warn') && l.includes('REJECTED'))).toBe(true);
  });

  it('leaves a dead aux chain out (logged once) and takes it back when it answers', async () => {
    const live = await server({ chainId: 1, style: 'getauxblock' });
    const port = await freePort();
    const logs: string[] = [];
    const mm = merged([live.url, `http://aux:auxpass@127.0.0.1:${port}/`], logs);
    let changed = 0;
    mm.on('changed', () => changed++);
    await mm.start();
    const solo = mm.coinbaseCommitment()!;
    expect(solo).not.toBeNull();
    expect(mm.stats()[1]!.lastError).toMatch(/cannot connect \(ECONNREFUSED\)/);
    await new Promise((r) => setTimeout(r, 600)); // several polls
    expect(logs.filter((l) => l.includes('left out of merged mining'))).toHaveLength(1);

    const revived = await server({ chainId: 7, style: 'getauxblock', port });
    await waitFor('revived chain in the tree', () => mm.stats()[1]!.chainId === 7 && !mm.coinbaseCommitment()!.equals(solo), 20_000);
    expect(changed).toBeGreaterThan(0);
    expect(logs.some((l) => l.includes('aux chain answers again'))).toBe(true);
    mm.onSolution(solve(mm.coinbaseCommitment()!, (pow) => pow <= live.target));
    await waitFor('both accepted', () => live.accepted.length === 1 && revived.accepted.length === 1, 20_000);
  });

  it('ignores a solution whose coinbase commits to no tree it made', async () => {
    const a = await server({ chainId: 1, style: 'getauxblock' });
    const logs: string[] = [];
    const mm = merged([a.url], logs);
    await mm.start();
    mm.onSolution(solve(Buffer.alloc(0), () => true));
    expect(logs.some((l) => l.includes('commits to no aux tree'))).toBe(true);
    await new Promise((r) => setTimeout(r, 200)); // a wrong submission would arrive by now
    expect(a.accepted.length + a.rejected.length).toBe(0);
  });
});
