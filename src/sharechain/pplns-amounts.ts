/**
 * From PPLNS weights to coinbase payouts (docs/sharechain.md#pplns, JT generate_transaction):
 *   amount[payee]   = subsidy * 199 * weight // (200 * total_weight)   (99.5% by weight)
 *   amount[finder] += subsidy // 200                                    (0.5% to the share's payee)
 *   amount[donation] += subsidy - sum(amounts)                          (donation weight + dust)
 * then outputs sorted ascending by (is donation, amount, payee string), only the last 4,000
 * kept, zero amounts dropped, the donation output appended last even when it is zero.
 */
import type { CumulativeWeights } from './types.js';

/** JT keeps at most this many destinations (donation included): dests[-4000:]. */
export const MAX_COINBASE_DESTINATIONS = 4000;

export interface PayoutAmount {
  /** Payee key: an address string, or the donation key for the donation output. */
  payee: string;
  value: bigint;
}

/**
 * The part of the amounts that does not depend on the finder: subsidy·199·weight // (200·total)
 * per payee, their sum, the donation key's own entry, and the non-donation payees in output
 * order. A pure function of (weights, subsidy, donation key); remembered on the weights object,
 * since a share's window is asked for several times with the same result object (the work
 * layer's base, the rebuild of a solved job, verification: weights-window.ts returns one object
 * per query while the chain below it is unchanged), and a node's work asks again per finder.
 * No per-payee map: a payee's amount is worked out again from its weight where one is needed
 * (the finder's), which is the same expression.
 */
interface BaseAmounts {
  subsidy: bigint;
  donationKey: string;
  /** The donation key's amount as a payee (0 when it has no weight of its own). */
  donationOwn: bigint;
  sum: bigint;
  /** Non-donation payees ascending by (amount, payee), zero amounts included. */
  sorted: SortEntry[];
}

interface SortEntry {
  payee: string;
  value: bigint;
  n: number;
  made?: unknown;
}


/** subsidy·199·weight // (200·total) for one payee (0 without weight). */
function amountOf(weights: CumulativeWeights, subsidy: bigint, payee: string): bigint {
  const weight = weights.weights.get(payee);
  return weight === undefined ? 0n : (subsidy * 199n * weight) / (200n * weights.totalWeight);
}

function baseAmounts(weights: CumulativeWeights, subsidy: bigint, donationKey: string): BaseAmounts {
  const hit = weights.derived?.base as BaseAmounts | undefined;
  if (hit !== undefined && hit.subsidy === subsidy && hit.donationKey === donationKey) return hit;
  const denominator = 200n * weights.totalWeight;
  const scale = subsidy * 199n;
  let sum = 0n;
  let donationOwn = 0n;
  const sorted: SortEntry[] = [];
  const w = weights.weights;
  // The payees in the order of the last base made, first: consecutive windows share all but a
  // few payees and their order (the amounts all scale with the total), so the array is nearly
  // sorted and insertion puts it in order in about one comparison per payee. Only the input
  // order changes: the comparison is a total order, so the result is the same as from any
  // other order (a scrambled one falls back to the full sort: sortNearlySorted).
  const amountFor = (weight: bigint): bigint => {
    const v = (scale * weight) / denominator;
    if (v < 0n) throw new Error('negative payout amount');
    sum += v;
    return v;
  };
  let found = 0;
  for (const e of lastSorted) {
    // (The last base's payees may include this one's donation key: it had another.)
    const weight = e.payee === donationKey ? undefined : w.get(e.payee);
    if (weight === undefined) continue;
    const v = amountFor(weight);
    sorted.push({ payee: e.payee, value: v, n: Number(v) });
    found++;
  }
  const donationWeight = w.get(donationKey);
  if (donationWeight !== undefined) donationOwn = amountFor(donationWeight);
  if (found + (donationWeight !== undefined ? 1 : 0) < w.size) {
    // Payees the last base did not have (a new one or two per share, or another window).
    const seen = new Set<string>();
    for (let i = 0; i < found; i++) seen.add(sorted[i]!.payee);
    w.forEach((weight, payee) => {
      if (payee === donationKey || seen.has(payee)) return;
      const v = amountFor(weight);
      sorted.push({ payee, value: v, n: Number(v) });
    });
  }
  // Sorted on a plain number (satoshi amounts are below 2**53; the bigints settle anything
  // beyond): a comparator doing two Map lookups and a bigint compare made this sort the
  // largest part of a share's verification with hundreds of payees (p2pool simulate).
  sortNearlySorted(sorted);
  lastSorted = sorted;
  const base: BaseAmounts = { subsidy, donationKey, donationOwn, sum, sorted };
  (weights.derived ??= {}).base = base;
  return base;
}

/** The order of the last base made (baseAmounts seeds the next one's input order with it). */
let lastSorted: readonly SortEntry[] = [];

/**
 * Sort a nearly sorted array: by insertion, or fully once that passes a few moves per entry. A
 * window of up to 16 payees (a small pool) never passes them, so it is sorted in place without
 * Array.prototype.sort's copy into a work array.
 */
function sortNearlySorted(entries: SortEntry[]): void {
  if (!insertionSort(entries, 4 * entries.length + 64)) entries.sort(compareEntries);
}

/**
 * Amounts per payee. `finder` is the share's own payee; `donationKey` the donation's key
 * (donationPayee(parent)). Throws if the amounts do not add up to the subsidy (cannot happen
 * with consistent weights; the reference raises ValueError too).
 */
export function computeAmounts(
  weights: CumulativeWeights,
  subsidy: bigint,
  finder: string,
  donationKey: string,
): Map<string, bigint> {
  const base = baseAmounts(weights, subsidy, donationKey);
  const amounts = new Map<string, bigint>();
  for (const payee of weights.weights.keys()) amounts.set(payee, amountOf(weights, subsidy, payee));
  const finderShare = subsidy / 200n;
  amounts.set(finder, (amounts.get(finder) ?? 0n) + finderShare);
  const sum = base.sum + finderShare;
  const donation = (amounts.get(donationKey) ?? 0n) + subsidy - sum;
  amounts.set(donationKey, donation);
  // Every per-payee amount is >= 0 (checked in the base) and the finder's only grew; the
  // donation takes the rest, so the amounts sum to the subsidy exactly when it is >= 0.
  if (donation < 0n) throw new Error('negative payout amount');
  return amounts;
}

/**
 * The ordered payouts of payoutsFromWeights, handed to `visit` one by one instead of as a list
 * (gentx.ts builds its outputs straight from them): the base's order with the finder's entry
 * moved, zero amounts dropped, the last 3,999 kept, then the donation.
 */
export function visitPayouts(
  weights: CumulativeWeights,
  subsidy: bigint,
  finder: string,
  donationKey: string,
  visit: (payee: string, value: bigint, entry: PayoutEntry | null) => void,
): void {
  const base = baseAmounts(weights, subsidy, donationKey);
  const finderShare = subsidy / 200n;
  const finderValue = (finder === donationKey ? base.donationOwn : amountOf(weights, subsidy, finder)) + finderShare;
  const sum = base.sum + finderShare;
  // computeAmounts: the donation's entry (the finder's when the finder is the donation) plus the rest.
  const donation = (finder === donationKey ? finderValue : base.donationOwn) + subsidy - sum;
  if (donation < 0n) throw new Error('negative payout amount');
  const sorted = base.sorted;
  if (finder === donationKey) {
    // The donation is always among the amounts: the last 3,999 others are kept.
    for (let i = Math.max(0, sorted.length - (MAX_COINBASE_DESTINATIONS - 1)); i < sorted.length; i++) {
      const e = sorted[i]!;
      if (e.value !== 0n) visit(e.payee, e.value, e);
    }
  } else {
    // withFinder: the finder's entry (if any) leaves its place and goes in before the first
    // entry ordered after it.
    const entry: SortEntry = { payee: finder, value: finderValue, n: Number(finderValue) };
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(sorted[mid]!, entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    const has = weights.weights.has(finder);
    const count = sorted.length + (has ? 0 : 1);
    const from = Math.max(0, count - (MAX_COINBASE_DESTINATIONS - 1));
    let k = 0;
    for (let i = 0; i <= sorted.length; i++) {
      if (i === lo) {
        if (k++ >= from && entry.value !== 0n) visit(entry.payee, entry.value, null);
      }
      if (i === sorted.length) break;
      const e = sorted[i]!;
      if (e.payee === finder) continue;
      if (k++ >= from && e.value !== 0n) visit(e.payee, e.value, e);
    }
  }
  visit(donationKey, donation, null);
}

/**
 * An entry of the base's order, the same object for every finder's payouts of one weights
 * result: what a caller makes per payee from (payee, value) it may keep on it (`made`).
 */
export interface PayoutEntry {
  readonly payee: string;
  readonly value: bigint;
  made?: unknown;
}

/**
 * orderPayouts(computeAmounts(weights, subsidy, finder, donationKey), donationKey) without
 * the amounts map: the base's order with the finder's entry moved and the donation's amount
 * worked out, as computeAmounts then orderPayouts do (the same checks, the same result).
 */
export function payoutsFromWeights(weights: CumulativeWeights, subsidy: bigint, finder: string, donationKey: string): PayoutAmount[] {
  const out: PayoutAmount[] = [];
  visitPayouts(weights, subsidy, finder, donationKey, (payee, value) => out.push({ payee, value }));
  return out;
}

/**
 * Insertion sort in output order; false when it stopped after `maxMoves` moves (the array then
 * holds the same entries, partly sorted).
 */
function insertionSort(entries: SortEntry[], maxMoves: number): boolean {
  let moves = 0;
  for (let i = 1; i < entries.length; i++) {
    const e = entries[i]!;
    let j = i - 1;
    while (j >= 0 && compareEntries(entries[j]!, e) > 0) {
      entries[j + 1] = entries[j]!;
      j--;
      if (++moves > maxMoves) {
        entries[j + 1] = e;
        return false;
      }
    }
    entries[j + 1] = e;
  }
  return true;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The output order of non-donation payees: ascending amount, then payee. */
function compareEntries(a: SortEntry, b: SortEntry): number {
  return a.n - b.n || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) || compareKeys(a.payee, b.payee);
}

/**
 * The ordered outputs: payees ascending by (amount, payee) among the last 4,000 destinations,
 * zero amounts dropped, then the donation (always present).
 */
export function orderPayouts(amounts: Map<string, bigint>, donationKey: string): PayoutAmount[] {
  const entries = sortedEntries(amounts, donationKey);
  // The donation sorts last and is always among the last 4,000 destinations (when present).
  const kept = entries.slice(-(amounts.has(donationKey) ? MAX_COINBASE_DESTINATIONS - 1 : MAX_COINBASE_DESTINATIONS));
  const out: PayoutAmount[] = [];
  for (const e of kept) if (e.value !== 0n) out.push({ payee: e.payee, value: e.value });
  out.push({ payee: donationKey, value: amounts.get(donationKey) ?? 0n });
  return out;
}

/**
 * Non-donation entries sorted on a plain number (satoshi amounts are below 2**53; the bigints
 * settle anything beyond): a comparator doing two Map lookups and a bigint compare made this
 * sort the largest part of a share's verification with hundreds of payees (p2pool simulate).
 */
function sortedEntries(amounts: Map<string, bigint>, donationKey: string): SortEntry[] {
  const entries: SortEntry[] = [];
  for (const [payee, value] of amounts) if (payee !== donationKey) entries.push({ payee, value, n: Number(value) });
  return entries.sort(compareEntries);
}
