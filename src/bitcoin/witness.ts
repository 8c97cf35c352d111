/**
 * BIP141 witness commitment.
 * STUB: signatures are final; bodies are being implemented.
 */
import type { Transaction } from './transaction.js';

/** The 6-byte prefix of the commitment output script: OP_RETURN, push 36, aa21a9ed. */
export const WITNESS_COMMITMENT_HEADER = Buffer.from('6a24aa21a9ed', 'hex');

/** sha256d(witnessMerkleRoot || reservedValue). */
export function witnessCommitment(_witnessRoot: Uint8Array, _reservedValue: Uint8Array): Buffer {
  throw new Error('not implemented');
}

/** Merkle root of the wtxids with the coinbase's replaced by 32 zero bytes. `wtxids` excludes the coinbase. */
export function witnessMerkleRoot(_nonCoinbaseWtxids: readonly Uint8Array[]): Buffer {
  throw new Error('not implemented');
}

/** The commitment output script: WITNESS_COMMITMENT_HEADER || commitment. */
export function witnessCommitmentScript(_commitment: Uint8Array): Buffer {
  throw new Error('not implemented');
}

/** The commitment in a coinbase (last matching output, BIP141), or null. */
export function findWitnessCommitment(_coinbase: Transaction): Buffer | null {
  throw new Error('not implemented');
}
