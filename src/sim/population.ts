/**
 * From a scenario's miner groups to concrete miners (docs/simulate.md#miners): hash rates,
 * which node each mines on, its delays. Zipf hash rates are deterministic by rank; every other
 * draw comes from the run's PRNG.
 */
import type { Prng } from './prng.js';
import type { MinerGroup, Scenario } from './scenario.js';
import { ScenarioError } from './units.js';
import { drawFrom } from './units.js';

export interface MinerSpec {
  index: number;
  group: string;
  /** H/s. */
  hashrate: number;
  node: number;
  /** One-way node <-> miner delay, ms. */
  nodeDelayMs: number;
  /** Work-restart delay, ms. */
  restartDelayMs: number;
  shareDifficulty: number | null;
  /** The miner's `~N` (fair rules: the largest output class up to it), or null for the default. */
  maxOutputs: number | null;
}

/**
 * Zipf–Mandelbrot rank sizes h_k = A / (k + q)^s, k = 1..n, with h_1 = max, h_n = min and
 * sum = total (three conditions, three unknowns). For a given offset q the end points fix s
 * and A, and the sum grows with q: from the pure Zipf law (q = 0; between 0.5 TH/s and 2 PH/s
 * over 1,000 miners it sums to only ~8.7 PH/s) towards a geometric sequence (q -> infinity).
 * Bisection on q finds the sum asked for.
 */
export function zipfHashrates(n: number, min: number, max: number, total: number): number[] {
  const rates = (q: number): number[] => {
    const s = Math.log(max / min) / Math.log((n + q) / (1 + q));
    // A = max * (1 + q)^s, written as a ratio so large q does not overflow.
    return Array.from({ length: n }, (_, i) => max * Math.pow((1 + q) / (i + 1 + q), s));
  };
  const sum = (q: number): number => rates(q).reduce((x, y) => x + y, 0);
  let lo = 0;
  let hi = 1e9;
  if (total < sum(lo) * (1 - 1e-9) || total > sum(hi) * (1 + 1e-9)) {
    throw new ScenarioError(
      `zipf: ${n} miners from ${min} to ${max} H/s can sum to between ${sum(lo).toPrecision(4)} and ${sum(hi).toPrecision(4)} H/s, not ${total}`,
    );
  }
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (sum(mid) < total) lo = mid;
    else hi = mid;
  }
  const out = rates((lo + hi) / 2);
  out[0] = max;
  out[n - 1] = min;
  return out;
}

function groupHashrates(g: MinerGroup, rng: Prng): number[] {
  if (g.hashrate.kind === 'zipf') return zipfHashrates(g.count, g.hashrate.min, g.hashrate.max, g.hashrate.total);
  const d = g.hashrate.dist;
  return Array.from({ length: g.count }, () => {
    const h = drawFrom(d, () => rng.float());
    if (!(h > 0)) throw new ScenarioError(`miners "${g.label}": a drawn hash rate is not > 0`);
    return h;
  });
}

/** Every miner of the scenario, in group order then rank order. */
export function buildMiners(sc: Scenario, rng: Prng): MinerSpec[] {
  const out: MinerSpec[] = [];
  const weights = sc.nodes.map((n) => n.weight);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  let rr = 0;
  for (const g of sc.miners) {
    const rates = groupHashrates(g, rng.fork(`rates/${g.label}`));
    const pick = rng.fork(`nodes/${g.label}`);
    const delays = rng.fork(`delays/${g.label}`);
    // Its own stream: drawing classes does not move any other draw.
    const classes = rng.fork(`classes/${g.label}`);
    for (let i = 0; i < g.count; i++) {
      let node: number;
      if (typeof g.node === 'number') node = g.node;
      else if (g.node === 'round-robin') node = rr++ % sc.nodes.length;
      else {
        let u = pick.float() * totalWeight;
        node = 0;
        while (node < weights.length - 1 && u >= weights[node]!) u -= weights[node++]!;
      }
      out.push({
        index: out.length,
        group: g.label,
        hashrate: rates[i]!,
        node,
        nodeDelayMs: drawFrom(g.nodeDelay, () => delays.float()) * 1000,
        restartDelayMs: drawFrom(g.restartDelay, () => delays.float()) * 1000,
        shareDifficulty: g.shareDifficulty,
        maxOutputs: g.maxOutputs === null ? null : drawFrom(g.maxOutputs, () => classes.float()),
      });
    }
  }
  return out;
}
