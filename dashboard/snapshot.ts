/**
 * One poll of the node: every endpoint the pages read, fetched in parallel and normalised. An
 * endpoint that fails leaves its part empty (the page shows "–") rather than blanking the page;
 * only when /local_stats itself cannot be reached is the node reported offline.
 */
import {
  getJson, getOptional, isHash, isShareHash, num, numMap,
  type CurrencyInfo, type FairLink, type FairMiner, type FairReference, type FairStats, type GlobalStats, type GraphPoint, type LocalStats, type MergedStat, type RecentBlock,
} from './api';
import { ShareCache, type WalkedShare } from './share-walk';

export interface Snapshot {
  time: number;
  local: LocalStats;
  global: GlobalStats | null;
  payouts: Record<string, number>;
  users: Record<string, number>;
  userStales: Record<string, number>;
  blocks: RecentBlock[];
  peerVersions: Record<string, string>;
  pings: Record<string, number>;
  payoutAddrs: string[];
  best: string | null;
  merged: MergedStat[];
  recentShares: WalkedShare[];
  /** Hash rate by desired share version in the latest bin of desired_version_rates. */
  versionRates: Record<string, number>;
  currency: CurrencyInfo;
}

/** Our share version (docs/sharechain.md#share-versions): votes for a higher one mean most of the pool runs newer code. */
export const OUR_SHARE_VERSION = 35;
/** Shares the overview lists (and the walk fetches at most, once; then only new ones). */
export const RECENT_SHARES = 60;
/** /pings makes the node ping every peer three times (docs/api.md): ask rarely. */
const PINGS_EVERY_MS = 30_000;

const FALLBACK_CURRENCY: CurrencyInfo = { symbol: '', block_explorer_url_prefix: '', address_explorer_url_prefix: '', tx_explorer_url_prefix: '' };

export class Poller {
  readonly shares = new ShareCache();
  private currency: CurrencyInfo | null = null;
  private pings: Record<string, number> = {};
  private pingsAt = 0;

  async poll(): Promise<Snapshot> {
    // The one endpoint that must answer: everything else degrades to empty.
    const local = await getJson<LocalStats>('/local_stats');
    const opt = <T>(path: string, fallback: T): Promise<T> => getOptional<T>(path, fallback).catch(() => fallback);
    if (!this.currency) this.currency = await opt('/web/currency_info', FALLBACK_CURRENCY);
    if (Date.now() - this.pingsAt > PINGS_EVERY_MS) {
      this.pingsAt = Date.now();
      void opt<unknown>('/pings', {}).then((p) => (this.pings = numMap(p)));
    }
    const [global, payouts, users, userStales, blocks, peerVersions, payoutAddrs, best, merged, versions] = await Promise.all([
      opt<GlobalStats | null>('/global_stats', null),
      opt<unknown>('/current_payouts', {}),
      opt<unknown>('/users', {}),
      opt<unknown>('/user_stales', {}),
      opt<unknown>('/recent_blocks', []),
      opt<unknown>('/peer_versions', {}),
      opt<unknown>('/payout_addrs', []),
      opt<unknown>('/web/best_share_hash', null),
      opt<unknown>('/web/merged_stats', []),
      opt<unknown>('/web/graph_data/desired_version_rates/last_hour', []),
    ]);
    const bestHash = isShareHash(best) ? best : null;
    const recentShares = await this.shares.chain(bestHash, RECENT_SHARES).catch(() => []);
    return {
      time: Date.now() / 1000,
      local: normaliseLocal(local),
      global: global && typeof global === 'object' ? global : null,
      payouts: numMap(payouts),
      users: numMap(users),
      userStales: numMap(userStales),
      blocks: Array.isArray(blocks) ? blocks.filter((b): b is RecentBlock => !!b && typeof b === 'object' && isHash((b as RecentBlock).hash)) : [],
      peerVersions: stringMap(peerVersions),
      pings: this.pings,
      payoutAddrs: Array.isArray(payoutAddrs) ? payoutAddrs.filter((a): a is string => typeof a === 'string') : [],
      best: bestHash,
      merged: Array.isArray(merged) ? (merged as MergedStat[]) : [],
      recentShares,
      versionRates: latestBin(versions),
      currency: this.currency,
    };
  }
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) out[k] = String(x);
  return out;
}

/** The newest bin's map of a graph stream (bins come newest first, but do not rely on it). */
function latestBin(points: unknown): Record<string, number> {
  if (!Array.isArray(points)) return {};
  let best: GraphPoint | null = null;
  for (const p of points as GraphPoint[]) if (Array.isArray(p) && typeof p[0] === 'number' && (!best || p[0] > best[0])) best = p;
  return best ? numMap(best[1]) : {};
}

function normaliseLocal(l: LocalStats): LocalStats {
  return {
    ...l,
    miner_hash_rates: numMap(l.miner_hash_rates),
    miner_dead_hash_rates: numMap(l.miner_dead_hash_rates),
    miner_last_difficulties: numMap(l.miner_last_difficulties),
    peers: { incoming: num(l.peers?.incoming) ?? 0, outgoing: num(l.peers?.outgoing) ?? 0 },
    shares: { total: num(l.shares?.total) ?? 0, orphan: num(l.shares?.orphan) ?? 0, dead: num(l.shares?.dead) ?? 0 },
    warnings: Array.isArray(l.warnings) ? l.warnings.map(String) : [],
    fair: normaliseFair(l.fair),
  };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** The fair object of /local_stats, every field checked (absent on v35 networks). */
function normaliseFair(v: unknown): FairStats | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const f = v as Record<string, unknown>;
  const refs = obj(f['references']);
  const ours = obj(f['our_shares']);
  const links = Array.isArray(f['recent_links']) ? f['recent_links'] : [];
  const miners: Record<string, FairMiner> = {};
  for (const [name, m] of Object.entries(obj(f['miners']))) {
    const x = obj(m);
    const address = str(x['address']);
    if (address === null) continue;
    miners[name] = {
      address,
      hash_rate: num(x['hash_rate']) ?? 0,
      share_difficulty: num(x['share_difficulty']) ?? 0,
      max_outputs: num(x['max_outputs']) ?? 0,
      expected_payout: num(x['expected_payout']) ?? 0,
      expected_payout_per_day: num(x['expected_payout_per_day']),
      expected_time_to_share: num(x['expected_time_to_share']),
    };
  }
  return {
    link_difficulty: num(f['link_difficulty']) ?? 0,
    floor_difficulty: num(f['floor_difficulty']) ?? 0,
    window_links: num(f['window_links']) ?? 0,
    reference_depth: num(f['reference_depth']) ?? 0,
    output_classes: Array.isArray(f['output_classes']) ? f['output_classes'].filter((k): k is number => num(k) !== null) : [],
    default_max_outputs: num(f['default_max_outputs']) ?? 0,
    references: { links: num(refs['links']) ?? 0, uncles: num(refs['uncles']) ?? 0, sub_shares: num(refs['sub_shares']) ?? 0, per_link: num(refs['per_link']) ?? 0 },
    our_shares: { paid: num(ours['paid']) ?? 0, waiting: num(ours['waiting']) ?? 0, unpaid: num(ours['unpaid']) ?? 0 },
    recent_links: links.map(obj).filter((l) => isShareHash(l['hash'])).map((l): FairLink => ({
      hash: l['hash'] as string,
      height: num(l['height']) ?? 0,
      timestamp: num(l['timestamp']) ?? 0,
      payout_address: str(l['payout_address']) ?? '',
      share_difficulty: num(l['share_difficulty']) ?? 0,
      block: l['block'] === true,
      references: (Array.isArray(l['references']) ? l['references'] : []).map(obj).filter((r) => isShareHash(r['hash'])).map((r): FairReference => ({
        hash: r['hash'] as string,
        kind: str(r['kind']) ?? 'unknown',
        payout_address: str(r['payout_address']),
        share_difficulty: num(r['share_difficulty']),
      })),
    })),
    miners,
  };
}

/** Warnings the page shows: the node's own, plus what the dashboard can tell by itself. */
export function warnings(s: Snapshot): string[] {
  const out = [...s.local.warnings];
  // Majority vote for a share version we do not know (docs/sharechain.md#version-voting): the reference warns of the same.
  const total = Object.values(s.versionRates).reduce((a, b) => a + b, 0);
  let newer = 0;
  for (const [v, r] of Object.entries(s.versionRates)) if (Number(v) > OUR_SHARE_VERSION) newer += r;
  if (total > 0 && newer / total > 0.5) {
    out.push(`A majority of the pool's hash rate (${Math.round((newer / total) * 100)}%) votes for a share version newer than ${OUR_SHARE_VERSION}: upgrade this node.`);
  }
  return out;
}
