/**
 * The payout order of consecutive windows (pplns-amounts.ts seeds each base's input order with
 * the last base's): whatever came before, the order is the one the rules define, ascending by
 * (amount, payee) with the donation last (docs/sharechain.md#pplns), checked against a model
 * written here from that rule.
 */
import { describe, expect, it } from 'vitest';
import { payoutsFromWeights } from '../../src/sharechain/pplns-amounts.js';
import type { CumulativeWeights } from '../../src/sharechain/types.js';

const DONATION = 'donation-key';
const SUBSIDY = 312_500_000n;

/** The rule, written out: amounts, the finder's 0.5%, the donation's rest, sorted. */
function model(w: CumulativeWeights, finder: string): Array<{ payee: string; value: bigint }> {
  const amounts = new Map<string, bigint>();
  for (const [payee, weight] of w.weights) amounts.set(payee, (SUBSIDY * 199n * weight) / (200n * w.totalWeight));
  amounts.set(finder, (amounts.get(finder) ?? 0n) + SUBSIDY / 200n);
  let sum = 0n;
  for (const v of amounts.values()) sum += v;
  amounts.set(DONATION, (amounts.get(DONATION) ?? 0n) + SUBSIDY - sum);
  const others = [...amounts].filter(([p, v]) => p !== DONATION && v !== 0n).map(([payee, value]) => ({ payee, value }));
  others.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : a.payee < b.payee ? -1 : a.payee > b.payee ? 1 : 0));
  return [...others, { payee: DONATION, value: amounts.get(DONATION)! }];
}

/** A small deterministic generator (xorshift32). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function window(weights: Map<string, bigint>, donationWeight: bigint): CumulativeWeights {
  let total = donationWeight;
  for (const v of weights.values()) total += v;
  return { weights: new Map(weights), totalWeight: total, donationWeight };
}

describe('payout order across consecutive windows', () => {
  it('is the rule\'s order after sliding windows, new and gone payees, ties, and a scrambled window', () => {
    const r = rng(7);
    const payee = (i: number): string => `payee-${(i * 7919) % 1000}`;
    let weights = new Map<string, bigint>();
    for (let i = 0; i < 300; i++) weights.set(payee(i), BigInt(1 + Math.floor(r() * 50)) * 1000n);
    for (let step = 0; step < 120; step++) {
      // Slide: a few weights move, a payee may leave or join; sometimes a whole new window.
      if (step % 40 === 39) {
        const scrambled = new Map<string, bigint>();
        for (let i = 0; i < 250; i++) scrambled.set(payee(1000 - i), BigInt(1 + Math.floor(r() * 5)) * 1000n);
        weights = scrambled;
      } else {
        const keys = [...weights.keys()];
        for (let k = 0; k < 3; k++) {
          const p = keys[Math.floor(r() * keys.length)]!;
          weights.set(p, weights.get(p)! + BigInt(Math.floor(r() * 3000)));
        }
        if (r() < 0.3) weights.delete(keys[Math.floor(r() * keys.length)]!);
        if (r() < 0.3) weights.set(payee(300 + step), 1000n);
      }
      const withDonation = step % 3 === 0;
      if (withDonation) weights.set(DONATION, 5000n);
      else weights.delete(DONATION);
      const w = window(weights, 2000n);
      const finder = step % 5 === 0 ? 'a-new-finder' : [...weights.keys()][step % weights.size]!;
      expect(payoutsFromWeights(w, SUBSIDY, finder, DONATION), `step ${step}`).toEqual(model(w, finder));
    }
  });

  it('keeps the donation apart when the last window had another donation key and paid this one as a payee', () => {
    const payees = new Map<string, bigint>([['a', 3000n], [DONATION, 5000n], ['b', 1000n]]);
    // A window whose donation key is another: DONATION is an ordinary payee in its order.
    const other = window(payees, 0n);
    expect(payoutsFromWeights(other, SUBSIDY, 'a', 'another-donation-key').map((p) => p.payee)).toContain(DONATION);
    const w = window(payees, 2000n);
    expect(payoutsFromWeights(w, SUBSIDY, 'b', DONATION)).toEqual(model(w, 'b'));
  });
});
