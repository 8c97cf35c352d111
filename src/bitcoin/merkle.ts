/**
 * Merkle trees (Bitcoin's: an odd level repeats its last hash) and P2Pool's merkle links
 * (docs/sharechain.md#identity-sharefromcontents: merkle_hash, calculate_merkle_link, check_merkle_link).
 * Every hash here is in internal (little-endian) byte order; a parent is sha256d(left || right).
 */
import { DecodeError } from './errors.js';
import { hashWordsInto, sha256d64, sha256dLink } from './hash.js';

/** A branch from one leaf to the root; bit i of `index` says the leaf side at level i. */
export interface MerkleLink {
  branch: Buffer[];
  index: number;
}

/**
 * sha256d(left || right). Every tree node is a 64-byte sha256d, done by hash.ts's sha256d64 in
 * one call (native SHA-NI where built, else three JavaScript compressions): two node:crypto
 * calls per node made a 3,000-transaction template's merkle link and witness root cost 50-70 ms
 * on the budgets' VM, paid on the first job after every new template.
 */
function hashPair(left: Uint8Array, right: Uint8Array): Buffer {
  const both = Buffer.allocUnsafe(64);
  both.set(left, 0);
  both.set(right, 32);
  sha256d64(both, 0, both, 0);
  return both.subarray(0, 32);
}

/** sha256d of the 64 bytes at buf[off..off+64), written to buf[dst..dst+32). */
function hashPairInPlace(buf: Buffer, off: number, dst: number): void {
  sha256d64(buf, off, buf, dst);
}

function checkHash(h: Uint8Array, i: number): void {
  if (h.length !== 32) throw new RangeError(`merkle leaf ${i} is ${h.length} bytes, not 32`);
}

/**
 * Root of the tree over `hashes` (internal byte order). An empty list is an error (RangeError).
 * The levels are computed in place in one buffer with room for the duplicated odd element.
 */
export function merkleRoot(hashes: readonly Uint8Array[]): Buffer {
  const n = hashes.length;
  if (n === 0) throw new RangeError('merkle root of an empty list');
  if (n === 1) {
    checkHash(hashes[0]!, 0);
    return Buffer.from(hashes[0]!);
  }
  const buf = Buffer.allocUnsafe((n + 1) * 32);
  for (let i = 0; i < n; i++) {
    const h = hashes[i]!;
    checkHash(h, i);
    buf.set(h, i * 32);
  }
  let len = n;
  while (len > 1) {
    // Odd level: Bitcoin pairs the last hash with itself (CVE-2012-2459 is the caller's concern).
    if (len & 1) buf.copy(buf, len * 32, (len - 1) * 32, len * 32);
    const half = (len + 1) >> 1;
    for (let i = 0; i < half; i++) hashPairInPlace(buf, i * 64, i * 32);
    len = half;
  }
  return Buffer.from(buf.subarray(0, 32));
}

/**
 * Reference `calculate_merkle_link`: the branch for `hashes[index]`. The leaf at `index` may be
 * null because it is never hashed (P2Pool leaves the coinbase slot empty). Only the nodes on the
 * path from that leaf are left uncomputed, so a null leaf is fine unless the path node must be
 * paired with itself (the last node of an odd level, above the leaves), which needs its hash:
 * that case throws RangeError, as the reference would fail hashing None.
 */
export function calculateMerkleLink(hashes: readonly (Uint8Array | null)[], index: number): MerkleLink {
  if (!Number.isInteger(index) || index < 0 || index >= hashes.length) {
    throw new RangeError(`merkle link index ${index} outside 0..${hashes.length - 1}`);
  }
  let level: (Uint8Array | null)[] = hashes.map((h, i) => {
    if (h === null) {
      if (i !== index) throw new RangeError(`merkle leaf ${i} is null but only the leaf at ${index} may be`);
      return null;
    }
    checkHash(h, i);
    return h;
  });
  const branch: Buffer[] = [];
  let pos = index;
  while (level.length > 1) {
    const sibling = (pos ^ 1) < level.length ? level[pos ^ 1]! : level[pos]!;
    if (sibling === null) throw new RangeError('merkle link needs the hash of the null leaf (odd level)');
    branch.push(Buffer.from(sibling));
    const next: (Uint8Array | null)[] = new Array<Uint8Array | null>((level.length + 1) >> 1);
    for (let i = 0; i < next.length; i++) {
      const left = level[2 * i]!;
      const right = 2 * i + 1 < level.length ? level[2 * i + 1]! : left;
      next[i] = left === null || right === null ? null : hashPair(left, right);
    }
    level = next;
    pos >>= 1;
  }
  return { branch, index };
}

/**
 * Reference `check_merkle_link`: fold the branch over `leaf`. At level i the leaf side is bit i of
 * the index: 1 means the branch hash is on the left. An index outside 0..2**branch.length - 1 is a
 * DecodeError: links arrive inside shares from peers, so a bad one is bad input, and decoders that
 * call this keep their "only DecodeError" contract.
 */
export function checkMerkleLink(leaf: Uint8Array, link: MerkleLink): Buffer {
  const { branch, index } = link;
  // 2**53 bounds any safe integer index, so longer branches only need index >= 0.
  if (!Number.isSafeInteger(index) || index < 0 || (branch.length < 53 && index >= 2 ** branch.length)) {
    throw new DecodeError(`merkle link index ${index} does not fit a branch of ${branch.length}`);
  }
  checkHash(leaf, 0);
  if (branch.length === 0) return Buffer.from(leaf);
  // The whole climb in one call (native where built): a node Buffer per level cost more than
  // its hashing, and every stored share's link is checked when the node loads its chain.
  const words = branchWords(branch);
  const root = Buffer.allocUnsafe(32);
  sha256dLink(leaf, 0, words, index, root, 0);
  return root;
}

/** checkMerkleLink's branch as hash words, in an array kept per branch length (single-threaded). */
const wordsByLevels: Int32Array[] = [];
function branchWords(branch: readonly Uint8Array[]): Int32Array {
  const levels = branch.length;
  let words = levels < 64 ? wordsByLevels[levels] : undefined;
  if (words === undefined) {
    words = new Int32Array(levels * 8);
    if (levels < 64) wordsByLevels[levels] = words;
  }
  return hashWordsInto(branch, words);
}
