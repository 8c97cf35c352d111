/**
 * What the fair rules read from the chain below a share (retarget, references, PPLNS). The
 * tracker (tracker.ts) implements it over its verified links and sub-shares; every query is
 * O(1) or O(log n) there, except windowWeights, which is amortised O(1) per link moved.
 */
import type { FairShare, ShareHash } from './types.js';
import type { PayoutBase } from './payouts.js';
import type { WindowWeights } from './window.js';

export interface FairChainView {
  /** A verified link. */
  link(hash: ShareHash | null | undefined): FairShare | undefined;
  /** A verified share, link or sub-share. */
  share(hash: ShareHash | null | undefined): FairShare | undefined;
  /** Links from `hash` down to the first missing one, `hash` included; 0 when unknown. */
  linkDepth(hash: ShareHash | null | undefined): number;
  /** The n-th link below `hash` (0 = itself) while n < linkDepth(hash); null otherwise. */
  nthLink(hash: ShareHash, n: number): ShareHash | null;
  /** Sum of linkWork over the `count` links ending at `hash` (inclusive, walking down). */
  sumLinkWork(hash: ShareHash, count: number): bigint;
  /** True when `ancestor` is `hash` or a link below it. */
  isAncestorLink(ancestor: ShareHash, hash: ShareHash): boolean;
  /** The set of display hashes a verified link references. */
  refsOf(link: FairShare): ReadonlySet<ShareHash>;
  /** PPLNS weights of the window that starts at link `start` (docs/fair-sharechain.md#pplns). */
  windowWeights(start: ShareHash | null, desiredWeight: bigint): WindowWeights;
  /** payoutBase(windowWeights(parent, desired), parent) (payouts.ts), cached by the tracker. */
  payoutBase(parent: ShareHash | null, desiredWeight: bigint): PayoutBase;
}
