import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeBlockWithRaw } from '../../src/bitcoin/block.js';
import { displayHexToHash, fromHex, toHex } from '../../src/bitcoin/hex.js';
import { merkleRoot } from '../../src/bitcoin/merkle.js';
import { decodeTransaction, wtxid, type Transaction } from '../../src/bitcoin/transaction.js';
import {
  WITNESS_COMMITMENT_HEADER,
  findWitnessCommitment,
  witnessCommitment,
  witnessCommitmentScript,
  witnessMerkleRoot,
} from '../../src/bitcoin/witness.js';

const fixture = (rel: string) => new URL(`../fixtures/${rel}`, import.meta.url);
const loadJson = <T>(rel: string): T => JSON.parse(readFileSync(fixture(rel), 'utf8')) as T;

interface Gbt {
  default_witness_commitment: string;
  transactions: { data: string; hash: string }[];
}

/** BIP141: the coinbase witness is one 32-byte item, the reserved value; Core's templates assume zeros. */
const ZERO_RESERVED = Buffer.alloc(32);

describe("Bitcoin Core's default_witness_commitment is reproduced", () => {
  for (const name of ['gbt-height111-24tx.json', 'gbt-height112-chained.json']) {
    it(name, () => {
      const gbt = loadJson<Gbt>(`bitcoin-core-regtest/${name}`);
      // wtxids computed from the transaction bytes, not taken from the template.
      const wtxids = gbt.transactions.map((t) => wtxid(decodeTransaction(fromHex(t.data))));
      expect(wtxids.map((h) => h.toString('hex'))).toEqual(gbt.transactions.map((t) => displayHexToHash(t.hash).toString('hex')));
      const commitment = witnessCommitment(witnessMerkleRoot(wtxids), ZERO_RESERVED);
      expect(toHex(witnessCommitmentScript(commitment))).toBe(gbt.default_witness_commitment);
    });
  }
});

describe('regtest block at height 111: its coinbase commits to its wtxids', () => {
  const raw = fromHex(readFileSync(fixture('bitcoin-core-regtest/block-height111.hex'), 'utf8').trim());
  const block = decodeBlockWithRaw(raw);
  const coinbase = block.txs[0]!.tx;

  it('the commitment in the coinbase equals sha256d(wtxid root || reserved value from the coinbase witness)', () => {
    const reserved = coinbase.inputs[0]!.witness;
    expect(reserved).toHaveLength(1);
    expect(reserved[0]!.length).toBe(32);
    const root = witnessMerkleRoot(block.txs.slice(1).map((t) => t.wtxid));
    const found = findWitnessCommitment(coinbase);
    expect(found).not.toBeNull();
    expect(found).toEqual(witnessCommitment(root, reserved[0]!));
    // And it is the one Core put in the template Core mined this block from.
    const gbt = loadJson<Gbt>('bitcoin-core-regtest/gbt-height111-24tx.json');
    expect(toHex(witnessCommitmentScript(found!))).toBe(gbt.default_witness_commitment);
  });

  it('a block with only a coinbase has the zero wtxid as its witness root', () => {
    expect(witnessMerkleRoot([])).toEqual(Buffer.alloc(32));
    // BIP141 zeroes the coinbase slot; hashing the coinbase's real wtxid there instead (the
    // commitment cannot cover itself) would not match what Core committed to.
    const wtxids = block.txs.map((t) => t.wtxid);
    const reserved = coinbase.inputs[0]!.witness[0]!;
    const withRealCoinbase = witnessCommitment(merkleRoot(wtxids), reserved);
    expect(withRealCoinbase).not.toEqual(findWitnessCommitment(coinbase));
  });

  describe('findWitnessCommitment (BIP141 rules)', () => {
    const real = findWitnessCommitment(coinbase)!;
    const other = Buffer.alloc(32, 0xab);
    const out = (script: Buffer) => ({ value: 0, script });
    const withOutputs = (scripts: Buffer[]): Transaction => ({ ...coinbase, outputs: scripts.map(out) });

    it('takes the last matching output', () => {
      const tx = withOutputs([witnessCommitmentScript(real), Buffer.from('51', 'hex'), witnessCommitmentScript(other)]);
      expect(findWitnessCommitment(tx)).toEqual(other);
    });

    it('ignores scripts shorter than 38 bytes and accepts extra bytes after the commitment', () => {
      const short = witnessCommitmentScript(other).subarray(0, 37);
      expect(findWitnessCommitment(withOutputs([witnessCommitmentScript(real), short]))).toEqual(real);
      const longer = Buffer.concat([witnessCommitmentScript(other), Buffer.of(1, 2, 3)]);
      expect(findWitnessCommitment(withOutputs([witnessCommitmentScript(real), longer]))).toEqual(other);
    });

    it('returns null without a commitment output', () => {
      expect(findWitnessCommitment(withOutputs([Buffer.from('51', 'hex')]))).toBeNull();
      const wrongHeader = Buffer.from(witnessCommitmentScript(real));
      wrongHeader[5] = 0xee;
      expect(findWitnessCommitment(withOutputs([wrongHeader]))).toBeNull();
    });

    it('the script is the 6-byte header and the 32-byte commitment', () => {
      const s = witnessCommitmentScript(real);
      expect(s.length).toBe(38);
      expect(s.subarray(0, 6)).toEqual(WITNESS_COMMITMENT_HEADER);
      expect(() => witnessCommitmentScript(Buffer.alloc(31))).toThrow(RangeError);
      expect(() => witnessCommitment(Buffer.alloc(32), Buffer.alloc(31))).toThrow(RangeError);
    });
  });
});
