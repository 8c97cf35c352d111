/**
 * The aux merkle tree of merged mining: one leaf per aux chain, at the slot its chain id and
 * the tree's nonce pick, so an aux chain can check that a parent block commits to exactly one
 * block of its own (Namecoin's merged-mining spec, CAuxPow::getExpectedIndex in Namecoin Core
 * src/auxpow.cpp). The tree's root goes into the parent coinbase scriptSig as
 * `fabe6d6d || root (byte-reversed) || size LE32 || nonce LE32` (docs/mining.md#miningsubmit-answers
 * "Merged-mining coinbase data").
 *
 * Pure: no I/O, no clock. Hashes are in internal (little-endian) byte order throughout; only
 * the commitment carries the root reversed, because that is what CAuxPow::check searches for
 * (it reverses the computed root "to correct endian" before searching the script).
 */
import { calculateMerkleLink, merkleRoot } from '../bitcoin/merkle.js';
import { pushData } from '../bitcoin/script.js';

/** The merged-mining header that marks the commitment (Namecoin pchMergedMiningHeader). */
export const MERGED_MINING_MAGIC = Buffer.from('fabe6d6d', 'hex');
/** magic 4 + root 32 + size 4 + nonce 4. */
export const COMMITMENT_DATA_SIZE = 44;
/**
 * Namecoin rejects chain branches longer than 30 ("Aux POW chain merkle branch too long"), so
 * a tree has at most 2^30 slots; far fewer chains are ever merge-mined, and with at most
 * MAX_AUX_CHAINS chains a tree of 2^MAX_TREE_HEIGHT slots always has a collision-free nonce.
 */
export const MAX_CHAIN_BRANCH = 30;
const MAX_TREE_HEIGHT = 16;
/** Nonces tried per tree size before doubling the size: small trees mean short branches. */
const NONCES_PER_SIZE = 256;

// The constants of the C library's rand() LCG, as the merged-mining spec uses them.
const LCG_MUL = 1103515245;
const LCG_ADD = 12345;

/**
 * The slot of `chainId` in a tree of `size` (a power of two) slots with `nonce`:
 * rand = nonce; rand = rand * 1103515245 + 12345; rand += chainId;
 * rand = rand * 1103515245 + 12345; slot = rand % size, all on uint32 (getExpectedIndex).
 */
export function auxSlot(chainId: number, nonce: number, size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > 2 ** 30 || (size & (size - 1)) !== 0) {
    throw new RangeError(`aux tree size must be a power of two up to 2^30, got ${size}`);
  }
  let rand = nonce >>> 0;
  rand = (Math.imul(rand, LCG_MUL) + LCG_ADD) >>> 0;
  rand = (rand + (chainId >>> 0)) >>> 0;
  rand = (Math.imul(rand, LCG_MUL) + LCG_ADD) >>> 0;
  return rand % size;
}

export interface AuxLeaf {
  chainId: number;
  /** The aux block hash to commit to, internal byte order. */
  hash: Buffer;
}

export interface AuxTree {
  size: number;
  nonce: number;
  /** Root, internal byte order. */
  root: Buffer;
  /** Per input leaf (same order): its slot and the branch from it to the root. */
  leaves: { chainId: number; hash: Buffer; slot: number; branch: Buffer[] }[];
}

/** Smallest size (then smallest nonce) where no two chain ids share a slot. */
function chooseSizeAndNonce(chainIds: readonly number[]): { size: number; nonce: number } {
  for (let height = 0; height <= MAX_TREE_HEIGHT; height++) {
    const size = 2 ** height;
    if (size < chainIds.length) continue;
    const nonces = size === 1 ? 1 : NONCES_PER_SIZE;
    for (let nonce = 0; nonce < nonces; nonce++) {
      const used = new Set<number>();
      let ok = true;
      for (const id of chainIds) {
        const slot = auxSlot(id, nonce, size);
        if (used.has(slot)) {
          ok = false;
          break;
        }
        used.add(slot);
      }
      if (ok) return { size, nonce };
    }
  }
  throw new RangeError(`no collision-free aux tree for ${chainIds.length} chains`);
}

/**
 * Build the tree over `leaves` (distinct chain ids, at least one). Empty slots hold 32 zero
 * bytes, as in the reference's make_auxpow_tree; the spec leaves them free.
 */
export function buildAuxTree(leaves: readonly AuxLeaf[]): AuxTree {
  if (leaves.length === 0) throw new RangeError('an aux tree needs at least one chain');
  const ids = leaves.map((l) => l.chainId);
  if (new Set(ids).size !== ids.length) throw new RangeError(`duplicate aux chain ids: ${ids.join(', ')}`);
  for (const l of leaves) if (l.hash.length !== 32) throw new RangeError('aux block hashes must be 32 bytes');
  const { size, nonce } = chooseSizeAndNonce(ids);
  const slots: Buffer[] = new Array<Buffer>(size).fill(Buffer.alloc(32));
  const slotOf = leaves.map((l) => auxSlot(l.chainId, nonce, size));
  leaves.forEach((l, i) => (slots[slotOf[i]!] = l.hash));
  return {
    size,
    nonce,
    root: merkleRoot(slots),
    leaves: leaves.map((l, i) => ({
      chainId: l.chainId,
      hash: l.hash,
      slot: slotOf[i]!,
      branch: size === 1 ? [] : calculateMerkleLink(slots, slotOf[i]!).branch,
    })),
  };
}

/** The 44 committed bytes: magic, root byte-reversed, size and nonce little-endian. */
export function commitmentData(tree: Pick<AuxTree, 'root' | 'size' | 'nonce'>): Buffer {
  const out = Buffer.alloc(COMMITMENT_DATA_SIZE);
  MERGED_MINING_MAGIC.copy(out, 0);
  Buffer.from(tree.root).reverse().copy(out, 4);
  out.writeUInt32LE(tree.size, 36);
  out.writeUInt32LE(tree.nonce, 40);
  return out;
}

/** The commitment as it goes into the scriptSig: one data push of the 44 bytes (0x2c ...). */
export function commitmentPush(tree: Pick<AuxTree, 'root' | 'size' | 'nonce'>): Buffer {
  return pushData(commitmentData(tree));
}

/**
 * The commitment found in a parent coinbase scriptSig: the root (internal order), size and
 * nonce after the first merged-mining magic, or null when there is none (or it is cut short).
 */
export function findCommitment(scriptSig: Buffer): { root: Buffer; size: number; nonce: number } | null {
  const at = scriptSig.indexOf(MERGED_MINING_MAGIC);
  if (at < 0 || scriptSig.length - at < COMMITMENT_DATA_SIZE) return null;
  return {
    root: Buffer.from(scriptSig.subarray(at + 4, at + 36)).reverse(),
    size: scriptSig.readUInt32LE(at + 36),
    nonce: scriptSig.readUInt32LE(at + 40),
  };
}
