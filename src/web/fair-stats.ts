/**
 * The web layer's figures on the fair rules (chain-stats.ts, docs/api.md#fair-networks): pool
 * hash rate from the links (every hash has the same chance to be a link), the current window's
 * weights and expected payouts, the references (uncles and sub-shares) of recent links, our
 * shares as the rules classify them, and per miner its own share difficulty and expectations.
 * Pure reads of the fair chain state; values that walk the chain are cached per best link.
 */
import { scriptToAddress } from '../bitcoin/address.js';
import { hashToDisplayHex, toHex } from '../bitcoin/hex.js';
import { readBip34Height } from '../bitcoin/script.js';
import { bitsToTarget, targetToDifficulty, targetToWork } from '../bitcoin/target.js';
import type { FairChainState } from '../sharechain/fair/chain-state.js';
import { desiredWindowWeight } from '../sharechain/fair/gentx.js';
import type { FairNetwork } from '../sharechain/fair/networks.js';
import type { FairSharechain } from '../sharechain/fair/node-chain.js';
import { deriveFairTargets, type FairTargets } from '../sharechain/fair/retarget.js';
import { isFairBlock } from '../sharechain/fair/share-block.js';
import type { FairShare, ShareHash } from '../sharechain/fair/types.js';
import { verifyFairShare } from '../sharechain/fair/verify.js';
import type { FairWork } from '../work/fair-work.js';
import { BestCache } from './best-cache.js';
import type { ChainStats, FairMinerStats, HourCounts, OurShareCounts } from './chain-stats.js';
import { RATE_LOOKBEHIND, type RecentBlock } from './pool-stats.js';

const ZERO_HASH = '0'.repeat(64);
/** Links of the best chain the API lists with their references. */
const RECENT_LINKS = 15;
/** The window's weights with no cap from the block target (/users, as the reference's). */
const NO_CAP = 1n << 300n;

/** "host:port" (or "[v6]:port") -> host. */
function hostOf(peer: string): string {
  const m = /^\[(.*)\]:\d+$/.exec(peer) ?? /^([^:]*):\d+$/.exec(peer);
  return m ? m[1]! : peer;
}

export class FairChainStats implements ChainStats {
  readonly rules = 'fair' as const;
  readonly chainLength: number;
  private readonly cache = new BestCache();

  constructor(
    readonly chain: FairChainState,
    readonly sharechain: FairSharechain,
    readonly net: FairNetwork,
    private readonly work: FairWork,
    /** ms since the epoch the node started. */
    private readonly startedAt: number,
  ) {
    this.chainLength = net.windowLinks;
  }

  private get tracker() {
    return this.chain.tracker;
  }

  /** A payout script as an address of the parent chain, or its hex when it has none. */
  private address(script: Buffer | string): string {
    const s = typeof script === 'string' ? Buffer.from(script, 'hex') : script;
    return scriptToAddress(s, this.net.parent) ?? toHex(s);
  }

  bestKey(): string {
    const best = this.chain.best;
    return `${best ?? 'none'}/${this.tracker.linkDepth(best)}/${this.tracker.verifiedCount}`;
  }

  best(): ShareHash | null {
    return this.chain.best;
  }

  height(): number {
    return this.tracker.linkDepth(this.chain.best);
  }

  /** Link and floor targets of the next share on the best link. */
  nextTargets(): FairTargets {
    return this.cache.get('targets', this.bestKey(), () => deriveFairTargets(this.tracker, this.net, this.chain.bestShare ?? null));
  }

  /**
   * Pool hash rate over the `n` links ending at the best one: the link work of the chain's links
   * and of the uncles they reference (links that lost a race: every hash has the same chance to
   * be a link), over the time they span. Uncles are also the "stale" part.
   */
  private linkRate(n: number): { rate: number; staleProp: number } {
    const best = this.chain.bestShare;
    if (!best || n < 2) return { rate: 0, staleProp: 0 };
    let work = 0n;
    let uncleWork = 0n;
    let cur: FairShare | undefined = best;
    let far: FairShare = best;
    for (let i = 0; i < n - 1 && cur; i++) {
      work += cur.linkWork;
      for (const h of cur.refHashes) {
        const r = this.tracker.share(h);
        if (r?.isLink) uncleWork += r.linkWork;
      }
      far = cur;
      cur = this.tracker.link(cur.prevHash);
    }
    if (cur) far = cur;
    let time = best.info.timestamp - far.info.timestamp;
    if (time <= 0) time = 1;
    const total = work + uncleWork;
    return { rate: Number(total) / time, staleProp: total === 0n ? 0 : Number(uncleWork) / Number(total) };
  }

  private hourLinks(): number {
    return Math.min(this.height(), Math.floor(3600 / this.net.linkPeriod));
  }

  poolRate(): number {
    return this.cache.get('rate', this.bestKey(), () => this.linkRate(Math.min(this.height(), RATE_LOOKBEHIND)).rate);
  }

  hourPool(): { rate: number; staleProp: number } | null {
    if (this.height() < 10) return null;
    return this.cache.get('global', this.bestKey(), () => {
      const r = this.linkRate(this.hourLinks());
      return { rate: r.rate * (1 - r.staleProp), staleProp: r.staleProp };
    });
  }

  /** The floor: the easiest own target of the next share. */
  minDifficulty(): number {
    return targetToDifficulty(this.nextTargets().floorTarget);
  }

  attemptsToShare(): number {
    return Number(targetToWork(this.nextTargets().floorTarget));
  }

  users(): Record<string, number> {
    return this.cache.get('users', this.bestKey(), () => {
      const w = this.tracker.windowWeights(this.chain.best, NO_CAP);
      const out: Record<string, number> = {};
      if (w.total === 0n) return out;
      const sorted = [...w.weights].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
      for (const [key, weight] of sorted) out[this.address(key)] = Number(weight) / Number(w.total);
      return out;
    });
  }

  /** No share within the horizon goes unpaid: nothing to list per payee. */
  userStales(): Record<string, number> {
    return {};
  }

  staleRates(): Record<string, number> {
    return this.cache.get('stale-rates', this.bestKey(), () => this.rates(Math.min(this.height(), RATE_LOOKBEHIND)));
  }

  private rates(n: number): Record<string, number> {
    const r = this.linkRate(n);
    if (r.rate === 0) return {};
    // `good` is all the work, as v35's; `orphan` the uncles' (stale links, paid as references).
    return r.staleProp > 0 ? { good: r.rate, orphan: r.rate * r.staleProp } : { good: r.rate };
  }

  poolRatesSample(): Record<string, number> | null {
    if (this.height() < 10) return null;
    return this.cache.get('sample-pool-rates', this.bestKey(), () => this.rates(this.hourLinks()));
  }

  /**
   * What each address gets, in expectation, from a block found now: the subsidy less the
   * finder's bonus (none on the fair networks) in proportion to the window's weights (the
   * lottery pays the tail exactly this in expectation, docs/fair-sharechain.md#lottery). Sums
   * to the subsidy less the finder's part and the floors' dust.
   */
  expectedPayouts(bits: number, subsidy: number): Map<string, bigint> {
    return this.cache.get('payouts', `${this.bestKey()}/${subsidy}:${bits}`, () => {
      const out = new Map<string, bigint>();
      if (this.chain.best === null) return out;
      const base = this.tracker.payoutBase(this.chain.best, desiredWindowWeight(this.net, bits));
      if (base.total === 0n) return out;
      const r = BigInt(subsidy);
      const rest = this.net.finderDivisor > 0 ? r - r / BigInt(this.net.finderDivisor) : r;
      for (const p of base.payees) {
        const a = this.address(p.key);
        out.set(a, (out.get(a) ?? 0n) + (rest * p.weight) / base.total);
      }
      return out;
    });
  }

  recentBlocks(): RecentBlock[] {
    return this.cache.get('recent-blocks', this.bestKey(), () => {
      const out: RecentBlock[] = [];
      const seen = new Set<string>();
      const add = (s: FairShare): void => {
        if (seen.has(s.hash) || !isFairBlock(s)) return;
        seen.add(s.hash);
        out.push({ ts: s.info.timestamp, hash: s.hash, number: readBip34Height(s.info.coinbase), share: s.hash });
      };
      let cur = this.chain.bestShare;
      for (let i = 0; i < this.net.windowLinks && cur; i++) {
        add(cur);
        for (const h of cur.refHashes) {
          const r = this.tracker.share(h);
          if (r) add(r);
        }
        cur = this.tracker.link(cur.prevHash);
      }
      return out.sort((a, b) => b.ts - a.ts);
    });
  }

  /** Our miners' shares by where they stand now, counted once per state of the chain. */
  private ours(): { paid: FairShare[]; unpaid: number; waiting: number } {
    return this.cache.get('ours', this.bestKey(), () => {
      const paid: FairShare[] = [];
      let unpaid = 0;
      let waiting = 0;
      for (const h of this.work.ourShares) {
        const c = this.chain.classify(h);
        if (c.status === 'chain' || c.status === 'referenced') paid.push(this.tracker.share(h)!);
        else if (c.status === 'orphaned') unpaid++;
        else waiting++;
      }
      return { paid, unpaid, waiting };
    });
  }

  hourCounts(): HourCounts {
    const best = this.chain.bestShare;
    const { paid } = this.ours();
    const since = (best?.info.timestamp ?? 0) - 3600;
    let work = 0n;
    let n = 0;
    for (const s of paid) {
      if (s.info.timestamp < since) continue;
      n++;
      work += s.work;
    }
    const { unpaid } = this.ours();
    return { unstale: n, orphan: unpaid, doa: 0, shareAttemptsPerSecond: Number(work) / 3600, globalStaleProp: 0 };
  }

  ourShares(): OurShareCounts {
    const { unpaid } = this.ours();
    return { total: this.work.counters.shares, orphans: unpaid, doas: 0 };
  }

  versionWarning(): null {
    return null;
  }

  versionFractions(): null {
    return null;
  }

  /** Paid: on the best chain, or referenced by it. */
  inBestChain(hash: ShareHash): boolean {
    const c = this.chain.classify(hash);
    return c.status === 'chain' || c.status === 'referenced';
  }

  statLogPool(): { rate: number; staleProp: number } | null {
    const n = Math.floor(3600 / this.net.linkPeriod);
    if (this.height() < n) return null;
    return this.linkRate(n);
  }

  heads(): ShareHash[] {
    return [...this.tracker.links.heads().keys()];
  }

  verifiedHeads(): ShareHash[] {
    return this.heads();
  }

  tails(): ShareHash[] {
    const links = this.tracker.links;
    return [...links.tails().keys()].map((root) => links.get(root)?.prevHash ?? ZERO_HASH);
  }

  verifiedTails(): ShareHash[] {
    return this.tails();
  }

  shareJson(hash: ShareHash): Record<string, unknown> | undefined {
    const s = this.tracker.share(hash);
    return s && this.explorerObject(s);
  }

  payoutAddress(hash: ShareHash): string | undefined {
    const s = this.tracker.share(hash);
    return s && this.address(s.info.payoutScript);
  }

  shareRaw(hash: ShareHash): Buffer | undefined {
    return this.tracker.share(hash)?.raw;
  }

  counts(): { all: number; verified: number; peers: number } {
    const t = this.tracker;
    const peers = this.cache.get('peer-shares', this.bestKey(), () => {
      let k = 0;
      for (const s of t.links.items()) if (this.sharechain.peerOf(s.hash) !== undefined) k++;
      return k;
    });
    return { all: t.verifiedCount + t.pendingCount, verified: t.verifiedCount, peers };
  }

  /** The references of recent links and the totals over the last hour (/local_stats `fair`). */
  fair(bits: number | null, subsidy: number | null): Record<string, unknown> {
    const t = this.nextTargets();
    const summary = this.cache.get('fair-summary', this.bestKey(), () => {
      let links = 0;
      let uncles = 0;
      let subShares = 0;
      let cur = this.chain.bestShare;
      const n = this.hourLinks();
      const recent: Array<Record<string, unknown>> = [];
      for (let i = 0; i < Math.max(n, RECENT_LINKS) && cur; i++) {
        if (i < n) {
          links++;
          for (const h of cur.refHashes) {
            if (this.tracker.share(h)?.isLink) uncles++;
            else subShares++;
          }
        }
        if (i < RECENT_LINKS) recent.push(this.linkSummary(cur));
        cur = this.tracker.link(cur.prevHash);
      }
      return { links, uncles, subShares, recent };
    });
    const ours = this.ours();
    return {
      link_difficulty: targetToDifficulty(t.linkTarget),
      floor_difficulty: targetToDifficulty(t.floorTarget),
      window_links: this.net.windowLinks,
      reference_depth: this.net.refDepth,
      output_classes: [...this.net.outputClasses],
      default_max_outputs: this.work.defaultOutputs,
      references: {
        links: summary.links,
        uncles: summary.uncles,
        sub_shares: summary.subShares,
        per_link: summary.links === 0 ? 0 : (summary.uncles + summary.subShares) / summary.links,
      },
      our_shares: { paid: ours.paid.length, waiting: ours.waiting, unpaid: ours.unpaid },
      recent_links: summary.recent,
      block_value: subsidy === null ? null : subsidy / 1e8,
      block_difficulty: bits === null ? null : targetToDifficulty(bitsToTarget(bits)),
    };
  }

  private linkSummary(l: FairShare): Record<string, unknown> {
    return {
      hash: l.hash,
      height: l.info.height,
      timestamp: l.info.timestamp,
      payout_address: this.address(l.info.payoutScript),
      share_difficulty: targetToDifficulty(l.target),
      block: isFairBlock(l),
      references: l.refHashes.map((h) => {
        const r = this.tracker.share(h);
        return {
          hash: h,
          kind: r ? (r.isLink ? 'uncle' : 'sub-share') : 'unknown',
          payout_address: r ? this.address(r.info.payoutScript) : null,
          share_difficulty: r ? targetToDifficulty(r.target) : null,
        };
      }),
    };
  }

  fairMiners(bits: number | null, subsidy: number | null): FairMinerStats[] {
    const payouts = bits === null || subsidy === null ? new Map<string, bigint>() : this.expectedPayouts(bits, subsidy);
    return this.work.minerWork().map((m) => {
      const rate = m.hashRate;
      const work = Number(targetToWork(m.target));
      return {
        username: m.username,
        address: m.address,
        hashRate: rate,
        shareDifficulty: targetToDifficulty(m.target),
        maxOutputs: m.maxOutputs,
        expectedPayout: Number(payouts.get(m.address) ?? 0n) / 1e8,
        expectedTimeToShare: rate > 0 ? work / rate : null,
      };
    });
  }

  /** The explorer object: v35's shape where it applies, and what a fair share adds. */
  private explorerObject(s: FairShare): Record<string, unknown> {
    const t = this.tracker;
    const children = [...t.childrenOf(s.hash)].map((c) => c.hash);
    const peer = this.sharechain.peerOf(s.hash);
    const status = this.chain.classify(s.hash);
    let raw = 'unknown';
    try {
      raw = toHex(verifyFairShare(s, t, this.net, { now: s.info.timestamp }).gentx.stripped);
    } catch {
      // The window below it was pruned: nothing to show.
    }
    return {
      parent: s.prevHash ?? ZERO_HASH,
      far_parent: ZERO_HASH,
      children,
      type_name: 'FairShare',
      // Ours, fair networks (docs/api.md#fair-networks).
      kind: s.isLink ? 'link' : 'sub-share',
      status: status.status,
      references: [...s.refHashes],
      referenced_by: [...t.referencers(s.hash)],
      local: {
        verified: t.isVerified(s.hash),
        time_first_seen: (s.timeSeen || this.startedAt) / 1000,
        peer_first_received_from: peer === undefined ? null : hostOf(peer),
      },
      share_data: {
        timestamp: s.info.timestamp,
        target: s.target,
        max_target: s.floorTarget,
        link_target: s.linkTarget,
        payout_address: this.address(s.info.payoutScript),
        donation: 0,
        stale_info: null,
        nonce: s.header.nonce,
        desired_version: s.version,
        absheight: s.info.height,
        abswork: null,
        max_outputs: s.info.maxOutputs,
      },
      block: {
        hash: s.hash,
        header: {
          version: s.header.version,
          previous_block: hashToDisplayHex(s.header.prevBlock),
          merkle_root: hashToDisplayHex(s.header80.subarray(36, 68)),
          timestamp: s.header.timestamp,
          target: bitsToTarget(s.header.bits),
          nonce: s.header.nonce,
        },
        gentx: {
          hash: hashToDisplayHex(s.gentxHash),
          raw,
          coinbase: toHex(s.info.coinbase),
          value: s.info.subsidy / 1e8,
          last_txout_nonce: s.lastTxoutNonce.toString(16).padStart(16, '0'),
        },
        other_transaction_hashes: [],
      },
    };
  }
}
