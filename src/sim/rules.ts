/**
 * The rules boundary of the simulator (docs/simulate.md#rules-interface). The engine
 * (simulator.ts: clock, links, miners, parent chain, report) is the same for every set of
 * sharechain rules; everything a rule set decides goes through these two interfaces:
 *
 * - SimRules: one per run. Builds the chain every node starts from, creates the nodes, and
 *   answers questions about a share (what it links to, what its coinbase pays, how many bytes
 *   it is on the wire).
 * - SimNodeChain: one per node. Its chain state and work layer: the current best share, the
 *   share target a miner works at, a miner's job, turning a found solution into a share, taking
 *   shares from peers, and which shares to relay.
 *
 * The v35 implementation is v35-rules.ts (the node's real ChainState, PoolWork and relay code);
 * the fair rules' is fair-rules.ts (FairChainState and the fair generation code). A new rule set
 * implements the same two interfaces and is added to rules-registry.ts.
 *
 * Conventions: time is virtual milliseconds since the unix epoch (SimNodeEnv.now); targets are
 * bigints (a hash meets target t when its value is <= t); payees are address strings; amounts
 * are satoshis.
 */
import type { BlockTemplate } from '../chain/block-template.js';
import type { Prng } from './prng.js';

/** A share as the engine sees it: an opaque object with a unique id (v35: the share hash). */
export interface SimShare {
  readonly id: string;
}

/** How a share relates to others, for the engine's final classification of every share. */
export interface SimShareLinks {
  /** The share this one extends in the chain (null for a chain's first share). */
  parent: string | null;
  /**
   * Shares this one pays by reference without extending them (the fair rules' uncles and
   * sub-shares); v35: none. A share that is not on the final chain but referenced from it is
   * classified as its `kind` instead of orphaned.
   */
  references: ReadonlyArray<{ id: string; kind: 'uncle' | 'sub-share' }>;
  /** False for shares that never extend the chain themselves (sub-shares). */
  extendsChain: boolean;
}

/** What a block found at a share would pay (the share's coinbase). */
export interface SimCoinbase {
  /**
   * Everyone the coinbase pays, each once, in the order of their first output (the donation
   * under its own key); `sats[i]` is what `payees[i]` gets in all, satoshis.
   */
  payees: readonly string[];
  sats: readonly number[];
  /** Outputs of the coinbase transaction in all (payouts, donation, commitments). */
  outputs: number;
}

/** A miner as the rules see it. */
export interface SimMinerSpec {
  /** Payout address. */
  address: string;
  /** H/s (the work layer may estimate it from pseudoshares, as a real node does). */
  hashrate: number;
  /** Stratum `/D`: the share difficulty the miner asks for, or null for the node's choice. */
  shareDifficulty: number | null;
  /**
   * The most payout outputs the miner's firmware takes (the fair networks' `~N`: the largest
   * output class up to it), or null for the network's default class. v35 has no classes.
   */
  maxOutputs: number | null;
}

/** A unit of work handed to a miner. */
export interface SimJob {
  /** The target a solution must meet to be a share (may differ per miner). */
  readonly shareTarget: bigint;
  /** The parent chain's block target. */
  readonly blockTarget: bigint;
}

/** The proof of work of a solution: a value the engine drew, or grind real hashes. */
export type SimProofOfWork =
  | { kind: 'drawn'; value: bigint }
  | { kind: 'grind' };

export interface SimSubmitOutcome<S extends SimShare> {
  /** The share made from the solution (null when the work layer made none). */
  share: S | null;
  /** The work layer's verdict: the work was outdated when the solution arrived (dead on arrival). */
  dead: boolean;
  /** The proof-of-work value the share carries (the drawn one, or the ground hash). */
  pow: bigint;
  /** True when the node's best share changed. */
  bestChanged: boolean;
}

/** What a node's rules get from the engine. */
export interface SimNodeEnv {
  index: number;
  /** The operator's payout address (the node fee's payee). */
  address: string;
  feePercent: number;
  /** Virtual ms since the unix epoch. */
  now(): number;
  /** The node's current parent-chain template and block heights. */
  template(): BlockTemplate;
  heightRelTip(prevDisplayHex: string): number;
  /** Submit a block the node's work layer found; null when accepted, else the refusal. */
  submitBlock(block: Buffer): string | null;
  /** This node's random stream (nonces, fee draws). */
  rng: Prng;
  /** The node's peers (the engine relays to every one of them in one round). */
  peers: readonly number[];
}

/** Wall-clock costs a node's rules measured (never part of the deterministic report). */
export interface SimNodeCpu {
  /** ms spent in full share verification for this node. */
  verifyMs: number;
  /** Shares this node verified in full. */
  verified: number;
  /** Shares this node took from the per-process verification cache (verified by another node). */
  verifyCacheHits: number;
  /** ms spent handling shares (adding, verifying, choosing the best), verification included. */
  handleMs: number;
  /** ms spent making jobs and turning solutions into shares. */
  workMs: number;
}

export interface SimNodeChain<S extends SimShare> {
  /** The node's best share id, or null. */
  readonly best: string | null;
  /** Take the start chain (SimRules.bootstrap), as a node loads its store (newWork follows). */
  load(shares: readonly S[]): void;
  /** An opaque handle for one of this node's miners (v35: the authorized Stratum miner). */
  minerHandle(miner: SimMinerSpec): unknown;
  /**
   * The best share or the template changed: the work layer starts a new generation of work
   * (jobs from older generations are outdated from now on).
   */
  newWork(): void;
  /** The share target a job for this miner gets in the current generation (cheap; no job built). */
  shareTargetFor(miner: unknown): bigint;
  /**
   * The miner's job of the current generation, exactly as the node handed it out when the
   * generation began (its timestamps are the generation's start).
   */
  makeJob(miner: unknown): SimJob;
  /** The miner's solution on `job` reaches the node now. */
  submit(job: SimJob, miner: unknown, pow: SimProofOfWork): SimSubmitOutcome<S>;
  /** Shares from peer `from` reach the node (the real share-handling path); true when the best changed. */
  receive(shares: readonly S[], from: number): boolean;
  /** The shares to send peer `peer` now (after the best changed); marks them as known to it. */
  relayTo(peer: number): S[];
  /**
   * Optional: one relay round at once, the same as `relayTo` for each of the node's peers
   * (SimNodeEnv.peers) in that order; a rule set with a relay memory for all peers at once
   * walks its chain once per round instead of once per peer.
   */
  relayRound?(): S[][];
  /**
   * Optional: true when the node has shares to relay although its best did not change (a rule
   * set with sub-shares relays them as they are verified); the engine then runs a relay round
   * (relayTo every peer) without starting new work.
   */
  wantsRelay?(): boolean;
  /**
   * Optional: the key of the miner's share-target class. Miners with one key get one target per
   * generation. Default: the node's target, or the miner's `/D`. A rule set with a target per
   * miner gives each miner its own key.
   */
  targetClass?(miner: unknown): string;
  cpu(): SimNodeCpu;
}

export interface SimBootstrap {
  /** H/s of each node's miners (the start chain's difficulty is ramped towards the pool's). */
  nodeHashrates: readonly number[];
  /** Virtual ms at which the simulation starts: the start chain ends just before it. */
  startMs: number;
  /** Payees for the start chain's shares, drawn in proportion to hash rate. */
  payee: () => string;
  template: BlockTemplate;
  /** Shares wanted, or null for the rules' default. */
  shares: number | null;
  rng: Prng;
  /** Every miner of the run (a rule set with per-miner targets lays out their shares). */
  miners: ReadonlyArray<{ address: string; hashrate: number; maxOutputs: number | null }>;
}

export interface SimRules<S extends SimShare> {
  /** The rule set's name as in scenario files ("v35"). */
  readonly name: string;
  /** Constants for the report (JSON values). */
  readonly constants: Readonly<Record<string, number | string | boolean>>;
  /** Target seconds between shares. */
  readonly sharePeriod: number;
  /** The payee key of the donation output. */
  readonly donationPayee: string;
  /**
   * Seconds the payout window reaches back, as the rules define it (v35: REAL_CHAIN_LENGTH x
   * SHARE_PERIOD; fair: window_links x link_period): the window of the ideal pool that the
   * efficiency against the work found compares with (docs/simulate.md#efficiency-against-the-work-found).
   */
  readonly payoutWindowSeconds: number;
  /**
   * Optional: seconds mining goes on after the scenario's end so that shares found before the
   * end can still be paid by reference (their fate is then the network's, not the run's end);
   * shares found in that time count for nothing. Default 0.
   */
  readonly settleSeconds?: number;
  /** A valid payout address for the run's `kind` number `index` (deterministic). */
  payoutAddress(kind: 'miner' | 'node', index: number): string;
  /** The chain every node starts from, oldest first (loaded by every node at time 0). */
  bootstrap(b: SimBootstrap): S[];
  createNode(env: SimNodeEnv): SimNodeChain<S>;
  links(share: S): SimShareLinks;
  /**
   * The coinbase a block at `share` pays. Called once per share by the engine, right after the
   * share was made (the rules may free what they kept for it).
   */
  coinbase(share: S): SimCoinbase;
  /**
   * What the share's own bytes say of the work it pays: the payee its work is paid to (a key as
   * in SimCoinbase.payees), its timestamp (unix seconds) and its work (expected hashes at its own
   * target). The engine reads it for the start chain's shares and the payee of every share found
   * (docs/simulate.md#efficiency-against-the-work-found).
   */
  shareFacts(share: S): { payee: string; timestamp: number; work: number };
  /** Bytes on the wire (framing included, real encoder) of one message relaying `shares`. */
  messageBytes(shares: readonly S[]): number;
  /**
   * The share's serialization for `p2pool chain verify` (hex of the wire form), kept only when
   * the run emits its chain; null otherwise.
   */
  wireHex(share: S): string | null;
}
