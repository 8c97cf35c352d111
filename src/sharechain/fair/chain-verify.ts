/**
 * `p2pool chain verify --net NAME-fair`: a file of fair shares (one wrapper hex per line, every
 * share after the ones it builds on or references) checked the way a node would, with a fresh
 * tracker. Same decisions as the v35 command (src/sharechain/chain-verify.ts): a first share
 * whose parent is not in the file is taken as the chain's start without verification; a first
 * share without a parent (a chain's genesis) is verified; a share that fails is dropped, so
 * shares built on it or referencing it fail too; a later share whose parent or reference is not
 * earlier in the file fails.
 */
import { DecodeError } from '../../bitcoin/errors.js';
import { fromHex, hashToDisplayHex, toHex } from '../../bitcoin/hex.js';
import type { ChainVerifyResult } from '../chain-verify.js';
import type { FairNetwork } from './networks.js';
import { decodeFairShare } from './share.js';
import { FairTracker } from './tracker.js';
import type { FairShare } from './types.js';
import { verifyFairShare, type FairVerified } from './verify.js';

export interface FairChainVerifyOptions {
  details?: boolean;
  /** Seconds since the epoch (the future-timestamp rule). */
  now: number;
}

/** One line of output: the v35 fields, plus whether the share is a link or a sub-share. */
export interface FairChainVerifyResult extends ChainVerifyResult {
  kind?: 'link' | 'sub-share';
  refs?: number;
}

function message(err: unknown): string {
  if (err instanceof Error) return (err as { reason?: string }).reason ?? err.message;
  return String(err);
}

export function verifyFairChainLines(lines: Iterable<string>, net: FairNetwork, opts: FairChainVerifyOptions): FairChainVerifyResult[] {
  let last: FairVerified | undefined;
  const tracker = new FairTracker(net, (share, view) => (last = verifyFairShare(share, view, net, { now: opts.now })));
  const results: FairChainVerifyResult[] = [];
  let index = 0;
  let started = false;
  for (const rawLine of lines) {
    const line = rawLine.trim();
    if (line === '') continue;
    const result: FairChainVerifyResult = { index: index++, hash: null, valid: false };
    results.push(result);
    let share: FairShare;
    try {
      share = decodeFairShare(fromHex(line), net, opts.now * 1000);
    } catch (err) {
      result.reason = err instanceof DecodeError ? `undecodable share: ${message(err)}` : message(err);
      continue;
    }
    result.hash = share.hash;
    result.kind = share.isLink ? 'link' : 'sub-share';
    if (share.isLink) result.refs = share.refHashes.length;
    if (opts.details) result.pow_hash = hashToDisplayHex(share.powHash);
    if (tracker.has(share.hash)) {
      result.reason = tracker.badReason(share.hash) !== undefined ? 'duplicate of an invalid share' : 'duplicate share';
      continue;
    }
    if (!started) {
      started = true;
      if (share.prevHash !== null) {
        tracker.assumeVerified(share);
        result.reason = `previous share ${share.prevHash} is not in the file: taken as the chain's start, not verified`;
        continue;
      }
    }
    const missing = share.isLink && share.prevHash !== null ? [share.prevHash, ...share.refHashes] : share.prevHash !== null ? [share.prevHash] : [];
    const absent = missing.find((h) => !tracker.has(h));
    if (absent !== undefined) {
      result.reason = `${absent === share.prevHash ? 'previous share' : 'ref'} ${absent} unknown (not earlier in the file)`;
      continue;
    }
    last = undefined;
    tracker.add(share);
    const { bad } = tracker.process();
    const mine = bad.find((b) => b.hash === share.hash);
    if (mine || !tracker.isVerified(share.hash)) {
      result.reason = mine?.reason ?? 'not verifiable';
      continue;
    }
    result.valid = true;
    if (opts.details && last) {
      const v: FairVerified = last;
      result.gentx_txid = hashToDisplayHex(v.gentx.txid);
      result.payouts = v.gentx.gentx.outputs.map((o) => ({ script: toHex(o.script), value: o.value }));
    }
  }
  return results;
}
