/**
 * A fair share that is also a block (its proof of work meets its header's bits), turned back
 * into the full block: the 80-byte header, the coinbase rebuilt from the chain below the share
 * (the rebuild verification makes, docs/fair-sharechain.md#validation steps 19-20) and the
 * block's other transactions. As for v35 (src/sharechain/share-block.ts), a share carries only
 * its coinbase's merkle branch and the witness root, so the block can be rebuilt only from a
 * transaction list with exactly that branch: none (the coinbase alone), or one of our recent
 * templates'. Links and sub-shares alike: a sub-share that meets the block target is a block.
 */
import { assembleBlock } from '../../bitcoin/block.js';
import { bytesToBigIntLE } from '../../bitcoin/hex.js';
import { calculateMerkleLink, merkleRoot } from '../../bitcoin/merkle.js';
import { bitsToTarget } from '../../bitcoin/target.js';
import { encodeTransaction } from '../../bitcoin/transaction.js';
import { InvalidShare } from '../invalid-share.js';
import type { BlockBodyTx, ShareBlock, ShareBlockBody } from '../share-block.js';
import type { FairChainView } from './chain-view.js';
import type { FairNetwork } from './networks.js';
import type { FairShare } from './types.js';
import { verifyFairShare } from './verify.js';

const EMPTY_BODY: ShareBlockBody = { transactions: [], mwebSuffix: new Uint8Array(0) };

/** The share's proof of work meets its header's block target. */
export function isFairBlock(share: FairShare): boolean {
  return bytesToBigIntLE(share.powHash) <= bitsToTarget(share.header.bits);
}

function sameBranch(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((h, i) => h.equals(b[i]!));
}

/**
 * Rebuild the block of `share` (its parent and, for a link, its references must be in `view`,
 * as for verification) with the first of `bodies` whose transactions give the share's merkle
 * branch and witness root. `now` is seconds since the epoch (the future-timestamp rule).
 */
export function rebuildFairShareBlock(share: FairShare, view: FairChainView, net: FairNetwork, bodies: readonly ShareBlockBody[], now: number): ShareBlock {
  const matches = (txs: readonly BlockBodyTx[]): boolean =>
    sameBranch(calculateMerkleLink([null, ...txs.map((t) => t.txid)], 0).branch, share.merkleBranch) &&
    merkleRoot([Buffer.alloc(32), ...txs.map((t) => t.wtxid)]).equals(share.info.wtxidRoot);
  const found = share.merkleBranch.length === 0 ? EMPTY_BODY : bodies.find((b) => matches(b.transactions));
  if (!found) return { ok: false, reason: `its ${share.merkleBranch.length}-level merkle branch matches none of our templates' transactions` };
  if (!matches(found.transactions)) return { ok: false, reason: 'its witness root does not match an empty block' };
  let built;
  try {
    built = verifyFairShare(share, view, net, { now }).gentx;
  } catch (e) {
    if (e instanceof InvalidShare) return { ok: false, reason: `its coinbase cannot be rebuilt: ${e.message}` };
    throw e;
  }
  const root = merkleRoot([built.txid, ...found.transactions.map((t) => t.txid)]);
  if (!root.equals(share.header80.subarray(36, 68))) return { ok: false, reason: "the rebuilt transactions do not give the header's merkle root" };
  return { ok: true, block: assembleBlock(share.header80, encodeTransaction(built.gentx), found), txCount: 1 + found.transactions.length };
}
