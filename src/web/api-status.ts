/**
 * `/web/status` (ours): everything `p2pool status` shows, in one object read in one request, so
 * the console's screen is one consistent moment (docs/api.md#this-node). Built from the same
 * functions as /local_stats, /global_stats and the peer endpoints; numbers keep their units
 * (H/s, seconds, coins).
 */
import { parseUsername } from '../work/username.js';
import { poolRate, globalStats } from './api-pool.js';
import type { ApiContext } from './api-context.js';
import { attemptsToBlock, attemptsToShare, fairMinersJson, localRates, nodeWarnings, peerCounts } from './local-stats.js';
import { PROTOCOL_VERSION } from './local-stats.js';

export interface StatusPeer {
  address: string;
  direction: 'in' | 'out';
  version: string;
  ping_ms: number | null;
  /** Seconds connected. */
  connected: number;
}

export interface StatusMiner {
  username: string;
  address: string;
  worker: string;
  hash_rate: number;
  dead_hash_rate: number;
  /** The pseudoshare difficulty it mines at now (null: not connected over Stratum now). */
  difficulty: number | null;
  /** Fair networks: its own share difficulty, coinbase class and expectations (docs/api.md#fair-networks). */
  share_difficulty?: number;
  max_outputs?: number;
  expected_payout?: number;
  expected_payout_per_day?: number | null;
  time_to_share?: number | null;
}

export function nodeStatus(ctx: ApiContext): Record<string, unknown> {
  const n = ctx.node;
  const stats = n.stats;
  const best = stats.best();
  const unavailable = n.work.unavailable();
  const { rates, dead } = localRates(n, ctx.now);
  const nodeRate = Object.values(rates).reduce((a, b) => a + b, 0);
  const nodeDead = Object.values(dead).reduce((a, b) => a + b, 0);
  const poolHashRate = best === null ? 0 : poolRate(ctx);
  const global = globalStats(ctx);
  const sc = stats.ourShares();
  const g = global?.pool_stale_prop ?? 0;
  const toShare = attemptsToShare(n);
  const toBlock = attemptsToBlock(n);
  const last = best === null ? undefined : stats.recentBlocks()[0];
  const t = n.templates.current;
  const c = n.work.counters;

  const peers: StatusPeer[] = (n.p2p?.peerInfo() ?? []).map((p) => ({
    address: p.host.includes(':') ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`,
    direction: p.incoming ? 'in' : 'out',
    version: p.subVersion,
    ping_ms: p.pingMs,
    connected: Math.max(0, (ctx.now - p.connectedAt) / 1000),
  }));

  const difficultyOf = new Map<string, number>();
  for (const s of n.stratum.sessions) if (s.miner && s.difficulty > 0) difficultyOf.set(s.miner.username, s.difficulty / n.work.difficultyMultiplier);
  const usernames = new Set([...Object.keys(rates), ...difficultyOf.keys()]);
  // Fair networks: each miner's own share difficulty and expectations, by its rate name.
  const fair = new Map<string, Record<string, unknown>>();
  for (const [username, m] of Object.entries(fairMinersJson(n))) {
    fair.set(username.slice(0, 256).split(/[+/~]/, 1)[0]!.trim(), m);
  }
  const miners: StatusMiner[] = [...usernames].map((username) => {
    const u = parseUsername(username);
    const f = fair.get(username);
    return {
      username,
      address: u.address,
      worker: u.worker ?? '',
      hash_rate: rates[username] ?? 0,
      dead_hash_rate: dead[username] ?? 0,
      difficulty: difficultyOf.get(username) ?? null,
      ...(f ? {
        share_difficulty: f['share_difficulty'] as number,
        max_outputs: f['max_outputs'] as number,
        expected_payout: f['expected_payout'] as number,
        expected_payout_per_day: f['expected_payout_per_day'] as number | null,
        time_to_share: f['expected_time_to_share'] as number | null,
      } : {}),
    };
  });
  miners.sort((a, b) => b.hash_rate - a.hash_rate || a.username.localeCompare(b.username));

  return {
    version: n.config.version,
    protocol_version: PROTOCOL_VERSION,
    network: n.config.net.name,
    uptime: (ctx.now - n.startedAt) / 1000,
    payout_address: n.payoutAddress,
    sync: {
      synced: unavailable === null,
      state: unavailable ?? 'synced',
      height: stats.height(),
      chain_length: stats.chainLength,
      best_share: best,
      download: n.p2p?.syncProgress() ?? null,
    },
    bitcoind: { connected: !n.templates.stale, height: t ? t.height - 1 : null },
    pool: { hash_rate: poolHashRate, stale_prop: global?.pool_stale_prop ?? null },
    node: { hash_rate: nodeRate, dead_hash_rate: nodeDead },
    shares: { total: sc.total, orphan: sc.orphans, dead: sc.doas },
    efficiency: sc.total ? (1 - (sc.orphans + sc.doas) / sc.total) / (1 - g) : null,
    expected: {
      time_to_share: nodeRate > 0 ? toShare / nodeRate : null,
      time_to_block: poolHashRate > 0 && toBlock > 0 ? toBlock / poolHashRate : null,
    },
    last_block: last ? { hash: last.hash, number: last.number, ts: last.ts } : null,
    blocks: { found: c.blocksFound, accepted: c.blocksAccepted, rejected: c.blocksRejected },
    peers: { ...peerCounts(n), list: peers },
    miners,
    warnings: nodeWarnings(ctx),
  };
}
