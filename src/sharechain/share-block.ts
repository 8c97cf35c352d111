/**
 * A share that is also a block (docs/sharechain.md#shares-that-are-blocks: pow_hash <= the header's block target), turned
 * back into the full block: its 80-byte header, the generation transaction rebuilt from the
 * chain below it (the same rebuild verification does, docs/sharechain.md#generation-transaction-buildgentx), and the block's other
 * transactions.
 *
 * A v35 share carries no transactions, only the merkle link of the template it was mined on
 * (segwit_data.txid_merkle_link and the wtxid root, docs/sharechain.md#wire-format). So the block can be rebuilt only
 * when we hold a transaction list with exactly that link: an empty template (no branch: the
 * coinbase alone is the block), or one of our own recent templates that matches. JT (v >= 34)
 * only logs 'GOT BLOCK FROM PEER' and does not submit; ORIG submits when it can rebuild.
 */
import { assembleBlock } from '../bitcoin/block.js';
import { bytesToBigIntLE } from '../bitcoin/hex.js';
import { calculateMerkleLink, merkleRoot, type MerkleLink } from '../bitcoin/merkle.js';
import { bitsToTarget } from '../bitcoin/target.js';
import { encodeTransaction } from '../bitcoin/transaction.js';
import { InvalidShare } from './invalid-share.js';
import type { P2PoolNetwork } from './networks.js';
import type { ChainView, Share } from './types.js';
import { verifyShareDetailed } from './verify.js';

/** One transaction of a candidate block body (a template transaction has these fields). */
export interface BlockBodyTx {
  /** Internal byte order. */
  txid: Buffer;
  wtxid: Buffer;
  /** Serialized as it goes into the block (with witness). */
  data: Buffer;
}

/**
 * A candidate block body: a template's transactions and what follows them (Litecoin's
 * `0x01 + MWEB block`, empty elsewhere). A BlockTemplate is one.
 */
export interface ShareBlockBody {
  transactions: readonly BlockBodyTx[];
  mwebSuffix: Uint8Array;
}

const EMPTY_BODY: ShareBlockBody = { transactions: [], mwebSuffix: new Uint8Array(0) };

export type ShareBlock = { ok: true; block: Buffer; txCount: number } | { ok: false; reason: string };

/** The share's PoW also meets its header's block target. */
export function isBlockSolution(share: Share): boolean {
  return bytesToBigIntLE(share.powHash) <= bitsToTarget(share.minHeader.bits);
}

function sameLink(a: MerkleLink, b: MerkleLink): boolean {
  return a.branch.length === b.branch.length && a.branch.every((h, i) => h.equals(b.branch[i]!));
}

/**
 * Rebuild the block of `share` (whose parents must be in `chain`, as for verification) with
 * the first of `bodies` whose transactions give the share's merkle link. `now` is seconds since
 * epoch (verification's future-timestamp check).
 */
export function rebuildShareBlock(share: Share, chain: ChainView, net: P2PoolNetwork, bodies: readonly ShareBlockBody[], now: number): ShareBlock {
  if (share.version < 34) return { ok: false, reason: `share version ${share.version} lists transactions we do not keep` };
  const segwit = share.shareInfo.segwitData ?? null;
  const link = segwit ? segwit.txidMerkleLink : share.merkleLink;
  const matches = (txs: readonly BlockBodyTx[]): boolean => {
    if (!sameLink(calculateMerkleLink([null, ...txs.map((t) => t.txid)], 0), link)) return false;
    // The witness commitment in the gentx commits to this root (coinbase wtxid = 0).
    return !segwit || merkleRoot([Buffer.alloc(32), ...txs.map((t) => t.wtxid)]).equals(segwit.wtxidMerkleRoot);
  };
  const found = link.branch.length === 0 ? EMPTY_BODY : bodies.find((b) => matches(b.transactions));
  if (!found) return { ok: false, reason: `its ${link.branch.length}-level merkle link matches none of our templates' transactions` };
  const body = found.transactions;
  if (!matches(body)) return { ok: false, reason: 'its witness root does not match an empty block' };

  let gentx;
  try {
    gentx = verifyShareDetailed(share, chain, net, { now, checkVersionSwitch: false });
  } catch (e) {
    if (e instanceof InvalidShare) return { ok: false, reason: `its generation transaction cannot be rebuilt: ${e.message}` };
    throw e;
  }
  // The header must commit to exactly this coinbase and these transactions.
  const root = merkleRoot([gentx.txid, ...body.map((t) => t.txid)]);
  if (!root.equals(share.header.subarray(36, 68))) return { ok: false, reason: 'the rebuilt transactions do not give the header\'s merkle root' };

  return { ok: true, block: assembleBlock(share.header, encodeTransaction(gentx.gentx), found), txCount: 1 + body.length };
}
