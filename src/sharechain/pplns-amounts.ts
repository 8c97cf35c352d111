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
  const amounts = new Map<string, bigint>();
  const denominator = 200n * weights.totalWeight;
  let sum = 0n;
  for (const [payee, weight] of weights.weights) {
    const v = (subsidy * 199n * weight) / denominator;
    amounts.set(payee, v);
    sum += v;
  }
  const finderShare = subsidy / 200n;
  amounts.set(finder, (amounts.get(finder) ?? 0n) + finderShare);
  sum += finderShare;
  amounts.set(donationKey, (amounts.get(donationKey) ?? 0n) + subsidy - sum);
  let check = 0n;
  for (const v of amounts.values()) {
    if (v < 0n) throw new Error('negative payout amount');
    check += v;
  }
  if (check !== subsidy) throw new Error(`payouts sum to ${check}, not the subsidy ${subsidy}`);
  return amounts;
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The ordered outputs: payees ascending by (amount, payee) among the last 4,000 destinations,
 * zero amounts dropped, then the donation (always present).
 */
export function orderPayouts(amounts: Map<string, bigint>, donationKey: string): PayoutAmount[] {
  // One entry per payee, sorted on a plain number (satoshi amounts are below 2**53; the bigints
  // settle anything beyond): a comparator doing two Map lookups and a bigint compare made this
  // sort the largest part of a share's verification with hundreds of payees (p2pool simulate).
  const entries: Array<{ payee: string; value: bigint; n: number }> = [];
  for (const [payee, value] of amounts) if (payee !== donationKey) entries.push({ payee, value, n: Number(value) });
  entries.sort((a, b) => a.n - b.n || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0) || compareKeys(a.payee, b.payee));
  // The donation sorts last and is always among the last 4,000 destinations (when present).
  const kept = entries.slice(-(amounts.has(donationKey) ? MAX_COINBASE_DESTINATIONS - 1 : MAX_COINBASE_DESTINATIONS));
  const out: PayoutAmount[] = [];
  for (const e of kept) if (e.value !== 0n) out.push({ payee: e.payee, value: e.value });
  out.push({ payee: donationKey, value: amounts.get(donationKey) ?? 0n });
  return out;
}
