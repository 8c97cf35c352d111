/**
 * `/metrics` in the Prometheus text format (prom-client, on a Registry of our own so nothing
 * else in the process can add to or collide with it). Values are read from the node at scrape
 * time (each metric's collect()); the node's own counters are exported as Prometheus counters
 * (reset and set to the node's total on every scrape, so rate() works and restarts show as
 * resets). docs/metrics.md lists every series.
 *
 * Label values that come from outside (miner names, reject reasons, aux chain URLs) are capped
 * in number and length, so a scrape stays small whatever miners call themselves.
 */
import { statSync } from 'node:fs';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { bestKeyOf, type ApiContext, type WebState } from './api-context.js';
import { poolRate } from './api-pool.js';
import { redactUrl } from './api-peers.js';
import type { BestCache } from './best-cache.js';
import { FIRMWARE_LIMITS } from '../work/firmware-limits.js';
import { peerCounts } from './local-stats.js';
import type { NodeView } from './node-view.js';

/** At most this many miners get their own hash-rate series (the fastest ones). */
export const MAX_MINER_SERIES = 50;
/** At most this many distinct reasons per reject counter; label values are cut to this length. */
const MAX_REASONS = 20;
const MAX_LABEL_LENGTH = 100;

export interface MetricsSource {
  view(): NodeView;
  state: WebState;
  cache: BestCache;
  /** Files whose sizes add up to the share store's size on disk. */
  storeFiles: string[];
  /** ms since epoch when the current template arrived, or null. */
  templateReceivedAt(): number | null;
}

const label = (s: string): string => s.slice(0, MAX_LABEL_LENGTH);

function topReasons(m: ReadonlyMap<string, number>): Array<[string, number]> {
  return [...m].sort((a, b) => b[1] - a[1]).slice(0, MAX_REASONS);
}

export class NodeMetrics {
  readonly registry = new Registry();

  constructor(private readonly src: MetricsSource) {
    const r = this.registry;
    const node = (): NodeView => src.view();
    const ctx = (): ApiContext => {
      const n = node();
      return { node: n, now: Date.now(), cache: src.cache, bestKey: bestKeyOf(n), state: src.state };
    };
    const gauge = (name: string, help: string, collect: (g: Gauge) => void, labelNames: string[] = []): void => {
      new Gauge({ name, help, labelNames, registers: [r], collect() { this.reset(); collect(this); } });
    };
    const counter = (name: string, help: string, collect: (c: Counter) => void, labelNames: string[] = []): void => {
      new Counter({ name, help, labelNames, registers: [r], collect() { this.reset(); collect(this); } });
    };

    // Hash rates.
    gauge('p2pool_pool_hashrate', 'Pool hash rate over the last min(height, 720) shares, stales included (H/s), as /rate.', (g) => g.set(poolRate(ctx())));
    gauge('p2pool_local_hashrate', "This node's miners' hash rate from pseudoshares (H/s).", (g) => g.set(node().work.hashrate.total(Date.now()) ?? 0));
    gauge('p2pool_local_dead_hashrate', "This node's miners' hash rate on dead work (H/s).", (g) => {
      let dead = 0;
      for (const m of node().work.hashrate.perMiner(Date.now()).values()) dead += m.deadRate;
      g.set(dead);
    });
    gauge('p2pool_miner_hashrate', `Hash rate per miner (username), the ${MAX_MINER_SERIES} fastest (H/s).`, (g) => {
      const rates = [...node().work.hashrate.perMiner(Date.now())].sort((a, b) => b[1].rate - a[1].rate).slice(0, MAX_MINER_SERIES);
      for (const [m, v] of rates) g.set({ miner: label(m) }, v.rate);
    }, ['miner']);
    gauge('p2pool_miners_connected', 'Authorized Stratum connections.', (g) => g.set(node().stratum.sessions.filter((s) => s.miner !== null).length));

    // Shares.
    counter('p2pool_shares_total', 'Shares by kind: ours (found by our miners since start), ours_dead (of those, dead on arrival).', (c) => {
      const w = node().work.counters;
      c.inc({ kind: 'ours' }, w.shares);
      c.inc({ kind: 'ours_dead' }, w.deadShares);
    }, ['kind']);
    gauge('p2pool_stale_shares', 'Our shares that did not make the best chain: orphan, or dead (DOA), as /local_stats shares (fair networks: orphan = not paid).', (g) => {
      const sc = node().stats.ourShares();
      g.set({ kind: 'orphan' }, sc.orphans);
      g.set({ kind: 'dead' }, sc.doas);
    }, ['kind']);
    gauge('p2pool_sharechain_shares', 'Shares in the sharechain now: all, verified, from peers (received over P2P).', (g) => {
      const c = node().stats.counts();
      g.set({ set: 'all' }, c.all);
      g.set({ set: 'verified' }, c.verified);
      g.set({ set: 'peers' }, c.peers);
    }, ['set']);
    gauge('p2pool_sharechain_height', 'Length of the best chain in shares (fair networks: in links).', (g) => g.set(node().stats.height()));
    counter('p2pool_pseudoshares_total', 'Pseudoshares accepted from miners (all, and on dead work).', (c) => {
      const w = node().work.counters;
      c.inc({ kind: 'all' }, w.pseudoshares);
      c.inc({ kind: 'dead' }, w.deadPseudoshares);
    }, ['kind']);

    // Blocks.
    counter('p2pool_blocks_found_total', 'Blocks our miners found.', (c) => c.inc(node().work.counters.blocksFound));
    counter('p2pool_blocks_accepted_total', 'Blocks bitcoind accepted.', (c) => c.inc(node().work.counters.blocksAccepted));
    counter('p2pool_blocks_rejected_total', 'Blocks bitcoind rejected, by its reason.', (c) => {
      const w = node().work.counters;
      let named = 0;
      for (const [reason, k] of topReasons(w.rejectReasons)) {
        c.inc({ reason: label(reason) }, k);
        named += k;
      }
      // Submissions that failed without an answer are counted but carry no reason.
      if (w.blocksRejected > named) c.inc({ reason: 'other' }, w.blocksRejected - named);
    }, ['reason']);
    counter('p2pool_blocks_lost_race_total', 'Blocks bitcoind did not take because it already had a block at their height (a same-height race; not a rejection).', (c) => c.inc(node().work.counters.blocksLostRace));
    counter('p2pool_blocks_over_limits_total', 'Found blocks that failed our own block-limits check before submission (a bug: see the log and DATADIR/<net>/bad-blocks).', (c) => c.inc(node().work.counters.blocksOverLimits));

    // The current work's coinbase and transactions (docs/mining.md#block-limits).
    gauge('p2pool_coinbase_bytes', 'Largest coinbase of the current work, bytes without witness (what miners hash).', (g) => {
      const b = node().work.blockStatus();
      if (b) g.set(b.bytes);
    });
    gauge('p2pool_coinbase_payees', 'Payout outputs of the largest coinbase of the current work (donation included).', (g) => {
      const b = node().work.blockStatus();
      if (b) g.set(b.payees);
    });
    gauge('p2pool_coinbase_over_firmware_limit', '1 when the current coinbase is over the named firmware\'s known limit (docs/mining.md#coinbase-size-and-miners-firmware).', (g) => {
      const b = node().work.blockStatus();
      if (!b) return;
      for (const l of FIRMWARE_LIMITS) g.set({ firmware: l.id }, b.firmwareLimitsExceeded.includes(l.id) ? 1 : 0);
    }, ['firmware']);
    gauge('p2pool_template_transactions_left_out', 'Template transactions the current work leaves out to fit the block limits with its coinbase.', (g) => {
      const b = node().work.blockStatus();
      if (b) g.set(b.droppedTransactions);
    });
    gauge('p2pool_template_fees_left_out_satoshis', 'Fees of those transactions (the share\'s subsidy is that much lower).', (g) => {
      const b = node().work.blockStatus();
      if (b) g.set(b.droppedFees);
    });
    gauge('p2pool_reserved_weight_needed', 'Smallest -blockreservedweight at which bitcoind\'s templates leave room for the current coinbase (header and count included).', (g) => {
      const b = node().work.blockStatus();
      if (b) g.set(b.reservedWeightNeeded);
    });

    // Fair networks only (docs/metrics.md#fair-networks): references and own targets.
    gauge('p2pool_fair_references', 'Fair networks: references of the links of the last hour, by kind (uncle: a link that lost a race; sub-share).', (g) => {
      const n = node();
      const t = n.templates.current;
      const f = n.stats.fair(t?.bits ?? null, t?.coinbaseValue ?? null);
      if (!f) return;
      const r = f['references'] as { uncles: number; sub_shares: number };
      g.set({ kind: 'uncle' }, r.uncles);
      g.set({ kind: 'sub-share' }, r.sub_shares);
    }, ['kind']);
    gauge('p2pool_fair_difficulty', 'Fair networks: the link and floor share difficulties of the next share.', (g) => {
      const n = node();
      const f = n.stats.fair(null, null);
      if (!f) return;
      g.set({ target: 'link' }, f['link_difficulty'] as number);
      g.set({ target: 'floor' }, f['floor_difficulty'] as number);
    }, ['target']);
    gauge('p2pool_fair_miner_share_difficulty', `Fair networks: each miner's own share difficulty, the ${MAX_MINER_SERIES} most recent.`, (g) => {
      const n = node();
      for (const m of (n.stats.fairMiners(null, null) ?? []).slice(-MAX_MINER_SERIES)) g.set({ miner: label(m.username) }, m.shareDifficulty);
    }, ['miner']);

    // Peers and sync.
    gauge('p2pool_peers', 'Connected P2Pool peers by direction.', (g) => {
      const p = peerCounts(node());
      g.set({ direction: 'in' }, p.incoming);
      g.set({ direction: 'out' }, p.outgoing);
    }, ['direction']);
    counter('p2pool_p2p_bytes_total', 'Bytes over P2Pool peer links since start, by direction (frames whole, headers included).', (c) => {
      const t = node().p2p?.traffic;
      c.inc({ direction: 'in' }, t?.bytesIn ?? 0);
      c.inc({ direction: 'out' }, t?.bytesOut ?? 0);
    }, ['direction']);
    counter('p2pool_p2p_early_relay_total', 'Early relay (docs/protocol.md#early-relay) since start: shares forwarded before verification, frames sent for them, those that then failed verification, and invalid shares from early-relay peers not banned for.', (c) => {
      const e = node().p2p?.earlyRelay;
      c.inc({ event: 'shares' }, e?.shares ?? 0);
      c.inc({ event: 'sends' }, e?.sends ?? 0);
      c.inc({ event: 'failed_verification' }, e?.failedVerification ?? 0);
      c.inc({ event: 'not_banned' }, e?.notBanned ?? 0);
    }, ['event']);
    gauge('p2pool_synced', '1 when the node has the sharechain and gives miners work, 0 while it waits (downloading shares, no template, bitcoind away).', (g) => g.set(node().work.unavailable() === null ? 1 : 0));
    gauge('p2pool_bitcoind_reachable', '0 while bitcoind does not answer (the template is stale).', (g) => g.set(node().templates.stale ? 0 : 1));
    gauge('p2pool_template_age_seconds', 'Seconds since the current block template arrived.', (g) => {
      const at = src.templateReceivedAt();
      if (at !== null) g.set((Date.now() - at) / 1000);
    });

    // Stratum.
    gauge('p2pool_job_latency_seconds', 'How long the last new-work broadcast took to write every session its mining.notify.', (g) => g.set(node().stratum.stats.lastBroadcastMs / 1000));
    counter('p2pool_stratum_broadcasts_total', 'New-work broadcasts to Stratum sessions.', (c) => c.inc(node().stratum.stats.broadcasts));
    counter('p2pool_stratum_submits_total', 'mining.submit requests by result (accepted, stale, rejected).', (c) => {
      const s = node().stratum.stats;
      c.inc({ result: 'received' }, s.submits);
      c.inc({ result: 'accepted' }, s.accepted);
      c.inc({ result: 'stale' }, s.stale);
    }, ['result']);
    counter('p2pool_stratum_rejected_total', 'mining.submit requests rejected, by reason.', (c) => {
      for (const [reason, k] of topReasons(node().stratum.stats.rejected)) c.inc({ reason: label(reason) }, k);
    }, ['reason']);

    // Disk.
    gauge('p2pool_store_size_bytes', 'Size of the share store on disk (database and its write-ahead log).', (g) => {
      let size = 0;
      for (const f of src.storeFiles) {
        try {
          size += statSync(f).size;
        } catch {
          // The WAL file exists only between checkpoints.
        }
      }
      g.set(size);
    });

    // Merged mining.
    counter('p2pool_aux_blocks_total', 'Aux chain blocks submitted, by chain and result (merged mining).', (c) => {
      for (const s of node().merged?.stats() ?? []) {
        const chain = label(s.chainId === null ? redactUrl(s.url) : String(s.chainId));
        c.inc({ chain, result: 'accepted' }, s.accepted);
        c.inc({ chain, result: 'rejected' }, s.rejected);
      }
    }, ['chain', 'result']);

    // Process: memory, CPU, event loop (prom-client's standard series).
    collectDefaultMetrics({ register: r });
  }

  /**
   * The text to answer a scrape with, and its content type. prom-client writes a NaN value as
   * `Nan` (the event loop delay's mean and deviation have no sample in the first ~10 ms of the
   * registry, which is made on first use: web-services.ts); the text format spells it `NaN`.
   */
  async scrape(): Promise<{ text: string; contentType: string }> {
    const text = (await this.registry.metrics()).replace(/ Nan$/gm, ' NaN');
    return { text, contentType: this.registry.contentType };
  }
}
