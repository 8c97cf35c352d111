/**
 * `p2pool chain verify`: check a file of shares (one wrapper hex per line, oldest first) the way
 * our node would, with a fresh tracker. Pure: lines in, one result object per share out.
 *
 * Decisions (documented for users in the command's help):
 * - The file may start anywhere in a chain. The first share's missing parent is treated as the
 *   root: the first share becomes the chain's start (kept, but reported invalid because nothing
 *   can be rebuilt for it without its parent), and every later share is verified in order as if
 *   the chain were rooted there, instead of waiting for CHAIN_LENGTH ancestors as the node does.
 *   A chain cut from the middle of a live sharechain therefore fails at the first share whose
 *   rebuild needs history that is not in the file (retarget window, PPLNS window,
 *   far_share_hash), with a reason naming the field; a chain that starts at its genesis share
 *   (previous_share_hash null, as the reference's generated chains do) verifies fully.
 * - A share that fails is dropped from the tracker, so later shares that build on it fail too
 *   ("previous share ... unknown"). A later share whose parent is not in the file is invalid for
 *   the same reason: only the first share may start the chain.
 * - Old versions (< 34) are reported invalid ("accepted only as an ancestor") but kept in the
 *   tracker, because our node keeps them as ancestors too.
 * - Blank lines are ignored and do not take an index.
 */
import { DecodeError } from '../bitcoin/errors.js';
import { fromHex, hashToDisplayHex, toHex } from '../bitcoin/hex.js';
import type { BuiltGentx } from './gentx.js';
import type { P2PoolNetwork } from './networks.js';
import { decodeShare } from './share.js';
import { ShareTracker } from './tracker.js';
import type { Share } from './types.js';
import { verifyShareDetailed } from './verify.js';
import { VoteCounter } from './votes.js';

export interface ChainVerifyOptions {
  /** Include pow_hash, gentx_txid and payouts. */
  details?: boolean;
  /** Seconds since epoch, for the 600 s future-timestamp rule. */
  now: number;
}

export interface ChainVerifyPayout {
  /** Output script hex. */
  script: string;
  /** Satoshis. */
  value: number;
}

export interface ChainVerifyResult {
  index: number;
  /** Display hex of the share hash; null when the line does not decode. */
  hash: string | null;
  valid: boolean;
  reason?: string;
  pow_hash?: string;
  gentx_txid?: string;
  payouts?: ChainVerifyPayout[];
}

function message(err: unknown): string {
  if (err instanceof Error) return (err as { reason?: string }).reason ?? err.message;
  return String(err);
}

/** Verify every share of `lines` in order. */
export function verifyChainLines(lines: Iterable<string>, net: P2PoolNetwork, opts: ChainVerifyOptions): ChainVerifyResult[] {
  // The verify callback runs only after the counter exists (first call is in the loop below).
  const holder: { counter?: VoteCounter } = {};
  const tracker = new ShareTracker<BuiltGentx>({ chainLength: net.chainLength }, (share, chain) =>
    verifyShareDetailed(share, chain, net, {
      now: opts.now,
      versionCounts: (start, dist) => holder.counter!.counts(start, dist),
    }),
  );
  holder.counter = new VoteCounter(tracker);

  const results: ChainVerifyResult[] = [];
  let index = 0;
  let started = false;
  for (const rawLine of lines) {
    const line = rawLine.trim();
    if (line === '') continue;
    const result: ChainVerifyResult = { index: index++, hash: null, valid: false };
    results.push(result);

    let share: Share;
    try {
      share = decodeShare(fromHex(line), net, opts.now * 1000);
    } catch (err) {
      // DecodeError: the bytes are not a share. InvalidShare: a share rejected from its own
      // bytes (unknown version, PoW, target above the network's maximum).
      result.reason = err instanceof DecodeError ? `undecodable share: ${message(err)}` : message(err);
      continue;
    }
    result.hash = share.hash;
    if (opts.details) result.pow_hash = hashToDisplayHex(share.powHash);

    if (tracker.has(share.hash)) {
      result.reason = 'duplicate share';
      continue;
    }
    if (share.prevHash !== null && !tracker.has(share.prevHash)) {
      if (started) {
        result.reason = `previous share ${share.prevHash} unknown (not earlier in the file, or dropped as invalid)`;
        continue;
      }
    }
    tracker.add(share);
    if (!started) {
      started = true;
      if (share.prevHash !== null) {
        tracker.assumeRoot(share.hash);
        result.reason = `previous share ${share.prevHash} is not in the file: taken as the chain's start, not verified`;
        continue;
      }
    }

    const outcome = tracker.attemptVerify(share.hash);
    if (!outcome.ok) {
      result.reason = outcome.reason;
      if (!outcome.unverifiable || share.version >= 34) tracker.removeWithDescendants(share.hash);
      continue;
    }
    result.valid = true;
    if (opts.details && outcome.result) {
      result.gentx_txid = hashToDisplayHex(outcome.result.txid);
      result.payouts = outcome.result.gentx.outputs.map((o) => ({ script: toHex(o.script), value: o.value }));
    }
  }
  return results;
}

/** Exit status of the command: 0 when every share is valid (and there was at least one). */
export function exitCodeFor(results: readonly ChainVerifyResult[]): number {
  return results.length > 0 && results.every((r) => r.valid) ? 0 : 1;
}
