/**
 * Shares that are blocks, rebuilt into the full block (src/sharechain/share-block.ts), on
 * shares mined by the chain builder with the production generation code: with an empty
 * template the coinbase alone is the block; with transactions (real ones, from mainnet block
 * 413567) only a body with the share's merkle link and witness root will do.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeBlockWithRaw } from '../../src/bitcoin/block.js';
import { calculateMerkleLink, merkleRoot } from '../../src/bitcoin/merkle.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { isBlockSolution, rebuildShareBlock, type BlockBodyTx } from '../../src/sharechain/share-block.js';
import { ArrayChain } from '../support/array-chain.js';
import { buildChain, emptyTemplate } from '../support/chain-builder.js';

const net = getP2PoolNetwork('regtest');
const ADDRESS = 'bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9';
const now = Math.floor(Date.now() / 1000);
const realBlock = decodeBlockWithRaw(readFileSync(new URL('../fixtures/bitcoin-core/block413567.raw', import.meta.url)));
const body = (from: number, n: number): BlockBodyTx[] => realBlock.txs.slice(from, from + n).map((t) => ({ txid: t.txid, wtxid: t.wtxid, data: Buffer.from(t.raw) }));

function mine(txs: BlockBodyTx[], count = 3): { chain: ArrayChain; shares: ReturnType<typeof buildChain>['shares'] } {
  const link = calculateMerkleLink([null, ...txs.map((t) => t.txid)], 0);
  const template = emptyTemplate({
    segwitData: { txidMerkleLink: link, wtxidMerkleRoot: merkleRoot([Buffer.alloc(32), ...txs.map((t) => t.wtxid)]) },
    merkleLink: link,
  });
  return buildChain(net, template, Array.from({ length: count }, (_, i) => ({ address: ADDRESS, timestamp: now - 600 + i * 20 })));
}

describe('rebuildShareBlock', () => {
  it('an empty-template share is its header plus the rebuilt coinbase, committing to the header', () => {
    const { chain, shares } = mine([]);
    const share = shares.find(isBlockSolution)!;
    expect(share).toBeDefined();
    const r = rebuildShareBlock(share, chain, net, [], now);
    if (!r.ok) throw new Error(r.reason);
    expect(r.txCount).toBe(1);
    const block = decodeBlockWithRaw(r.block);
    expect(block.headerBytes.equals(share.header)).toBe(true);
    expect(block.txs).toHaveLength(1);
    // The coinbase's txid is the one the share's hash_link gives, and it is the merkle root.
    expect(block.txs[0]!.txid.equals(share.gentxHash)).toBe(true);
    expect(block.header.merkleRoot.equals(share.gentxHash)).toBe(true);
    // The coinbase carries its BIP141 witness reserved value: the reference's '[P2Pool]' * 4.
    expect(block.txs[0]!.tx.inputs[0]!.witness.map((w) => Buffer.from(w).toString('latin1'))).toEqual(['[P2Pool]'.repeat(4)]);
  });

  it('a share with transactions needs a body with its merkle link and witness root', () => {
    const txs = body(1, 5);
    const { chain, shares } = mine(txs);
    const share = shares.find(isBlockSolution)!;
    expect(rebuildShareBlock(share, chain, net, [], now)).toEqual({ ok: false, reason: 'its 3-level merkle link matches none of our templates\' transactions' });
    // Same txids in another order, or other transactions: no match. The right one is found among several.
    const r = rebuildShareBlock(share, chain, net, [body(2, 5), [...txs].reverse(), txs].map((transactions) => ({ transactions, mwebSuffix: Buffer.alloc(0) })), now);
    if (!r.ok) throw new Error(r.reason);
    const block = decodeBlockWithRaw(r.block);
    expect(block.txs.map((t) => t.txid.toString('hex'))).toEqual([share.gentxHash, ...txs.map((t) => t.txid)].map((h) => h.toString('hex')));
    expect(merkleRoot(block.txs.map((t) => t.txid)).equals(block.header.merkleRoot)).toBe(true);
    expect(r.block.subarray(80 + 1 + block.txs[0]!.raw.length).equals(Buffer.concat(txs.map((t) => t.data)))).toBe(true);
  });

  it("a matching body's bytes after the transactions (Litecoin's 0x01 + MWEB block) end the block", () => {
    const txs = body(1, 3);
    const { chain, shares } = mine(txs);
    const share = shares.find(isBlockSolution)!;
    const suffix = Buffer.from('01' + 'ab'.repeat(40), 'hex');
    const r = rebuildShareBlock(share, chain, net, [{ transactions: txs, mwebSuffix: suffix }], now);
    if (!r.ok) throw new Error(r.reason);
    expect(r.block.subarray(r.block.length - suffix.length).equals(suffix)).toBe(true);
    expect(r.block.subarray(0, r.block.length - suffix.length).subarray(-txs.at(-1)!.data.length).equals(txs.at(-1)!.data)).toBe(true);
  });

  it('a share whose ancestors are missing cannot be rebuilt, and says why', () => {
    const { shares } = mine([]);
    const last = shares.at(-1)!;
    const r = rebuildShareBlock(last, new ArrayChain([last]), net, [], now);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^its generation transaction cannot be rebuilt: .*previous share .* unknown/);
  });

  it('isBlockSolution compares the PoW with the header bits, not the share target', () => {
    const { shares } = mine([], 6);
    for (const s of shares) {
      const pow = BigInt('0x' + Buffer.from(s.powHash).reverse().toString('hex'));
      expect(isBlockSolution(s)).toBe(pow <= 0x7fffffn << 232n);
    }
  });
});
