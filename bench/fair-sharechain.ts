/**
 * The fair sharechain against the budget "verify one incoming share with a full window: under
 * 0.1 ms" (docs/fair-sharechain.md#performance), with bitcoin-fair's constants (8,640-link window,
 * K_MAX 200) and targets a CPU meets (~16 hashes a link, 1 a sub-share):
 * - a chain of 8,640 + 200 links with 3 sub-shares referenced by each, 1,000 payees (so the
 *   coinbase has 200 outputs and the lottery runs on every share), built with the production
 *   generator;
 * - loading it into a fresh chain state (decode + verify every share, in order): per share;
 * - then 400 more shares (links and sub-shares) added one call at a time on top of the full
 *   window: per share, the budget's figure;
 * - the floor: the hashing verification cannot avoid (sha256d of the header and of the rebuilt
 *   coinbase), measured on the same shares.
 */
import { performance } from 'node:perf_hooks';
import { sha256d } from '../src/bitcoin/hash.js';
import { FairChainState } from '../src/sharechain/fair/chain-state.js';
import { getFairNetwork, withFairRules } from '../src/sharechain/fair/networks.js';
import { decodeFairShare } from '../src/sharechain/fair/share.js';
import type { FairShare } from '../src/sharechain/fair/types.js';
import { HARD_BLOCK_BITS, mineFair, testScript } from '../test/support/fair-chain-builder.js';

const SUBS_PER_LINK = 3;
const PAYEES = 1000;

export async function benchFairSharechain(
  options: { beforeIncremental?: () => Promise<void>; afterIncremental?: () => Promise<void> } = {},
): Promise<Record<string, unknown>> {
  const net = withFairRules(getFairNetwork('bitcoin-fair'), { linkMaxTarget: (1n << 252n) - 1n, maxTarget: (1n << 256n) - 1n, ...(process.env.FAIR_BENCH_LINKS ? { windowLinks: Number(process.env.FAIR_BENCH_LINKS) } : {}) });
  const t0 = 1_767_225_600;
  let clock = t0;
  const builder = new FairChainState({ net, now: () => (clock + 60) * 1000, keepLinks: 1e9 });
  const scripts = Array.from({ length: PAYEES }, (_, i) => testScript(i, i % 5 === 0 ? 'p2tr' : 'p2wpkh'));
  const shares: FairShare[] = [];
  let parent: string | null = null;
  let n = 0;
  const mine = (kind: 'link' | 'sub-share'): FairShare => {
    clock += kind === 'link' ? 30 - SUBS_PER_LINK : 1;
    const { share } = mineFair(net, builder.tracker, {
      parent, payoutScript: scripts[n++ % PAYEES]!, timestamp: clock, kind, blockBits: HARD_BLOCK_BITS, maxOutputs: 200,
    });
    builder.addShares([share]);
    shares.push(share);
    return share;
  };
  const links = net.windowLinks + 200;
  const extraLinks = 100;
  const buildStart = performance.now();
  for (let i = 0; i < links + extraLinks; i++) {
    if (parent !== null) for (let j = 0; j < SUBS_PER_LINK; j++) mine('sub-share');
    parent = mine('link').hash;
  }
  const buildMs = performance.now() - buildStart;
  const cut = shares.findIndex((s) => s.isLink && s.info.height === links);
  const base = shares.slice(0, cut + 1);
  const top = shares.slice(cut + 1);
  const raws = base.map((s) => s.raw);

  // Load: decode and verify the full chain in a fresh state.
  const loader = new FairChainState({ net, now: () => (clock + 60) * 1000, keepLinks: 1e9 });
  const loadStart = performance.now();
  const decoded = raws.map((r) => decodeFairShare(r, net));
  const decodeMs = performance.now() - loadStart;
  for (let i = 0; i < decoded.length; i += 500) loader.addShares(decoded.slice(i, i + 500));
  const loadMs = performance.now() - loadStart;
  if (loader.best !== base[base.length - 1]!.hash) throw new Error('bench: the loaded chain did not verify');

  await options.beforeIncremental?.();
  // Incremental: each share of the top in its own call, as from a peer.
  const topDecoded = top.map((s) => decodeFairShare(s.raw, net));
  const perShare: number[] = [];
  let linkMs = 0;
  let subMs = 0;
  for (const s of topDecoded) {
    const a = performance.now();
    loader.addShares([s]);
    const ms = performance.now() - a;
    perShare.push(ms);
    if (s.isLink) linkMs += ms;
    else subMs += ms;
    if (!loader.tracker.isVerified(s.hash)) throw new Error(`bench: ${s.hash} did not verify`);
  }
  await options.afterIncremental?.();
  perShare.sort((a, b) => a - b);
  const incrementalMs = perShare.reduce((a, b) => a + b, 0) / perShare.length;

  // The hashing floor: sha256d of every header and of a coinbase of the same size as the rebuilt ones.
  const sample = top.slice(0, 200);
  const coinbaseBytes = Buffer.alloc(sample[0]!.hashLink.length + 44, 1);
  const floorStart = performance.now();
  for (const s of sample) {
    sha256d(s.header80);
    sha256d(coinbaseBytes);
  }
  const floorMs = (performance.now() - floorStart) / sample.length;
  const payouts = loader.tracker.payoutBase(top[top.length - 1]!.hash, 1n << 300n).payees.length;

  return {
    chain: { links, subSharesPerLink: SUBS_PER_LINK, shares: base.length, payeesInWindow: payouts, coinbaseBytes: coinbaseBytes.length, buildMs: Math.round(buildMs) },
    load: { totalMs: Math.round(loadMs), decodeMs: Math.round(decodeMs), perShareMs: +(loadMs / base.length).toFixed(4) },
    incremental: {
      shares: top.length,
      perShareMs: +incrementalMs.toFixed(4),
      perLinkMs: +(linkMs / topDecoded.filter((s) => s.isLink).length).toFixed(4),
      perSubShareMs: +(subMs / topDecoded.filter((s) => !s.isLink).length).toFixed(4),
      p50Ms: +perShare[Math.floor(perShare.length / 2)]!.toFixed(4),
      p99Ms: +perShare[Math.floor(perShare.length * 0.99)]!.toFixed(4),
      budgetMs: 0.1,
      hashingFloorMs: +floorMs.toFixed(4),
      ratioToFloor: +(incrementalMs / floorMs).toFixed(1),
    },
  };
}
