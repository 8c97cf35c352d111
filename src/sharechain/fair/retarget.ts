/**
 * The two chain-derived targets of a share built on `parent` (docs/fair-sharechain.md#link-target
 * and #floor-target). Pure functions of the chain below.
 *
 * Link target (what makes a share a link): v35's pre-target (src/sharechain/retarget.ts) on
 * links only. The pool's attempts per second are the link work of the linkLookbehind - 1 links
 * ending at the parent over the time between the two ends; the target is
 * 2**256 // (linkPeriod * aps) - 1, at most 10% away from the parent's, at most linkMaxTarget.
 *
 * Floor target (the easiest own target): counts references, not time. Over the floorLookbehind
 * links ending at the parent, more than ceilingRefsPerLink per link on average makes it 1/32
 * harder, fewer than half that makes it 1/32 easier, in between it stays; then it is clamped to
 * [link target, min(link target * 2**floorRangeLog2, maxTarget)]. Both are rounded down to a
 * compact value, and the decoded value is what the next share steps from.
 */
import { bitsToTarget, MAX_UINT256, targetToBitsUpperBound } from '../../bitcoin/target.js';
import type { FairChainView } from './chain-view.js';
import type { FairNetwork } from './networks.js';
import type { FairShare } from './types.js';

const TWO_256 = 1n << 256n;

function clip(x: bigint, lo: bigint, hi: bigint): bigint {
  return x < lo ? lo : x > hi ? hi : x;
}

export interface FairTargets {
  linkTarget: bigint;
  linkBits: number;
  floorTarget: bigint;
  floorBits: number;
}

/** The pool's attempts per second over the link lookbehind ending at `parent` (v35's formula). */
export function poolLinkAttemptsPerSecond(view: FairChainView, net: FairNetwork, parent: FairShare): bigint {
  const farHash = view.nthLink(parent.hash, net.linkLookbehind - 1);
  const far = view.link(farHash);
  if (!far) throw new Error(`link retarget needs ${net.linkLookbehind - 1} links below ${parent.hash}`);
  const work = view.sumLinkWork(parent.hash, net.linkLookbehind - 1);
  let time = parent.info.timestamp - far.info.timestamp;
  if (time <= 0) time = 1;
  return work / BigInt(time);
}

/** The link target (unrounded) of a share on `parent`. */
export function rawLinkTarget(view: FairChainView, net: FairNetwork, parent: FairShare | null): bigint {
  if (parent === null || view.linkDepth(parent.hash) < net.linkLookbehind) return net.linkMaxTarget;
  const aps = poolLinkAttemptsPerSecond(view, net, parent);
  const raw = aps === 0n ? MAX_UINT256 : TWO_256 / (BigInt(net.linkPeriod) * aps) - 1n;
  const stepped = clip(raw, (parent.linkTarget * 9n) / 10n, (parent.linkTarget * 11n) / 10n);
  return clip(stepped, 1n, net.linkMaxTarget);
}

/** The easiest floor for a link target: min(link * 2**floorRangeLog2, maxTarget). */
export function easiestFloor(net: FairNetwork, linkTarget: bigint): bigint {
  const wide = linkTarget << BigInt(net.floorRangeLog2);
  return wide < net.maxTarget ? wide : net.maxTarget;
}

/** References over the `count` links ending at `parent` (fewer when the chain is shorter). */
export function refsOverLinks(view: FairChainView, parent: FairShare, count: number): number {
  let n = 0;
  let cur: FairShare | undefined = parent;
  for (let i = 0; i < count && cur; i++) {
    n += cur.info.refs.length;
    cur = view.link(cur.prevHash);
  }
  return n;
}

/** The floor target (unrounded) of a share on `parent` whose link target is `linkTarget`. */
export function rawFloorTarget(view: FairChainView, net: FairNetwork, parent: FairShare | null, linkTarget: bigint): bigint {
  const easiest = easiestFloor(net, linkTarget);
  let floor: bigint;
  if (parent === null || view.linkDepth(parent.hash) < net.floorLookbehind) {
    floor = easiest;
  } else {
    const refs = refsOverLinks(view, parent, net.floorLookbehind);
    const ceiling = net.ceilingRefsPerLink * net.floorLookbehind;
    const prev = parent.floorTarget;
    const step = prev / BigInt(net.floorStepDivisor);
    floor = refs > ceiling ? prev - step : 2 * refs < ceiling ? prev + step : prev;
  }
  return clip(floor, linkTarget, easiest);
}

/** Both targets of a share on `parent`, rounded to their compact form. */
export function deriveFairTargets(view: FairChainView, net: FairNetwork, parent: FairShare | null): FairTargets {
  const linkBits = targetToBitsUpperBound(rawLinkTarget(view, net, parent));
  const linkTarget = bitsToTarget(linkBits);
  const floorBits = targetToBitsUpperBound(rawFloorTarget(view, net, parent, linkTarget));
  return { linkTarget, linkBits, floorTarget: bitsToTarget(floorBits), floorBits };
}
