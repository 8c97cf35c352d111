/**
 * The stored shares' verification in the background (ChainState.load({ background: true }),
 * docs/operations.md#startup-time): the node serves work on the stored best share at once,
 * every stored share is still fully checked, a share that fails leaves the chain with what
 * builds on it (and the work moves off it), and a new share (a miner's submit, a peer's) is
 * checked, and the miner answered, only after that verification has finished.
 *
 * Real parts: shares mined by the production generation code, a real SQLite store, the real
 * work layer (PoolWork) on Bitcoin Core's regtest template capture.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseBlockTemplate } from '../../src/chain/block-template.js';
import { ChainState } from '../../src/sharechain/chain-state.js';
import { decodeShare, encodeShare } from '../../src/sharechain/share.js';
import { ShareStore } from '../../src/sharechain/store.js';
import type { P2PoolNetwork } from '../../src/sharechain/networks.js';
import type { Share } from '../../src/sharechain/types.js';
import { PoolWork } from '../../src/work/pool-work.js';
import { ArrayChain } from '../support/array-chain.js';
import { buildChain, emptyTemplate } from '../support/chain-builder.js';
import { ADDRESSES, net, TestChain } from '../p2p/p2p-support.js';

const here = dirname(fileURLToPath(import.meta.url));
const dirs: string[] = [];
const stores: ShareStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function storeWith(shares: readonly Share[], network: P2PoolNetwork = net): ShareStore {
  const dir = mkdtempSync(join(tmpdir(), 'p2pool-stored-verify-'));
  dirs.push(dir);
  const store = ShareStore.open(join(dir, 'shares.sqlite'));
  stores.push(store);
  store.addShares(network.name, shares.map((s) => ({ hash: s.hash, prevHash: s.prevHash, raw: s.raw })));
  return store;
}

/**
 * A share on `parent` with its payout redirected: it decodes (its own PoW holds) but its gentx
 * no longer matches what the chain says it must pay, so verification fails. Kept in the
 * builder's chain so that shares can be mined on top of it.
 */
function badShareOn(chain: TestChain, parent: Share): Share {
  for (let i = 0; i < 50; i++) {
    const good = chain.extend(1, parent.hash)[0]!;
    chain.shares.pop();
    const other = ADDRESSES.find((a) => a !== good.shareInfo.shareData.address)!;
    const raw = encodeShare({ ...good, shareInfo: { ...good.shareInfo, shareData: { ...good.shareInfo.shareData, address: other } } }, net);
    try {
      const bad = decodeShare(raw, net, Date.now());
      chain.array.add(bad);
      chain.shares.push(bad);
      return bad;
    } catch {
      // this redirection broke the share's own PoW; mine another
    }
  }
  throw new Error('no redirected share with a valid PoW in 50 tries');
}

describe('the stored shares verified in the background', () => {
  it('serves a job on the stored best share at once; the check then drops a bad stored share and what builds on it, and the work moves off it', async () => {
    const chain = new TestChain();
    const good = chain.extend(6);
    const bad = badShareOn(chain, good[5]!);
    const above = chain.extend(3, bad.hash);
    const store = storeWith(chain.shares);

    const logs: string[] = [];
    const state = new ChainState({ net, store, log: (level, msg) => logs.push(`${level}: ${msg}`) });
    expect(state.load({ background: true })).toBe(10);
    // Decoded and linked, nothing fully checked yet: the stored best share is the tip.
    expect(state.verifyingStored).toBe(true);
    expect(state.best).toBe(above[2]!.hash);

    const gbt = JSON.parse(readFileSync(join(here, '../fixtures/bitcoin-core-regtest/gbt-height111-24tx.json'), 'utf8')) as Record<string, unknown>;
    const work = new PoolWork({
      net,
      chain: state,
      templates: { current: parseBlockTemplate({ ...gbt, bits: '1d00ffff' }), stale: false },
      submitter: { submitBlock: () => Promise.resolve('test: no block expected') },
      nodeAddress: ADDRESSES[0]!,
    });
    state.on('best', () => work.bestChanged());
    const cleanWork: boolean[] = [];
    work.on('work', (clean) => cleanWork.push(clean));
    const auth = work.authorize(ADDRESSES[1]!);
    if (!auth.ok) throw new Error(auth.reason);
    const bestOfJob = (): string | null => {
      const job = work.makeJob(auth.miner, Buffer.alloc(4));
      if ('unavailable' in job) throw new Error(job.unavailable);
      return (job.context as { target: { best: string | null } }).target.best;
    };
    // The first job, before any stored share is fully checked.
    expect(bestOfJob()).toBe(above[2]!.hash);

    const result = await state.storedVerification;
    // Every share the load would have checked was checked (newest first, as the tracker asks:
    // the three above the bad one before it), the bad one failed.
    expect(result).toMatchObject({ checked: 10, failed: 1, skipped: 0 });
    expect(state.verifyingStored).toBe(false);
    expect(state.best).toBe(good[5]!.hash);
    for (const s of [bad, ...above]) expect(state.tracker.has(s.hash)).toBe(false);
    for (const s of good) expect(state.tracker.isVerified(s.hash)).toBe(true);
    expect(store.loadShares(net.name).map((r) => r.hash).sort()).toEqual(good.map((s) => s.hash).sort());
    // A new best, a new clean job on it.
    expect(cleanWork).toContain(true);
    expect(bestOfJob()).toBe(good[5]!.hash);
    expect(logs.some((l) => l.startsWith('info: verifying 10 stored shares in the background'))).toBe(true);
    expect(logs.some((l) => l.startsWith(`warn: stored share ${bad.hash} failed its verification: gentx doesn't match`) && l.includes('it and 3 shares built on it are dropped'))).toBe(true);
    expect(logs.at(-1)).toMatch(/^info: verified 10 stored shares in the background \(\d+ ms since the load began\): 1 failed; best share /);
  });

  it('starts its checks 0.3 s after the load, or at once when the node says it serves', async () => {
    const chain = new TestChain();
    chain.extend(8);
    const store = storeWith(chain.shares);
    // The clock of the timers only: the checks themselves run for real, synchronously.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    try {
      const waiting = new ChainState({ net, store });
      waiting.load({ background: true });
      const asked = new ChainState({ net, store });
      asked.load({ background: true });
      asked.startStoredVerificationNow();
      // 1 ms on: the slices asked for have run; the other still waits for its 0.3 s.
      vi.advanceTimersByTime(1);
      expect(asked.verifyingStored).toBe(false);
      expect(await asked.storedVerification).toMatchObject({ checked: 8, failed: 0 });
      expect(waiting.verifyingStored).toBe(true);
      vi.advanceTimersByTime(298);
      expect(waiting.verifyingStored).toBe(true);
      // Asking again, or once it has ended, changes nothing.
      asked.startStoredVerificationNow();
      expect(asked.verifyingStored).toBe(false);
      vi.advanceTimersByTime(2);
      expect(waiting.verifyingStored).toBe(false);
      expect(await waiting.storedVerification).toMatchObject({ checked: 8, failed: 0 });
    } finally {
      vi.useRealTimers();
    }
  });

  it("a miner's share during the verification is checked, and answered, only after every stored share is", () => {
    const chain = new TestChain();
    chain.extend(8);
    const store = storeWith(chain.shares);
    const logs: string[] = [];
    const state = new ChainState({ net, store, log: (_level, msg) => logs.push(msg) });
    state.load({ background: true });
    expect(state.verifyingStored).toBe(true);
    let verified: { checked: number; failed: number } | null = null;
    void state.storedVerification.then((v) => (verified = v));

    // addLocalShare is what the work layer calls before it answers the miner's submit.
    const [mine] = chain.extend(1);
    expect(state.addLocalShare(mine!, false)).toBe(true);
    expect(state.verifyingStored).toBe(false);
    expect(logs.filter((l) => l.startsWith('verified 8 stored shares in the background'))).toHaveLength(1);
    // The share itself was checked on the verified chain, and is the best.
    expect(state.tracker.isVerified(mine!.hash)).toBe(true);
    expect(state.best).toBe(mine!.hash);
    // A peer's share finds nothing left to wait for.
    const [theirs] = chain.extend(1);
    expect(state.addShares([theirs!], '127.0.0.9:9333')).toHaveLength(1);
    expect(state.best).toBe(theirs!.hash);
    return Promise.resolve().then(() => expect(verified).toEqual({ checked: 8, failed: 0, skipped: 0, ms: expect.any(Number) as number }));
  });

  it('with more rows than a chain needs, decodes the newest first and the older ones in the background, before the checks', async () => {
    // CHAIN_LENGTH 10: the load decodes the newest 13 rows (CHAIN_LENGTH x 1.25) at once.
    const small: P2PoolNetwork = { ...net, chainLength: 10, realChainLength: 10 };
    const t0 = Math.floor(Date.now() / 1000) - 3600;
    const array = new ArrayChain();
    const spec = (i: number): { address: string; timestamp: number } => ({ address: ADDRESSES[i % 2]!, timestamp: t0 + i * 20 });
    const lower = buildChain(small, emptyTemplate(), Array.from({ length: 16 }, (_, i) => spec(i)), { chain: array }).shares;
    // Share 16 (within the top CHAIN_LENGTH the load checks) pays the wrong miner.
    let bad: Share | undefined;
    for (let i = 0; i < 50 && bad === undefined; i++) {
      const good = buildChain(small, emptyTemplate(), [spec(16 + i)], { chain: new ArrayChain(array.shares.values()), parent: lower[15]!.hash }).shares[0]!;
      const other = ADDRESSES.find((a) => a !== good.shareInfo.shareData.address)!;
      const raw = encodeShare({ ...good, shareInfo: { ...good.shareInfo, shareData: { ...good.shareInfo.shareData, address: other } } }, small);
      try {
        bad = decodeShare(raw, small, Date.now());
      } catch {
        // its PoW broke; mine another
      }
    }
    array.add(bad!);
    const upper = buildChain(small, emptyTemplate(), Array.from({ length: 7 }, (_, i) => spec(80 + i)), { chain: array, parent: bad!.hash }).shares;
    const store = storeWith([...lower, bad!, ...upper], small);
    const logs: string[] = [];
    const state = new ChainState({ net: small, store, log: (_level, msg) => logs.push(msg) });

    expect(state.load({ background: true })).toBe(13);
    expect(state.tracker.size).toBe(13);
    expect(state.best).toBe(upper[6]!.hash);
    expect(state.desired).toEqual([]);
    const result = await state.storedVerification;
    // The top CHAIN_LENGTH of the 24 were checked, as a load of every row at once checks them,
    // and only the bad one failed: the checks ran with the older rows in (their PPLNS windows
    // and heights reach into them).
    expect(result).toMatchObject({ checked: 10, failed: 1 });
    expect(state.best).toBe(lower[15]!.hash);
    expect(state.tracker.size).toBe(16);
    expect(state.tracker.getHeight(lower[15]!.hash)).toBe(16);
    expect(logs.some((l) => /^decoded 11 older stored shares in the background/.test(l))).toBe(true);
    expect(store.count(small.name)).toBe(16);
  });
});
