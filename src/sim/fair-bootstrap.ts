/**
 * The chain every simulated fair node starts from (docs/simulate.md#start-chain-fair-rules). A
 * fair chain begins at the network's easiest link target (difficulty 1 on bitcoin-fair) and
 * the link retarget moves at most 10% per link (docs/fair-sharechain.md#link-target), so a
 * 25 PH/s pool starting from a first share would find millions of links a second for a while.
 * As for v35 (v35-bootstrap.ts), one builder makes the start chain with the real generation
 * code (generateFairShare, assembleFairShare, checked by the real verification):
 *
 * 1. Ramp: links 1 s apart, so the link target falls at its fastest, then links whose
 *    timestamps make the lookbehind's rate the pool's, until the link target holds at the
 *    pool's equilibrium (one link per link period). Payees drawn in proportion to hash rate,
 *    every share a link at the link target.
 * 2. Steady state, one window long (window_links + 10 links, link_period apart): what the pool
 *    itself would make at zero latency. Each link's miner is drawn in proportion to hash rate
 *    (every hash has the same chance to be a link) and the link carries that miner's own target;
 *    on each link a Poisson number of sub-shares (the expected count is what the pool's own
 *    targets give: sum over miners of f (W_link / w_own - 1)), each from a miner drawn in
 *    proportion to its sub-share rate, at its own target; the next link references them (the
 *    honest choice, refs.ts selectRefs). So the run starts with a full window in which every
 *    miner has about its k shares.
 *
 * Timestamps are laid out from an arbitrary base first (the ramp only), then the chain is built
 * again shifted so that its last link is one link period before the simulation starts.
 */
import type { BlockTemplate } from '../chain/block-template.js';
import { encodeHeader, headerFieldsWithoutRoot } from '../bitcoin/block.js';
import { bip34HeightPush, pushData } from '../bitcoin/script.js';
import { bitsToTarget, targetToWork } from '../bitcoin/target.js';
import { assembleFairShare, generateFairShare } from '../sharechain/fair/gentx.js';
import type { FairNetwork } from '../sharechain/fair/networks.js';
import { deriveFairTargets } from '../sharechain/fair/retarget.js';
import { FairTracker, type FairVerifyFn } from '../sharechain/fair/tracker.js';
import type { FairShare } from '../sharechain/fair/types.js';
import type { Prng } from './prng.js';

export interface FairBootstrapMiner {
  script: Buffer;
  hashrate: number;
  /** The miner's own target before the link/floor clamp (fair-rules.ts). */
  wanted: bigint;
  /** K of its shares. */
  maxOutputs: number;
}

export interface FairBootstrapInput {
  net: FairNetwork;
  template: BlockTemplate;
  miners: readonly FairBootstrapMiner[];
  startMs: number;
  /** Links of the steady-state part, or null for window_links + 10. */
  links: number | null;
  rng: Prng;
  /**
   * Give the header a proof of work in (lo, hi] (drawn, or ground for real); returns the header
   * to use (its nonce may have changed).
   */
  solve: (header: Buffer, lo: bigint, hi: bigint) => Buffer;
  /** The share check the builder runs (the rules' verifier, so nodes find the shares verified). */
  verify: FairVerifyFn;
}

const TWO_256_F = 2 ** 256;
const ZERO32 = Buffer.alloc(32);
export const SIM_COINBASE_TAG = Buffer.from('/P2Pool-TS sim/');

function clamp(x: bigint, lo: bigint, hi: bigint): bigint {
  return x < lo ? lo : x > hi ? hi : x;
}

/** The link target at which the pool finds one link per link period. */
export function equilibriumLinkTarget(net: FairNetwork, poolHashrate: number): bigint {
  const t = BigInt(Math.floor(TWO_256_F / (poolHashrate * net.linkPeriod))) - 1n;
  return clamp(t, 1n, net.linkMaxTarget);
}

/** Index drawn in proportion to `weights` (cumulative, ascending) with u in [0, 1). */
function pick(cumulative: readonly number[], u: number): number {
  const x = u * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulate(xs: readonly number[]): number[] {
  let acc = 0;
  return xs.map((x) => (acc += x));
}

/** Poisson(lambda) by counting exponential gaps in a unit interval (lambda is ~1-20 here). */
function poisson(lambda: number, rng: Prng): number {
  if (!(lambda > 0)) return 0;
  let n = 0;
  for (let t = rng.exponential(1 / lambda); t < 1; t += rng.exponential(1 / lambda)) n++;
  return n;
}

export function buildFairStartChain(input: FairBootstrapInput): FairShare[] {
  const { net, miners } = input;
  if (miners.length === 0) throw new Error('fair start chain: no miners');
  const pool = miners.reduce((a, m) => a + m.hashrate, 0);
  const hold = equilibriumLinkTarget(net, pool);
  const steady = input.links ?? net.windowLinks + 10;
  const draws = input.rng.fork('layout');
  // The ramp's payees are drawn once so both passes build the same chain but for time.
  const byRate = cumulate(miners.map((m) => m.hashrate));
  // Enough for the stretch at the easiest target, the ramp and a held lookbehind (with margin:
  // the first pass stops once it holds).
  const rampLinks = 3 * net.linkLookbehind + 2 * Math.ceil(Math.log(Math.max(1, Number(net.linkMaxTarget) / Number(hold))) / Math.log(1 / 0.9)) + 20;
  const rampPayees = Array.from({ length: rampLinks }, () => pick(byRate, draws.float()));
  const first = lay(input, hold, rampPayees, 0, 1_000_000_000, null, pool);
  const settled = first.links;
  const last = settled[settled.length - 1]!.info.timestamp + steady * net.linkPeriod;
  const offset = Math.floor(input.startMs / 1000) - net.linkPeriod - last;
  return lay(input, hold, rampPayees.slice(0, settled.length), steady, 0, settled.map((s) => s.info.timestamp + offset), pool).shares;
}

/**
 * One pass: the ramp (with `times`, or choosing timestamps until the target holds), then
 * `steady` steady-state links with their sub-shares.
 */
function lay(
  input: FairBootstrapInput,
  hold: bigint,
  rampPayees: number[],
  steady: number,
  base: number,
  times: number[] | null,
  pool: number,
): { shares: FairShare[]; links: FairShare[] } {
  const { net, template, miners } = input;
  const tracker = new FairTracker(net, input.verify);
  const rng = input.rng.fork(times === null ? 'pass1' : 'pass2');
  const coinbase = Buffer.concat([bip34HeightPush(template.height), pushData(SIM_COINBASE_TAG)]);
  const blockTarget = bitsToTarget(template.bits);
  const holdWork = targetToWork(hold);
  const byRate = cumulate(miners.map((m) => m.hashrate));
  // Sub-share rates at the hold target: a miner's hashes below its own target but not a link's.
  const subWeights = miners.map((m) => {
    const own = clamp(m.wanted, hold, net.maxTarget);
    return own <= hold ? 0 : (m.hashrate / pool) * (Number(holdWork) / Number(targetToWork(own)) - 1);
  });
  const subLambda = subWeights.reduce((a, b) => a + b, 0);
  const bySub = subLambda > 0 ? cumulate(subWeights) : [];

  const shares: FairShare[] = [];
  const links: FairShare[] = [];
  const add = (s: FairShare): void => {
    tracker.add(s);
    const { verified, bad } = tracker.process();
    if (bad.length > 0 || verified.length !== 1) throw new Error(`fair start chain: share ${s.hash} did not verify: ${bad[0]?.reason ?? 'waiting'}`);
    shares.push(s);
  };
  const make = (parent: FairShare | null, minerIndex: number, timestamp: number, own: bigint | null, link: boolean): FairShare | null => {
    const m = miners[minerIndex]!;
    const targets = deriveFairTargets(tracker, net, parent);
    const desired = own === null ? targets.linkTarget : clamp(own, targets.linkTarget, targets.floorTarget);
    const gen = generateFairShare({
      net,
      view: tracker,
      parentHash: parent?.hash ?? null,
      payoutScript: m.script,
      coinbase,
      subsidy: template.coinbaseValue,
      blockBits: template.bits,
      timestamp,
      desiredTarget: desired,
      maxOutputs: m.maxOutputs,
      wtxidRoot: ZERO32,
    });
    const shareTarget = bitsToTarget(gen.info.shareBits);
    if (!link && shareTarget <= targets.linkTarget) return null; // its own target is a link's: no sub-shares
    // A link: PoW at most the link target (and not a block); a sub-share: above it.
    const [lo, hi] = link ? [blockTarget < targets.linkTarget ? blockTarget : -1n, targets.linkTarget] : [targets.linkTarget, shareTarget];
    const header = input.solve(
      encodeHeader({ version: template.version, prevBlock: template.previousBlockHash, merkleRoot: gen.txid, timestamp: gen.info.timestamp, bits: template.bits, nonce: rng.u32() }),
      lo,
      hi,
    );
    const share = assembleFairShare(gen, {
      header: headerFieldsWithoutRoot(header),
      lastTxoutNonce: 0n,
      merkleBranch: [],
    });
    if (share.isLink !== link) throw new Error('internal: fair start chain share of the wrong kind');
    return share;
  };

  let prev: FairShare | null = null;
  // Ramp.
  const L = net.linkLookbehind;
  let holding = 0;
  for (let i = 0; i < rampPayees.length; i++) {
    let ts: number;
    const targets = deriveFairTargets(tracker, net, prev);
    if (times !== null) {
      if (i >= times.length) break;
      ts = times[i]!;
    } else if (prev === null) {
      ts = base;
    } else if (i < L || targets.linkTarget > (hold * 21n) / 20n) {
      ts = prev.info.timestamp + 1;
    } else if (holding >= L + 10) {
      break; // a full lookbehind at the hold target: settled
    } else {
      // Make the lookbehind that the next share's retarget reads run at the pool's rate.
      holding++;
      const work = targetToWork(targets.linkTarget) + (L >= 2 ? tracker.sumLinkWork(prev.hash, L - 2) : 0n);
      const far = tracker.link(tracker.nthLink(prev.hash, L - 2)) ?? prev;
      ts = Math.max(prev.info.timestamp + 1, far.info.timestamp + Math.floor(Number(work) / pool));
    }
    const s: FairShare = make(prev, rampPayees[i]!, ts, null, true)!;
    add(s);
    links.push(s);
    prev = s;
  }
  // Steady state.
  for (let i = 0; i < steady; i++) {
    const ts = prev!.info.timestamp + net.linkPeriod;
    const mi = pick(byRate, rng.float());
    const s: FairShare = make(prev, mi, ts, miners[mi]!.wanted, true)!;
    add(s);
    links.push(s);
    prev = s;
    const n = bySub.length > 0 ? poisson(subLambda, rng) : 0;
    for (let j = 0; j < n; j++) {
      const si = pick(bySub, rng.float());
      const sts = s.info.timestamp + 1 + Math.floor(rng.float() * Math.max(1, net.linkPeriod - 1));
      const sub = make(s, si, sts, miners[si]!.wanted, false);
      if (sub !== null) add(sub);
    }
  }
  return { shares, links };
}
