/**
 * `/local_stats`: this node's view of itself (docs/api.md, web.py get_local_stats), with the
 * reference's keys and value types. Rates are hashes per second; block_value is in coins.
 *
 * One difference: the reference answers null while the chain has fewer than 10 shares; we
 * always answer the object (the proportions that need shares are null, as in the reference
 * when a node has none), so a dashboard shows a starting node's version, peers and warnings.
 */
import { bitsToTarget, targetToWork } from '../bitcoin/target.js';
import type { ApiContext } from './api-context.js';
import type { NodeView } from './node-view.js';

/** P2P protocol version we speak (JT's, docs/protocol.md#messages). */
export const PROTOCOL_VERSION = 3501;

/** Reference get_warnings plus what our node knows is wrong (bitcoind unreachable, no work). */
export function nodeWarnings(ctx: ApiContext): string[] {
  const n = ctx.node;
  const warnings: string[] = [];
  const version = n.stats.versionWarning();
  if (version) warnings.push(version);
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
  return n.stats.attemptsToShare();
}

export function attemptsToBlock(n: NodeView): number {
  const t = n.templates.current;
  return t ? Number(targetToWork(bitsToTarget(t.bits))) : 0;
}

export function localStats(ctx: ApiContext): Record<string, unknown> {
  const n = ctx.node;
  const hour = n.stats.hourCounts();
  const myShares = hour.unstale + hour.orphan + hour.doa;
  const myStaleProp = myShares ? (hour.orphan + hour.doa) / myShares : null;
  const { rates, dead } = localRates(n, ctx.now);
  const sc = n.stats.ourShares();
  const t = n.templates.current;
  const c = n.work.counters;
  const g = hour.globalStaleProp;
  const out: Record<string, unknown> = {
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
  // Ours, fair networks only (docs/api.md#fair-networks): references, own targets, expectations.
  const fair = n.stats.fair(t?.bits ?? null, t?.coinbaseValue ?? null);
  if (fair !== null) out['fair'] = { ...fair, miners: fairMinersJson(n) };
  return out;
}

/** Per miner on a fair network: its share difficulty, class and what it can expect. */
export function fairMinersJson(n: NodeView): Record<string, Record<string, unknown>> {
  const t = n.templates.current;
  const miners = n.stats.fairMiners(t?.bits ?? null, t?.coinbaseValue ?? null) ?? [];
  const toBlock = attemptsToBlock(n);
  const out: Record<string, Record<string, unknown>> = {};
  for (const m of miners) {
    const rate = m.hashRate;
    out[m.username] = {
      address: m.address,
      hash_rate: rate,
      share_difficulty: m.shareDifficulty,
      max_outputs: m.maxOutputs,
      expected_payout: m.expectedPayout,
      // Its part of the network's blocks, at its hash rate: coins per day in the long run.
      expected_payout_per_day: toBlock > 0 && t ? (rate * 86_400 * (t.coinbaseValue / 1e8)) / toBlock : null,
      expected_time_to_share: m.expectedTimeToShare,
    };
  }
  return out;
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

/** /difficulty and /global_stats' min_difficulty: the easiest share difficulty. */
export function minDifficulty(n: NodeView): number {
  return n.stats.minDifficulty();
}
