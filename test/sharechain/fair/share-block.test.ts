/**
 * A fair share that is also a block, rebuilt into the block (src/sharechain/fair/share-block.ts):
 * the header is the share's, the coinbase the one the chain rebuilds (its txid the share's
 * coinbase txid, its outputs the payouts), and a share whose merkle branch no body matches is
 * refused with the reason. Real hashing: regtest's block target (2^255) makes every other share
 * a block.
 */
import { describe, expect, it } from 'vitest';
import { decodeBlock } from '../../../src/bitcoin/block.js';
import { sha256d } from '../../../src/bitcoin/hash.js';
import { encodeTransaction } from '../../../src/bitcoin/transaction.js';
import { getFairNetwork } from '../../../src/sharechain/fair/networks.js';
import { isFairBlock, rebuildFairShareBlock } from '../../../src/sharechain/fair/share-block.js';
import { verifyFairShare } from '../../../src/sharechain/fair/verify.js';
import { FairTestChain, testScript } from '../../support/fair-chain-builder.js';

const net = getFairNetwork('regtest-fair');
const REGTEST_BITS = 0x207fffff;

describe('a fair share that is a block', () => {
  it('is rebuilt into the block its header commits to, links and sub-shares alike', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1, { blockBits: REGTEST_BITS });
    chain.link(g.hash, 2, { blockBits: REGTEST_BITS });
    const kinds = new Set<string>();
    for (let i = 0; kinds.size < 2 && i < 40; i++) {
      const s = chain.add({ parent: chain.state.best, payoutScript: testScript(3 + (i % 4)), kind: i % 2 ? 'sub-share' : 'link', blockBits: REGTEST_BITS, nonceStart: i * 1000 });
      if (!isFairBlock(s)) continue;
      const built = rebuildFairShareBlock(s, chain.tracker, net, [], chain.clock + 60);
      if (!built.ok) throw new Error(built.reason);
      const block = decodeBlock(built.block);
      expect(sha256d(built.block.subarray(0, 80)).equals(s.hashBytes)).toBe(true);
      expect(block.txs).toHaveLength(1);
      const coinbase = block.txs[0]!;
      expect(sha256d(encodeTransaction(coinbase, { witness: false })).equals(s.gentxHash)).toBe(true);
      expect(coinbase.outputs.slice(1, -1)).toEqual(verifyFairShare(s, chain.tracker, net, { now: chain.clock + 60 }).outputs);
      kinds.add(s.isLink ? 'link' : 'sub-share');
    }
    expect([...kinds].sort()).toEqual(['link', 'sub-share']);
  });

  it('needs a body with its merkle branch: none matches, it says so', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1, { blockBits: REGTEST_BITS });
    const fake = { ...g, merkleBranch: [Buffer.alloc(32, 1)] };
    const r = rebuildFairShareBlock(fake, chain.tracker, net, [{ transactions: [], mwebSuffix: new Uint8Array(0) }], chain.clock + 60);
    expect(r).toEqual({ ok: false, reason: "its 1-level merkle branch matches none of our templates' transactions" });
  });
});
