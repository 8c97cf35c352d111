import { describe, expect, it } from 'vitest';
import { decodeTransaction, txSize } from '../../src/bitcoin/transaction.js';
import { MAX_REMOTE_TX_HASHES, PeerTxs } from '../../src/p2p/peer-txs.js';

// A real transaction: the coinbase of Bitcoin block 170 (134 bytes, txid b1fea524...5082).
const COINBASE_170 = decodeTransaction(Buffer.from(
  '01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff0704ffff001d0102ffffffff0100f2052a01000000434104d46c4968bde02899d2aa0963367c7a6ce34eec332b32e42e5f3407e052d64ac625da6f0718e7b302140434bd725706957c092db53805b821a85b23a7ac61725bac00000000',
  'hex',
));

describe('PeerTxs (reference tx-message limits)', () => {
  it('caps the known set at 10,000 and forgets on losing_tx', () => {
    const t = new PeerTxs();
    const h = (i: number): Buffer => { const b = Buffer.alloc(32); b.writeUInt32LE(i); return b; };
    t.haveTx(Array.from({ length: MAX_REMOTE_TX_HASHES + 10 }, (_, i) => h(i)));
    expect(t.knownCount).toBe(10_000);
    t.losingTx([h(MAX_REMOTE_TX_HASHES + 9), h(0)]);
    expect(t.knownCount).toBe(9_999);
  });

  it('charges 100 + size per remembered tx, refuses twice and unknown hashes, frees on forget_tx', () => {
    const t = new PeerTxs();
    expect(t.rememberTx([], [COINBASE_170])).toEqual({ ok: true });
    expect(t.rememberedBytes).toBe(100 + txSize(COINBASE_170));
    expect(t.rememberedBytes).toBe(100 + 134);
    expect(t.rememberTx([], [COINBASE_170])).toMatchObject({ ok: false, misbehaved: false, reason: expect.stringMatching(/twice/) });
    expect(t.rememberTx([Buffer.alloc(32, 1)], [])).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown transaction/) });
    t.forgetTx([Buffer.from('b1fea52486ce0c62bb442b530a3f0132b826c74e473d1f2c220bfa78111c5082', 'hex').reverse()]);
    expect(t.rememberedBytes).toBe(0);
  });
});
