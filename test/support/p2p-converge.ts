/**
 * Mining a share on one of several peered pool nodes and waiting until every node has the same
 * best share, without the two races that made the P2P integration tests flaky under load:
 *
 * 1. A stopped miner can still have a submit in flight (sent before `stop()`, answered after).
 *    That late share lands on its node after the test has moved on and races the next node's
 *    share for the same parent. `watchMiner` counts submits in flight and `mineShares` waits for
 *    their answers (a Stratum answer is written after the node added the share, so once it is in
 *    no share of that miner is still to come).
 * 2. Two shares on the same parent tie on work; the reference then keeps the one each node saw
 *    first (docs/sharechain.md#best-share; head key: work, punishment, earliest time_seen), so nodes can legitimately
 *    disagree until the next share breaks the tie. `waitForAgreement` tells such a tie (every
 *    node holds, verified, every node's best, and they still differ) from slow relay, and breaks
 *    it by mining one more share; anything else just gets a generous time and a diagnosis.
 */
import type { ShareHash } from '../../src/sharechain/types.js';
import type { TestPoolNode } from './pool-node.js';
import { StratumTestMiner } from './stratum-miner.js';
import { waitFor } from './wait.js';

const inFlight = new WeakMap<StratumTestMiner, { n: number }>();

/** Count the miner's requests in flight (call right after creating it, before it mines). */
export function watchMiner(miner: StratumTestMiner): StratumTestMiner {
  const count = { n: 0 };
  inFlight.set(miner, count);
  const call = miner.call.bind(miner);
  miner.call = (method, params) => {
    count.n++;
    return call(method, params).finally(() => count.n--);
  };
  return miner;
}

/** Stop the miner and wait until every request it sent was answered. */
export async function stopMiner(miner: StratumTestMiner, ms = 30_000): Promise<void> {
  miner.stop();
  const count = inFlight.get(miner);
  if (!count) throw new Error('stopMiner: the miner was not passed to watchMiner');
  await waitFor('the stopped miner\'s submits answered', () => count.n === 0, ms);
}

/**
 * Mine on `pool` until `done()` holds (default: its best share is a new one paying `payee`),
 * then stop the miner and drain its submits. Returns the pool's best share.
 */
export async function mineShares(
  pool: TestPoolNode,
  miner: StratumTestMiner,
  opts: { payee?: string; done?: () => boolean; what?: string; ms?: number },
): Promise<ShareHash> {
  const chain = pool.node.chain;
  const before = chain.best;
  const done = opts.done ?? (() => chain.best !== before && chain.bestShare?.payee === opts.payee);
  miner.start();
  try {
    await waitFor(opts.what ?? `a share paying ${opts.payee}`, done, opts.ms ?? 120_000);
  } finally {
    await stopMiner(miner);
  }
  return chain.best!;
}

/**
 * A new miner for `username` on `pool` mines until the pool's chain is `shares` higher, then
 * stops and drains (a submit still in flight after stop() would land later and race the next
 * miner's share for the same parent) and disconnects. The miner is pushed onto `track` so a
 * test's afterAll can close it even when this throws.
 */
export async function mineOnNewMiner(pool: TestPoolNode, username: string, shares: number, track: StratumTestMiner[]): Promise<void> {
  const chain = pool.node.chain;
  const start = chain.tracker.getHeight(chain.best);
  const m = watchMiner(new StratumTestMiner({ port: pool.node.boundWorkerPort, username, onePerJob: true }));
  track.push(m);
  await m.connect();
  const login = await m.login();
  if (login.result !== true) throw new Error(`miner ${username} not authorized: ${JSON.stringify(login.error)}`);
  await mineShares(pool, m, { done: () => chain.tracker.getHeight(chain.best) >= start + shares, what: `${shares} shares from ${username}` });
  m.close();
}

/** One line per node: its best share, height, heads and whether it holds the others' bests. */
export function describeNodes(pools: readonly TestPoolNode[]): string {
  const bests = pools.map((p) => p.node.chain.best);
  return pools
    .map((p, i) => {
      const c = p.node.chain;
      const t = c.tracker;
      const heads = [...t.verified.heads().keys()].map((h) => `${h.slice(0, 12)}@${t.getHeight(h)}`).join(' ');
      const missing = bests.filter((b) => b !== null && !t.isVerified(b)).map((b) => b!.slice(0, 12));
      return `node ${i}: best ${c.best?.slice(0, 12) ?? 'none'} height ${t.getHeight(c.best)} verified heads [${heads}]` +
        ` missing others' bests [${missing.join(' ')}] peers ${p.node.p2p?.readyPeers().length ?? '-'}`;
    })
    .join('\n');
}

/** Every node holds (verified) every node's best share, yet the bests differ: a first-seen tie. */
export function isFirstSeenTie(pools: readonly TestPoolNode[]): boolean {
  const bests = pools.map((p) => p.node.chain.best);
  if (bests.some((b) => b === null) || bests.every((b) => b === bests[0])) return false;
  return pools.every((p) => bests.every((b) => p.node.chain.tracker.isVerified(b!)));
}

/**
 * Wait until all `pools` have the same best share and return it. A first-seen tie that holds
 * for `tieGraceMs` is broken by `breakTie` (mine one more share somewhere), at most
 * `maxTieBreaks` times. `ms` is the bound for relay: generous, since a loaded 2-core machine can
 * stall a node's event loop for seconds. On timeout the error describes every node.
 */
export async function waitForAgreement(
  pools: readonly TestPoolNode[],
  opts: { breakTie?: () => Promise<unknown>; maxTieBreaks?: number; ms?: number; tieGraceMs?: number; log?: (msg: string) => void } = {},
): Promise<ShareHash> {
  const ms = opts.ms ?? 60_000;
  const tieGraceMs = opts.tieGraceMs ?? 1_000;
  let breaks = 0;
  for (;;) {
    let tieSince: number | null = null;
    const outcome = await waitFor('all nodes agree on the best share', () => {
      const best = pools[0]!.node.chain.best;
      if (best !== null && pools.every((p) => p.node.chain.best === best)) return { best };
      if (!isFirstSeenTie(pools)) tieSince = null;
      else if (tieSince === null) tieSince = Date.now();
      else if (opts.breakTie && Date.now() - tieSince >= tieGraceMs) return { tie: describeNodes(pools) };
      return null;
    }, ms).catch((e: Error) => {
      throw new Error(`${e.message}\n${describeNodes(pools)}`);
    });
    if (outcome.best !== undefined) return outcome.best;
    if (++breaks > (opts.maxTieBreaks ?? 3)) throw new Error(`still tied after ${breaks - 1} tie-breaking shares\n${outcome.tie}`);
    opts.log?.(`first-seen tie, mining one more share to break it:\n${outcome.tie}`);
    await opts.breakTie!();
  }
}
