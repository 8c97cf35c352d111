/**
 * The chain every simulated v35 node starts from (docs/simulate.md#start-chain). A v35 chain
 * begins at MAX_TARGET (difficulty 1 on bitcoin) and the retarget moves at most 10% per share
 * (retarget.ts), so a 25 PH/s pool starting from a genesis share would find millions of shares
 * a second for a while and fork wildly. Instead one builder makes the start chain with the
 * real generation code (gentx.ts generateShare, assembleShare), choosing share timestamps so
 * that the retarget ramps at its fastest (shares 1 s apart) and then holds at the pool's
 * hash rate (each timestamp set so the look-behind window's rate is the pool's). Payees are
 * drawn in proportion to hash rate, so the start chain pays like the pool would.
 *
 * Timestamps are first laid out from an arbitrary base and then shifted so the last share is
 * one share period before the simulation starts (the retarget only sees differences).
 */
import type { BlockTemplate } from '../chain/block-template.js';
import { encodeHeader, headerFieldsWithoutRoot } from '../bitcoin/block.js';
import { displayHexToHash } from '../bitcoin/hex.js';
import { calculateMerkleLink, checkMerkleLink, merkleRoot } from '../bitcoin/merkle.js';
import { bip34HeightPush, pushData } from '../bitcoin/script.js';
import { bitsToTarget, MAX_UINT256, targetToWork } from '../bitcoin/target.js';
import { assembleShare, generateShare } from '../sharechain/gentx.js';
import type { P2PoolNetwork } from '../sharechain/networks.js';
import { computeShareTargets } from '../sharechain/retarget.js';
import { ShareTracker } from '../sharechain/tracker.js';
import type { Share } from '../sharechain/types.js';
import { NODE_SHARE_FRACTION } from '../work/pool-work.js';
import type { Prng } from './prng.js';

export interface V35BootstrapInput {
  net: P2PoolNetwork;
  template: BlockTemplate;
  /** H/s per node: the start chain's difficulty is ramped to where the pool will settle. */
  nodeHashrates: readonly number[];
  startMs: number;
  shares: number | null;
  payee: () => string;
  rng: Prng;
  /** Solve the header for `target` (drawn PoW or real grinding); returns the header to use. */
  solve: (header: Buffer, target: bigint) => Buffer;
}

const TWO_256_F = 2 ** 256;
const COINBASE_TAG = Buffer.from('/P2Pool-TS/');

/**
 * The number of start-chain shares by default: the max-target stretch, the ramp and a full
 * look-behind window at the hold target, and at least CHAIN_LENGTH + 10, so the run starts
 * with a full PPLNS window and a chain long enough for the best-share score.
 */
export function defaultBootstrapLength(net: P2PoolNetwork, holdTarget: bigint): number {
  return Math.max(settleLength(net, holdTarget), net.chainLength + 10);
}

/** Shares until the retarget holds at `holdTarget` with a full look-behind window of it. */
function settleLength(net: P2PoolNetwork, holdTarget: bigint): number {
  const ramp = holdTarget >= net.maxTarget ? 0 : Math.ceil(Math.log(Number(net.maxTarget) / Number(holdTarget)) / Math.log(1 / 0.9));
  return net.targetLookbehind + ramp + net.targetLookbehind + 10;
}

/**
 * The minimum share target (pre_target) at which the pool finds one share per SHARE_PERIOD once
 * every node mines at the work layer's target: clip(desired, pre/30, pre), the desired target
 * giving the node NODE_SHARE_FRACTION of the pool's shares (pool-work.ts). Nodes above that
 * fraction mine harder shares, so the retarget (which counts shares, each at the minimum work)
 * settles at a higher pre_target than the pool's hash rate alone gives. Solved by bisection on
 * log(pre); the start chain holds there, so the run starts near the equilibrium.
 */
export function holdTargetFor(net: P2PoolNetwork, nodeHashrates: readonly number[]): bigint {
  const T = net.sharePeriod;
  const maxT = Number(net.maxTarget);
  const desired = nodeHashrates.map((h) => (h > 0 ? (TWO_256_F * NODE_SHARE_FRACTION) / (h * T) : Infinity));
  const rate = (pre: number): number => {
    let r = 0;
    nodeHashrates.forEach((h, i) => {
      r += (h * Math.min(pre, Math.max(pre / 30, desired[i]!))) / TWO_256_F;
    });
    return r;
  };
  if (rate(maxT) <= 1 / T) return net.maxTarget;
  let lo = Math.log(Math.max(1, Number(net.minTarget)));
  let hi = Math.log(maxT);
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (rate(Math.exp(mid)) < 1 / T) lo = mid;
    else hi = mid;
  }
  const t = BigInt(Math.round(Math.exp((lo + hi) / 2)));
  return t > net.maxTarget ? net.maxTarget : t < net.minTarget ? net.minTarget : t;
}

export function buildStartChain(input: V35BootstrapInput): Share[] {
  const { net } = input;
  const hold = holdTargetFor(net, input.nodeHashrates);
  const n = input.shares ?? defaultBootstrapLength(net, hold);
  // Payees are drawn once, so both passes build the same shares but for time. The first pass
  // only lays out the ramp and the start of the hold; after it shares are SHARE_PERIOD apart.
  const payees = Array.from({ length: n }, () => input.payee());
  const settle = Math.min(n, settleLength(net, hold));
  const layout = lay(input, hold, payees.slice(0, settle), 1_000_000_000, null);
  const last = layout[layout.length - 1]!.shareInfo.timestamp + (n - settle) * net.sharePeriod;
  const offset = Math.floor(input.startMs / 1000) - net.sharePeriod - last;
  return lay(input, hold, payees, 1_000_000_000 + offset, layout.map((s) => s.shareInfo.timestamp + offset));
}

/** One pass: build the chain, choosing timestamps (or taking `times`). */
function lay(input: V35BootstrapInput, hold: bigint, payees: string[], base: number, times: number[] | null): Share[] {
  const { net, template } = input;
  const chain = new ShareTracker<unknown>({ chainLength: net.chainLength }, () => undefined);
  const segwitData = {
    txidMerkleLink: calculateMerkleLink([null, ...template.transactions.map((t) => t.txid)], 0),
    wtxidMerkleRoot: merkleRoot([Buffer.alloc(32), ...template.transactions.map((t) => t.wtxid)]),
  };
  // Attempts per second at the hold target (a double: at regtest difficulty it is below 1).
  const holdAps = TWO_256_F / (net.sharePeriod * (Number(hold) + 1));
  const ramping = hold < net.maxTarget;
  const L = net.targetLookbehind;
  const rng = input.rng.fork(`pass${times === null ? 1 : 2}`);
  const coinbase = Buffer.concat([bip34HeightPush(template.height), pushData(COINBASE_TAG)]);
  const out: Share[] = [];
  let prev: Share | null = null;
  for (let i = 0; i < payees.length; i++) {
    const height = chain.getHeight(prev?.hash ?? null);
    const { preTarget } = computeShareTargets(chain, net, prev, height, MAX_UINT256);
    let ts: number;
    if (times !== null && i < times.length) ts = times[i]!;
    else if (prev === null) ts = base;
    else if (!ramping) ts = prev.shareInfo.timestamp + net.sharePeriod; // the pool is below MAX_TARGET's rate
    else if (i < L || preTarget > (hold * 21n) / 20n) ts = prev.shareInfo.timestamp + 1;
    else {
      // Hold: make the window that the next share's retarget reads run at the pool's rate.
      const work = targetToWork(preTarget) + (L >= 2 ? chain.sumMinWork(prev.hash, L - 2) : 0n);
      const farHash = chain.getNthParent(prev.hash, L - 2);
      const far = farHash === null ? prev : chain.get(farHash)!;
      ts = Math.max(prev.shareInfo.timestamp + 1, far.shareInfo.timestamp + Math.floor(Number(work) / holdAps));
    }
    const gen = generateShare({
      net,
      chain,
      version: 35,
      shareData: {
        previousShareHash: prev === null ? null : displayHexToHash(prev.hash),
        coinbase,
        nonce: (i * 2654435761) >>> 0,
        address: payees[i]!,
        subsidy: template.coinbaseValue,
        donation: 0,
        staleInfo: 'none',
        desiredVersion: 35,
      },
      blockTarget: bitsToTarget(template.bits),
      desiredTimestamp: ts,
      desiredTarget: MAX_UINT256,
      segwitData,
    });
    const target = bitsToTarget(gen.shareInfo.bits);
    const link = segwitData.txidMerkleLink;
    const root = link.branch.length === 0 ? gen.txid : checkMerkleLink(gen.txid, link);
    const header = input.solve(
      encodeHeader({
        version: template.version,
        prevBlock: template.previousBlockHash,
        merkleRoot: root,
        timestamp: gen.shareInfo.timestamp,
        bits: template.bits,
        nonce: rng.u32(),
      }),
      target,
    );
    const share = assembleShare(gen, {
      minHeader: headerFieldsWithoutRoot(header),
      lastTxoutNonce: 0n,
      merkleLink: link,
      merkleRoot: root,
    });
    chain.add(share);
    out.push(share);
    prev = share;
  }
  return out;
}
