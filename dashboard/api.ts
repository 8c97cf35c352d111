/**
 * The node's JSON API as the dashboard reads it: the reference's endpoint shapes (docs/api.md; real responses in test/fixtures/p2pool-reference-node/web-capture.json) plus
 * our /web/merged_stats. Everything here comes from the network, so every reader tolerates a
 * missing or oddly typed field instead of throwing deep inside a render.
 */

export interface LocalStats {
  miner_hash_rates: Record<string, number>;
  miner_dead_hash_rates: Record<string, number>;
  miner_last_difficulties: Record<string, number>;
  my_share_counts_in_last_hour?: { shares: number; unstale_shares: number; stale_shares: number; orphan_stale_shares: number; doa_stale_shares: number };
  peers: { incoming: number; outgoing: number };
  shares: { total: number; orphan: number; dead: number };
  uptime: number;
  attempts_to_share: number;
  attempts_to_block: number;
  block_value: number;
  warnings: string[];
  efficiency: number | null;
  donation_proportion: number;
  version: string;
  protocol_version: number;
  fee: number;
  /** Ours: `lost_race` (bitcoind already had a block at that height) and `over_limits` are newer, absent from older nodes. */
  blocks?: { found: number; accepted: number; rejected: number; lost_race?: number; over_limits?: number };
  /** Ours, fair networks only (docs/api.md#fair-networks): references, own targets, expectations. */
  fair?: FairStats;
}

/** A reference (uncle or sub-share) of a link, as /local_stats `fair.recent_links` lists it. */
export interface FairReference {
  hash: string;
  kind: string;
  payout_address: string | null;
  share_difficulty: number | null;
}

export interface FairLink {
  hash: string;
  height: number;
  timestamp: number;
  payout_address: string;
  share_difficulty: number;
  block: boolean;
  references: FairReference[];
}

/** One miner of this node on a fair network (keyed by its user name). */
export interface FairMiner {
  address: string;
  hash_rate: number;
  share_difficulty: number;
  max_outputs: number;
  expected_payout: number;
  expected_payout_per_day: number | null;
  expected_time_to_share: number | null;
}

export interface FairStats {
  link_difficulty: number;
  floor_difficulty: number;
  window_links: number;
  reference_depth: number;
  output_classes: number[];
  default_max_outputs: number;
  references: { links: number; uncles: number; sub_shares: number; per_link: number };
  our_shares: { paid: number; waiting: number; unpaid: number };
  recent_links: FairLink[];
  miners: Record<string, FairMiner>;
}

export interface GlobalStats {
  pool_nonstale_hash_rate: number;
  pool_hash_rate: number;
  pool_stale_prop: number;
  min_difficulty: number;
  network_block_difficulty: number;
  network_hashrate: number;
}

export interface RecentBlock {
  ts: number;
  hash: string;
  number: number;
  share: string;
}

export interface CurrencyInfo {
  symbol: string;
  block_explorer_url_prefix: string;
  address_explorer_url_prefix: string;
  tx_explorer_url_prefix: string;
}

export interface ShareInfo {
  parent: string | null;
  far_parent: string | null;
  children: string[];
  type_name: string;
  local: { verified: boolean; time_first_seen: number; peer_first_received_from: string | null };
  share_data: {
    timestamp: number;
    target: number;
    max_target: number;
    payout_address: string;
    donation: number;
    stale_info: string | null;
    nonce: number;
    desired_version: number;
    absheight: number;
    abswork: number;
  };
  block: {
    hash: string;
    header: { version: number; previous_block: string; merkle_root: string; timestamp: number; target: number; nonce: number };
    gentx: { hash: string; coinbase: string; value: number; last_txout_nonce: string; raw?: string };
    other_transaction_hashes: string[];
  };
  /** Fair networks (docs/api.md#fair-networks): link or sub-share, where it stands, its references. */
  kind?: string;
  status?: string;
  references?: string[];
  referenced_by?: string[];
}

export interface MergedStat {
  url: string;
  chainId: number;
  accepted: number;
  rejected: number;
  lastError: string | null;
}

/** One bin of a graph stream: [center time (s), value, width (s), default]. */
export type GraphPoint = [number, number | Record<string, number> | null, number, unknown];

export class HttpError extends Error {
  constructor(
    readonly path: string,
    readonly status: number,
  ) {
    super(`${path}: HTTP ${status}`);
  }
}

/** GET a JSON endpoint of the node (same origin). A 404 is an HttpError the caller may ignore. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { signal, cache: 'no-store', headers: { accept: 'application/json' } });
  if (!res.ok) {
    // Drain the body so the connection is reused.
    await res.text().catch(() => '');
    throw new HttpError(path, res.status);
  }
  return (await res.json()) as T;
}

/** Like getJson, but an endpoint the node does not have (yet) or that fails gives `fallback`. */
export async function getOptional<T>(path: string, fallback: T, signal?: AbortSignal): Promise<T> {
  try {
    return await getJson<T>(path, signal);
  } catch (e) {
    if (e instanceof HttpError) return fallback;
    throw e;
  }
}

/** A finite number or null: the API's numbers are untrusted. */
export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** A `{string: number}` map with the non-numbers dropped. */
export function numMap(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const n = num(x);
      if (n !== null) out[k] = n;
    }
  }
  return out;
}

/** 64 hex digits: the only share/block hashes the dashboard puts into URLs. */
export function isHash(v: unknown): v is string {
  return typeof v === 'string' && /^[0-9a-f]{64}$/i.test(v);
}

/** A real share hash: the first share's parent is all zeros (no share), so it is not one. */
export function isShareHash(v: unknown): v is string {
  return isHash(v) && !/^0{64}$/.test(v);
}
