import { describe, expect, it } from 'vitest';
import { sha256d } from '../../src/bitcoin/hash.js';
import { hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { decodeAuxBlockHeader } from '../../src/merged/auxpow.js';
import { AuxPowError, checkAuxBlock, checkAuxPow } from '../../src/merged/auxpow-check.js';
import { auxpowVectors, expectedReason, namecoin } from './namecoin-fixture.js';

const NAMECOIN = namecoin.conventions.namecoin_chain_id;

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof AuxPowError) return e.reason;
    throw e;
  }
  return 'accepted';
}

describe('AuxPoW checker: Namecoin rules on real Namecoin blocks', () => {
  for (const v of auxpowVectors) {
    it(`accepts ${v.name} (proof, chain id, parent PoW against the aux bits)`, () => {
      const { header, auxpow } = decodeAuxBlockHeader(Buffer.from(v.full_hex, 'hex'));
      const r = checkAuxBlock(header, auxpow, { chainId: NAMECOIN, parentPow: sha256d });
      const a = v.auxpow!;
      expect(hashToDisplayHex(r.chainRoot)).toBe(a.chain_merkle_root_display);
      expect(r.size).toBe(a.merkle_size_from_script);
      expect(r.nonce).toBe(a.merkle_nonce_from_script);
      expect(a.chain_merkle_index).toBe(a.expected_chain_index_by_formula);
      expect(hashToDisplayHex(r.parentPowHash)).toBe(a.parent_block_hash);
    });
  }

  // Namecoin's own message for each tampered variant is quoted in the fixture's `expected`.
  for (const c of namecoin.failure_cases) {
    it(`rejects ${c.name} (${c.mutation})`, () => {
      const bytes = Buffer.from(c.full_hex, 'hex');
      const want = expectedReason(c);
      if (want === null) {
        expect(() => decodeAuxBlockHeader(bytes)).toThrow(DecodeError);
        return;
      }
      const { header, auxpow } = decodeAuxBlockHeader(bytes);
      expect(reasonOf(() => checkAuxPow(auxpow, sha256d(header), NAMECOIN))).toBe(want);
      // The whole-header check rejects it too (possibly also for its now-broken parent PoW).
      expect(reasonOf(() => checkAuxBlock(header, auxpow, { chainId: NAMECOIN, parentPow: sha256d }))).not.toBe('accepted');
    });
  }

  const base = decodeAuxBlockHeader(Buffer.from(auxpowVectors.find((v) => v.name === 'namecoin_header_37174')!.full_hex, 'hex'));

  it('rejects the aux block under another chain id, and a parent with the AuxPoW flag', () => {
    expect(reasonOf(() => checkAuxBlock(base.header, base.auxpow, { chainId: 0x62, parentPow: sha256d }))).toMatch(/does not have our chain ID/);
    const parentHeader = Buffer.from(base.auxpow.parentHeader);
    parentHeader.writeUInt32LE(parentHeader.readUInt32LE(0) | 0x100, 0);
    expect(reasonOf(() => checkAuxBlock(base.header, { ...base.auxpow, parentHeader }, { chainId: NAMECOIN, parentPow: sha256d }))).toBe('auxpow parent block has auxpow version');
  });

  it('rejects a parent whose PoW misses the aux target, and a header without the AuxPoW flag', () => {
    expect(reasonOf(() => checkAuxBlock(base.header, base.auxpow, { chainId: NAMECOIN, parentPow: sha256d, target: 1n << 200n }))).toBe('AUX proof of work failed');
    const header = Buffer.from(base.header);
    header.writeUInt32LE(header.readUInt32LE(0) & ~0x100, 0);
    expect(reasonOf(() => checkAuxBlock(header, base.auxpow, { chainId: NAMECOIN, parentPow: sha256d }))).toBe('auxpow on block with non-auxpow version');
  });

  it('rejects a wrong slot index and a size that does not match the branch (block 37174: slot 11 of 16)', () => {
    const auxHash = sha256d(base.header);
    expect(reasonOf(() => checkAuxPow({ ...base.auxpow, chainIndex: 11 + 16 }, auxHash, NAMECOIN))).toBe('Aux POW wrong index');
    expect(reasonOf(() => checkAuxPow({ ...base.auxpow, chainIndex: 3 }, auxHash, NAMECOIN))).toBe('Aux POW missing chain merkle root in parent coinbase');
    expect(reasonOf(() => checkAuxPow({ ...base.auxpow, chainBranch: base.auxpow.chainBranch.slice(0, 3) }, auxHash, NAMECOIN))).toBe('Aux POW missing chain merkle root in parent coinbase');
  });
});
