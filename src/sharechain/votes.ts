/**
 * Share-version voting (docs/sharechain.md#version-voting, docs/sharechain.md#verification-verifyshare): work-weighted desired_version counts
 * over a window of the chain, and the thresholds that act on them.
 *
 * - Validation accepts a switch to the successor at >= 60% (version-switch.ts applies it; it
 *   takes a counts function, and `VoteCounter.counts` is the fast one).
 * - Generation switches to the successor only above 95% of the work in the shares
 *   [CHAIN_LENGTH*9//10, CHAIN_LENGTH) back from the best share (work.py), 'Switchover
 *   imminent' is printed above 65%.
 * - The minimum peer protocol version is raised at >= 95% (update_min_protocol_version).
 * - get_warnings: a majority (by work, > half) voting for a version we do not support over the
 *   last min(CHAIN_LENGTH, 3600//SHARE_PERIOD, height) shares.
 *
 * Counting is done with the tracker's sliding windows (weights-window.ts) keyed by desired
 * version with no donation: for consecutive shares the window moves by one, O(1) amortised,
 * instead of walking CHAIN_LENGTH/10 shares per verification.
 */
import type { ShareTracker } from './tracker.js';
import type { WeightsWindows } from './weights-window.js';
import type { Share, ShareHash } from './types.js';

/** More than any window can hold, so only the share count limits the version windows. */
const UNLIMITED = 1n << 400n;

export class VoteCounter {
  private readonly windows: WeightsWindows<Share>;

  constructor(private readonly tracker: ShareTracker<unknown>) {
    this.windows = tracker.makeWindows((s) => ({ key: String(s.shareInfo.shareData.desiredVersion), work: s.work, donation: 0 }));
  }

  /** Reference get_desired_version_counts(start, dist): version -> summed share work. */
  counts(start: ShareHash | null, dist: number): Map<number, bigint> {
    const out = new Map<number, bigint>();
    if (start == null || dist <= 0) return out;
    const w = this.windows.cumulativeWeights(start, dist, UNLIMITED);
    // Weights are in 1/65535 units of work; with donation 0 they divide exactly.
    for (const [k, v] of w.weights) out.set(Number(k), v / 65535n);
    return out;
  }
}

function share(counts: Map<number, bigint>, version: number): { votes: bigint; total: bigint } {
  let total = 0n;
  for (const v of counts.values()) total += v;
  return { votes: counts.get(version) ?? 0n, total };
}

/** The validation window of docs/sharechain.md#verification-verifyshare: the oldest tenth of the CHAIN_LENGTH shares below `prev`. */
export function switchWindowCounts(
  tracker: ShareTracker<unknown>,
  counter: VoteCounter,
  prev: ShareHash,
  chainLength: number,
): Map<number, bigint> | null {
  if (tracker.getHeight(prev) < chainLength) return null;
  const start = tracker.getNthParent(prev, Math.floor((chainLength * 9) / 10));
  return counter.counts(start, Math.floor(chainLength / 10));
}

/** Validation: a successor share is accepted when its version has >= 60% of the work. */
export function switchAccepted(counts: Map<number, bigint>, version: number): boolean {
  const { votes, total } = share(counts, version);
  return votes >= (total * 60n) / 100n;
}

/** Generation (work.py): build the successor only when its votes exceed 95%. */
export function shouldGenerateSuccessor(counts: Map<number, bigint>, successorVersion: number): boolean {
  const { votes, total } = share(counts, successorVersion);
  return votes > (total * 95n) / 100n;
}

/** work.py prints 'Switchover imminent' above 65%. */
export function switchoverImminent(counts: Map<number, bigint>, successorVersion: number): boolean {
  const { votes, total } = share(counts, successorVersion);
  return votes > (total * 65n) / 100n;
}

/** update_min_protocol_version: raise the peers' minimum protocol version at >= 95%. */
export function shouldRaiseMinProtocol(counts: Map<number, bigint>, version: number): boolean {
  const { votes, total } = share(counts, version);
  return total > 0n && votes >= (total * 95n) / 100n;
}

export interface VersionWarning {
  version: number;
  /** Integer percent of the work, as the reference prints it. */
  percent: number;
  message: string;
}

/**
 * get_warnings: the majority desired_version over the recent window, when it is a version we
 * cannot build or verify and it has more than half of the work.
 */
export function unsupportedMajorityWarning(
  counter: VoteCounter,
  tracker: ShareTracker<unknown>,
  best: ShareHash | null,
  net: { chainLength: number; sharePeriod: number },
  supportedVersions: readonly number[],
): VersionWarning | null {
  if (best == null) return null;
  const dist = Math.min(net.chainLength, Math.floor(3600 / net.sharePeriod), tracker.getHeight(best));
  const counts = counter.counts(best, dist);
  let majority: number | undefined;
  let majorityWork = -1n;
  let total = 0n;
  for (const [v, w] of counts) {
    total += w;
    if (w > majorityWork) {
      majority = v;
      majorityWork = w;
    }
  }
  if (majority === undefined || supportedVersions.includes(majority) || majorityWork * 2n <= total) return null;
  const percent = Number((majorityWork * 100n) / total);
  return {
    version: majority,
    percent,
    message: `A MAJORITY OF SHARES CONTAIN A VOTE FOR AN UNSUPPORTED SHARE IMPLEMENTATION! (v${majority} with ${percent}% support) An upgrade is likely necessary.`,
  };
}
