import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { sha256d } from '../../src/bitcoin/hash.js';
import { hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { decodeAuxBlockHeader, decodeAuxPow, encodeAuxPow } from '../../src/merged/auxpow.js';
import { auxpowVectors, namecoin } from './namecoin-fixture.js';

describe('AuxPoW codec on real Namecoin headers', () => {
  for (const v of auxpowVectors) {
    it(`${v.name}: every part decodes as electrum-nmc parsed it, and re-encodes to the same bytes`, () => {
      const bytes = Buffer.from(v.full_hex, 'hex');
      const { header, auxpow } = decodeAuxBlockHeader(bytes);
      const a = v.auxpow!;
      expect(header.toString('hex')).toBe(v.aux_header.hex);
      expect(hashToDisplayHex(sha256d(header))).toBe(v.aux_block_hash);
      expect(auxpow.coinbaseBytes.toString('hex')).toBe(a.coinbase_tx_hex);
      expect(hashToDisplayHex(sha256d(auxpow.coinbaseBytes))).toBe(a.coinbase_txid);
      expect(auxpow.coinbase.inputs[0]!.script.toString('hex')).toBe(a.coinbase_script_sig_hex);
      expect(auxpow.parentHash.toString('hex')).toBe(a.parent_hash_field_serialized_hex);
      expect(auxpow.coinbaseBranch.map((b) => b.toString('hex'))).toEqual(a.coinbase_merkle_branch_serialized);
      expect(auxpow.coinbaseIndex).toBe(a.coinbase_merkle_index);
      expect(auxpow.chainBranch.map((b) => b.toString('hex'))).toEqual(a.chain_merkle_branch_serialized);
      expect(auxpow.chainIndex).toBe(a.chain_merkle_index);
      expect(auxpow.parentHeader.toString('hex')).toBe(a.parent_header_hex);
      expect(hashToDisplayHex(sha256d(auxpow.parentHeader))).toBe(a.parent_block_hash);
      expect(Buffer.concat([header, encodeAuxPow(auxpow)]).equals(bytes)).toBe(true);
      expect(encodeAuxPow(decodeAuxPow(bytes.subarray(80))).equals(bytes.subarray(80))).toBe(true);
    });
  }

  it('the zero-output parent coinbase of testnet block 233281 decodes (legal inside an AuxPoW)', () => {
    const v = auxpowVectors.find((x) => x.name === 'header_zero_output_auxpow')!;
    expect(decodeAuxBlockHeader(Buffer.from(v.full_hex, 'hex')).auxpow.coinbase.outputs).toHaveLength(0);
  });

  it('reads a coinbase with no inputs as legacy (version|00|00|locktime), not as a segwit marker', () => {
    const c = namecoin.failure_cases.find((x) => x.name === 'coinbase_no_inputs_37174')!;
    const { auxpow } = decodeAuxBlockHeader(Buffer.from(c.full_hex, 'hex'));
    expect(auxpow.coinbase.inputs).toHaveLength(0);
    expect(auxpow.coinbase.outputs).toHaveLength(0);
  });

  it('rejects trailing junk and every truncation with DecodeError', () => {
    const c = namecoin.failure_cases.find((x) => x.name === 'reject_trailing_junk_37174')!;
    expect(() => decodeAuxBlockHeader(Buffer.from(c.full_hex, 'hex'))).toThrow(DecodeError);
    const good = Buffer.from(auxpowVectors[1]!.full_hex, 'hex');
    for (let n = 0; n < good.length; n += 7) expect(() => decodeAuxBlockHeader(good.subarray(0, n))).toThrow(DecodeError);
  });

  it('only ever throws DecodeError on arbitrary bytes (fuzz)', () => {
    const good = Buffer.from(auxpowVectors[1]!.full_hex, 'hex');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(good.length - 1), fc.uint8Array({ minLength: 1, maxLength: 8 }), (junk, at, patch) => {
        for (const input of [Buffer.from(junk), Buffer.concat([good.subarray(0, at), patch, good.subarray(at + patch.length)])]) {
          try {
            decodeAuxBlockHeader(input);
          } catch (e) {
            expect(e).toBeInstanceOf(DecodeError);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
