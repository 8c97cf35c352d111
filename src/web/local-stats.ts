/**
 * `/local_stats`: this node's view of itself (docs/api.md, web.py get_local_stats), with the
 * reference's keys and value types. Rates are hashes per second; block_value is in coins.
 *
 * One difference: the reference answers null while the chain has fewer than 10 shares; we
 * always answer the object (the proportions that need shares are null, as in the reference
 * when a node has none), so a dashboard shows a starting node's version, peers and warnings.
 */
import { bitsToTarget, targetToDifficulty, targetToWork } from '../bitcoin/target.js';
import { averageStaleProportion } from '../sharechain/stale.js';
import { unsupportedMajorityWarning } from '../sharechain/votes.js';
import { SHARE_VERSION } from '../work/pool-work.js';
import type { ApiContext } from './api-context.js';
import type { NodeView } from './node-view.js';
import { hourLookbehind } from './pool-stats.js';

/** P2P protocol version we speak (JT's, docs/protocol.md#messages). */
export const PROTOCOL_VERSION = 3501;

interface HourCounts {
  unstale: number;
  orphan: number;
  doa: number;
  /** Work of our shares over lookbehind-1 shares, per second of the time they span. */
  shareAttemptsPerSecond: number;
  globalStaleProp: number;
}

/** Our shares in the last hour of the best chain (walks it: cached per best share). */
function hourCounts(n: NodeView): HourCounts {
  const { tracker, stale } = n.chain;
  const best = n.chain.best;
  const lookbehind = hourLookbehind(tracker, best, n.config.net);
  let unstale = 0;
  let orphan = 0;
  let doa = 0;
  let myWork = 0n;
  let i = 0;
  for (const s of tracker.all.chain(best, lookbehind)) {
    if (stale.isMine(s.hash)) {
      unstale++;
      const info = s.shareInfo.shareData.staleInfo;
      if (info === 'orphan') orphan++;
      if (info === 'doa') doa++;
      if (i < lookbehind - 1) myWork += targetToWork(s.target);
    }
    i++;
  }
  const near = n.chain.bestShare;
  const far = tracker.get(tracker.getNthParent(best, Math.max(0, lookbehind - 1)) ?? '');
  let time = near && far ? near.shareInfo.timestamp - far.shareInfo.timestamp : 0;
  if (time <= 0) time = 1;
  return {
    unstale,
    orphan,
    doa,
    shareAttemptsPerSecond: Number(myWork) / time,
    globalStaleProp: averageStaleProportion(tracker, best, lookbehind),
  };
}

/** Reference get_warnings plus what our node knows is wrong (bitcoind unreachable, no work). */
export function nodeWarnings(ctx: ApiContext): string[] {
  const n = ctx.node;
  const warnings: string[] = [];
  const votes = ctx.state.votes();
  if (votes) {
    const w = ctx.cache.get('version-warning', ctx.bestKey, () =>
      unsupportedMajorityWarning(votes, n.chain.tracker, n.chain.best, n.config.net, [SHARE_VERSION]),
    );
    if (w) warnings.push(w.message);
  }
  if (n.templates.stale) warnings.push('LOST CONTACT WITH BITCOIND: miners get no new work until it answers again');
  const unavailable = n.work.unavailable();
  if (unavailable && !n.templates.stale) warnings.push(`no work for miners: ${unavailable}`);
  const coinbase = n.work.blockStatus()?.firmwareWarning;
  if (coinbase) warnings.push(coinbase);
  return warnings;
}

/** miner -> hash rate and dead hash rate (H/s), keyed by the miner's username as the reference does. */
export function localRates(n: NodeView, now: number): { rates: Record<string, number>; dead: Record<string, number> } {
  const rates: Record<string, number> = {};
  const dead: Record<string, number> = {};
  for (const [m, r] of n.work.hashrate.perMiner(now)) {
    rates[m] = r.rate;
    if (r.deadRate > 0) dead[m] = r.deadRate;
  }
  return { rates, dead };
}

/**
 * Reference miner_last_difficulties: per payout address, the difficulty of the work it was
 * last given. Ours: the difficulty the address's connection currently mines at (the last
 * mining.set_difficulty, in difficulty-1 units, so scrypt's multiplier is taken out).
 */
export function lastDifficulties(n: NodeView): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of n.stratum.sessions) {
    if (s.miner && s.difficulty > 0) out[s.miner.address] = s.difficulty / n.work.difficultyMultiplier;
  }
  return out;
}

export function peerCounts(n: NodeView): { incoming: number; outgoing: number } {
  const peers = n.p2p?.peerInfo() ?? [];
  const incoming = peers.filter((p) => p.incoming).length;
  return { incoming, outgoing: peers.length - incoming };
}

export function attemptsToShare(n: NodeView): number {
  const best = n.chain.bestShare;
  return Number(targetToWork(best ? best.maxTarget : n.config.net.maxTarget));
}

export function attemptsToBlock(n: NodeView): number {
  const t = n.templates.current;
  return t ? Number(targetToWork(bitsToTarget(t.bits))) : 0;
}

export function localStats(ctx: ApiContext): Record<string, unknown> {
  const n = ctx.node;
  const hour = ctx.cache.get('hour-counts', ctx.bestKey, () => hourCounts(n));
  const myShares = hour.unstale + hour.orphan + hour.doa;
  const myStaleProp = myShares ? (hour.orphan + hour.doa) / myShares : null;
  const { rates, dead } = localRates(n, ctx.now);
  const sc = n.chain.stale.staleCounts(n.chain.best);
  const t = n.templates.current;
  const c = n.work.counters;
  const g = hour.globalStaleProp;
  return {
    my_hash_rates_in_last_hour: {
      note: 'DEPRECATED',
      nonstale: hour.shareAttemptsPerSecond,
      rewarded: hour.shareAttemptsPerSecond / (1 - g),
      actual: myStaleProp !== null ? hour.shareAttemptsPerSecond / (1 - myStaleProp) : 0,
    },
    my_share_counts_in_last_hour: {
      shares: myShares,
      unstale_shares: hour.unstale,
      stale_shares: hour.orphan + hour.doa,
      orphan_stale_shares: hour.orphan,
      doa_stale_shares: hour.doa,
    },
    my_stale_proportions_in_last_hour: {
      stale: myStaleProp,
      orphan_stale: myShares ? hour.orphan / myShares : null,
      dead_stale: myShares ? hour.doa / myShares : null,
    },
    miner_hash_rates: rates,
    miner_dead_hash_rates: dead,
    miner_last_difficulties: lastDifficulties(n),
    // The reference ignores dead shares in the first: they are the miner's fault.
    efficiency_if_miner_perfect: sc.total ? (1 - sc.orphans / sc.total) / (1 - g) : null,
    efficiency: sc.total ? (1 - (sc.orphans + sc.doas) / sc.total) / (1 - g) : null,
    peers: peerCounts(n),
    shares: { total: sc.total, orphan: sc.orphans, dead: sc.doas },
    uptime: (ctx.now - n.startedAt) / 1000,
    attempts_to_share: attemptsToShare(n),
    attempts_to_block: attemptsToBlock(n),
    block_value: t ? t.coinbaseValue / 1e8 : 0,
    warnings: nodeWarnings(ctx),
    donation_proportion: n.config.donationPercent / 100,
    version: n.config.version,
    protocol_version: PROTOCOL_VERSION,
    fee: n.config.feePercent,
    // Ours, beyond the reference: block counters an operator wants at a glance.
    blocks: {
      found: c.blocksFound,
      accepted: c.blocksAccepted,
      rejected: c.blocksRejected,
      lost_race: c.blocksLostRace,
      over_limits: c.blocksOverLimits,
    },
    block_template: blockTemplateStats(n),
  };
}

/**
 * Ours: the current work's coinbase and how the template's transactions fit around it
 * (docs/api.md, docs/mining.md#block-limits); null before the first job.
 */
function blockTemplateStats(n: NodeView): Record<string, unknown> | null {
  const b = n.work.blockStatus();
  if (!b) return null;
  return {
    coinbase_bytes: b.bytes,
    coinbase_weight: b.weight,
    coinbase_payees: b.payees,
    merkle_branches: b.merkleBranches,
    transactions: b.templateTransactions,
    transactions_kept: b.keptTransactions,
    transactions_left_out: b.droppedTransactions,
    fees_left_out: b.droppedFees / 1e8,
    reserved_weight_needed: b.reservedWeightNeeded,
    firmware_limits_exceeded: b.firmwareLimitsExceeded,
  };
}

/** /difficulty and /global_stats' min_difficulty: the best share's minimum share difficulty. */
export function minDifficulty(n: NodeView): number {
  const best = n.chain.bestShare;
  return targetToDifficulty(best ? best.maxTarget : n.config.net.maxTarget);
}
