/**
 * The web layer's figures on the v35 rules (chain-stats.ts): the reference's formulas
 * (pool-stats.ts, p2pool/web.py) over the v35 tracker, as the API computed them before the fair
 * rules existed: the same values, keys and caching per best share.
 */
import { encodeTransaction } from '../bitcoin/transaction.js';
import { hashToDisplayHex, toHex } from '../bitcoin/hex.js';
import { bitsToTarget, targetToDifficulty, targetToWork } from '../bitcoin/target.js';
import type { ChainState } from '../sharechain/chain-state.js';
import type { Forest } from '../sharechain/forest.js';
import type { P2PoolNetwork } from '../sharechain/networks.js';
import { averageStaleProportion, userStaleProportions } from '../sharechain/stale.js';
import type { Share, ShareHash } from '../sharechain/types.js';
import { verifyShareDetailed } from '../sharechain/verify.js';
import { unsupportedMajorityWarning, VoteCounter } from '../sharechain/votes.js';
import { SHARE_VERSION } from '../work/pool-work.js';
import { BestCache } from './best-cache.js';
import type { ChainStats, HourCounts, OurShareCounts } from './chain-stats.js';
import {
  decentHeight, expectedPayouts, hourLookbehind, poolAttemptsPerSecond, recentBlocks, staleCounts, userFractions, type RecentBlock,
} from './pool-stats.js';

const ZERO_HASH = '0'.repeat(64);

/** The reference's class name per share version (JT p2pool/data.py). */
const TYPE_NAMES: Record<number, string> = {
  17: 'Share',
  32: 'PreSegwitShare',
  33: 'NewShare',
  34: 'SegwitMiningShare',
  35: 'PaddingBugfixShare',
};

/** Rebuilt generation transactions kept for the explorer (each rebuild costs a PPLNS window). */
const RAW_CACHE_SIZE = 256;
const rawCache = new Map<string, string>();

/** "host:port" (or "[v6]:port") -> host, as the reference's peer_addr[0]. */
function hostOf(peer: string): string {
  const m = /^\[(.*)\]:\d+$/.exec(peer) ?? /^([^:]*):\d+$/.exec(peer);
  return m ? m[1]! : peer;
}

/** The reference keys tails by the missing parent's hash (ours: by the root share). */
function tailHashes(forest: Forest<Share>): string[] {
  return [...forest.tails().keys()].map((root) => forest.get(root)?.prevHash ?? ZERO_HASH);
}

export class V35ChainStats implements ChainStats {
  readonly rules = 'v35' as const;
  readonly chainLength: number;
  private readonly cache = new BestCache();
  private votes: VoteCounter | null = null;

  constructor(
    readonly chain: ChainState,
    readonly net: P2PoolNetwork,
    /** ms since the epoch the node started (shares loaded from the store were "first seen" then). */
    private readonly startedAt: number,
  ) {
    this.chainLength = net.chainLength;
  }

  /** Counting version votes starts with the web services (the reference's first stats tick). */
  startVotes(): void {
    this.votes ??= new VoteCounter(this.chain.tracker);
  }

  bestKey(): string {
    const best = this.chain.best;
    return `${best ?? 'none'}/${this.chain.tracker.getHeight(best)}`;
  }

  best(): ShareHash | null {
    return this.chain.best;
  }

  height(): number {
    return this.chain.tracker.getHeight(this.chain.best);
  }

  poolRate(): number {
    return this.cache.get('rate', this.bestKey(), () => {
      const { tracker, best } = this.chain;
      const dist = decentHeight(tracker, best);
      return poolAttemptsPerSecond(tracker, best, dist) / (1 - averageStaleProportion(tracker, best, dist));
    });
  }

  hourPool(): { rate: number; staleProp: number } | null {
    const { tracker, best } = this.chain;
    if (tracker.getHeight(best) < 10) return null;
    return this.cache.get('global', this.bestKey(), () => {
      const lookbehind = hourLookbehind(tracker, best, this.net);
      return { rate: poolAttemptsPerSecond(tracker, best, lookbehind), staleProp: averageStaleProportion(tracker, best, lookbehind) };
    });
  }

  minDifficulty(): number {
    const best = this.chain.bestShare;
    return targetToDifficulty(best ? best.maxTarget : this.net.maxTarget);
  }

  attemptsToShare(): number {
    const best = this.chain.bestShare;
    return Number(targetToWork(best ? best.maxTarget : this.net.maxTarget));
  }

  users(): Record<string, number> {
    return this.cache.get('users', this.bestKey(), () => userFractions(this.chain.tracker, this.chain.best));
  }

  userStales(): Record<string, number> {
    const { tracker, best } = this.chain;
    return this.cache.get('user-stales', this.bestKey(), () => Object.fromEntries(userStaleProportions(tracker, best, tracker.getHeight(best))));
  }

  staleRates(): Record<string, number> {
    const { tracker, best } = this.chain;
    return this.cache.get('stale-rates', this.bestKey(), () => staleCounts(tracker, best, decentHeight(tracker, best), true));
  }

  /** Reference add_point: the window is min(CHAIN_LENGTH, 1 h of shares, height). */
  private sampleLookbehind(): number {
    return Math.min(this.net.chainLength, Math.floor(3600 / this.net.sharePeriod), this.height());
  }

  poolRatesSample(): Record<string, number> | null {
    if (this.height() < 10) return null;
    const { tracker, best } = this.chain;
    return this.cache.get('sample-pool-rates', this.bestKey(), () => staleCounts(tracker, best, this.sampleLookbehind(), true));
  }

  expectedPayouts(bits: number, subsidy: number): Map<string, bigint> {
    return this.cache.get('payouts', `${this.bestKey()}/${subsidy}:${bits}`, () => expectedPayouts(this.chain.tracker, this.chain.best, this.net, bits, subsidy));
  }

  recentBlocks(): RecentBlock[] {
    return this.cache.get('recent-blocks', this.bestKey(), () => recentBlocks(this.chain.tracker, this.chain.best, this.net));
  }

  /** Our shares in the last hour of the best chain (walks it: cached per best share). */
  hourCounts(): HourCounts {
    return this.cache.get('hour-counts', this.bestKey(), () => {
      const { tracker, stale, best } = this.chain;
      const lookbehind = hourLookbehind(tracker, best, this.net);
      let unstale = 0;
      let orphan = 0;
      let doa = 0;
      let myWork = 0n;
      let i = 0;
      for (const s of tracker.all.chain(best, lookbehind)) {
        if (stale.isMine(s.hash)) {
          unstale++;
          const info = s.shareInfo.shareData.staleInfo;
          if (info === 'orphan') orphan++;
          if (info === 'doa') doa++;
          if (i < lookbehind - 1) myWork += targetToWork(s.target);
        }
        i++;
      }
      const near = this.chain.bestShare;
      const far = tracker.get(tracker.getNthParent(best, Math.max(0, lookbehind - 1)) ?? '');
      let time = near && far ? near.shareInfo.timestamp - far.shareInfo.timestamp : 0;
      if (time <= 0) time = 1;
      return { unstale, orphan, doa, shareAttemptsPerSecond: Number(myWork) / time, globalStaleProp: averageStaleProportion(tracker, best, lookbehind) };
    });
  }

  ourShares(): OurShareCounts {
    return this.chain.stale.staleCounts(this.chain.best);
  }

  versionWarning(): string | null {
    const votes = this.votes;
    if (!votes) return null;
    return this.cache.get('version-warning', this.bestKey(), () =>
      unsupportedMajorityWarning(votes, this.chain.tracker, this.chain.best, this.net, [SHARE_VERSION])?.message ?? null,
    );
  }

  versionFractions(): Map<number, number> | null {
    const votes = this.votes;
    if (!votes || this.height() < 10) return null;
    const counts = votes.counts(this.chain.best, this.sampleLookbehind());
    let total = 0;
    for (const v of counts.values()) total += Number(v);
    if (total <= 0) return null;
    return new Map([...counts].map(([v, w]) => [v, Number(w) / total]));
  }

  inBestChain(hash: ShareHash): boolean {
    const { tracker, best } = this.chain;
    return best !== null && tracker.has(hash) && tracker.has(best) && tracker.all.isAncestor(hash, best);
  }

  statLogPool(): { rate: number; staleProp: number } | null {
    const { tracker, best } = this.chain;
    const lookbehind = Math.floor(3600 / this.net.sharePeriod);
    if (tracker.getHeight(best) < lookbehind) return null;
    const staleProp = averageStaleProportion(tracker, best, lookbehind);
    return { rate: poolAttemptsPerSecond(tracker, best, lookbehind) / (1 - staleProp), staleProp };
  }

  heads(): ShareHash[] {
    return [...this.chain.tracker.all.heads().keys()];
  }

  verifiedHeads(): ShareHash[] {
    return [...this.chain.tracker.verified.heads().keys()];
  }

  tails(): ShareHash[] {
    return tailHashes(this.chain.tracker.all);
  }

  verifiedTails(): ShareHash[] {
    return tailHashes(this.chain.tracker.verified);
  }

  shareJson(hash: ShareHash): Record<string, unknown> | undefined {
    const s = this.chain.tracker.get(hash);
    return s && this.explorerObject(s);
  }

  payoutAddress(hash: ShareHash): string | undefined {
    return this.chain.tracker.get(hash)?.payee;
  }

  shareRaw(hash: ShareHash): Buffer | undefined {
    return this.chain.tracker.get(hash)?.raw;
  }

  counts(): { all: number; verified: number; peers: number } {
    const { tracker } = this.chain;
    const peers = this.cache.get('peer-shares', `${this.bestKey()}/${tracker.size}`, () => {
      let k = 0;
      for (const s of tracker.all.items()) if (tracker.peerOf(s.hash) !== undefined) k++;
      return k;
    });
    return { all: tracker.size, verified: tracker.verified.size, peers };
  }

  fair(): null {
    return null;
  }

  fairMiners(): null {
    return null;
  }

  /**
   * The share's generation transaction without witness (the reference's tx_id_type packing, JT
   * gentx.raw), rebuilt from the chain below it; "unknown" when that chain is no longer there
   * (the reference has it only for shares this process mined).
   */
  private gentxRaw(s: Share): string {
    const hit = rawCache.get(s.hash);
    if (hit !== undefined) return hit;
    let raw = 'unknown';
    if (this.chain.tracker.isVerified(s.hash)) {
      try {
        const built = verifyShareDetailed(s, this.chain.tracker, this.net, { now: s.shareInfo.timestamp, checkVersionSwitch: false });
        raw = toHex(encodeTransaction(built.gentx, { witness: false }));
      } catch {
        // The window below it was pruned: nothing to show.
      }
    }
    // Only rebuilt ones are kept: the cache is shared by every node in the process (the demo
    // runs two), and another node may still have the chain below this share.
    if (raw !== 'unknown') {
      if (rawCache.size >= RAW_CACHE_SIZE) rawCache.delete(rawCache.keys().next().value!);
      rawCache.set(s.hash, raw);
    }
    return raw;
  }

  /** Pre-v34 shares name their block's other transactions by (shares back, index) references. */
  private otherTransactionHashes(s: Share): string[] {
    const refs = s.shareInfo.transactionHashRefs;
    if (!refs || refs.length === 0) return [];
    const out: string[] = [];
    for (const [shareCount, txCount] of refs) {
      const h = this.chain.tracker.getNthParent(s.hash, shareCount);
      const tx = this.chain.tracker.get(h ?? '')?.shareInfo.newTransactionHashes?.[txCount];
      if (!tx) return [];
      out.push(hashToDisplayHex(tx));
    }
    return out;
  }

  /** The reference's share explorer dict (web.py get_share). */
  private explorerObject(s: Share): Record<string, unknown> {
    const { tracker } = this.chain;
    const data = s.shareInfo.shareData;
    const children = [...tracker.all.childrenOf(s.hash)].sort((a, b) => tracker.all.childrenOf(b).size - tracker.all.childrenOf(a).size);
    const peer = tracker.peerOf(s.hash);
    return {
      parent: s.prevHash ?? ZERO_HASH,
      far_parent: s.shareInfo.farShareHash ? hashToDisplayHex(s.shareInfo.farShareHash) : ZERO_HASH,
      children,
      type_name: TYPE_NAMES[s.version] ?? `v${s.version}`,
      local: {
        verified: tracker.isVerified(s.hash),
        // Shares loaded from the store have no receive time: the node's start, as the reference.
        time_first_seen: (s.timeSeen || this.startedAt) / 1000,
        peer_first_received_from: peer === undefined ? null : hostOf(peer),
      },
      share_data: {
        timestamp: s.shareInfo.timestamp,
        target: s.target,
        max_target: s.maxTarget,
        payout_address: s.payee,
        donation: data.donation / 65535,
        stale_info: data.staleInfo === 'none' ? null : typeof data.staleInfo === 'number' ? `unk${data.staleInfo}` : data.staleInfo,
        nonce: data.nonce,
        desired_version: data.desiredVersion,
        absheight: s.shareInfo.absheight,
        abswork: s.shareInfo.abswork,
      },
      block: {
        hash: s.hash,
        header: {
          version: s.minHeader.version,
          previous_block: s.minHeader.prevBlock ? hashToDisplayHex(s.minHeader.prevBlock) : ZERO_HASH,
          merkle_root: hashToDisplayHex(s.header.subarray(36, 68)),
          timestamp: s.minHeader.timestamp,
          target: bitsToTarget(s.minHeader.bits),
          nonce: s.minHeader.nonce,
        },
        gentx: {
          hash: hashToDisplayHex(s.gentxHash),
          raw: this.gentxRaw(s),
          // The reference pads a coinbase shorter than 2 bytes with zeros (ljust(2, '\0')).
          coinbase: toHex(data.coinbase.length >= 2 ? data.coinbase : Buffer.concat([data.coinbase, Buffer.alloc(2 - data.coinbase.length)])),
          value: data.subsidy / 1e8,
          last_txout_nonce: s.lastTxoutNonce.toString(16).padStart(16, '0'),
        },
        other_transaction_hashes: this.otherTransactionHashes(s),
      },
    };
  }
}
