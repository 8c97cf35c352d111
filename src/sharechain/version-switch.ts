/**
 * Share-version switch rules applied when verifying a share (docs/sharechain.md#verification-verifyshare, JT
 * BaseShare.check): a share of a different version than its parent must be the parent's
 * SUCCESSOR, and the switch needs a full chain whose oldest tenth voted >= 60% (by work) for
 * the new version. The tracker keeps its own incremental vote counts; verifyShare may be given
 * them, otherwise desiredVersionCounts walks the (CHAIN_LENGTH/10)-share slice.
 */
import { InvalidShare } from './invalid-share.js';
import type { P2PoolNetwork } from './networks.js';
import type { ChainView, Share, ShareHash } from './types.js';

/** JT SUCCESSOR: every loadable version before 35 upgrades straight to 35. */
const SUCCESSOR: Readonly<Record<number, number | undefined>> = { 17: 35, 32: 35, 33: 35, 34: 35 };

export function successorOf(version: number): number | undefined {
  return SUCCESSOR[version];
}

/** Work (target_to_average_attempts of the share target) per desired_version over `dist` shares from `start` down. */
export type VersionCounts = (start: ShareHash, dist: number) => Map<number, bigint>;

/** Reference get_desired_version_counts, by walking the chain (dist shares from `start`). */
export function desiredVersionCounts(chain: ChainView, start: ShareHash, dist: number): Map<number, bigint> {
  const counts = new Map<number, bigint>();
  let h: ShareHash | null = start;
  for (let i = 0; i < dist && h !== null; i++) {
    const s = chain.get(h);
    if (!s) break;
    const v = s.shareInfo.shareData.desiredVersion;
    counts.set(v, (counts.get(v) ?? 0n) + s.work);
    h = s.prevHash;
  }
  return counts;
}

/** Throws InvalidShare when `share` may not follow `prev` (JT rules, with block heights known). */
export function checkVersionSwitch(
  share: Share,
  prev: Share,
  chain: ChainView,
  net: P2PoolNetwork,
  counts: VersionCounts = (start, dist) => desiredVersionCounts(chain, start, dist),
): void {
  const isSuccessor = successorOf(prev.version) === share.version;
  if (chain.getHeight(prev.hash) >= net.chainLength) {
    if (share.version === prev.version) return;
    if (!isSuccessor) throw new InvalidShare(`v${share.version} can't follow v${prev.version}`, share.hash);
    const start = chain.getNthParent(prev.hash, Math.floor((net.chainLength * 9) / 10));
    const c = start === null ? new Map<number, bigint>() : counts(start, Math.floor(net.chainLength / 10));
    let total = 0n;
    for (const v of c.values()) total += v;
    if ((c.get(share.version) ?? 0n) < (total * 60n) / 100n) {
      throw new InvalidShare('switch without enough hash power upgraded', share.hash);
    }
  } else if (isSuccessor) {
    throw new InvalidShare('switch without enough history', share.hash);
  }
}
