/**
 * What the work layer needs from merged mining (src/merged). Kept as an interface here so the
 * work layer does not depend on the aux-chain RPC code: the node wires one in when
 * `--merged-url` is given.
 */

/** A solution as the parent chain saw it, offered to the aux chains. */
export interface ParentSolution {
  /** The 80-byte parent header the miner hashed. */
  header: Buffer;
  /** The stripped parent coinbase (gentx without witness) the header commits to. */
  coinbase: Buffer;
  /** Merkle branch from the coinbase (index 0) to the header's merkle root, internal order. */
  merkleBranch: Buffer[];
  /** PoW hash of the header (internal byte order). */
  powHash: Buffer;
}

export interface MergedMiningHook {
  /**
   * Bytes for the parent coinbase scriptSig, placed right after the BIP34 height push: the
   * merged-mining commitment (`fabe6d6d || aux root || size || nonce`, pushed as data), or
   * null when no aux work is known. Read whenever a job's base is built; when it changes, the
   * hook's owner calls `PoolWork.workChanged(false)`.
   */
  coinbaseCommitment(): Buffer | null;
  /** The easiest aux target (bigint, compared with the PoW hash as a number), or null. */
  easiestTarget(): bigint | null;
  /** Every miner solution whose PoW meets `easiestTarget()`; must not throw. */
  onSolution(solution: ParentSolution): void;
}
