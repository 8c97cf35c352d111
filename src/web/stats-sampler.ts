/**
 * Takes the samples behind the graphs and the stat log (reference web.py add_point every 5 s,
 * update_stat_log every 5 min, the share_received and pseudoshare watchers) and keeps them in
 * the stats history (graph-data.ts in memory, stats-db.ts on disk).
 *
 * Where our node has no event the reference uses, we sample instead:
 *  - local and per-miner hash rates: every 5 s the estimator's current rate times the 5 s
 *    interval is added as that interval's work (the streams are rates: work / bin width);
 *  - getwork_latency: the last new-work broadcast's duration (the reference times the
 *    getblocktemplate call; ours is what miners wait for);
 *  - traffic_rate: the bytes the P2P layer moved since the last sample, in and out (the stream
 *    is a rate: bytes / bin width).
 * The clock is passed in (`now`), so tests drive it.
 */
import type { ChainShare } from '../sharechain/node-chain.js';
import { GraphHistory } from './graph-data.js';
import { attemptsToBlock, attemptsToShare, localRates, peerCounts } from './local-stats.js';
import type { NodeView } from './node-view.js';
import { STAT_LOG_SECONDS, type StatsDb } from './stats-db.js';

/** Reference: add_point every 5 s, the stat log every 5 min. */
export const SAMPLE_INTERVAL_MS = 5_000;
export const STAT_LOG_INTERVAL_MS = 5 * 60_000;
/** Reference: a share is checked for having been orphaned 200 s after it was found. */
export const ORPHAN_CHECK_MS = 200_000;
/** Our shares awaiting that check, and our share hashes kept for /web/my_share_hashes. */
const MAX_PENDING = 10_000;
export const MAX_MY_SHARES = 10_000;

export class StatsSampler {
  readonly history = new GraphHistory();
  private statLog: Array<Record<string, unknown>> = [];
  private readonly pending: Array<{ hash: string; work: number; dead: boolean; at: number }> = [];
  private readonly mine: string[] = [];
  private lastSample = 0;
  private lastStatLog = 0;
  /** P2P byte totals at the last sample (the node's totals start at 0 with it). */
  private lastTraffic = { bytesIn: 0, bytesOut: 0 };

  constructor(
    private readonly db: StatsDb,
    now: number,
  ) {
    this.history.load(db.loadBins(), now / 1000);
    this.statLog = db.loadLog(now / 1000);
    const last = this.statLog[this.statLog.length - 1]?.time;
    if (typeof last === 'number') this.lastStatLog = last * 1000;
  }

  /** /web/log, oldest first. */
  statEntries(): ReadonlyArray<Record<string, unknown>> {
    return this.statLog;
  }

  /** Our share hashes, newest first. */
  myShareHashes(): readonly string[] {
    return this.mine;
  }

  /** A share our miners found (PoolWork 'share'): the local share rates, and later the orphan check. */
  onShare(share: ChainShare, dead: boolean, now: number): void {
    const work = Number(share.work);
    this.history.add('local_share_hash_rates', now / 1000, dead ? { dead: work } : { good: work });
    this.mine.unshift(share.hash);
    if (this.mine.length > MAX_MY_SHARES) this.mine.pop();
    if (this.pending.length < MAX_PENDING) this.pending.push({ hash: share.hash, work, dead, at: now });
  }

  /** One 5 s tick: take the samples that are due and write what changed to disk. */
  tick(n: NodeView, now: number): void {
    const interval = this.lastSample ? Math.min(now - this.lastSample, 60_000) : SAMPLE_INTERVAL_MS;
    this.lastSample = now;
    const t = now / 1000;
    this.checkOrphans(n, now);
    this.sampleLocal(n, t, interval / 1000, now);
    this.samplePool(n, t);
    if (now - this.lastStatLog >= STAT_LOG_INTERVAL_MS) {
      const entry = this.statLogEntry(n, t, now);
      if (entry) {
        this.lastStatLog = now;
        this.statLog.push(entry);
        while (this.statLog.length > 0 && (this.statLog[0]!.time as number) < t - STAT_LOG_SECONDS) this.statLog.shift();
        this.db.appendLog(t, entry);
      }
    }
    this.flush(t);
  }

  /** Write changed bins (and drop expired ones) now. */
  flush(t: number): void {
    this.db.saveBins(this.history.takeDirty(), GraphHistory.oldestBins(t));
  }

  /** Reference: 200 s later, a good share not in the best chain moves to 'orphan', a dead one that made it to 'good'. */
  private checkOrphans(n: NodeView, now: number): void {
    while (this.pending.length > 0 && now - this.pending[0]!.at >= ORPHAN_CHECK_MS) {
      const p = this.pending.shift()!;
      const inChain = n.stats.inBestChain(p.hash);
      const t = p.at / 1000;
      if (inChain && p.dead) this.history.add('local_share_hash_rates', t, { dead: -p.work, good: p.work });
      else if (!inChain && !p.dead) this.history.add('local_share_hash_rates', t, { good: -p.work, orphan: p.work });
    }
  }

  private sampleLocal(n: NodeView, t: number, seconds: number, now: number): void {
    const { rates, dead } = localRates(n, now);
    let total = 0;
    let totalDead = 0;
    const work: Record<string, number> = {};
    const deadWork: Record<string, number> = {};
    for (const [m, r] of Object.entries(rates)) {
      total += r;
      work[m] = r * seconds;
    }
    for (const [m, r] of Object.entries(dead)) {
      totalDead += r;
      deadWork[m] = r * seconds;
    }
    this.history.add('local_hash_rate', t, total * seconds);
    this.history.add('local_dead_hash_rate', t, totalDead * seconds);
    this.history.add('miner_hash_rates', t, work);
    this.history.add('miner_dead_hash_rates', t, deadWork);
    this.history.add('getwork_latency', t, n.stratum.stats.lastBroadcastMs / 1000);
    this.history.add('memory_usage', t, process.memoryUsage().rss);
    this.history.add('peers', t, peerCounts(n));
    const traffic = n.p2p?.traffic;
    if (traffic) {
      // A node whose totals went back (another P2P layer) starts again from them.
      const dIn = traffic.bytesIn >= this.lastTraffic.bytesIn ? traffic.bytesIn - this.lastTraffic.bytesIn : traffic.bytesIn;
      const dOut = traffic.bytesOut >= this.lastTraffic.bytesOut ? traffic.bytesOut - this.lastTraffic.bytesOut : traffic.bytesOut;
      this.lastTraffic = { bytesIn: traffic.bytesIn, bytesOut: traffic.bytesOut };
      this.history.add('traffic_rate', t, { 'p2p/in': dIn, 'p2p/out': dOut });
    }
  }

  /** Reference add_point: nothing under 10 shares; the window is min(CHAIN_LENGTH, 1 h of shares, height). */
  private samplePool(n: NodeView, t: number): void {
    const poolRates = n.stats.poolRatesSample();
    if (poolRates === null) return;
    this.history.add('pool_rates', t, poolRates);
    const poolTotal = Object.values(poolRates).reduce((s, v) => s + v, 0);
    const tpl = n.templates.current;
    if (tpl) {
      const payouts = n.stats.expectedPayouts(tpl.bits, tpl.coinbaseValue);
      this.history.add('current_payout', t, Number(payouts.get(n.payoutAddress) ?? 0n) / 1e8);
      // The reference lists the payouts of the miners mining here now.
      const mineNow: Record<string, number> = {};
      for (const s of n.stratum.sessions) {
        const a = s.miner?.address;
        if (a !== undefined && payouts.has(a)) mineNow[a] = Number(payouts.get(a)!) / 1e8;
      }
      this.history.add('current_payouts', t, mineNow);
    }
    const versions = n.stats.versionFractions();
    if (versions) {
      this.history.add('desired_version_rates', t, Object.fromEntries([...versions].map(([v, f]) => [String(v), f * poolTotal])));
    }
  }

  /** Reference update_stat_log: one entry, once the chain holds an hour of shares. */
  private statLogEntry(n: NodeView, t: number, now: number): Record<string, unknown> | null {
    const pool = n.stats.statLogPool();
    if (pool === null) return null;
    const sc = n.stats.ourShares();
    const { rates, dead } = localRates(n, now);
    const tpl = n.templates.current;
    const payout = tpl ? n.stats.expectedPayouts(tpl.bits, tpl.coinbaseValue).get(n.payoutAddress) ?? 0n : 0n;
    return {
      time: t,
      pool_hash_rate: pool.rate,
      pool_stale_prop: pool.staleProp,
      local_hash_rates: rates,
      local_dead_hash_rates: dead,
      shares: sc.total,
      stale_shares: sc.orphans + sc.doas,
      stale_shares_breakdown: { orphan: sc.orphans, doa: sc.doas },
      current_payout: Number(payout) / 1e8,
      peers: peerCounts(n),
      attempts_to_share: attemptsToShare(n),
      attempts_to_block: attemptsToBlock(n),
      block_value: tpl ? tpl.coinbaseValue / 1e8 : 0,
    };
  }
}
