/**
 * The JSON API on the worker port (reference §6). This first part serves what operators and
 * tools need to see that a node is up and mining: /local_stats (the reference's fields),
 * /fee, /payout_addr, /uptime, /web/version, /web/best_share_hash. The rest of the reference's
 * endpoints and the dashboard build on the same view. Read-only: nothing here changes state.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bitsToTarget, targetToWork } from '../bitcoin/target.js';
import type { ChainState } from '../sharechain/chain-state.js';
import type { P2PoolNetwork } from '../sharechain/networks.js';
import type { PoolWork } from '../work/pool-work.js';

/** What the API reads; the node satisfies it. */
export interface NodeView {
  readonly startedAt: number;
  readonly payoutAddress: string;
  readonly config: { net: P2PoolNetwork; feePercent: number; donationPercent: number; version: string };
  readonly chain: ChainState;
  readonly work: PoolWork;
  readonly templates: { current: { coinbaseValue: number; bits: number } | null; stale: boolean };
  readonly p2p: { readyPeers(): Array<{ incoming: boolean }> } | null;
}

/** P2P protocol version we speak (JT's, §4.2). */
export const PROTOCOL_VERSION = 3501;

export class ApiHandler {
  constructor(private readonly view: () => NodeView) {}

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0]!;
    const body = this.route(path);
    if (body === undefined) return false;
    const payload = JSON.stringify(body);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
    res.end(req.method === 'HEAD' ? undefined : payload);
    return true;
  }

  private route(path: string): unknown {
    const n = this.view();
    switch (path) {
      case '/local_stats':
        return this.localStats(n);
      case '/fee':
        return n.config.feePercent;
      case '/payout_addr':
        return n.payoutAddress;
      case '/uptime':
        return (Date.now() - n.startedAt) / 1000;
      case '/web/version':
        return n.config.version;
      case '/web/best_share_hash':
        return n.chain.best;
      default:
        return undefined;
    }
  }

  /** The reference's /local_stats object (same keys and value types). */
  private localStats(n: NodeView): Record<string, unknown> {
    const now = Date.now();
    const perMiner = n.work.hashrate.perMiner(now);
    const rates: Record<string, number> = {};
    const deadRates: Record<string, number> = {};
    for (const [m, r] of perMiner) {
      rates[m] = r.rate;
      if (r.deadRate > 0) deadRates[m] = r.deadRate;
    }
    const total = n.work.hashrate.total(now) ?? 0;
    const dead = [...perMiner.values()].reduce((s, r) => s + r.deadRate, 0);
    const c = n.work.counters;
    const stale = n.chain.stale.staleCounts(n.chain.best);
    const best = n.chain.bestShare;
    const t = n.templates.current;
    const warnings: string[] = [];
    if (n.templates.stale) warnings.push('LOST CONTACT WITH BITCOIND: miners get no new work');
    const unavailable = n.work.unavailable();
    if (unavailable) warnings.push(unavailable);
    const staleProp = stale.total ? (stale.orphans + stale.doas) / stale.total : 0;
    return {
      my_hash_rates_in_last_hour: { note: 'DEPRECATED', nonstale: total - dead, rewarded: total - dead, actual: total },
      my_share_counts_in_last_hour: {
        shares: stale.total,
        unstale_shares: stale.total - stale.orphans - stale.doas,
        stale_shares: stale.orphans + stale.doas,
        orphan_stale_shares: stale.orphans,
        doa_stale_shares: stale.doas,
      },
      my_stale_proportions_in_last_hour: {
        stale: staleProp,
        orphan_stale: stale.total ? stale.orphans / stale.total : 0,
        dead_stale: stale.total ? stale.doas / stale.total : 0,
      },
      miner_hash_rates: rates,
      miner_dead_hash_rates: deadRates,
      miner_last_difficulties: {},
      efficiency_if_miner_perfect: 1 - staleProp,
      efficiency: 1 - staleProp,
      peers: peerCounts(n),
      shares: { total: stale.total, orphan: stale.orphans, dead: stale.doas },
      uptime: (now - n.startedAt) / 1000,
      attempts_to_share: best ? Number(targetToWork(best.maxTarget)) : Number(targetToWork(n.config.net.maxTarget)),
      attempts_to_block: t ? Number(targetToWork(bitsToTarget(t.bits))) : 0,
      block_value: t ? t.coinbaseValue / 1e8 : 0,
      warnings,
      donation_proportion: n.config.donationPercent / 100,
      version: n.config.version,
      protocol_version: PROTOCOL_VERSION,
      fee: n.config.feePercent,
      // Ours, beyond the reference: counters an operator wants at a glance.
      blocks: { found: c.blocksFound, accepted: c.blocksAccepted, rejected: c.blocksRejected },
    };
  }
}

function peerCounts(n: NodeView): { incoming: number; outgoing: number } {
  const peers = n.p2p?.readyPeers() ?? [];
  const incoming = peers.filter((p) => p.incoming).length;
  return { incoming, outgoing: peers.length - incoming };
}
