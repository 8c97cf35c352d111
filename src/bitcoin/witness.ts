/**
 * BIP141 witness commitment: the coinbase commits to the merkle root of all wtxids (with the
 * coinbase's own wtxid taken as 32 zero bytes) hashed with a 32-byte reserved value that sits
 * in the coinbase input's witness.
 */
import { sha256d } from './hash.js';
import { merkleRoot } from './merkle.js';
import type { Transaction } from './transaction.js';

/** The 6-byte prefix of the commitment output script: OP_RETURN, push 36, aa21a9ed. */
export const WITNESS_COMMITMENT_HEADER = Buffer.from('6a24aa21a9ed', 'hex');
/** BIP141: the commitment output script is at least 38 bytes (6-byte header + 32-byte commitment). */
const MIN_COMMITMENT_SCRIPT_SIZE = 38;
/** The coinbase's wtxid in the witness tree (BIP141: "the wtxid of coinbase is assumed to be 0x0000....0000"). */
const COINBASE_WTXID = Buffer.alloc(32);

/** sha256d(witnessMerkleRoot || reservedValue). */
export function witnessCommitment(witnessRoot: Uint8Array, reservedValue: Uint8Array): Buffer {
  if (witnessRoot.length !== 32 || reservedValue.length !== 32) {
    throw new RangeError('witness root and reserved value must be 32 bytes each');
  }
  return sha256d(Buffer.concat([witnessRoot, reservedValue]));
}

/** Merkle root of the wtxids with the coinbase's replaced by 32 zero bytes. `wtxids` excludes the coinbase. */
export function witnessMerkleRoot(nonCoinbaseWtxids: readonly Uint8Array[]): Buffer {
  return merkleRoot([COINBASE_WTXID, ...nonCoinbaseWtxids]);
}

/** The commitment output script: WITNESS_COMMITMENT_HEADER || commitment. */
export function witnessCommitmentScript(commitment: Uint8Array): Buffer {
  if (commitment.length !== 32) throw new RangeError('witness commitment must be 32 bytes');
  return Buffer.concat([WITNESS_COMMITMENT_HEADER, commitment]);
}

/**
 * The commitment in a coinbase (last matching output, BIP141), or null. BIP141: if several
 * outputs match, the one with the highest output index is the commitment; bytes after the 38th
 * are allowed and ignored.
 */
export function findWitnessCommitment(coinbase: Transaction): Buffer | null {
  for (let i = coinbase.outputs.length - 1; i >= 0; i--) {
    const script = coinbase.outputs[i]!.script;
    if (
      script.length >= MIN_COMMITMENT_SCRIPT_SIZE &&
      script.subarray(0, WITNESS_COMMITMENT_HEADER.length).equals(WITNESS_COMMITMENT_HEADER)
    ) {
      return Buffer.from(script.subarray(6, MIN_COMMITMENT_SCRIPT_SIZE));
    }
  }
  return null;
}
