/**
 * The tracker on real shares: chains mined by the chain builder (production generation code)
 * on regtest constants, verified by the tracker with verifyShare, payouts checked against a
 * PPLNS computation written here from the reference text (docs/sharechain.md#pplns), and chain choice
 * between competing chains.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bitsToTarget, targetToBitsUpperBound } from '../../src/bitcoin/target.js';
import { toHex } from '../../src/bitcoin/hex.js';
import type { BuiltGentx } from '../../src/sharechain/gentx.js';
import { getP2PoolNetwork } from '../../src/sharechain/networks.js';
import { chooseBest, think } from '../../src/sharechain/score.js';
import { ShareTracker } from '../../src/sharechain/tracker.js';
import type { Share, StaleInfo } from '../../src/sharechain/types.js';
import { verifyShareDetailed } from '../../src/sharechain/verify.js';
import { ArrayChain } from '../support/array-chain.js';
import { buildChain, emptyTemplate, type ShareSpec } from '../support/chain-builder.js';

/**
 * Regtest constants (CHAIN_LENGTH 360, SPREAD 3, TARGET_LOOKBEHIND 200, SHARE_PERIOD 30) with
 * MAX_TARGET 2**250 instead of 2**255: the retarget's pool rate is an integer number of attempts
 * per second (docs/sharechain.md#generation-transaction-buildgentx), which with regtest's 2-attempt shares never reaches the 16/s needed to move
 * below MAX_TARGET; 64-attempt shares let fast stretches tighten it.
 */
const net = { ...getP2PoolNetwork('regtest'), maxTarget: 1n << 250n };
/** Regtest addresses and their scripts (Bitcoin Core key_io_valid.json). */
const MINERS: Array<[string, string]> = [
  ['n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ', '76a914fdeca3b08e38af53d7c4c60e3ad208ce5066441088ac'],
  ['2MxFajLApXpYk4VodBSZSt7rw8y4ryABkfA', 'a91436e9f191e0b75036a77f65e2eaa4752443233fbe87'],
  ['bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9', '00146f58bac9506f9bfb821d62e69330410bb56f0085'],
  ['bcrt1qan8gntac7z7me2ejt4hpru42ad2f759fmy0m3ejvs98656znv7eqga4uhv', '0020ecce89afb8f0bdbcab325d6e11f2aaeb549f50a9d91fb8e64c814faa685367b2'],
];
const SCRIPT = new Map(MINERS);
const DONATION_SCRIPT =
  '4104ffd03de44a6e11b9917f3a29f9443283d9871c9d743ef30d5eddcd37094b64d1b3d8090496b53256786bf5c82932ec23c3b74d9f05a6f95a8b5529352656664bac';
/** A block worth 60 minimum-difficulty shares: SPREAD blocks = 180, so later windows are cut by work. */
const template = emptyTemplate({ bits: targetToBitsUpperBound((1n << 256n) / (64n * 60n)) });
/** The block target as the shares carry it (compact bits round it down). */
const BLOCK_TARGET = bitsToTarget(template.bits);
const T0 = 1_700_000_000;

/** Deterministic pseudo-random stream. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2147483648);
}

/** Share specs with fixed timestamps (for chains whose retarget stays at MAX_TARGET). */
function specs(n: number, seed: number, opts: { hardness?: (i: number) => bigint } = {}): ShareSpec[] {
  const rnd = lcg(seed);
  let t = T0;
  const out: ShareSpec[] = [];
  for (let i = 0; i < n; i++) {
    const x = rnd();
    t += 30 + (x % 30);
    out.push({ address: MINERS[(x >>> 8) % MINERS.length]![0], timestamp: t, desiredTarget: net.maxTarget / (opts.hardness ? opts.hardness(i) : 1n) });
  }
  return out;
}

/**
 * Mine `n` shares as a pool whose hash rate changes every 150 shares (fast, slow, ...): each
 * share's timestamp follows from the previous share's minimum difficulty and the current rate,
 * so the retarget moves both ways without running away. Miners of every address type, harder
 * desired targets (up to 4x), some donation and stale_info.
 */
function mineIrregular(n: number, seed: number): Share[] {
  const rnd = lcg(seed);
  const chain = new ArrayChain();
  const shares: Share[] = [];
  let t = T0;
  for (let i = 0; i < n; i++) {
    const x = rnd();
    const prev = shares[i - 1];
    const minWork = prev ? prev.minWork : (1n << 256n) / (net.maxTarget + 1n);
    // Pool hash rate in attempts per second: 8 makes max-target shares (64 attempts) come every
    // 8 s, so the retarget tightens towards 30 s; 1.6 makes them 40 s apart and it relaxes.
    const rate = Math.floor(i / 150) % 2 === 0 ? 8 : 1.6;
    t += Math.max(1, Math.round((Number(minWork) / rate) * (0.5 + (x % 100) / 100)));
    const stale: StaleInfo = i % 37 === 5 ? 'orphan' : i % 53 === 7 ? 'doa' : 'none';
    const spec: ShareSpec = {
      address: MINERS[(x >>> 8) % MINERS.length]![0],
      timestamp: t,
      desiredTarget: net.maxTarget / (1n + BigInt((x >>> 4) % 4)),
      donation: i % 11 === 0 ? 655 : 0,
      staleInfo: stale,
    };
    shares.push(buildChain(net, template, [spec], { chain, parent: prev ? prev.hash : null }).shares[0]!);
  }
  return shares;
}

/** docs/sharechain.md#pplns, written out plainly over an array (oldest first). */
function expectedPayouts(chain: Share[], i: number): Array<{ script: string; value: number }> {
  const share = chain[i]!;
  const subsidy = BigInt(share.shareInfo.shareData.subsidy);
  const heightOfPrev = i; // shares 0..i-1 below share i
  const maxShares = Math.max(0, Math.min(heightOfPrev, net.realChainLength) - 1);
  const blockWork = (1n << 256n) / (BLOCK_TARGET + 1n);
  const desired = 65535n * BigInt(net.spread) * blockWork;
  const weights = new Map<string, bigint>();
  let total = 0n;
  for (let j = i - 2, n = 0; j >= 0 && n < maxShares && total < desired; j--, n++) {
    const s = chain[j]!;
    const d = BigInt(s.shareInfo.shareData.donation);
    const full = s.work * 65535n;
    const fit = total + full > desired ? (desired - total) / 65535n : s.work; // pro-rated last share
    weights.set(s.payee, (weights.get(s.payee) ?? 0n) + fit * (65535n - d));
    total += fit * 65535n;
  }
  const amounts = new Map<string, bigint>();
  let sum = 0n;
  for (const [payee, w] of weights) {
    const v = (subsidy * 199n * w) / (200n * total);
    amounts.set(payee, v);
    sum += v;
  }
  amounts.set(share.payee, (amounts.get(share.payee) ?? 0n) + subsidy / 200n);
  sum += subsidy / 200n;
  const rows = [...amounts].filter(([, v]) => v > 0n).sort(([pa, va], [pb, vb]) => (va !== vb ? (va < vb ? -1 : 1) : pa < pb ? -1 : pa > pb ? 1 : 0));
  return [...rows.map(([p, v]) => ({ script: SCRIPT.get(p)!, value: Number(v) })), { script: DONATION_SCRIPT, value: Number(subsidy - sum) }];
}

function newTracker(now: number): ShareTracker<BuiltGentx> {
  return new ShareTracker<BuiltGentx>({ chainLength: net.chainLength }, (s, chain) => verifyShareDetailed(s, chain, net, { now }));
}

describe('a 2,000-share regtest chain from the chain builder', () => {
  let shares: Share[];
  beforeAll(() => {
    shares = mineIrregular(2000, 7);
  }, 300_000);

  it('verifies share by share, and every gentx pays the PPLNS amounts computed independently', () => {
    const tracker = newTracker(T0 + 10 ** 6);
    const targets = new Set<bigint>();
    shares.forEach((s, i) => {
      tracker.add(s, 'builder');
      const out = tracker.attemptVerify(s.hash);
      if (!out.ok) throw new Error(`share ${i}: ${out.reason}`);
      expect(out.result!.payouts.map((o) => ({ script: toHex(o.script), value: o.value }))).toEqual(expectedPayouts(shares, i));
      targets.add(s.maxTarget);
    });
    // The retarget moved (irregular times), and the windows were cut both by count and by work.
    expect(targets.size).toBeGreaterThan(5);
    expect([...targets].some((t) => t < net.maxTarget)).toBe(true);
    expect(targets.has(net.maxTarget)).toBe(true);
    expect(tracker.verified.getHeight(shares[1999]!.hash)).toBe(2000);
    // Windows were cut by work (pro-rated to exactly SPREAD blocks) and by share count.
    const desired = 65535n * 3n * ((1n << 256n) / (BLOCK_TARGET + 1n));
    const cuts = new Set<string>();
    for (let i = 2; i < shares.length; i++) {
      const w = tracker.cumulativeWeights(shares[i - 2]!.hash, Math.min(i, net.realChainLength) - 1, desired);
      cuts.add(w.totalWeight === desired ? 'work' : 'count');
    }
    expect([...cuts].sort()).toEqual(['count', 'work']);
  });

  it('agrees with the naive ArrayChain on every ChainView query along the chain', () => {
    const tracker = newTracker(T0 + 10 ** 6);
    const naive = new ArrayChain();
    for (const s of shares) {
      tracker.add(s);
      naive.add(s);
    }
    for (let i = 0; i < shares.length; i += 13) {
      const h = shares[i]!.hash;
      expect(tracker.getHeight(h)).toBe(naive.getHeight(h));
      expect(tracker.getLast(h)).toBe(naive.getLast(h));
      for (const n of [0, 1, 99, 199, i, i + 1]) expect(tracker.getNthParent(h, n)).toBe(naive.getNthParent(h, n));
      expect(tracker.sumMinWork(h, 199)).toBe(naive.sumMinWork(h, 199));
      for (const [max, desired] of [[359, 65535n * 900n], [50, 1n << 300n], [359, 65535n * 7n]] as const) {
        expect(tracker.cumulativeWeights(h, max, desired)).toEqual(naive.cumulativeWeights(h, max, desired));
      }
    }
  });
});

describe('chain choice between competing chains', () => {
  const OLD_BLOCK = Buffer.alloc(32, 0xaa);
  const TIP_BLOCK = Buffer.alloc(32, 0xbb);
  // Display hex of those prev blocks -> height relative to the tip.
  const heights = new Map([[Buffer.from(OLD_BLOCK).reverse().toString('hex'), -10], [Buffer.from(TIP_BLOCK).reverse().toString('hex'), 0]]);
  const scoreOpts = { chainLength: net.chainLength, blockPeriod: net.parent.blockPeriod, getHeightRelHighest: (h: string) => heights.get(h) ?? -1e9, punish: () => 0 };

  it('prefers work per parent-chain time over raw work, and within a chain the most work to the 5th ancestor', () => {
    // Chain A: twice the work per share, but mined on a block 10 blocks behind the tip.
    const a = buildChain(net, { ...template, prevBlock: OLD_BLOCK }, specs(380, 11, { hardness: () => 4n })).shares;
    // Chain B: lighter shares on the current tip.
    const b = buildChain(net, { ...template, prevBlock: TIP_BLOCK }, specs(380, 12, { hardness: () => 2n })).shares;
    const tracker = newTracker(T0 + 10 ** 6);
    for (const s of [...a, ...b]) tracker.add(s);
    const result = think(tracker as ShareTracker<unknown>, { ...scoreOpts, now: T0 + 10 ** 6 });
    expect(result.bads).toEqual([]);
    expect(tracker.verified.getWork(a[379]!.hash)).toBeGreaterThan(tracker.verified.getWork(b[379]!.hash));
    expect(result.best).toBe(b[379]!.hash);

    // A fork of B's head: a heavier two-share branch beats the lighter head by work to the
    // 5th ancestor once it is longer.
    const forkBase = new ArrayChain(b);
    const fork = buildChain(net, { ...template, prevBlock: TIP_BLOCK }, specs(7, 13, { hardness: () => 24n }).map((s) => ({ ...s, timestamp: s.timestamp + 380 * 60 })), {
      chain: forkBase,
      parent: b[374]!.hash,
    }).shares;
    for (const s of fork) tracker.add(s);
    const choice = chooseBest(tracker as ShareTracker<unknown>, scoreOpts);
    tracker.verifyHeads();
    const after = chooseBest(tracker as ShareTracker<unknown>, scoreOpts);
    expect(choice.best).toBe(b[379]!.hash); // the fork was not verified yet
    expect(after.best).toBe(fork[6]!.hash);
    expect(after.decoratedHeads.map((d) => d.hash)).toEqual([b[379]!.hash, fork[6]!.hash]);
  }, 300_000);
});
