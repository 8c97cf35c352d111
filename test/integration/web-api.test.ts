/**
 * Issue 6's API on a live node: bcoin regtest (segwit active), one of our nodes with P2P on,
 * two real Stratum miners mining shares and blocks. Then every endpoint of the reference
 * capture (test/fixtures/p2pool-reference-node/web-capture.json) is asked of our node and its
 * shape held against the reference's; values are checked against the tracker, against bcoin,
 * and against each other (payouts sum to the block value, user fractions to 1). /metrics is
 * parsed strictly. Finally the node is restarted on its data directory and the graphs are
 * still there.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptToAddress } from '../../src/bitcoin/address.js';
import { getChainParams } from '../../src/bitcoin/chain-params.js';
import { hash160 } from '../../src/bitcoin/hash.js';
import { hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { p2pkhScript, witnessScript } from '../../src/bitcoin/script.js';
import type { P2PoolNode } from '../../src/node/node.js';
import { startBcoinNode, type BcoinNode } from '../support/bcoin-node.js';
import { startPoolNode, type TestPoolNode } from '../support/pool-node.js';
import { StratumTestMiner } from '../support/stratum-miner.js';
import { waitFor } from '../support/wait.js';
import { compareShape, type ShapeOptions } from '../web/shape.js';
import { parsePrometheusText } from '../web/prom-text.js';

const regtest = getChainParams('regtest');
const addr = (script: Buffer): string => scriptToAddress(script, regtest)!;
const MINER_A = addr(witnessScript(0, hash160(Buffer.from('web api miner a'))));
const MINER_B = addr(p2pkhScript(hash160(Buffer.from('web api miner b'))));
const NODE = addr(witnessScript(0, hash160(Buffer.from('web api node'))));

const capture = JSON.parse(readFileSync(new URL('../fixtures/p2pool-reference-node/web-capture.json', import.meta.url), 'utf8')) as Record<
  string,
  { status: number; content_type: string; body: string | null }
>;
const REF_BEST = '0000000ebf4d8d400a2b077b86a287bb534f0e8f9ae522d429453dd80555875d';
const ZERO = '0'.repeat(64);

let bcoin: BcoinNode;
let pool: TestPoolNode;
let node: P2PoolNode;
const miners: StratumTestMiner[] = [];
const logs: string[] = [];

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(path: string, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: node.boundWorkerPort, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function getJson(path: string): Promise<unknown> {
  const r = await get(path);
  expect(r.status, path).toBe(200);
  expect(r.headers['content-type'], path).toBe('application/json');
  expect(r.headers['access-control-allow-origin'], path).toBe('*');
  return JSON.parse(r.body.toString('utf8')) as unknown;
}

beforeAll(async () => {
  bcoin = await startBcoinNode();
  pool = await startPoolNode({ bcoin, address: NODE, log: (level, msg) => logs.push(`${level} ${msg}`), p2p: {} });
  node = pool.node;
  // `+D` (clamped up to regtest's minimum, so the same work as without it) must not show in
  // the hash-rate keys: the reference keys them by the name before `+`/`/`, worker kept.
  for (const username of [`${MINER_A}.rig1+1e-30`, MINER_B]) {
    const m = new StratumTestMiner({ port: node.boundWorkerPort, username, onePerJob: true });
    await m.connect();
    expect((await m.login()).result).toBe(true);
    m.start();
    miners.push(m);
  }
  // Enough shares for /global_stats (10+) and a few graph samples (every 5 s).
  await waitFor('30 shares, blocks accepted and both miners paid', () => {
    const payees = new Set([...node.chain.tracker.all.items()].map((s) => s.payee));
    return node.chain.tracker.getHeight(node.chain.best) >= 30 && node.work.counters.blocksAccepted >= 3 && payees.has(MINER_A) && payees.has(MINER_B);
  }, 150_000);
  for (const m of miners) m.stop();
  // Let submissions in flight land, then a sample after the last share.
  await new Promise((r) => setTimeout(r, 500));
}, 240_000);

afterAll(async () => {
  for (const m of miners) m.close();
  await pool?.stop();
  await bcoin?.stop();
});

/** Poll an async condition every 200 ms until it holds; fail naming `what` after `ms`. */
async function waitForAsync(what: string, fn: () => Promise<boolean>, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Our path for a captured path (the captured hashes are the reference's shares). */
function ourPath(path: string): string {
  return path.replace(REF_BEST, node.chain.best!).replace('000000165e22c101d497a5e17cc464eb99a68d9225b5161fc37033390d210c13', node.chain.bestShare!.prevHash!);
}

const MAP_ENDPOINTS = ['/users', '/user_stales', '/current_payouts', '/stale_rates', '/pings', '/peer_versions', '/peer_txpool_sizes'];
const SHARE_OPTS: ShapeOptions = { nullable: ['$.share_data.stale_info', '$.local.peer_first_received_from'] };

function shapeOptions(path: string): ShapeOptions {
  if (MAP_ENDPOINTS.includes(path)) return { maps: ['$'] };
  if (path === '/local_stats') {
    return {
      maps: ['$.miner_hash_rates', '$.miner_dead_hash_rates', '$.miner_last_difficulties'],
      extra: ['$.blocks', '$.block_template'],
      nullable: ['$.my_stale_proportions_in_last_hour.stale', '$.my_stale_proportions_in_last_hour.orphan_stale', '$.my_stale_proportions_in_last_hour.dead_stale'],
    };
  }
  if (path === '/web/log') return { maps: ['$[*].local_hash_rates', '$[*].local_dead_hash_rates'] };
  if (path.startsWith('/web/share/')) return SHARE_OPTS;
  if (path === '/recent_blocks') return { nullable: ['$[*].number'] };
  // Graph points: [center, value, width, default]; a multi-valued value is a map.
  if (path.startsWith('/web/graph_data/')) return { maps: ['$[*][*]'] };
  return {};
}

describe('the JSON API of a node mining on bcoin regtest', () => {
  it('answers every captured reference endpoint with the reference shape', async () => {
    let compared = 0;
    for (const [path, ref] of Object.entries(capture)) {
      // Not the API: the dashboard, the 404 page, the reference's own errors and ones that
      // differ on purpose (unknown share -> 404 here, docs/api.md).
      if (path === '/' || path === '/static/' || path === '/no_such_path' || ref.status !== 200 || path.includes(ZERO)) continue;
      if (ref.content_type !== 'application/json') continue;
      const ours = await getJson(ourPath(path));
      const errors = compareShape(JSON.parse(ref.body!), ours, shapeOptions(path));
      expect(errors, path).toEqual([]);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(35);
  });

  it('pays the block value in /current_payouts and splits /users into fractions summing to 1', async () => {
    const payouts = (await getJson('/current_payouts')) as Record<string, number>;
    const value = node.templates.current!.coinbaseValue;
    const sat = Object.values(payouts).reduce((s, v) => s + Math.round(v * 1e8), 0);
    expect(sat).toBe(value);
    // On regtest the window (SPREAD blocks' worth of work) is a few shares: the best share's
    // payee is paid; every key is one of our miners or the donation, whose regtest address the
    // reference's capture shows (mzW2hd...).
    expect(payouts[node.chain.bestShare!.payee]).toBeGreaterThan(0);
    const donation = Object.keys(JSON.parse(capture['/current_payouts']!.body!) as object).find((k) => k.startsWith('mzW2'))!;
    expect(donation).toBe('mzW2hdZN2um7WBvTDerdahKqRgj3md9C29');
    expect(Object.keys(payouts)).toContain(donation);
    for (const k of Object.keys(payouts)) expect([MINER_A, MINER_B, donation]).toContain(k);
    const users = (await getJson('/users')) as Record<string, number>;
    expect(Object.values(users).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
    expect(Object.keys(users).sort()).toEqual(expect.arrayContaining([MINER_A, MINER_B]));
    // sendmany scaled to 1 coin: a text/plain JSON map that adds up to exactly 1 coin.
    const r = await get('/patron_sendmany/1');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    const sendmany = JSON.parse(r.body.toString()) as Record<string, number>;
    expect(Object.values(sendmany).reduce((s, v) => s + Math.round(v * 1e8), 0)).toBe(100_000_000);
    expect((await get('/patron_sendmany')).body.toString()).toBe('need total argument. go to patron_sendmany/<TOTAL>');
  });

  it('shows the best share as the tracker has it, with exact big integers and its real gentx', async () => {
    const best = node.chain.bestShare!;
    expect(await getJson('/web/best_share_hash')).toBe(best.hash);
    const raw = (await get(`/web/share/${best.hash}`)).body.toString();
    const s = JSON.parse(raw) as {
      parent: string;
      children: string[];
      local: { verified: boolean };
      share_data: { payout_address: string; absheight: number; nonce: number };
      block: { hash: string; header: { previous_block: string; nonce: number }; gentx: { hash: string; raw: string; value: number } };
    };
    expect(s.parent).toBe(best.prevHash);
    expect(s.block.hash).toBe(best.hash);
    expect(s.share_data.payout_address).toBe(best.payee);
    expect(s.share_data.absheight).toBe(best.shareInfo.absheight);
    expect(s.block.header.nonce).toBe(best.minHeader.nonce);
    expect(s.local.verified).toBe(true);
    // 256-bit targets are written as exact integers, not rounded doubles.
    expect(raw).toContain(`"target":${best.target.toString()}`);
    expect(raw).toContain(`"max_target":${best.maxTarget.toString()}`);
    // The raw gentx hashes to the share's gentx hash (sha256d, shown reversed).
    const txid = createHash('sha256').update(createHash('sha256').update(Buffer.from(s.block.gentx.raw, 'hex')).digest()).digest();
    expect(Buffer.from(txid).reverse().toString('hex')).toBe(s.block.gentx.hash);
    expect(s.block.gentx.hash).toBe(hashToDisplayHex(best.gentxHash));
    // The parent lists the best share among its children.
    const parent = (await getJson(`/web/share/${best.prevHash}`)) as { children: string[] };
    expect(parent.children).toContain(best.hash);
    expect(await getJson(`/web/payout_address/${best.hash}`)).toBe(best.payee);
    const data = await get(`/web/share_data/${best.hash}`);
    expect(data.headers['content-type']).toBe('application/octet-stream');
    expect(data.body.equals(best.raw)).toBe(true);
    expect((await getJson('/web/heads')) as string[]).toContain(best.hash);
    expect((await getJson('/web/verified_heads')) as string[]).toContain(best.hash);
    const mine = (await getJson('/web/my_share_hashes')) as string[];
    expect(mine).toContain(best.hash);
    expect(((await getJson('/web/my_share_hashes50')) as string[]).length).toBeLessThanOrEqual(50);
  });

  it('lists recent blocks that are in bcoin\'s chain at their height', async () => {
    const blocks = (await getJson('/recent_blocks')) as Array<{ hash: string; number: number; share: string; ts: number }>;
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    // Every listed block, newest first: on regtest several shares solve a block at the same
    // height, and with the miners still running the newest few can all have lost their race
    // (or not be connected yet) when bcoin is asked; one of them is in the chain. (The first 5
    // alone were not enough once under CI's load, 2026-12-07.)
    for (const b of blocks) {
      expect(b.share).toBe(b.hash);
      const r = (await bcoin.rpc('getblockhash', [b.number])).body as { result: string };
      if (r.result === b.hash) return;
    }
    throw new Error('no recent block found in bcoin at its height');
  });

  it('reports this node and its miners in /local_stats, /global_stats and /difficulty', async () => {
    const local = (await getJson('/local_stats')) as Record<string, unknown> & { miner_hash_rates: Record<string, number>; miner_last_difficulties: Record<string, number>; shares: { total: number } };
    expect(Object.keys(local.miner_hash_rates).sort()).toEqual([`${MINER_A}.rig1`, MINER_B].sort());
    expect(Object.keys(local.miner_last_difficulties).sort()).toEqual([MINER_A, MINER_B].sort());
    expect(local.shares.total).toBe(node.work.counters.shares);
    expect(local.block_value).toBe(node.templates.current!.coinbaseValue / 1e8);
    expect(local.protocol_version).toBe(3501);
    const best = node.chain.bestShare!;
    // Difficulty 1 is target 0xffff * 2^208 (reference target_to_difficulty).
    const diff = Number(0xffffn << 208n) / Number(best.maxTarget + 1n);
    expect(await getJson('/difficulty')).toBeCloseTo(diff, 12);
    const global = (await getJson('/global_stats')) as Record<string, number>;
    expect(global.min_difficulty).toBeCloseTo(diff, 12);
    expect(global.pool_hash_rate).toBeGreaterThan(0);
    expect(global.network_hashrate).toBe(0); // regtest, as the reference shows
    expect(await getJson('/rate')).toBeGreaterThan(0);
    expect(await getJson('/web/currency_info')).toEqual({ symbol: regtest.symbol, block_explorer_url_prefix: '#', address_explorer_url_prefix: '#', tx_explorer_url_prefix: '#' });
    expect(await getJson('/peer_addresses')).toBe('');
    expect(await getJson('/web/merged_stats')).toEqual([]);
    const lines = (await getJson('/web/log_lines')) as Array<{ msg: string }>;
    expect(lines.some((l) => l.msg.includes('payout address'))).toBe(true);
  });

  it('answers bad parameters with 400 and unknown things with 404, HEAD without a body', async () => {
    for (const [path, status] of [
      ['/web/share/nothex', 400],
      [`/web/share/${ZERO}`, 404],
      [`/web/share_data/${ZERO}`, 404],
      [`/web/payout_address/${ZERO}`, 404],
      ['/web/graph_data/no_such_stream/last_hour', 404],
      ['/web/graph_data/pool_rates/last_decade', 404],
      ['/patron_sendmany/lots', 400],
      ['/patron_sendmany/1/-1', 400],
    ] as const) {
      const r = await get(path);
      expect(r.status, path).toBe(status);
      expect(JSON.parse(r.body.toString()), path).toHaveProperty('error');
    }
    expect((await get('/no_such_path')).status).toBe(404);
    const head = await get('/rate', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
  });

  it('serves /metrics in the Prometheus text format with the node\'s series', async () => {
    // Early relay's counters, as the P2P layer counts them (its own test drives them over TCP):
    // the scrape reports what is counted, not zeros.
    Object.assign(node.p2p!.earlyRelay, { shares: 5, sends: 9, failedVerification: 1, notBanned: 1 });
    const r = await get('/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const f = parsePrometheusText(r.body.toString());
    const value = (name: string, labels: Record<string, string> = {}): number | undefined =>
      f.get(name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
    const c = node.work.counters;
    expect(value('p2pool_shares_total', { kind: 'ours' })).toBe(c.shares);
    expect(value('p2pool_blocks_found_total')).toBe(c.blocksFound);
    expect(value('p2pool_blocks_accepted_total')).toBe(c.blocksAccepted);
    expect(f.get('p2pool_blocks_rejected_total')!.type).toBe('counter');
    expect(value('p2pool_pool_hashrate')).toBeGreaterThan(0);
    expect(value('p2pool_local_hashrate')).toBeGreaterThan(0);
    expect(value('p2pool_miner_hashrate', { miner: MINER_B })).toBeGreaterThan(0);
    expect(value('p2pool_peers', { direction: 'in' })).toBe(0);
    expect(f.get('p2pool_p2p_bytes_total')!.type).toBe('counter');
    expect(value('p2pool_p2p_bytes_total', { direction: 'in' })).toBe(node.p2p?.traffic.bytesIn ?? 0);
    expect(value('p2pool_p2p_bytes_total', { direction: 'out' })).toBe(node.p2p?.traffic.bytesOut ?? 0);
    expect(f.get('p2pool_p2p_early_relay_total')!.type).toBe('counter');
    expect(value('p2pool_p2p_early_relay_total', { event: 'shares' })).toBe(5);
    expect(value('p2pool_p2p_early_relay_total', { event: 'sends' })).toBe(9);
    expect(value('p2pool_p2p_early_relay_total', { event: 'failed_verification' })).toBe(1);
    expect(value('p2pool_p2p_early_relay_total', { event: 'not_banned' })).toBe(1);
    expect(value('p2pool_synced')).toBe(1);
    expect(value('p2pool_template_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(value('p2pool_job_latency_seconds')).toBeGreaterThanOrEqual(0);
    expect(value('p2pool_stratum_submits_total', { result: 'received' })).toBe(node.stratum.stats.submits);
    expect(value('p2pool_sharechain_shares', { set: 'all' })).toBe(node.chain.tracker.size);
    expect(value('p2pool_store_size_bytes')).toBeGreaterThan(0);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(f.has('p2pool_aux_blocks_total')).toBe(true);
  });

  it('keeps its graphs across a restart on the same data directory', async () => {
    const graph = async (): Promise<Array<[number, number, number, number]>> =>
      (await getJson('/web/graph_data/local_hash_rate/last_hour')) as Array<[number, number, number, number]>;
    // Samples are taken every 5 s into 24 s bins: wait for a full bin with hash rate in it.
    await waitForAsync('a full graph bin with our hash rate', async () => (await graph()).some((p) => p[1] > 0 && p[2] === 24), 90_000);
    expect(await graph()).toHaveLength(150);
    const before = (await graph()).filter((p) => p[1] > 0 && p[2] === 24);
    const datadir = pool.datadir;
    for (const m of miners) m.close();
    miners.length = 0;
    await node.stop();
    pool = await startPoolNode({ bcoin, address: NODE, datadir, log: (level, msg) => logs.push(`${level} ${msg}`), p2p: {} });
    node = pool.node;
    const after = await graph();
    // Every full bin that had hash rate before the restart is still there, same value.
    for (const p of before) {
      const q = after.find((x) => x[0] === p[0]);
      expect(q?.[1]).toBeCloseTo(p[1], 6);
    }
    expect(logs.some((l) => /stats history .* cannot be used/.test(l))).toBe(false);
  });
});
