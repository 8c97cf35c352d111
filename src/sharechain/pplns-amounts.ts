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
  const keys = [...amounts.keys()];
  keys.sort((a, b) => {
    const da = a === donationKey ? 1 : 0;
    const db = b === donationKey ? 1 : 0;
    if (da !== db) return da - db;
    const va = amounts.get(a)!;
    const vb = amounts.get(b)!;
    if (va !== vb) return va < vb ? -1 : 1;
    // Payee strings are latin1 (one char per wire byte), so this is the reference's byte order.
    return compareKeys(a, b);
  });
  const kept = keys.slice(-MAX_COINBASE_DESTINATIONS);
  const out: PayoutAmount[] = [];
  for (const payee of kept) {
    const value = amounts.get(payee)!;
    if (payee !== donationKey && value !== 0n) out.push({ payee, value });
  }
  out.push({ payee: donationKey, value: amounts.get(donationKey) ?? 0n });
  return out;
}
