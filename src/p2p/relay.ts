/**
 * Share relay (docs/protocol.md#messages): when the best share changes, each peer gets the
 * newest shares of the best chain it does not have yet — at most 5 — and never the ones it sent
 * us. "Has" is tracked per peer: every share it sent us and every share we sent it, in a bounded
 * set (a peer that forgets is simply sent a share again; shares are idempotent).
 */

/** Reference: up to 5 ancestors of a new best share are broadcast. */
export const MAX_RELAY_SHARES = 5;
/** Per-peer memory of shares it has: at least 5,000 (over a day of mainnet shares). */
const KNOWN_CAPACITY = 10_000;

/**
 * A set that remembers the newest `capacity / 2` to `capacity` members: members go into a
 * current generation; when it holds `capacity / 2`, it becomes the previous one and the one
 * before is dropped. (Forgetting the oldest member on every add costs, in V8, about as much as
 * the set holds: a Set finds its first entry by skipping the holes earlier deletions left.)
 * Forgetting only means a share is sent again; relay never walks more than a few shares deep.
 */
export class KnownShares {
  private current = new Set<string>();
  private previous = new Set<string>();
  private readonly half: number;

  constructor(capacity = KNOWN_CAPACITY) {
    this.half = Math.max(1, Math.floor(capacity / 2));
  }

  add(hash: string): void {
    if (this.current.has(hash) || this.previous.has(hash)) return;
    this.current.add(hash);
    if (this.current.size >= this.half) {
      this.previous = this.current;
      this.current = new Set();
    }
  }

  has(hash: string): boolean {
    return this.current.has(hash) || this.previous.has(hash);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/** What relay needs from the tracker. */
export interface RelayChain<S> {
  get(hash: string): S | undefined;
}

/**
 * The shares to send a peer for a new best share: walk down from `best` through at most
 * `MAX_RELAY_SHARES` shares, stopping at the first the peer has (it has its ancestors too);
 * oldest first, so the receiver can connect them in order.
 */
export function sharesToRelay<S extends { hash: string; prevHash: string | null }>(
  chain: RelayChain<S>,
  best: string,
  known: KnownShares,
  max = MAX_RELAY_SHARES,
): S[] {
  const out: S[] = [];
  let cur: string | null = best;
  while (cur !== null && out.length < max && !known.has(cur)) {
    const s = chain.get(cur);
    if (!s) break;
    out.push(s);
    cur = s.prevHash;
  }
  return out.reverse();
}
