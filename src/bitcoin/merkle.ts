/**
 * Merkle trees (Bitcoin's: an odd level repeats its last hash) and P2Pool's merkle links.
 * STUB: signatures are final; bodies are being implemented.
 */

/** A branch from one leaf to the root; bit i of `index` says the leaf side at level i. */
export interface MerkleLink {
  branch: Buffer[];
  index: number;
}

/** Root of the tree over `hashes` (internal byte order). An empty list is an error. */
export function merkleRoot(_hashes: readonly Uint8Array[]): Buffer {
  throw new Error('not implemented');
}

/**
 * Reference `calculate_merkle_link`: the branch for `hashes[index]`. The leaf at `index` may be
 * null because it is never hashed (P2Pool leaves the coinbase slot empty).
 */
export function calculateMerkleLink(_hashes: readonly (Uint8Array | null)[], _index: number): MerkleLink {
  throw new Error('not implemented');
}

/** Reference `check_merkle_link`: fold the branch over `leaf`; index >= 2**branch.length is an error. */
export function checkMerkleLink(_leaf: Uint8Array, _link: MerkleLink): Buffer {
  throw new Error('not implemented');
}
