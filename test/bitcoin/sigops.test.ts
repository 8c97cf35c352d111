/**
 * Sigop counting (src/bitcoin/sigops.ts) against Bitcoin Core's rules and real data: the
 * reference's script test vector (its sigop count), and Bitcoin Core's own per-transaction
 * `sigops` in a regtest getblocktemplate, which the upper bound used for templates without
 * them must never undercut.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { coinbaseSigopCost, scriptSigops, sigopCostUpperBound } from '../../src/bitcoin/sigops.js';
import { p2pkhScript, p2shScript, witnessScript } from '../../src/bitcoin/script.js';
import { decodeTransaction, type Transaction } from '../../src/bitcoin/transaction.js';
import { DONATION_SCRIPT } from '../../src/sharechain/coinbase-layout.js';

const json = <T>(path: string): T => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as T;
const reference = json<{ script_parse: { script_hex: string; sigop_count: number } }>('p2pool-reference/repo_test_vectors.json');
const gbt111 = json<{ transactions: { data: string; sigops: number }[] }>('bitcoin-core-regtest/gbt-height111-24tx.json');
const gbt112 = json<{ transactions: { data: string; sigops: number }[] }>('bitcoin-core-regtest/gbt-height112-chained.json');

const h20 = Buffer.alloc(20, 7);
const multisig = (m: number, n: number): Buffer => Buffer.concat([
  Buffer.of(0x50 + m), ...Array.from({ length: n }, () => Buffer.concat([Buffer.of(33), Buffer.alloc(33, 2)])), Buffer.of(0x50 + n, 0xae),
]);

describe('scriptSigops (Core GetSigOpCount)', () => {
  it('counts the reference\'s P2PKH test vector as it does', () => {
    expect(scriptSigops(Buffer.from(reference.script_parse.script_hex, 'hex'), false)).toBe(reference.script_parse.sigop_count);
  });

  it('counts 1 for P2PKH and P2PK, 0 for P2SH, P2WPKH, P2WSH and OP_RETURN outputs', () => {
    expect(scriptSigops(p2pkhScript(h20), false)).toBe(1);
    expect(scriptSigops(DONATION_SCRIPT, false)).toBe(1);
    expect(scriptSigops(p2shScript(h20), false)).toBe(0);
    expect(scriptSigops(witnessScript(0, h20), false)).toBe(0);
    expect(scriptSigops(witnessScript(0, Buffer.alloc(32, 0xac)), false)).toBe(0); // 0xac inside a push is data
    expect(scriptSigops(Buffer.concat([Buffer.of(0x6a, 0x28), Buffer.alloc(40, 0xac)]), false)).toBe(0);
  });

  it('counts bare multisig as 20, or as its key count when accurate', () => {
    expect(scriptSigops(multisig(1, 2), false)).toBe(20);
    expect(scriptSigops(multisig(1, 2), true)).toBe(2);
    expect(scriptSigops(multisig(2, 3), true)).toBe(3);
    // OP_CHECKMULTISIGVERIFY after a non-number: 20 even when accurate.
    expect(scriptSigops(Buffer.of(0x76, 0xaf), true)).toBe(20);
    expect(scriptSigops(Buffer.of(0xad, 0xac), false)).toBe(2);
  });

  it('stops counting where the script stops parsing', () => {
    expect(scriptSigops(Buffer.of(0xac, 0x4c), false)).toBe(1); // PUSHDATA1 without its length
    expect(scriptSigops(Buffer.of(0xac, 0x05, 0xac, 0xac), false)).toBe(1); // a push of 5 running past the end
    expect(scriptSigops(Buffer.of(0x4d, 0x01, 0x00, 0xac, 0xac), false)).toBe(1); // PUSHDATA2 of 1 byte, then one CHECKSIG
  });
});

describe('coinbaseSigopCost', () => {
  it('is 4 per P2PKH or P2PK output, nothing for the others', () => {
    const tx: Transaction = {
      version: 1,
      inputs: [{ prevout: { hash: Buffer.alloc(32), index: 0xffffffff }, script: Buffer.of(0x03, 1, 2, 3), sequence: 0xffffffff, witness: [] }],
      outputs: [p2pkhScript(h20), p2pkhScript(h20), p2shScript(h20), witnessScript(0, h20), DONATION_SCRIPT].map((script) => ({ value: 1, script })),
      locktime: 0,
    };
    expect(coinbaseSigopCost(tx)).toBe(3 * 4);
  });
});

describe('sigopCostUpperBound', () => {
  it('never counts less than Bitcoin Core did for the transactions of its regtest templates', () => {
    const txs = [...gbt111.transactions, ...gbt112.transactions];
    expect(txs.length).toBeGreaterThan(30);
    let exact = 0;
    for (const t of txs) {
      const bound = sigopCostUpperBound(decodeTransaction(Buffer.from(t.data, 'hex')));
      expect(bound).toBeGreaterThanOrEqual(t.sigops);
      if (bound === t.sigops) exact++;
    }
    // P2WPKH spends (1 each) and legacy P2PKH spends (4 each) are counted exactly.
    expect(exact).toBeGreaterThan(txs.length / 2);
  });
});
