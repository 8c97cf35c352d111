import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkMerkleLink } from '../../src/bitcoin/merkle.js';
import { displayHexToHash } from '../../src/bitcoin/hex.js';
import { sha256d } from '../../src/bitcoin/hash.js';
import { auxSlot, buildAuxTree, commitmentData, commitmentPush, findCommitment } from '../../src/merged/aux-merkle-tree.js';
import { auxpowVectors } from './namecoin-fixture.js';

describe('aux merkle tree', () => {
  it('slot formula gives the slots real Namecoin blocks used', () => {
    for (const v of auxpowVectors) {
      const a = v.auxpow!;
      expect(auxSlot(v.aux_header.chain_id, a.merkle_nonce_from_script, a.merkle_size_from_script)).toBe(a.chain_merkle_index);
    }
  });

  it('slot formula on uint32, written out independently with bigint', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xffffffff), fc.nat(20), (chainId, nonce, h) => {
        const M = 1n << 32n;
        let rand = BigInt(nonce);
        rand = (rand * 1103515245n + 12345n) % M;
        rand = (rand + BigInt(chainId)) % M;
        rand = (rand * 1103515245n + 12345n) % M;
        expect(auxSlot(chainId, nonce, 2 ** h)).toBe(Number(rand % (1n << BigInt(h))));
      }),
    );
  });

  it('the commitment is laid out as in real block 37174 (fabe6d6d, root reversed, size 16, nonce 0)', () => {
    const v = auxpowVectors.find((x) => x.name === 'namecoin_header_37174')!;
    const a = v.auxpow!;
    const script = Buffer.from(a.coinbase_script_sig_hex, 'hex');
    const at = a.merged_mining_magic_offset_in_script!;
    const tree = { root: displayHexToHash(a.chain_merkle_root_display), size: a.merkle_size_from_script, nonce: a.merkle_nonce_from_script };
    expect(commitmentData(tree).equals(script.subarray(at, at + 44))).toBe(true);
    // Pushed as data: 0x2c then the 44 bytes, exactly as Eligius did.
    expect(commitmentPush(tree).equals(script.subarray(at - 1, at + 44))).toBe(true);
    const found = findCommitment(script)!;
    expect(found.root.equals(tree.root)).toBe(true);
    expect([found.size, found.nonce]).toEqual([16, 0]);
    expect(findCommitment(Buffer.from(auxpowVectors[0]!.auxpow!.coinbase_script_sig_hex, 'hex'))).toBeNull();
  });

  it('one chain: a size-1 tree whose root is the aux hash', () => {
    const hash = sha256d(Buffer.from('aux'));
    const t = buildAuxTree([{ chainId: 1, hash }]);
    expect([t.size, t.nonce, t.leaves[0]!.slot, t.leaves[0]!.branch.length]).toEqual([1, 0, 0, 0]);
    expect(t.root.equals(hash)).toBe(true);
  });

  it('any set of distinct chain ids gets distinct slots, and each branch leads to the root', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(0xffff), { minLength: 1, maxLength: 8 }), (ids) => {
        const leaves = ids.map((chainId) => ({ chainId, hash: sha256d(Buffer.from(`chain ${chainId}`)) }));
        const t = buildAuxTree(leaves);
        expect(new Set(t.leaves.map((l) => l.slot)).size).toBe(ids.length);
        expect(t.size).toBeGreaterThanOrEqual(ids.length);
        for (const l of t.leaves) {
          expect(l.slot).toBe(auxSlot(l.chainId, t.nonce, t.size));
          expect(2 ** l.branch.length).toBe(t.size);
          expect(checkMerkleLink(l.hash, { branch: l.branch, index: l.slot }).equals(t.root)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('Namecoin (1) and Dogecoin (0x62) share slot 0 of 2 with nonce 0, so a nonce or size is chosen to separate them', () => {
    const t = buildAuxTree([{ chainId: 1, hash: Buffer.alloc(32, 1) }, { chainId: 0x62, hash: Buffer.alloc(32, 2) }]);
    expect(t.leaves[0]!.slot).not.toBe(t.leaves[1]!.slot);
    expect(() => buildAuxTree([{ chainId: 7, hash: Buffer.alloc(32) }, { chainId: 7, hash: Buffer.alloc(32, 1) }])).toThrow(RangeError);
  });
});
