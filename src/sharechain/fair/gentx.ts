/**
 * Building a fair share (docs/fair-sharechain.md#generation): the pure generator the work
 * layer and the simulator call. It takes the payee, the parent link, the wanted own target, K
 * and the template's data, and returns share_info, the coinbase split for the miner (coinb1 ‖
 * 8-byte nonce ‖ coinb2) and the hash_link; a solved header then makes the share
 * (assembleFairShare). Verification rebuilds the same coinbase with fairPayouts (verify.ts).
 */
import { bitsToTarget, targetToBitsUpperBound, targetToWork } from '../../bitcoin/target.js';
import type { TxOut } from '../../bitcoin/transaction.js';
import { prefixToHashLink } from '../hash-link.js';
import type { FairChainView } from './chain-view.js';
import { FAIR_GENTX_CONST_ENDING, FAIR_GENTX_SUFFIX_LENGTH, buildFairGentx, type BuiltFairGentx } from './coinbase.js';
import { encodeFairShareInfo } from './codec.js';
import type { FairNetwork } from './networks.js';
import { lotteryPlan, payoutOutputs, scriptOfKey, type LotteryPlan, type PayoutAmount, type PayoutBase } from './payouts.js';
import { selectRefs, type RefSource } from './refs.js';
import { deriveFairTargets, type FairTargets } from './retarget.js';
import { fairRefHash, fairShareFromContents, payoutScriptProblem } from './share.js';
import type { FairHashLink, FairHeaderFields, FairShare, FairShareInfo, ShareHash } from './types.js';

/** The chain cannot support this share (unknown parent, bad payee, bad K...). */
export class FairGentxError extends Error {
  override readonly name = 'FairGentxError';
}

/** D: the window's weight cap for a block target (scaled by the bonus denominator). */
export function desiredWindowWeight(net: FairNetwork, blockBits: number): bigint {
  return BigInt(net.bonusDenominator) * BigInt(net.spread) * targetToWork(bitsToTarget(blockBits));
}

export interface FairPayoutsResult {
  base: PayoutBase;
  plan: LotteryPlan;
  /** Amounts in output order (keys are payout scripts in hex). */
  amounts: PayoutAmount[];
  /** The outputs serialized, for the coinbase. */
  serialized: { bytes: Buffer; count: number };
  /** The same as transaction outputs (built on first use). */
  readonly outputs: TxOut[];
}

/**
 * The payout outputs of a share on `parentHash` (docs/fair-sharechain.md#payouts): the pure
 * "what does this share's coinbase pay" function. `blockBits` is the header's bits.
 */
export function fairPayouts(
  view: FairChainView,
  net: FairNetwork,
  parentHash: ShareHash | null,
  p: { blockBits: number; subsidy: number; finderScript: Buffer; maxOutputs: number },
): FairPayoutsResult {
  const base = view.payoutBase(parentHash, desiredWindowWeight(net, p.blockBits));
  const plan = lotteryPlan(base, p.maxOutputs, net.finderDivisor > 0);
  const { amounts, bytes } = payoutOutputs(base, plan, BigInt(p.subsidy), p.finderScript.toString('hex'), net.finderDivisor);
  let outputs: TxOut[] | undefined;
  return {
    base,
    plan,
    amounts,
    serialized: { bytes, count: amounts.length },
    get outputs(): TxOut[] {
      return (outputs ??= amounts.map((a) => ({ value: Number(a.value), script: scriptOfKey(a.key) })));
    },
  };
}

export interface FairGenerateParams {
  net: FairNetwork;
  /** The chain; a RefSource when `refs` is not given (the honest choice is made from it). */
  view: FairChainView | RefSource;
  /** The parent link (null: the first share of a chain). */
  parentHash: ShareHash | null;
  payoutScript: Buffer;
  /** The coinbase scriptSig (BIP34 height first for a valid block), 2..100 bytes. */
  coinbase: Buffer;
  /** The template's coinbase value, satoshis. */
  subsidy: number;
  /** The template's compact target (the header's bits; sizes the window). */
  blockBits: number;
  /** Wanted share time (raised to parent + 1 if needed). */
  timestamp: number;
  /** Wanted own target (clamped into [link target, floor target]; policy.ts picks it). */
  desiredTarget: bigint;
  /** K, one of net.outputClasses (policy.ts maxOutputsForCoinbaseBytes picks it). */
  maxOutputs: number;
  /** References; default: the honest choice (refs.ts selectRefs). */
  refs?: Buffer[];
  /** Witness merkle root of the template's transactions (coinbase wtxid = 0). */
  wtxidRoot: Buffer;
  /** Fills the 8 bytes after ref_hash in `gentx`/`stripped` only. Default 0. */
  lastTxoutNonce?: bigint;
}

export interface GeneratedFairShare extends BuiltFairGentx {
  net: FairNetwork;
  info: FairShareInfo;
  refHash: Buffer;
  targets: FairTargets;
  payouts: FairPayoutsResult;
  hashLink: FairHashLink;
  /** Stripped coinbase up to the 8-byte nonce (ends with ref_hash) and after it (the locktime). */
  coinb1: Buffer;
  coinb2: Buffer;
  /** The block bits the payouts were computed for: the solved header must carry them. */
  blockBits: number;
}

function clip(x: bigint, lo: bigint, hi: bigint): bigint {
  return x < lo ? lo : x > hi ? hi : x;
}

/** share_info and the coinbase for a new share (see the module comment). Throws FairGentxError. */
export function generateFairShare(p: FairGenerateParams): GeneratedFairShare {
  const { net, view } = p;
  const parent = p.parentHash === null ? null : (view.link(p.parentHash) ?? null);
  if (p.parentHash !== null && parent === null) throw new FairGentxError(`parent link ${p.parentHash} unknown`);
  const scriptProblem = payoutScriptProblem(p.payoutScript);
  if (scriptProblem !== null) throw new FairGentxError(scriptProblem);
  if (!net.outputClasses.includes(p.maxOutputs)) {
    throw new FairGentxError(`max_outputs ${p.maxOutputs} is not one of ${net.outputClasses.join(', ')}`);
  }
  const targets = deriveFairTargets(view, net, parent);
  const shareBits = targetToBitsUpperBound(clip(p.desiredTarget, targets.linkTarget, targets.floorTarget));
  const refs = parent === null ? [] : (p.refs ?? selectRefs(view as RefSource, net, p.parentHash));
  const info: FairShareInfo = {
    prevShare: parent === null ? null : Buffer.from(parent.hashBytes),
    coinbase: p.coinbase,
    payoutScript: p.payoutScript,
    subsidy: p.subsidy,
    timestamp: parent === null ? p.timestamp : Math.max(p.timestamp, parent.info.timestamp + 1),
    shareBits,
    linkBits: targets.linkBits,
    floorBits: targets.floorBits,
    height: parent === null ? 1 : parent.info.height + 1,
    maxOutputs: p.maxOutputs,
    refs,
    wtxidRoot: p.wtxidRoot,
  };
  const payouts = fairPayouts(view, net, p.parentHash, {
    blockBits: p.blockBits, subsidy: p.subsidy, finderScript: p.payoutScript, maxOutputs: p.maxOutputs,
  });
  const refHash = fairRefHash(encodeFairShareInfo(info), net);
  const built = buildFairGentx({
    coinbase: p.coinbase, payouts: payouts.serialized, wtxidRoot: p.wtxidRoot, refHash, lastTxoutNonce: p.lastTxoutNonce ?? 0n,
  });
  const s = built.stripped;
  const prefix = s.subarray(0, s.length - FAIR_GENTX_SUFFIX_LENGTH);
  return {
    stripped: built.stripped,
    txid: built.txid,
    get gentx() {
      return built.gentx;
    },
    net,
    info,
    refHash,
    targets,
    payouts,
    hashLink: prefixToHashLink(prefix, FAIR_GENTX_CONST_ENDING),
    coinb1: Buffer.from(s.subarray(0, s.length - 12)),
    coinb2: Buffer.from(s.subarray(s.length - 4)),
    blockBits: p.blockBits,
  };
}

export interface SolvedFairHeader {
  /** The header as mined; its bits must be the blockBits the share was generated with. */
  header: FairHeaderFields;
  lastTxoutNonce: bigint;
  /** txid merkle branch of the coinbase (leaf 0) over the template's transactions. */
  merkleBranch: Buffer[];
}

/**
 * A share from a generated share_info and a solved header. Throws InvalidShare when the PoW
 * misses the own target (or another intrinsic rule fails), FairGentxError when the header's
 * bits are not the generation's.
 */
export function assembleFairShare(gen: GeneratedFairShare, solved: SolvedFairHeader, timeSeen = 0): FairShare {
  if (solved.header.bits !== gen.blockBits) {
    throw new FairGentxError(`header bits ${solved.header.bits.toString(16)} differ from the generation's ${gen.blockBits.toString(16)}`);
  }
  return fairShareFromContents(
    { header: solved.header, info: gen.info, merkleBranch: solved.merkleBranch, lastTxoutNonce: solved.lastTxoutNonce, hashLink: gen.hashLink },
    gen.net,
    timeSeen,
  );
}
