/**
 * Full share verification against the chain below it (docs/sharechain.md#verification-verifyshare, JT rules for v34/v35).
 *
 * As JT's check(): the share's timestamp may be at most 600 s ahead; the version-switch rules
 * hold; share_info and the gentx are rebuilt from the chain with the share's own share_data,
 * claimed timestamp and target, segwit data and last_txout_nonce (known_txs=None: merkle_link
 * and segwit_data are taken as claimed); the rebuilt share_info must equal the claimed one and
 * the rebuilt gentx's txid must equal the one its hash_link gives. Since share_data is copied,
 * the fields that can differ are the chain-derived ones, compared here one by one so the
 * reason names the first that differs. A wrong payout, payee, subsidy or donation shows as
 * "gentx doesn't match hash_link".
 *
 * Versions 17..33 are only decoded, hashed and PoW-checked (the tracker accepts them only
 * below the verification window); verifyShare refuses them.
 */
import { hashToDisplayHex } from '../bitcoin/hex.js';
import type { Transaction } from '../bitcoin/transaction.js';
import {
  GentxError, assembleGentx, deriveShareInfo, gentxTxidInto, type BuiltGentx, type DerivedShareInfo, type GentxParams,
} from './gentx.js';
import { InvalidShare } from './invalid-share.js';
import type { P2PoolNetwork } from './networks.js';
import { PayoutAddressError } from './payout-script.js';
import { targetAndWork } from './share.js';
import type { ChainView, Share, ShareInfo } from './types.js';
import { checkVersionSwitch, type VersionCounts } from './version-switch.js';

export { InvalidShare } from './invalid-share.js';

export interface VerifyOptions {
  /** Current time, seconds since epoch (shares more than 600 s in the future are rejected). */
  now: number;
  /**
   * Work per desired_version over `dist` shares from `start` down (the tracker's vote counts).
   * Optional: without it the slice is walked through the ChainView.
   */
  versionCounts?: VersionCounts;
  /** Apply the version-switch rules (JT applies them whenever block heights are known). Default true. */
  checkVersionSwitch?: boolean;
}

/** JT rejects shares whose timestamp is more than this far in the future. */
export const MAX_FUTURE_SECONDS = 600;

/**
 * Rebuild the share's generation transaction and share_info from the chain below it and check
 * them against what the share claims. Returns the rebuilt gentx (with witness) on success;
 * throws InvalidShare otherwise. The share's parent must be in `chain` unless it has none.
 */
export function verifyShare(share: Share, chain: ChainView, net: P2PoolNetwork, opts: VerifyOptions): Transaction {
  return verifyShareDetailed(share, chain, net, opts).gentx;
}

/** verifyShare returning everything rebuilt (payout outputs, stripped bytes, txid). */
export function verifyShareDetailed(share: Share, chain: ChainView, net: P2PoolNetwork, opts: VerifyOptions): BuiltGentx {
  const { params, derived } = rebuildShareInfo(share, chain, net, opts);
  // share_data is the share's own and every derived field matched, so the rebuilt share_info
  // serializes to the claimed one: its ref_hash is the one the share's identity computed.
  const built = assembleGentx(params, derived, share.refHash);
  if (!built.txid.equals(share.gentxHash)) throw gentxMismatch(share, built.stripped.length);
  return built;
}

/** The rebuilt gentx's txid, per check (single-threaded, never held across calls). */
const txidScratch = Buffer.alloc(32);

/**
 * verifyShare without its result: the same checks, in the same order, with the same reasons,
 * but the rebuilt gentx is only hashed (gentx.ts gentxTxidInto), not built as a transaction.
 * The node's check of every share it loads and receives (chain-state.ts), which never reads
 * the rebuilt gentx.
 */
export function checkShare(share: Share, chain: ChainView, net: P2PoolNetwork, opts: VerifyOptions): void {
  const { params, derived } = rebuildShareInfo(share, chain, net, opts);
  const strippedLength = gentxTxidInto(params, derived, share.refHash, txidScratch, 0);
  if (!txidScratch.equals(share.gentxHash)) throw gentxMismatch(share, strippedLength);
}

function gentxMismatch(share: Share, strippedLength: number): InvalidShare {
  const committed = share.hashLink.length + 44;
  const detail = committed === strippedLength
    ? `same length (${committed} bytes) but different payouts`
    : `the share commits to a ${committed}-byte coinbase, the payouts rebuilt from the chain make ${strippedLength} bytes`;
  return new InvalidShare(
    `gentx doesn't match hash_link: payout outputs (subsidy, payee, donation or PPLNS weights) differ; ${detail}`,
    share.hash,
  );
}

/** Every check up to the gentx's: share_info rebuilt from the chain and compared field by field. */
function rebuildShareInfo(share: Share, chain: ChainView, net: P2PoolNetwork, opts: VerifyOptions): { params: GentxParams; derived: DerivedShareInfo } {
  if (share.version < 34) throw new InvalidShare(`version ${share.version} not verifiable`, share.hash);
  const info = share.shareInfo;
  if (info.timestamp > opts.now + MAX_FUTURE_SECONDS) {
    throw new InvalidShare(`share timestamp is ${info.timestamp - opts.now} seconds in the future`, share.hash);
  }
  const prev = share.prevHash === null ? undefined : chain.get(share.prevHash);
  if (share.prevHash !== null && !prev) throw new InvalidShare(`previous share ${share.prevHash} unknown`, share.hash);
  if (prev && opts.checkVersionSwitch !== false) checkVersionSwitch(share, prev, chain, net, opts.versionCounts);

  const params: GentxParams = {
    net,
    chain,
    version: share.version,
    shareData: info.shareData,
    blockTarget: targetAndWork(share.minHeader.bits).target,
    desiredTimestamp: info.timestamp,
    desiredTarget: share.target,
    segwitData: info.segwitData ?? null,
    refMerkleLink: share.refMerkleLink,
    lastTxoutNonce: share.lastTxoutNonce,
    prevHash: share.prevHash,
  };
  let derived: DerivedShareInfo;
  try {
    derived = deriveShareInfo(params);
  } catch (e) {
    if (e instanceof GentxError || e instanceof PayoutAddressError) throw new InvalidShare(e.message, share.hash);
    throw e;
  }
  const mismatch = firstShareInfoMismatch(derived.shareInfo, info);
  if (mismatch) throw new InvalidShare(mismatch, share.hash);
  return { params, derived };
}

const hashOrNone = (h: Buffer | null | undefined): string => (h ? hashToDisplayHex(h) : 'None');
const bitsHex = (b: number): string => b.toString(16).padStart(8, '0');

/** The first chain-derived share_info field that differs, as a reason; null when equal. */
function firstShareInfoMismatch(expected: ShareInfo, got: ShareInfo): string | null {
  const eSeg = expected.segwitData ?? null;
  const gSeg = got.segwitData ?? null;
  if ((eSeg === null) !== (gSeg === null)) return 'share_info.segwit_data mismatch';
  // Every share checked is compared here: settle the usual case (all equal) on the values and
  // build the display strings only to name a mismatch.
  const eFar = expected.farShareHash ?? null;
  const gFar = got.farShareHash ?? null;
  if (
    (eFar === null ? gFar === null : gFar !== null && eFar.equals(gFar)) &&
    expected.maxBits === got.maxBits &&
    expected.bits === got.bits &&
    expected.timestamp === got.timestamp &&
    expected.absheight === got.absheight &&
    expected.abswork === got.abswork
  ) {
    return null;
  }
  const checks: Array<[string, string, string]> = [
    ['far_share_hash', hashOrNone(expected.farShareHash), hashOrNone(got.farShareHash)],
    ['max_bits', bitsHex(expected.maxBits), bitsHex(got.maxBits)],
    ['bits', bitsHex(expected.bits), bitsHex(got.bits)],
    ['timestamp', String(expected.timestamp), String(got.timestamp)],
    ['absheight', String(expected.absheight), String(got.absheight)],
    ['abswork', String(expected.abswork), String(got.abswork)],
  ];
  for (const [field, e, g] of checks) {
    if (e !== g) return `share_info.${field} mismatch: expected ${e}, got ${g}`;
  }
  return null;
}
