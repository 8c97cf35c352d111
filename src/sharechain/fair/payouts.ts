/**
 * The payout outputs of a fair share's coinbase (docs/fair-sharechain.md#payouts and #lottery).
 *
 * 1. Base (per parent link and block target): the window's weights (window.ts), payees sorted
 *    by weight descending, ties by payout script bytes ascending; the lottery seed
 *    sha256d("p2pool-fair lottery" ‖ parent hash) read as a big-endian integer.
 * 2. Plan (per base and max_outputs K): S = K slots for the window, K - 1 on a network with a
 *    finder bonus (one is kept for the finder). With n <= S payees every payee is paid exactly. Otherwise the first E payees are
 *    paid exactly, E the smallest number with  w[E] * (S - E) <= W_T(E)  (W_T = the weight of
 *    payees E..n-1, the tail); the m = S - E remaining slots are drawn by systematic sampling
 *    over the tail: r = seed mod W_T, point j at r + j*W_T on a line where tail payee t owns
 *    [m*C_t, m*C_t + m*w_t) (C = running tail weight). Each point falls in exactly one payee's
 *    interval and no payee gets two (m*w_t <= W_T), so payee t wins with probability
 *    m*w_t/W_T and then receives slot weight s_j = floor((j+1)W_T/m) - floor(j*W_T/m):
 *    in expectation its own weight, whatever K.
 * 3. Amounts (per share): F = subsidy // finderDivisor first to the share's payee (F = 0 when
 *    finderDivisor is 0, as on every fair network); the rest R'
 *    by weight, floor(R' * w / W) per exact payee and floor(R' * s_j / W) per slot; what the
 *    floors leave goes to the share's payee too. Outputs: exact payees in order, then slot
 *    winners in point order; the share's payee's part (F and the dust) is added to its output
 *    if it has one, else appended last; but with F = 0 (only dust) and some output present, the
 *    dust goes to the first output instead (no output of a few satoshis). Zero amounts are
 *    dropped. The amounts sum to the subsidy.
 *
 * The draw depends only on the chain (weights, parent hash) and K: not on the subsidy (fees),
 * the share's payee or anything else its miner picks (see #attacks for what K can do).
 */
import { ByteWriter } from '../../bitcoin/bytes.js';
import { sha256d } from '../../bitcoin/hash.js';
import type { WindowWeights } from './window.js';

export const LOTTERY_TAG = Buffer.from('p2pool-fair lottery', 'ascii');

export interface WeightedPayee {
  /** Payout script, lower-case hex (its order is the script bytes' order). */
  key: string;
  weight: bigint;
}

export interface PayoutBase {
  /** By weight descending, ties by key ascending. */
  payees: WeightedPayee[];
  /** Sum of the weights (W). */
  total: bigint;
  seed: bigint;
  /** Plans already computed, by K. */
  readonly plans: Map<number, LotteryPlan>;
}

export interface LotteryPlan {
  maxOutputs: number;
  /** Payees payees[0..exact) are paid exactly. */
  exact: number;
  /** The tail's weight and slot count (0 when there is no lottery). */
  tailTotal: bigint;
  slots: number;
  /** Drawn winners in point order, each with its slot weight. */
  winners: WeightedPayee[];
  /** Amounts already computed for a subsidy (payoutOutputs), a few kept. */
  readonly bySubsidy: Map<bigint, PlannedAmounts>;
}

/** The amounts of a plan for one subsidy, before the finder's part is placed. */
interface PlannedAmounts {
  /** Exact payees then winners, zero amounts included. */
  lines: PayoutAmount[];
  /** Each line serialized as a transaction output (u64 value ‖ VarStr script). */
  serialized: Buffer[];
  /** The finder's share: the subsidy minus what the lines pay. */
  finderValue: bigint;
}

export interface PayoutAmount {
  key: string;
  value: bigint;
}

export function lotterySeed(parentHash: Buffer | null): bigint {
  const h = sha256d(Buffer.concat([LOTTERY_TAG, parentHash ?? Buffer.alloc(32)]));
  return BigInt('0x' + h.toString('hex'));
}

function comparePayees(a: WeightedPayee, b: WeightedPayee): number {
  if (a.weight !== b.weight) return a.weight > b.weight ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** A payee with a double approximation of its weight: cheap comparisons for the sort. */
interface Sortable extends WeightedPayee {
  approx: number;
}

function compareSortable(a: Sortable, b: Sortable): number {
  // Number(bigint) is monotone, so unequal doubles order the weights; equal doubles fall back
  // to the exact comparison.
  if (a.approx !== b.approx) return a.approx > b.approx ? -1 : 1;
  return comparePayees(a, b);
}

/** Step 1: the sorted weights of a window and the seed of the parent (internal byte order). */
export function payoutBase(window: WindowWeights, parentHash: Buffer | null, hint?: PayoutBase): PayoutBase {
  const list: Sortable[] = [];
  const push = (key: string, weight: bigint): void => {
    list.push({ key, weight, approx: Number(weight) });
  };
  if (hint) {
    // The previous parent's order first: consecutive windows differ by a few payees, and the
    // sort (TimSort in V8) is then close to linear.
    let positive = 0;
    for (const w of window.weights.values()) if (w > 0n) positive++;
    for (const p of hint.payees) {
      const weight = window.weights.get(p.key);
      if (weight !== undefined && weight > 0n) push(p.key, weight);
    }
    if (list.length < positive) {
      const seen = new Set(list.map((p) => p.key));
      for (const [key, weight] of window.weights) if (weight > 0n && !seen.has(key)) push(key, weight);
    }
  } else {
    for (const [key, weight] of window.weights) if (weight > 0n) push(key, weight);
  }
  list.sort(compareSortable);
  const payees: WeightedPayee[] = list.map((p) => ({ key: p.key, weight: p.weight }));
  let total = 0n;
  for (const p of payees) total += p.weight;
  return { payees, total, seed: lotterySeed(parentHash), plans: new Map() };
}

/**
 * Step 2: who is paid exactly and who wins the slots, for K = maxOutputs (cached on the base,
 * whose network fixes `finderSlot`: true where the network pays a finder bonus).
 */
export function lotteryPlan(base: PayoutBase, maxOutputs: number, finderSlot: boolean): LotteryPlan {
  const cached = base.plans.get(maxOutputs);
  if (cached) return cached;
  const S = finderSlot ? maxOutputs - 1 : maxOutputs;
  if (S < 1) throw new RangeError(`max_outputs ${maxOutputs} leaves no slot`);
  const { payees } = base;
  const n = payees.length;
  let plan: LotteryPlan;
  if (n <= S) {
    plan = { maxOutputs, exact: n, tailTotal: 0n, slots: 0, winners: [], bySubsidy: new Map() };
  } else {
    // Smallest E with w[E] * (S - E) <= W_T(E); E = S - 1 always qualifies.
    let tail = base.total;
    let E = 0;
    while (E < S - 1 && payees[E]!.weight * BigInt(S - E) > tail) {
      tail -= payees[E]!.weight;
      E++;
    }
    const m = S - E;
    const M = BigInt(m);
    const r = base.seed % tail;
    const winners: WeightedPayee[] = [];
    let t = E;
    let end = M * payees[E]!.weight; // m * C_{t+1} for the current t
    for (let j = 0; j < m; j++) {
      const point = r + BigInt(j) * tail;
      while (end <= point) {
        t++;
        end += M * payees[t]!.weight;
      }
      const slot = ((BigInt(j) + 1n) * tail) / M - (BigInt(j) * tail) / M;
      winners.push({ key: payees[t]!.key, weight: slot });
    }
    plan = { maxOutputs, exact: E, tailTotal: tail, slots: m, winners, bySubsidy: new Map() };
  }
  base.plans.set(maxOutputs, plan);
  return plan;
}

/** Payout scripts by their hex key (the same payees recur in every coinbase). */
const scripts = new Map<string, Buffer>();
const MAX_SCRIPTS = 100_000;

export function scriptOfKey(key: string): Buffer {
  let b = scripts.get(key);
  if (b === undefined) {
    if (scripts.size >= MAX_SCRIPTS) scripts.clear();
    b = Buffer.from(key, 'hex');
    scripts.set(key, b);
  }
  return b;
}

function serializeOutput(key: string, value: bigint): Buffer {
  const script = scriptOfKey(key);
  return new ByteWriter(9 + script.length).writeU64LE(value).writeVarBytes(script).toBytes();
}

function plannedAmounts(base: PayoutBase, plan: LotteryPlan, subsidy: bigint, finderDivisor: number): PlannedAmounts {
  const cached = plan.bySubsidy.get(subsidy);
  if (cached) return cached;
  const lines: PayoutAmount[] = [];
  let paid = 0n;
  if (base.total > 0n) {
    const rest = finderDivisor > 0 ? subsidy - subsidy / BigInt(finderDivisor) : subsidy;
    for (let i = 0; i < plan.exact; i++) {
      const p = base.payees[i]!;
      const value = (rest * p.weight) / base.total;
      lines.push({ key: p.key, value });
      paid += value;
    }
    for (const w of plan.winners) {
      const value = (rest * w.weight) / base.total;
      lines.push({ key: w.key, value });
      paid += value;
    }
  }
  // All lines in one buffer (u64 value ‖ VarStr script each), handed out as views.
  let size = 0;
  for (const l of lines) size += 9 + scriptOfKey(l.key).length;
  const all = Buffer.allocUnsafe(size);
  const serialized: Buffer[] = [];
  let o = 0;
  for (const l of lines) {
    const script = scriptOfKey(l.key);
    const start = o;
    all.writeBigUInt64LE(l.value, o);
    all[o + 8] = script.length; // payable scripts are at most 34 bytes: a one-byte CompactSize
    script.copy(all, o + 9);
    o += 9 + script.length;
    serialized.push(all.subarray(start, o));
  }
  const planned = { lines, serialized, finderValue: subsidy - paid };
  if (plan.bySubsidy.size >= 8) plan.bySubsidy.delete(plan.bySubsidy.keys().next().value!);
  plan.bySubsidy.set(subsidy, planned);
  return planned;
}

export interface FairOutputs {
  /** The payouts in output order, zero amounts dropped. */
  amounts: PayoutAmount[];
  /** The same outputs serialized (u64 value ‖ VarStr script each), ready for the coinbase. */
  bytes: Buffer;
}

/** Step 3, with the outputs serialized (cached per plan and subsidy; only the finder's output varies). */
export function payoutOutputs(
  base: PayoutBase,
  plan: LotteryPlan,
  subsidy: bigint,
  finderKey: string,
  finderDivisor: number,
): FairOutputs {
  const { lines, serialized, finderValue } = plannedAmounts(base, plan, subsidy, finderDivisor);
  const bonus = finderDivisor > 0 ? subsidy / BigInt(finderDivisor) : 0n;
  // Where the share's payee's part goes: its own output, else (only dust) the first output.
  let at = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.key === finderKey) {
      at = i;
      break;
    }
  }
  if (at < 0 && bonus === 0n && lines.length > 0) at = 0;
  const amounts: PayoutAmount[] = [];
  const parts: Buffer[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (i === at) {
      const value = l.value + finderValue;
      if (value !== 0n) {
        amounts.push({ key: l.key, value });
        parts.push(serializeOutput(l.key, value));
      }
    } else if (l.value !== 0n) {
      amounts.push(l);
      parts.push(serialized[i]!);
    }
  }
  if (at < 0 && finderValue !== 0n) {
    amounts.push({ key: finderKey, value: finderValue });
    parts.push(serializeOutput(finderKey, finderValue));
  }
  return { amounts, bytes: Buffer.concat(parts) };
}

/** Step 3: the payout amounts in output order (see the module comment). */
export function payoutAmounts(
  base: PayoutBase,
  plan: LotteryPlan,
  subsidy: bigint,
  finderKey: string,
  finderDivisor: number,
): PayoutAmount[] {
  return payoutOutputs(base, plan, subsidy, finderKey, finderDivisor).amounts;
}
