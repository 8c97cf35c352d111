/**
 * Share relay (docs/protocol.md#messages): when the best share changes, each peer gets the
 * newest shares of the best chain it does not have yet — at most 5 — and never the ones it sent
 * us. "Has" is tracked per peer: every share it sent us and every share we sent it, in a bounded
 * set (a peer that forgets is simply sent a share again; shares are idempotent).
 */

/** Reference: up to 5 ancestors of a new best share are broadcast. */
export const MAX_RELAY_SHARES = 5;
/** Per-peer memory of shares it has: a little over a day of mainnet shares (8,640). */
const KNOWN_CAPACITY = 10_000;

/** A set that forgets its oldest members past `capacity`. */
export class KnownShares {
  private readonly set = new Set<string>();
  constructor(private readonly capacity = KNOWN_CAPACITY) {}

  add(hash: string): void {
    if (this.set.has(hash)) return;
    this.set.add(hash);
    if (this.set.size > this.capacity) this.set.delete(this.set.values().next().value!);
  }

  has(hash: string): boolean {
    return this.set.has(hash);
  }

  get size(): number {
    return this.set.size;
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
