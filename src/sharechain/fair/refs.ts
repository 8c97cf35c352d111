/**
 * References (docs/fair-sharechain.md#references): which shares a link may reference, the check
 * a verifier makes, and the honest choice a node makes when it builds a share.
 *
 * A link L at height h with parent P may reference a share r when
 *   - r is a verified share (sub-share or link) that is not L's ancestor (not on L's chain);
 *   - r's fork point F (the highest link of L's chain that is an ancestor of r) has h - height(F) <= H;
 *   - no link of L's chain references r already (only the H - 1 links below L can have, see the spec);
 *   - refs are strictly ascending as bytes, at most R_MAX, none is the parent (share.ts).
 */
import type { FairChainView } from './chain-view.js';
import type { FairNetwork } from './networks.js';
import type { FairShare, ShareHash } from './types.js';

/** The chain view plus what the honest selection needs: every verified child of a link. */
export interface RefSource extends FairChainView {
  /** Verified shares (links and sub-shares) whose parent is `link`. */
  childrenOf(link: ShareHash): Iterable<FairShare>;
}

/**
 * The fork point of `r` with the chain ending at `parent`, if it is at height >= minHeight:
 * the highest link that is an ancestor of r and parent-or-below. Null otherwise.
 */
export function forkPoint(view: FairChainView, r: FairShare, parent: FairShare, minHeight: number): FairShare | null {
  let x = view.link(r.prevHash);
  if (!x) return null;
  let a: FairShare | undefined = parent;
  // Bring both to the same height, then walk down together while still above minHeight.
  if (x.info.height > a.info.height) x = view.link(view.nthLink(x.hash, x.info.height - a.info.height));
  else if (a.info.height > x.info.height) a = view.link(view.nthLink(a.hash, a.info.height - x.info.height));
  while (x && a && x.info.height >= minHeight) {
    if (x.hash === a.hash) return x;
    x = view.link(x.prevHash);
    a = view.link(a.prevHash);
  }
  return null;
}

/**
 * Check the references of `share` (a link) against the chain below it; returns the referenced
 * shares in wire order. Throws an Error whose message is the reason.
 */
export function checkRefs(view: FairChainView, net: FairNetwork, share: FairShare, parent: FairShare | null): FairShare[] {
  if (share.refHashes.length === 0) return [];
  if (parent === null) throw new Error('a first share cannot have refs');
  const minHeight = share.info.height - net.refDepth;
  // The links of L's chain that may already reference something L can reference.
  const below: FairShare[] = [];
  for (let cur: FairShare | undefined = parent; cur && below.length < net.refDepth - 1; cur = view.link(cur.prevHash)) below.push(cur);
  const out: FairShare[] = [];
  for (const h of share.refHashes) {
    const r = view.share(h);
    if (!r) throw new Error(`ref ${h} unknown`);
    if (r.isLink && view.isAncestorLink(r.hash, parent.hash)) throw new Error(`ref ${h} is on the link's own chain`);
    if (!forkPoint(view, r, parent, minHeight)) {
      throw new Error(`ref ${h} forks from the chain more than ${net.refDepth} links below`);
    }
    for (const b of below) {
      if (view.refsOf(b).has(h)) throw new Error(`ref ${h} already referenced by ${b.hash}`);
    }
    out.push(r);
  }
  return out;
}

/** At most this many candidate shares are examined when choosing references. */
const MAX_CANDIDATES = 10_000;

/**
 * The honest choice of references for a new link on `parentHash`: every admissible share, the
 * ones whose fork point is lowest (closest to expiry) first, then the most work, then by hash;
 * at most R_MAX, returned in wire order (ascending bytes).
 */
export function selectRefs(view: RefSource, net: FairNetwork, parentHash: ShareHash | null): Buffer[] {
  const parent = view.link(parentHash);
  if (!parent) return [];
  const ancestors: FairShare[] = [];
  for (let cur: FairShare | undefined = parent; cur && ancestors.length < net.refDepth; cur = view.link(cur.prevHash)) {
    ancestors.push(cur);
  }
  const onChain = new Set(ancestors.map((a) => a.hash));
  const referenced = new Set<ShareHash>();
  for (const a of ancestors.slice(0, net.refDepth - 1)) for (const h of view.refsOf(a)) referenced.add(h);

  const candidates: Array<{ share: FairShare; forkHeight: number }> = [];
  let visited = 0;
  for (const a of ancestors) {
    const stack: FairShare[] = [];
    for (const c of view.childrenOf(a.hash)) if (!onChain.has(c.hash)) stack.push(c);
    while (stack.length > 0 && visited < MAX_CANDIDATES) {
      const s = stack.pop()!;
      visited++;
      if (!referenced.has(s.hash)) candidates.push({ share: s, forkHeight: a.info.height });
      if (s.isLink) for (const c of view.childrenOf(s.hash)) stack.push(c);
    }
  }
  candidates.sort((x, y) => {
    if (x.forkHeight !== y.forkHeight) return x.forkHeight - y.forkHeight;
    if (x.share.work !== y.share.work) return x.share.work > y.share.work ? -1 : 1;
    return Buffer.compare(x.share.hashBytes, y.share.hashBytes);
  });
  return candidates
    .slice(0, net.maxRefs)
    .map((c) => c.share.hashBytes)
    .sort(Buffer.compare);
}
