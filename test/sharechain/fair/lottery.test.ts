/**
 * Payout amounts and the tail lottery (docs/fair-sharechain.md#payouts, #lottery): sums, the
 * K bound, the exact/tail split, and exactness in expectation measured over many seeds
 * (a fixed sequence, so the test is deterministic).
 */
import { describe, expect, it } from 'vitest';
import { lotteryPlan, payoutAmounts, type PayoutBase, type WeightedPayee } from '../../../src/sharechain/fair/payouts.js';

/** A base with these weights (sorted as the rules sort them) and `seed`. */
function base(weights: bigint[], seed: bigint): PayoutBase {
  const payees: WeightedPayee[] = weights.map((weight, i) => ({ key: `0014${i.toString(16).padStart(40, '0')}`, weight }));
  payees.sort((a, b) => (a.weight !== b.weight ? (a.weight > b.weight ? -1 : 1) : a.key < b.key ? -1 : 1));
  return { payees, total: weights.reduce((a, w) => a + w, 0n), seed, plans: new Map() };
}

/** xorshift-style 256-bit seeds from a counter (sha-free, deterministic). */
function seedOf(i: number): bigint {
  let x = BigInt(i) * 0x9e3779b97f4a7c15n + 0x1234567n;
  let out = 0n;
  for (let k = 0; k < 4; k++) {
    x ^= x << 13n;
    x ^= x >> 7n;
    x ^= x << 17n;
    x &= (1n << 64n) - 1n;
    out = (out << 64n) | x;
  }
  return out;
}

const zipf = (n: number, scale: bigint): bigint[] => Array.from({ length: n }, (_, i) => (scale * 1000n) / BigInt(i + 1) + BigInt(i % 7));

describe('payout amounts', () => {
  it('few payees, a network with a finder bonus: all exact, finder first gets subsidy/200 and the remainder, the sum is the subsidy', () => {
    const b = base([600n, 300n, 100n], 5n);
    const plan = lotteryPlan(b, 11, true);
    expect(plan.exact).toBe(3);
    const finder = `0014${'ff'.repeat(20)}`;
    const out = payoutAmounts(b, plan, 1_000_003n, finder, 200);
    const rest = 1_000_003n - 1_000_003n / 200n;
    expect(out.slice(0, 3).map((o) => o.value)).toEqual([(rest * 600n) / 1000n, (rest * 300n) / 1000n, (rest * 100n) / 1000n]);
    expect(out[3]!.key).toBe(finder);
    expect(out.reduce((a, o) => a + o.value, 0n)).toBe(1_000_003n);
    // The finder among the payees: merged into its output, not a second one.
    const merged = payoutAmounts(b, plan, 1_000_003n, b.payees[1]!.key, 200);
    expect(merged).toHaveLength(3);
    expect(merged[1]!.value).toBe(1_000_003n - merged[0]!.value - merged[2]!.value);
  });

  it('few payees, no finder bonus (the fair networks): the floors\' dust goes to the finder\'s own output, else to the first output', () => {
    const b = base([600n, 300n, 100n], 5n);
    const plan = lotteryPlan(b, 11, false);
    const finder = `0014${'ff'.repeat(20)}`;
    const out = payoutAmounts(b, plan, 1_000_003n, finder, 0);
    // Not a payee: no output for it (it would be a few satoshis); the largest payee takes the dust.
    expect(out.map((o) => o.key)).toEqual(b.payees.map((p) => p.key));
    expect(out.map((o) => o.value)).toEqual([600_001n + 2n, 300_000n, 100_000n]);
    // A payee: the dust is added to its own output.
    const mine = payoutAmounts(b, plan, 1_000_003n, b.payees[2]!.key, 0);
    expect(mine.map((o) => o.value)).toEqual([600_001n, 300_000n, 100_002n]);
  });

  it('an empty window pays the whole subsidy to the finder, bonus or not', () => {
    const b = base([], 1n);
    expect(payoutAmounts(b, lotteryPlan(b, 200, true), 5000n, 'aa', 200)).toEqual([{ key: 'aa', value: 5000n }]);
    const c = base([], 1n);
    expect(payoutAmounts(c, lotteryPlan(c, 200, false), 5000n, 'aa', 0)).toEqual([{ key: 'aa', value: 5000n }]);
  });

  it('many payees: at most K outputs, the exact part is the smallest E with w[E](S-E) <= W_T(E), one slot per winner', () => {
    for (const [finderSlot, divisor] of [[true, 200], [false, 0]] as const) for (const K of [11, 46, 145, 200]) {
      for (const n of [K - 1, K, 3 * K, 1000]) {
        const b = base(zipf(n, 1000n), seedOf(n + K));
        const plan = lotteryPlan(b, K, finderSlot);
        const S = finderSlot ? K - 1 : K;
        const out = payoutAmounts(b, plan, 312_500_000n, `5120${'ab'.repeat(32)}`, divisor);
        expect(out.length).toBeLessThanOrEqual(K);
        expect(new Set(out.map((o) => o.key)).size).toBe(out.length);
        expect(out.reduce((a, o) => a + o.value, 0n)).toBe(312_500_000n);
        if (n <= S) {
          expect(plan.exact).toBe(n);
          continue;
        }
        const w = b.payees.map((p) => p.weight);
        const tail = (e: number): bigint => w.slice(e).reduce((a, x) => a + x, 0n);
        const E = plan.exact;
        expect(w[E]! * BigInt(S - E) <= tail(E)).toBe(true);
        if (E > 0) expect(w[E - 1]! * BigInt(S - E + 1) > tail(E - 1)).toBe(true);
        expect(plan.winners).toHaveLength(S - E);
        expect(plan.winners.reduce((a, x) => a + x.weight, 0n)).toBe(tail(E));
        expect(new Set(plan.winners.map((x) => x.key)).size).toBe(plan.winners.length);
      }
    }
  });

  it('exact in expectation: each payee\'s mean over 4,000 draws is its own weight, within 5 standard errors', () => {
    const weights = zipf(120, 10_000n);
    const draws = 4000;
    const K = 46;
    const sums = new Map<string, bigint>();
    let b = base(weights, 0n);
    const exactBy = new Map(b.payees.map((p) => [p.key, p.weight]));
    for (let i = 0; i < draws; i++) {
      b = base(weights, seedOf(i));
      const plan = lotteryPlan(b, K, false);
      for (let e = 0; e < plan.exact; e++) sums.set(b.payees[e]!.key, (sums.get(b.payees[e]!.key) ?? 0n) + b.payees[e]!.weight);
      for (const win of plan.winners) sums.set(win.key, (sums.get(win.key) ?? 0n) + win.weight);
    }
    const plan = lotteryPlan(b, K, false);
    const slot = Number(plan.tailTotal) / plan.slots;
    let checked = 0;
    for (const [key, a] of exactBy) {
      const mean = Number(sums.get(key) ?? 0n) / draws;
      const av = Number(a);
      const sd = Math.sqrt(Math.max(av * (slot - av), 0) / draws);
      expect(Math.abs(mean - av), key).toBeLessThanOrEqual(5 * sd + 1);
      if (av < slot) checked++;
    }
    expect(checked).toBeGreaterThan(80); // most payees were in the tail
  });
});
