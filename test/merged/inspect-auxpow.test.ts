import { describe, expect, it } from 'vitest';
import { inspectAuxpow } from '../../src/merged/inspect-auxpow.js';
import { auxpowVectors, expectedReason, namecoin } from './namecoin-fixture.js';

describe('inspectAuxpow (p2pool inspect auxpow HEX)', () => {
  for (const v of auxpowVectors) {
    it(`reports ${v.name} as valid with the hashes electrum-nmc's data gives`, () => {
      const a = v.auxpow!;
      expect(inspectAuxpow(v.full_hex)).toEqual({
        valid: true,
        parent_hash: a.parent_block_hash,
        chain_id: v.aux_header.chain_id,
        aux_hash: v.aux_block_hash,
        coinbase_txid: a.coinbase_txid,
        aux_root: a.chain_merkle_root_display,
      });
    });
  }

  for (const c of namecoin.failure_cases) {
    it(`reports ${c.name} as invalid, saying why`, () => {
      const r = inspectAuxpow(c.full_hex);
      expect(r.valid).toBe(false);
      const want = expectedReason(c);
      // A tampered parent coinbase also breaks the parent header's PoW; the structural reason comes first.
      expect(r.reason).toContain(want ?? 'trailing bytes');
    });
  }

  it('a plain header (no AuxPoW) and non-hex input are reports, not exceptions', () => {
    const plain = namecoin.vectors.find((v) => !v.has_auxpow)!;
    const r = inspectAuxpow(plain.full_hex);
    expect(r.valid).toBe(false);
    expect(r.aux_hash).toBe(plain.aux_block_hash);
    expect(r.chain_id).toBe(1);
    expect(r.reason).toMatch(/not an aux block header with AuxPoW/);
    expect(inspectAuxpow('zz').reason).toMatch(/not hex/);
  });
});
