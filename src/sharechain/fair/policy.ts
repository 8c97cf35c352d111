/**
 * Node policy on the fair rules (docs/fair-sharechain.md#policy): not consensus, pure functions a
 * node (and the simulator) calls per miner and per job.
 *
 * 1. A miner's own target. The share-count part of a miner's payout variance is set by k, its
 *    expected shares in the PPLNS window: CV^2 = (1/mu)[1 + (1 + 1/X)(1 - f)/(f S)], which for a
 *    window much shorter than the pool's block interval (X -> 0) is (1/mu)(1 + 1/k). So each
 *    miner gets the work that gives it kTarget (40) shares per window:
 *      own_work = clamp(hashrate * windowSeconds / kTarget, floor work, link work)
 *    40 shares put the share-count noise at 2.5% of the pool-luck variance nobody escapes
 *    (docs/fair-sharechain.md#policy says why not 20); a smaller work would only add shares
 *    (bandwidth) for a variance already dominated by luck.
 * 2. K from the miner's firmware: the largest output class whose worst-case coinbase fits the
 *    byte budget of the miner's firmware (the limits below, with their sources).
 */
import { targetToBitsUpperBound, targetToWork, bitsToTarget, workToTarget } from '../../bitcoin/target.js';
import type { FairNetwork } from './networks.js';

/** k: expected shares per window the policy gives every miner that the floor allows. */
export const DEFAULT_K_TARGET = 40;

export interface MinerTarget {
  target: bigint;
  bits: number;
  work: bigint;
  /** Expected own shares in one window (windowLinks * linkPeriod seconds) at this hash rate. */
  expectedSharesPerWindow: number;
  /** Expected seconds between the miner's shares. */
  expectedSecondsPerShare: number;
}

/**
 * The own target for a miner of `hashrate` hashes per second on a parent whose derived link and
 * floor targets are given (retarget.ts deriveFairTargets).
 */
export function fairShareTarget(p: {
  net: FairNetwork;
  linkTarget: bigint;
  floorTarget: bigint;
  hashrate: number;
  kTarget?: number;
}): MinerTarget {
  const windowSeconds = p.net.windowLinks * p.net.linkPeriod;
  const k = p.kTarget ?? DEFAULT_K_TARGET;
  const linkWork = targetToWork(p.linkTarget);
  const floorWork = targetToWork(p.floorTarget);
  const wanted = p.hashrate > 0 && Number.isFinite(p.hashrate) ? BigInt(Math.floor((p.hashrate * windowSeconds) / k)) : 0n;
  const work = wanted < floorWork ? floorWork : wanted > linkWork ? linkWork : wanted;
  let target = workToTarget(work);
  if (target < p.linkTarget) target = p.linkTarget;
  if (target > p.floorTarget) target = p.floorTarget;
  const bits = targetToBitsUpperBound(target);
  const exact = bitsToTarget(bits);
  const w = targetToWork(exact);
  const secondsPerShare = p.hashrate > 0 ? Number(w) / p.hashrate : Infinity;
  return {
    target: exact,
    bits,
    work: w,
    expectedSharesPerWindow: secondsPerShare === Infinity ? 0 : windowSeconds / secondsPerShare,
    expectedSecondsPerShare: secondsPerShare,
  };
}

/**
 * The largest coinbase (stripped, as Stratum sends it) a fair share can make for K outputs:
 * version 4 + input count 1 + prevout 36 + scriptSig length 1 + scriptSig 100 + sequence 4 +
 * output count 1 + witness commitment 47 + ref output 51 + locktime 4 = 249 bytes, plus 43 per
 * payout (8 value + 1 length + 34-byte P2WSH/P2TR script, the largest payable form), plus 2 when
 * the output count (K + 2) needs a 3-byte VarInt (K >= 251: the K_MAX class).
 */
export const FIXED_COINBASE_BYTES_MAX = 249;
export const MAX_PAYOUT_OUTPUT_BYTES = 43;

export function worstCaseCoinbaseBytes(maxOutputs: number): number {
  return FIXED_COINBASE_BYTES_MAX + (maxOutputs + 2 >= 0xfd ? 2 : 0) + MAX_PAYOUT_OUTPUT_BYTES * maxOutputs;
}

/** The largest output class of `net` whose worst-case coinbase fits `bytes`; null if none does. */
export function maxOutputsForCoinbaseBytes(net: FairNetwork, bytes: number): number | null {
  let best: number | null = null;
  for (const k of net.outputClasses) if (worstCaseCoinbaseBytes(k) <= bytes) best = k;
  return best;
}

export interface FirmwareCoinbaseLimit {
  firmware: string;
  /** Largest coinbase (bytes) known to work. */
  bytes: number;
  source: string;
}

/**
 * Coinbase limits of common firmware (docs/fair-sharechain.md#firmware-limits has the sources in
 * full). A node picks the budget from the miner's user agent or the operator's setting.
 */
export const FIRMWARE_COINBASE_LIMITS: readonly FirmwareCoinbaseLimit[] = [
  {
    firmware: 'stock Antminer S19 (and any unknown miner)',
    bytes: 755,
    source: 'OCEAN DATUM Gateway src/datum_coinbaser.c, coinbase type 2 "Older Antminer stock (S19)", 755 bytes; the default for unknown user agents (src/datum_stratum.c)',
  },
  {
    firmware: 'stock Antminer S21, Braiins OS',
    bytes: 2250,
    source: 'OCEAN DATUM Gateway src/datum_coinbaser.c, coinbase type 5 "Antminer 2", 2,250 bytes ("latest S21s appear to support this")',
  },
  {
    firmware: 'Bitaxe (ESP-Miner), Whatsminer, Antminer S9',
    bytes: 6500,
    source: 'OCEAN DATUM Gateway src/datum_coinbaser.c, coinbase type 3 "Whatsminer friendly", 6,500 bytes, used for Bitaxe; the S9 copies job data into an 8,192-byte static buffer (bitmaintech/bmminer-mix driver-btm-c5.c)',
  },
];
