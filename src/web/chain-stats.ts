/**
 * What the JSON API, the graphs and /metrics read from the sharechain, whichever rules it runs
 * (docs/api.md): the web layer's part of the node's sharechain interface
 * (docs/architecture.md#one-node-two-rule-sets). Two implementations: v35-stats.ts (the
 * reference's formulas over the v35 tracker, unchanged) and fair-stats.ts (the fair rules:
 * links, references, own targets). Values that walk the chain are cached per best share.
 */
import type { ShareHash } from '../sharechain/types.js';
import type { RecentBlock } from './pool-stats.js';

/** Our miners' shares in the last hour of the best chain (/local_stats my_*). */
export interface HourCounts {
  unstale: number;
  orphan: number;
  doa: number;
  /** Work of our shares over the hour, per second of the time it spans. */
  shareAttemptsPerSecond: number;
  globalStaleProp: number;
}

/** Our miners' shares since start (/local_stats shares). */
export interface OurShareCounts {
  total: number;
  orphans: number;
  doas: number;
}

/** One miner's figures on the fair rules (docs/api.md#fair-networks). */
export interface FairMinerStats {
  username: string;
  address: string;
  /** Its hash rate over the time it has been mining here (H/s). */
  hashRate: number;
  /** Its own share difficulty (difficulty-1 units). */
  shareDifficulty: number;
  /** The payout-output class (K) of its coinbase. */
  maxOutputs: number;
  /** Coins it would get if the pool found a block now. */
  expectedPayout: number;
  /** Seconds to its next share at its measured hash rate; null when it has none. */
  expectedTimeToShare: number | null;
}

export interface ChainStats {
  readonly rules: 'v35' | 'fair';
  /** Start counting share-version votes (v35; the web services call it once they start). */
  startVotes?(): void;
  /** Cache key of the best chain's state: best share and height. */
  bestKey(): string;
  best(): ShareHash | null;
  /** Shares (v35) or links (fair) on the best chain. */
  height(): number;
  /** What a full chain holds: CHAIN_LENGTH shares (v35) or the window's links (fair). */
  readonly chainLength: number;
  /** /rate: pool hash rate, stales included. */
  poolRate(): number;
  /** /global_stats' pool part over the last hour; null under 10 shares. */
  hourPool(): { rate: number; staleProp: number } | null;
  /** /difficulty: the easiest share difficulty. */
  minDifficulty(): number;
  /** Expected hashes for a share at the easiest share difficulty. */
  attemptsToShare(): number;
  /** /users: payees' fractions of the recent work. */
  users(): Record<string, number>;
  /** /user_stales. */
  userStales(): Record<string, number>;
  /** /stale_rates. */
  staleRates(): Record<string, number>;
  /** The pool_rates graph sample; null under 10 shares. */
  poolRatesSample(): Record<string, number> | null;
  /** Satoshis per address a block found now would pay (/current_payouts). */
  expectedPayouts(bits: number, subsidy: number): Map<string, bigint>;
  /** /recent_blocks. */
  recentBlocks(): RecentBlock[];
  /** /local_stats' hour of our shares. */
  hourCounts(): HourCounts;
  /** Our miners' shares since start, and how many were not paid. */
  ourShares(): OurShareCounts;
  /** A warning for a majority of work voting for a share version we do not run, or null. */
  versionWarning(): string | null;
  /** The desired_version_rates graph sample (fractions per version), or null. */
  versionFractions(): Map<number, number> | null;
  /** Whether our share `hash` made the best chain (or, fair, is paid through it). */
  inBestChain(hash: ShareHash): boolean;
  /** The stat log's pool figures over the last hour; null before the chain holds an hour. */
  statLogPool(): { rate: number; staleProp: number } | null;
  heads(): ShareHash[];
  verifiedHeads(): ShareHash[];
  tails(): ShareHash[];
  verifiedTails(): ShareHash[];
  /** The explorer object of a held share; undefined when unknown. */
  shareJson(hash: ShareHash): Record<string, unknown> | undefined;
  payoutAddress(hash: ShareHash): string | undefined;
  shareRaw(hash: ShareHash): Buffer | undefined;
  /** Shares held: all, verified, received from peers. */
  counts(): { all: number; verified: number; peers: number };
  /** Fair rules only: the references, own targets and expectations (null on v35). */
  fair(bits: number | null, subsidy: number | null): Record<string, unknown> | null;
  /** Fair rules only: per miner of this node, difficulty and expectations. */
  fairMiners(bits: number | null, subsidy: number | null): FairMinerStats[] | null;
}
