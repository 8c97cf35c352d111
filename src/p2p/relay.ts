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

/** A generation no peer is ever at (so "added in it" means "never added"). */
const NEVER = -0x40000000;

/**
 * The relay memory of one node for all its peers at once: for each peer it remembers exactly
 * what that peer's own `KnownShares(capacity)` would (the same generations, ended by the same
 * adds; the tests run both side by side), in one table keyed by share hash. A row holds, per
 * peer, the generation in which the peer learned the share; a peer has the share while that is
 * its current generation or the one before. Where per-peer sets cost a lookup in every peer's
 * set (two, for a share the peer lacks), a relay round here looks each share up once for all
 * peers (`relayRound`), and a peer's check is a number comparison. Rows no peer remembers any
 * more are swept out when the table has doubled since the last sweep.
 */
export class KnownSharesTable {
  private readonly rows = new Map<string, number>();
  private gens: Int32Array;
  private readonly free: number[] = [];
  private used = 0;
  /** Per peer: its current generation and how many shares it learned in it. */
  private readonly gen: Int32Array;
  private readonly count: Int32Array;
  private readonly half: number;
  private sweepAt: number;

  constructor(readonly peers: number, capacity = KNOWN_CAPACITY) {
    this.half = Math.max(1, Math.floor(capacity / 2));
    this.gen = new Int32Array(peers);
    this.count = new Int32Array(peers);
    this.gens = new Int32Array(Math.max(1, peers) * 64).fill(NEVER);
    this.sweepAt = Math.max(64, 2 * capacity);
  }

  /** Shares in the table (remembered by at least one peer, or not yet swept out). */
  get rowCount(): number {
    return this.rows.size;
  }

  has(peer: number, hash: string): boolean {
    const row = this.rows.get(hash);
    return row !== undefined && this.knows(row, peer);
  }

  /** Whether `peer` still has the share of `row`: learned in its current generation or the one before. */
  private knows(row: number, peer: number): boolean {
    return this.gens[row * this.peers + peer]! >= this.gen[peer]! - 1;
  }

  add(peer: number, hash: string): void {
    this.sweepIfDue();
    this.addAt(peer, hash, this.rows.get(hash) ?? -1);
  }

  /** `add` with the share's row already looked up (-1: none); returns its row. */
  private addAt(peer: number, hash: string, row: number): number {
    if (row < 0) row = this.newRow(hash);
    const at = row * this.peers + peer;
    const g = this.gen[peer]!;
    if (this.gens[at]! >= g - 1) return row;
    this.gens[at] = g;
    if (++this.count[peer]! >= this.half) {
      this.gen[peer] = g + 1;
      this.count[peer] = 0;
    }
    return row;
  }

  private newRow(hash: string): number {
    let row = this.free.pop();
    if (row === undefined) {
      row = this.used++;
      if ((row + 1) * this.peers > this.gens.length) {
        const grown = new Int32Array(this.gens.length * 2).fill(NEVER);
        grown.set(this.gens);
        this.gens = grown;
      }
    }
    this.rows.set(hash, row);
    return row;
  }

  private sweepIfDue(): void {
    if (this.rows.size < this.sweepAt) return;
    const P = this.peers;
    for (const [hash, row] of this.rows) {
      let live = false;
      for (let p = 0; p < P; p++) {
        if (this.knows(row, p)) {
          live = true;
          break;
        }
      }
      if (live) continue;
      this.rows.delete(hash);
      this.gens.fill(NEVER, row * P, row * P + P);
      this.free.push(row);
    }
    this.sweepAt = Math.max(this.sweepAt, 2 * this.rows.size);
  }

  /** `sharesToRelay(chain, best, known)` for one peer, then added to what it has. */
  relayTo<S extends { hash: string; prevHash: string | null }>(chain: RelayChain<S>, best: string, peer: number, max = MAX_RELAY_SHARES): S[] {
    this.sweepIfDue();
    const out: S[] = [];
    let cur: string | null = best;
    while (cur !== null && out.length < max && !this.has(peer, cur)) {
      const s = chain.get(cur);
      if (!s) break;
      out.push(s);
      cur = s.prevHash;
    }
    out.reverse();
    for (const s of out) this.addAt(peer, s.hash, this.rows.get(s.hash) ?? -1);
    return out;
  }

  /**
   * One relay round: for each peer, what `sharesToRelay(chain, best, known)` gives with that
   * peer's `KnownShares` (at most `max` newest shares of the best chain it does not have,
   * oldest first), each then added to what the peer has, as a relay does when it sends them.
   * The walk down from `best` and the table lookups are done once for all peers.
   */
  relayRound<S extends { hash: string; prevHash: string | null }>(chain: RelayChain<S>, best: string, max?: number): S[][];
  /** The same, each share given as `wrap(share)` (called once per share for all peers). */
  relayRound<S extends { hash: string; prevHash: string | null }, T>(chain: RelayChain<S>, best: string, max: number, wrap: (share: S) => T): T[][];
  relayRound<S extends { hash: string; prevHash: string | null }, T>(chain: RelayChain<S>, best: string, max = MAX_RELAY_SHARES, wrap?: (share: S) => T): Array<Array<S | T>> {
    this.sweepIfDue();
    const walk: S[] = [];
    const rows: number[] = [];
    let cur: string | null = best;
    while (cur !== null && walk.length < max) {
      const s = chain.get(cur);
      if (!s) break;
      walk.push(s);
      rows.push(this.rows.get(cur) ?? -1);
      cur = s.prevHash;
    }
    const items: Array<S | T> = wrap === undefined ? walk : walk.map(wrap);
    const out: Array<Array<S | T>> = [];
    const P = this.peers;
    for (let p = 0; p < P; p++) {
      let k = 0;
      // Stop at the first share the peer has (it has its ancestors too).
      while (k < walk.length && !(rows[k]! >= 0 && this.knows(rows[k]!, p))) k++;
      const shares = items.slice(0, k).reverse();
      // Oldest first, as the relay adds what it sends.
      for (let i = k - 1; i >= 0; i--) rows[i] = this.addAt(p, walk[i]!.hash, rows[i]!);
      out.push(shares);
    }
    return out;
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
