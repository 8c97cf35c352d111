/**
 * Which template transactions a block keeps so that it fits Bitcoin's limits together with
 * its coinbase (docs/mining.md#block-limits). Pure: costs in, a choice out.
 *
 * The rule:
 * - If everything fits (the normal case: the full node left room for the coinbase), keep
 *   everything.
 * - Otherwise drop lowest fee rate first, a whole package at a time: dropping a transaction
 *   drops every transaction that spends it (directly or not), because a block cannot hold a
 *   child without its parent. A package's fee rate is its fees over its sigop-adjusted
 *   weight, max(weight, 20 x sigop cost) (Bitcoin Core policy/policy.h
 *   GetVirtualTransactionSize with DEFAULT_BYTES_PER_SIGOP = 20), so a transaction heavy in
 *   sigops ranks as low as its share of the sigop limit makes it. Repeat until the block fits.
 * - Then put back, highest fee rate first, dropped transactions whose parents are all kept and
 *   that still fit (a big package dropped to free a little room leaves room for small ones).
 * - Mandatory transactions (Litecoin's HogEx and everything it spends: the MWEB block after
 *   the transactions depends on them) are never dropped. If they alone do not fit, `fits` is
 *   false and the block cannot be valid; the caller says so.
 *
 * Greedy, not optimal (optimal is a knapsack); for a package without shared descendants the
 * drop order is exact: removing a package's lowest-rate part only raises its rate, so a rate
 * read when it is taken from the queue is never stale on the low side.
 */

/** One template transaction's share of each block limit, and its fee. */
export interface TxCost {
  /** BIP141 weight (Litecoin: without MWEB bytes). */
  weight: number;
  /** Serialized size without witness (Litecoin: without MWEB bytes). */
  strippedSize: number;
  sigopCost: number;
  /** Satoshis. */
  fee: number;
  /** Indexes (0-based) of the transactions this one spends from; each is earlier in the list. */
  parents: readonly number[];
}

/** What the transactions together may use: the block limits minus header and coinbase. */
export interface Room {
  weight: number;
  strippedSize: number;
  sigopCost: number;
}

export interface Selection {
  /** keep[i]: transaction i stays in the block. */
  keep: boolean[];
  keptCount: number;
  droppedCount: number;
  /** Satoshis of fees the dropped transactions paid. */
  droppedFees: number;
  /** Totals of the kept transactions. */
  weight: number;
  strippedSize: number;
  sigopCost: number;
  /** False when even the mandatory transactions exceed the room. */
  fits: boolean;
}

/** Bitcoin Core DEFAULT_BYTES_PER_SIGOP: a sigop weighs like 20 bytes of transaction (weight units here). */
export const WEIGHT_PER_SIGOP = 20;

const adjusted = (t: TxCost): number => Math.max(t.weight, t.sigopCost * WEIGHT_PER_SIGOP, 1);

/** A binary min-heap of (key, index) pairs. */
class MinHeap {
  private readonly keys: number[] = [];
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(key: number, item: number): void {
    let i = this.items.length;
    this.keys.push(key);
    this.items.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.keys[p]! <= key) break;
      this.keys[i] = this.keys[p]!;
      this.items[i] = this.items[p]!;
      i = p;
    }
    this.keys[i] = key;
    this.items[i] = item;
  }

  /** Remove the smallest; returns [key, item]. */
  pop(): [number, number] {
    const top: [number, number] = [this.keys[0]!, this.items[0]!];
    const key = this.keys.pop()!;
    const item = this.items.pop()!;
    const n = this.items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.keys[r]! < this.keys[l]! ? r : l;
        if (this.keys[c]! >= key) break;
        this.keys[i] = this.keys[c]!;
        this.items[i] = this.items[c]!;
        i = c;
      }
      this.keys[i] = key;
      this.items[i] = item;
    }
    return top;
  }
}

const within = (w: number, s: number, c: number, room: Room): boolean => w <= room.weight && s <= room.strippedSize && c <= room.sigopCost;

/**
 * Choose the transactions to keep (see the module comment). `mandatory` are indexes that must
 * stay; their ancestors are kept too.
 */
export function selectTransactions(txs: readonly TxCost[], room: Room, mandatory: Iterable<number> = []): Selection {
  const n = txs.length;
  let weight = 0;
  let stripped = 0;
  let sigops = 0;
  for (const t of txs) {
    weight += t.weight;
    stripped += t.strippedSize;
    sigops += t.sigopCost;
  }
  const keep = new Array<boolean>(n).fill(true);
  if (within(weight, stripped, sigops, room)) {
    return { keep, keptCount: n, droppedCount: 0, droppedFees: 0, weight, strippedSize: stripped, sigopCost: sigops, fits: true };
  }

  const children: number[][] = Array.from({ length: n }, () => []);
  txs.forEach((t, i) => {
    for (const p of t.parents) if (p >= 0 && p < i) children[p]!.push(i);
  });

  // Mandatory transactions and everything they spend.
  const locked = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  for (const m of mandatory) {
    if (m >= 0 && m < n && !locked[m]) {
      locked[m] = true;
      stack.push(m);
    }
  }
  while (stack.length > 0) {
    for (const p of txs[stack.pop()!]!.parents) {
      if (p >= 0 && p < n && !locked[p]) {
        locked[p] = true;
        stack.push(p);
      }
    }
  }

  // The kept descendants of i, i first (a visit stamp per walk instead of a fresh set).
  const stamp = new Int32Array(n);
  let walk = 0;
  const packageOf = (i: number): number[] => {
    walk++;
    const out = [i];
    stamp[i] = walk;
    for (let k = 0; k < out.length; k++) {
      for (const c of children[out[k]!]!) {
        if (keep[c] && stamp[c] !== walk) {
          stamp[c] = walk;
          out.push(c);
        }
      }
    }
    return out;
  };
  const rateOf = (pkg: readonly number[]): number => {
    let fee = 0;
    let size = 0;
    for (const j of pkg) {
      fee += txs[j]!.fee;
      size += adjusted(txs[j]!);
    }
    return fee / size;
  };

  const heap = new MinHeap();
  for (let i = 0; i < n; i++) if (!locked[i]) heap.push(rateOf(packageOf(i)), i);

  let droppedFees = 0;
  const dropped: number[] = [];
  while (!within(weight, stripped, sigops, room) && heap.size > 0) {
    const [key, i] = heap.pop();
    if (!keep[i]) continue;
    const pkg = packageOf(i);
    const rate = rateOf(pkg);
    // Its package lost members since it was queued: its rate rose; queue it again at that rate.
    if (rate > key) {
      heap.push(rate, i);
      continue;
    }
    for (const j of pkg) {
      // A mandatory transaction never descends from a droppable one (its parents are locked).
      keep[j] = false;
      dropped.push(j);
      weight -= txs[j]!.weight;
      stripped -= txs[j]!.strippedSize;
      sigops -= txs[j]!.sigopCost;
      droppedFees += txs[j]!.fee;
    }
  }
  const fits = within(weight, stripped, sigops, room);

  // Put back what fits, best rate first; a child only after its parents are back.
  if (fits) {
    const order = dropped.slice().sort((a, b) => txs[b]!.fee / adjusted(txs[b]!) - txs[a]!.fee / adjusted(txs[a]!));
    for (let pass = 0, changed = true; changed && pass < 3; pass++) {
      changed = false;
      for (const j of order) {
        const t = txs[j]!;
        if (keep[j] || !t.parents.every((p) => keep[p])) continue;
        if (!within(weight + t.weight, stripped + t.strippedSize, sigops + t.sigopCost, room)) continue;
        keep[j] = true;
        weight += t.weight;
        stripped += t.strippedSize;
        sigops += t.sigopCost;
        droppedFees -= t.fee;
        changed = true;
      }
    }
  }
  let keptCount = 0;
  for (const k of keep) if (k) keptCount++;
  return { keep, keptCount, droppedCount: n - keptCount, droppedFees, weight, strippedSize: stripped, sigopCost: sigops, fits };
}
