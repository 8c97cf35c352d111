/**
 * Verifying a fair share against the chain below it (docs/fair-sharechain.md#validation, steps
 * 13-20; steps 1-12 are the intrinsic checks of share.ts, made when the share was decoded).
 * Each failure is an InvalidShare whose reason names the rule.
 *
 * 13 timestamp <= now + maxFutureSeconds
 * 14 a first share (no parent) is a link and has no refs; otherwise the parent is a verified link
 * 15 height = parent height + 1
 * 16 timestamp > parent timestamp
 * 17 link_bits and floor_bits are the ones derived from the parent (retarget.ts)
 * 18 a link's refs are admissible (refs.ts); a sub-share's refs are only checked in form
 * 19-20 the coinbase rebuilt from the parent's window (payouts, lottery, finder) has the txid
 *    that hash_link gives
 */
import type { TxOut } from '../../bitcoin/transaction.js';
import { InvalidShare } from '../invalid-share.js';
import type { FairChainView } from './chain-view.js';
import { buildFairGentx, type BuiltFairGentx } from './coinbase.js';
import { fairPayouts, type FairPayoutsResult } from './gentx.js';
import type { FairNetwork } from './networks.js';
import { checkRefs } from './refs.js';
import { deriveFairTargets } from './retarget.js';
import type { FairShare } from './types.js';

export { InvalidShare } from '../invalid-share.js';

export interface FairVerifyOptions {
  /** Seconds since the epoch. */
  now: number;
}

export interface FairVerified {
  kind: 'link' | 'sub-share';
  /** The referenced shares of a link, in wire order (empty for a sub-share). */
  refs: FairShare[];
  payouts: FairPayoutsResult;
  /** The payout outputs in order (without the commitment and the ref output). */
  outputs: TxOut[];
  gentx: BuiltFairGentx;
}

const bitsHex = (b: number): string => b.toString(16).padStart(8, '0');

/** Verify `share` (see the module comment); returns what was rebuilt. Throws InvalidShare. */
export function verifyFairShare(share: FairShare, view: FairChainView, net: FairNetwork, opts: FairVerifyOptions): FairVerified {
  const fail = (reason: string): never => {
    throw new InvalidShare(reason, share.hash);
  };
  const info = share.info;
  if (info.timestamp > opts.now + net.maxFutureSeconds) fail(`share timestamp is ${info.timestamp - opts.now} seconds in the future`);

  let parent: FairShare | null = null;
  if (share.prevHash === null) {
    if (!share.isLink) fail('a first share must be a link');
  } else {
    parent = view.link(share.prevHash) ?? null;
    if (parent === null) fail(view.share(share.prevHash) ? `parent ${share.prevHash} is a sub-share` : `previous share ${share.prevHash} unknown`);
    if (info.height !== parent!.info.height + 1) fail(`height ${info.height}, expected ${parent!.info.height + 1}`);
    if (info.timestamp <= parent!.info.timestamp) fail(`timestamp ${info.timestamp} not after the parent's ${parent!.info.timestamp}`);
  }

  const targets = deriveFairTargets(view, net, parent);
  if (info.linkBits !== targets.linkBits) fail(`link_bits mismatch: expected ${bitsHex(targets.linkBits)}, got ${bitsHex(info.linkBits)}`);
  if (info.floorBits !== targets.floorBits) fail(`floor_bits mismatch: expected ${bitsHex(targets.floorBits)}, got ${bitsHex(info.floorBits)}`);

  let refs: FairShare[] = [];
  if (share.isLink) {
    try {
      refs = checkRefs(view, net, share, parent);
    } catch (e) {
      fail((e as Error).message);
    }
  }

  const payouts = fairPayouts(view, net, share.prevHash, {
    blockBits: share.header.bits, subsidy: info.subsidy, finderScript: info.payoutScript, maxOutputs: info.maxOutputs,
  });
  const gentx = buildFairGentx({
    coinbase: info.coinbase, payouts: payouts.serialized, wtxidRoot: info.wtxidRoot, refHash: share.refHash, lastTxoutNonce: share.lastTxoutNonce,
  });
  if (!gentx.txid.equals(share.gentxHash)) {
    const committed = share.hashLink.length + 44;
    fail(
      `coinbase doesn't match hash_link: the payouts rebuilt from the chain differ (subsidy, payee, max_outputs or PPLNS window); ` +
        (committed === gentx.stripped.length
          ? `same length (${committed} bytes)`
          : `the share commits to a ${committed}-byte coinbase, the rebuilt one has ${gentx.stripped.length}`),
    );
  }
  return {
    kind: share.isLink ? 'link' : 'sub-share',
    refs,
    payouts,
    get outputs() {
      return payouts.outputs;
    },
    gentx,
  };
}
