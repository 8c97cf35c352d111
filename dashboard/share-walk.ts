/**
 * The recent sharechain as the dashboard sees it: from the best share back through `parent`
 * links, one /web/share/<hash> each. Shares never change once made, so each is fetched once
 * and cached; a refresh only fetches the shares that arrived since the last one.
 */
import { getJson, isShareHash, type ShareInfo } from './api';

/** Enough for every page's list; older ones are dropped first. */
const CACHE_LIMIT = 2000;

export interface WalkedShare extends ShareInfo {
  hash: string;
}

export class ShareCache {
  private readonly shares = new Map<string, WalkedShare>();

  /** One share (cached); null when the node does not know it. */
  async get(hash: string): Promise<WalkedShare | null> {
    const hit = this.shares.get(hash);
    if (hit) return hit;
    const info = await getJson<ShareInfo | null>(`/web/share/${hash}`);
    if (!info || typeof info !== 'object' || !info.share_data || !info.block) return null;
    const share: WalkedShare = { ...info, hash };
    this.shares.set(hash, share);
    if (this.shares.size > CACHE_LIMIT) this.shares.delete(this.shares.keys().next().value!);
    return share;
  }

  /**
   * Up to `limit` shares from `best` backwards, newest first. The walk ends at the chain's
   * tail (unknown or pruned parent) and, if a request fails, with what it has so far.
   */
  async chain(best: string | null, limit: number): Promise<WalkedShare[]> {
    const out: WalkedShare[] = [];
    let next: string | null = best;
    while (isShareHash(next) && out.length < limit) {
      const s: WalkedShare | null = await this.get(next).catch(() => null);
      if (!s) break;
      out.push(s);
      next = s.parent;
    }
    return out;
  }
}
