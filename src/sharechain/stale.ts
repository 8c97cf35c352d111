/**
 * Stale share accounting (docs/sharechain.md#stale-accounting, work.py get_stale_counts and data.py
 * get_user_stale_props / get_average_stale_prop).
 *
 * Our node remembers the shares it made (and which of them were dead on arrival). Along the best
 * chain it counts how many of them made it in, and how many orphans / DOAs its shares already
 * announced through stale_info. Each new share announces one lost share:
 *   'orphan' if orphans > orphans_recorded_in_chain, else 'doa' if doas > doas_recorded, else none.
 *
 * The counts along a chain are memoised per share (counts(share) = counts(parent) + own(share)),
 * so the query for a new best share is O(1) after the first walk. A memo entry survives the
 * pruning of the shares below it, which is what the reference's removed_unstales counters
 * achieve: pruned shares of ours that were in the chain stay counted.
 */
import type { ShareTracker } from './tracker.js';
import type { Share, ShareHash, StaleInfo } from './types.js';

interface ChainCounts {
  /** Our shares in the chain. */
  mine: number;
  /** Our DOA shares in the chain. */
  mineDoa: number;
  /** Our shares in the chain that announce an orphan / a doa. */
  orphanAnnounced: number;
  doaAnnounced: number;
}

const ZERO: ChainCounts = { mine: 0, mineDoa: 0, orphanAnnounced: 0, doaAnnounced: 0 };

export interface StaleCounts {
  /** Our shares not in the best chain that were not DOA (lost to orphaning). */
  orphans: number;
  /** Our DOA shares not in the best chain. */
  doas: number;
  /** All shares we made. */
  total: number;
  orphansRecorded: number;
  doasRecorded: number;
}

export class StaleAccounting {
  private readonly mine = new Set<ShareHash>();
  private readonly mineDoa = new Set<ShareHash>();
  private readonly memo = new Map<ShareHash, ChainCounts>();

  constructor(private readonly tracker: ShareTracker<unknown>) {}

  /** Record a share this node made (before or after adding it to the tracker). */
  addMine(hash: ShareHash, deadOnArrival: boolean): void {
    this.mine.add(hash);
    if (deadOnArrival) this.mineDoa.add(hash);
    // Counts memoised through this share are now wrong; normally it is new and has none.
    if (this.memo.has(hash)) this.memo.clear();
  }

  isMine(hash: ShareHash): boolean {
    return this.mine.has(hash);
  }

  /** The tracker removed shares: drop their memo entries (descendants keep their totals). */
  forget(hashes: Iterable<ShareHash>): void {
    for (const h of hashes) this.memo.delete(h);
  }

  private own(s: Share): ChainCounts {
    if (!this.mine.has(s.hash)) return ZERO;
    const info = s.shareInfo.shareData.staleInfo;
    return {
      mine: 1,
      mineDoa: this.mineDoa.has(s.hash) ? 1 : 0,
      orphanAnnounced: info === 'orphan' ? 1 : 0,
      doaAnnounced: info === 'doa' ? 1 : 0,
    };
  }

  /** Counts along the chain ending at `hash`. */
  chainCounts(hash: ShareHash | null): ChainCounts {
    if (hash == null) return ZERO;
    const hit = this.memo.get(hash);
    if (hit) return hit;
    // Walk down to a memoised share or the end, then fill upwards (iterative: chains are long).
    const path: Share[] = [];
    let base = ZERO;
    for (let s = this.tracker.get(hash); s; s = s.prevHash == null ? undefined : this.tracker.get(s.prevHash)) {
      const m = this.memo.get(s.hash);
      if (m) {
        base = m;
        break;
      }
      path.push(s);
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const o = this.own(path[i]!);
      base = {
        mine: base.mine + o.mine,
        mineDoa: base.mineDoa + o.mineDoa,
        orphanAnnounced: base.orphanAnnounced + o.orphanAnnounced,
        doaAnnounced: base.doaAnnounced + o.doaAnnounced,
      };
      this.memo.set(path[i]!.hash, base);
    }
    return base;
  }

  /** Reference get_stale_counts for the chain ending at `best`. */
  staleCounts(best: ShareHash | null): StaleCounts {
    const c = this.chainCounts(best);
    const notInChain = this.mine.size - c.mine;
    const doaNotInChain = this.mineDoa.size - c.mineDoa;
    return {
      orphans: notInChain - doaNotInChain,
      doas: doaNotInChain,
      total: this.mine.size,
      orphansRecorded: c.orphanAnnounced,
      doasRecorded: c.doaAnnounced,
    };
  }

  /** The stale_info a new share built on `best` should carry: one lost share at a time. */
  nextStaleInfo(best: ShareHash | null): StaleInfo {
    const c = this.staleCounts(best);
    if (c.orphans > c.orphansRecorded) return 'orphan';
    if (c.doas > c.doasRecorded) return 'doa';
    return 'none';
  }
}

/** Reference get_user_stale_props: per payee, stale/total over `lookbehind - 1` shares (a stale announcement counts twice in total). */
export function userStaleProportions(tracker: ShareTracker<unknown>, best: ShareHash | null, lookbehind: number): Map<string, number> {
  const acc = new Map<string, { stale: number; total: number }>();
  for (const s of tracker.all.chain(best, lookbehind - 1)) {
    const a = acc.get(s.payee) ?? { stale: 0, total: 0 };
    a.total += 1;
    if (s.shareInfo.shareData.staleInfo !== 'none') {
      a.stale += 1;
      a.total += 1;
    }
    acc.set(s.payee, a);
  }
  return new Map([...acc].map(([k, v]) => [k, v.stale / v.total]));
}

/** Reference get_average_stale_prop: stales / (lookbehind + stales) over `lookbehind` shares. */
export function averageStaleProportion(tracker: ShareTracker<unknown>, best: ShareHash | null, lookbehind: number): number {
  let stales = 0;
  for (const s of tracker.all.chain(best, lookbehind)) if (s.shareInfo.shareData.staleInfo !== 'none') stales++;
  return lookbehind + stales === 0 ? 0 : stales / (lookbehind + stales);
}
