/**
 * The pool-wide endpoints (docs/api.md): /rate, /difficulty, /users, /user_stales,
 * /current_payouts, /patron_sendmany, /global_stats, /stale_rates, /recent_blocks and
 * /web/currency_info. Amounts the reference gives in coins stay in coins. Everything that walks
 * the chain is cached per best share (and template, for payouts).
 */
import { randomInt } from 'node:crypto';
import { bitsToDifficulty } from '../bitcoin/target.js';
import type { ChainName } from '../bitcoin/chain-params.js';
import type { ApiContext } from './api-context.js';
import { ApiError, json, type ApiBody } from './http-json.js';
import type { NodeView } from './node-view.js';

/** /rate: pool hash rate over min(height, 720) shares, stales included (÷ (1 − stale share)). */
export function poolRate(ctx: ApiContext): number {
  return ctx.node.stats.poolRate();
}

/** Expected payouts in satoshis (docs/api.md#pool), cached per best share and template. */
export function currentPayoutsSat(ctx: ApiContext): Map<string, bigint> {
  const t = ctx.node.templates.current;
  if (!t) return new Map<string, bigint>();
  return ctx.node.stats.expectedPayouts(t.bits, t.coinbaseValue);
}

export function currentPayouts(ctx: ApiContext): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [addr, sat] of currentPayoutsSat(ctx)) out[addr] = Number(sat) / 1e8;
  return out;
}

/** Satoshis from a coin amount in a URL: finite, not negative, at most 21 million coins. */
function parseCoins(s: string, what: string): bigint {
  if (!/^\d{1,8}(\.\d{1,8})?$/.test(s)) throw new ApiError(400, `${what} must be a coin amount like 1.5`);
  const [whole, frac = ''] = s.split('.') as [string, string?];
  const sat = BigInt(whole) * 100_000_000n + BigInt(frac.padEnd(8, '0'));
  if (sat > 21_000_000n * 100_000_000n) throw new ApiError(400, `${what} is more than 21 million coins`);
  return sat;
}

/** Weighted random pick (the reference's math.weighted_choice). */
function weightedChoice(entries: Array<[string, bigint]>): string {
  const total = entries.reduce((s, [, v]) => s + v, 0n);
  if (total <= 0n) return entries[0]![0];
  // randomInt covers 48 bits; scale the total down to it (fine for choosing, not for paying).
  const scale = total > 2n ** 47n ? total / 2n ** 47n + 1n : 1n;
  let r = BigInt(randomInt(0, Number(total / scale) + 1)) * scale;
  for (const [k, v] of entries) {
    if (r < v) return k;
    r -= v;
  }
  return entries[entries.length - 1]![0];
}

/**
 * /patron_sendmany/<total>[/<trunc>] (reference get_current_scaled_txouts): the current
 * payouts scaled to `total` coins, as a sendmany map (text/plain JSON, as the reference). The
 * outputs below `trunc` (default 0.01) are lumped into one of them chosen at random by weight,
 * and rounding dust goes to a random output by weight. (JT's own endpoint fails on every call.)
 */
export function patronSendmany(ctx: ApiContext, totalArg: string | undefined, truncArg: string | undefined): ApiBody {
  if (totalArg === undefined) return { kind: 'text', text: 'need total argument. go to patron_sendmany/<TOTAL>' };
  const scale = parseCoins(totalArg, 'total');
  const trunc = truncArg === undefined ? 1_000_000n : parseCoins(truncArg, 'trunc');
  const txouts = currentPayoutsSat(ctx);
  const sum = [...txouts.values()].reduce((s, v) => s + v, 0n);
  if (sum === 0n) throw new ApiError(503, 'no payouts yet (no best share or no block template)');
  const results = new Map<string, bigint>();
  for (const [k, v] of txouts) results.set(k, (v * scale) / sum);
  if (trunc > 0n) {
    const small = [...results].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).filter(([, v]) => v < trunc);
    const lumped = small.reduce((s, [, v]) => s + v, 0n);
    if (lumped > 0n) {
      const winner = weightedChoice(small);
      for (const [k] of small) results.delete(k);
      results.set(winner, lumped);
    }
  }
  const paid = [...results.values()].reduce((s, v) => s + v, 0n);
  if (paid < scale && results.size > 0) {
    const k = weightedChoice([...results]);
    results.set(k, results.get(k)! + scale - paid);
  }
  const out: Record<string, number> = {};
  for (const [k, v] of results) out[k] = Number(v) / 1e8;
  return { kind: 'text', text: JSON.stringify(out) };
}

/** /global_stats: null under 10 shares, as the reference. */
export function globalStats(ctx: ApiContext): Record<string, number> | null {
  const n = ctx.node;
  const pool = n.stats.hourPool();
  if (pool === null) return null;
  const t = n.templates.current;
  const diff = t ? bitsToDifficulty(t.bits) : 0;
  return {
    pool_nonstale_hash_rate: pool.rate,
    pool_hash_rate: pool.rate / (1 - pool.staleProp),
    pool_stale_prop: pool.staleProp,
    min_difficulty: n.stats.minDifficulty(),
    network_block_difficulty: diff,
    // The reference's floor division of a float: 0.0 on regtest.
    network_hashrate: Math.floor((diff * 2 ** 32) / n.config.net.parent.blockPeriod),
  };
}

/** Explorer links per parent chain (the reference's *_EXPLORER_URL_PREFIX network constants). */
const EXPLORERS: Partial<Record<ChainName, { block: string; address: string; tx: string }>> = {
  bitcoin: { block: 'https://blockstream.info/block/', address: 'https://blockstream.info/address/', tx: 'https://blockstream.info/tx/' },
  testnet: { block: 'https://blockstream.info/testnet/block/', address: 'https://blockstream.info/testnet/address/', tx: 'https://blockstream.info/testnet/tx/' },
  testnet4: { block: 'https://mempool.space/testnet4/block/', address: 'https://mempool.space/testnet4/address/', tx: 'https://mempool.space/testnet4/tx/' },
  signet: { block: 'https://mempool.space/signet/block/', address: 'https://mempool.space/signet/address/', tx: 'https://mempool.space/signet/tx/' },
  litecoin: { block: 'https://chainz.cryptoid.info/ltc/block.dws?', address: 'https://chainz.cryptoid.info/ltc/address.dws?', tx: 'https://chainz.cryptoid.info/ltc/tx.dws?' },
  'litecoin-testnet': { block: 'https://chain.so/block/LTCTEST/', address: 'https://chain.so/address/LTCTEST/', tx: 'https://chain.so/tx/LTCTEST/' },
  namecoin: { block: 'https://chainz.cryptoid.info/nmc/block.dws?', address: 'https://chainz.cryptoid.info/nmc/address.dws?', tx: 'https://chainz.cryptoid.info/nmc/tx.dws?' },
};

export function currencyInfo(n: NodeView): Record<string, string> {
  const parent = n.config.net.parent;
  // Regtest has no explorer: '#' as the reference's btcregtest answers.
  const e = EXPLORERS[parent.name] ?? { block: '#', address: '#', tx: '#' };
  return {
    symbol: parent.symbol,
    block_explorer_url_prefix: e.block,
    address_explorer_url_prefix: e.address,
    tx_explorer_url_prefix: e.tx,
  };
}

/** The exact-path pool endpoints; undefined when `path` is not one of them. */
export function poolEndpoint(ctx: ApiContext, path: string): ApiBody | undefined {
  const n = ctx.node;
  const stats = n.stats;
  switch (path) {
    case '/rate':
      return json(poolRate(ctx));
    case '/difficulty':
      return json(stats.minDifficulty());
    case '/users':
      return json(stats.users());
    case '/user_stales':
      return json(stats.userStales());
    case '/current_payouts':
      return json(currentPayouts(ctx));
    case '/global_stats':
      return json(globalStats(ctx));
    case '/stale_rates':
      return json(stats.staleRates());
    case '/recent_blocks':
      return json(stats.recentBlocks());
    case '/fee':
      return json(n.config.feePercent);
    case '/payout_addr':
      return json(n.payoutAddress);
    case '/payout_addrs':
      return json([n.payoutAddress]);
    case '/uptime':
      return json((ctx.now - n.startedAt) / 1000);
    case '/web/currency_info':
      return json(currencyInfo(n));
    case '/web/version':
      return json(n.config.version);
    default:
      return undefined;
  }
}
