/**
 * The work layer on the fair sharechain rules (docs/fair-sharechain.md, docs/mining.md#the-fair-networks):
 * jobs from the block template and the best link, each with the miner's own share target and
 * the miner's payout-output class, and miners' solutions back into shares (links or sub-shares)
 * and blocks. The same WorkSource as v35's PoolWork for Stratum and getwork, and the same block
 * handling (block fitting, submission, bad-block reports).
 *
 * Per job (docs/fair-sharechain.md#policy):
 * - the own target: the miner's `/DIFF` if it gave one, else fairShareTarget from its measured
 *   hash rate (k = 40 shares per window; the link target until it is measured), always clamped
 *   to [link target, floor target];
 * - K: the largest of the network's output classes up to the miner's `~N`, else up to the
 *   operator's `--max-coinbase-outputs`, else the network's default class (200);
 * - the coinbase: generateFairShare on the best link, the generation's references and template.
 *
 * Stale work (docs/fair-sharechain.md#references): a new best link does not make older jobs
 * dead. A solution on a job whose parent link is no longer the best still becomes a share, and
 * is answered as accepted while a link built on the best may still reference it (its fork point
 * within H links). Only work that can no longer be paid (beyond the horizon), or that builds on
 * a parent-chain block that is no longer the tip, is answered `stale work`; a new block still
 * makes every job clean.
 */
import { EventEmitter } from 'node:events';
import { decodeAddress } from '../bitcoin/address.js';
import { assembleBlock, headerFieldsWithoutRoot } from '../bitcoin/block.js';
import { powHash, powHashInto, type ChainParams } from '../bitcoin/chain-params.js';
import { sha256d } from '../bitcoin/hash.js';
import { hashToDisplayHex } from '../bitcoin/hex.js';
import { bip34HeightPush, classifyScript, pushData } from '../bitcoin/script.js';
import { bitsToTarget, difficultyToTarget, targetToDifficulty } from '../bitcoin/target.js';
import { encodeTransaction } from '../bitcoin/transaction.js';
import { WITNESS_SCALE_FACTOR } from '../bitcoin/sigops.js';
import { checkTemplateRules, type BlockTemplate } from '../chain/block-template.js';
import type { FairChainState } from '../sharechain/fair/chain-state.js';
import { buildFairGentx } from '../sharechain/fair/coinbase.js';
import { assembleFairShare, FairGentxError, fairPayouts, generateFairShare, type GeneratedFairShare } from '../sharechain/fair/gentx.js';
import type { FairNetwork } from '../sharechain/fair/networks.js';
import { fairShareTarget, worstCaseCoinbaseBytes } from '../sharechain/fair/policy.js';
import { forkPoint, selectRefs } from '../sharechain/fair/refs.js';
import { deriveFairTargets, type FairTargets } from '../sharechain/fair/retarget.js';
import type { FairShare, ShareHash } from '../sharechain/fair/types.js';
import { InvalidShare } from '../sharechain/invalid-share.js';
import { blockOverhead, coinbaseWeight, type CoinbaseSize } from './block-limits.js';
import { submitFoundBlock, type BlockOutcome, type BlockSubmitter, type FoundBlock } from './block-submission.js';
import { exceededFirmwareLimits, firmwareWarning, type CoinbaseFacts } from './firmware-limits.js';
import { HashrateEstimator } from './hashrate.js';
import { TransactionFitter, type JobTransactions } from './job-transactions.js';
import { hashExceedsTarget, jobHashTargets, meetsAuxTarget, onlyPseudoshare, type HashTargets, type Job } from './job.js';
import type { MergedMiningHook } from './merged-hook.js';
import { checkPayoutAddress } from './miner-address.js';
import type { TemplateProvider, WorkBlockStatus, WorkCounters } from './pool-work.js';
import { reservedWeightAdvice } from './pool-work.js';
import { parseFairUsername } from './username.js';
import { ACCEPTED, STALE_WORK, type AuthorizeResult, type Miner, type NodeWork, type Solution, type SolutionResult } from './work-source.js';

/** Header versions carry at least the BIP9 top bits (as v35's jobs). */
const MIN_HEADER_VERSION = 0x20000000;
/** Appended to the coinbase scriptSig so blocks can be told apart in explorers. */
const COINBASE_TAG = Buffer.from('/P2Pool-TS/');
/** Generated coinbases kept per generation (one per payee, class and own target). */
const MAX_JOBS_PER_GENERATION = 4096;
/** Miners remembered for the API (their own target and class); older than this are forgotten. */
const MINER_MEMORY_MS = 10 * 60_000;
const MAX_MINERS = 10_000;
/** Recent transaction sets kept for rebuilding our own blocks (peer-blocks.ts). */
const RECENT_BODIES = 4;
const FIT_LOG_INTERVAL_MS = 60 * 60_000;
/**
 * A payee no window holds, with the longest payable script (P2WSH, 34 bytes): a coinbase with it
 * as the finder is the largest any job of a generation can have (its output is appended).
 */
const SIZING_FINDER = Buffer.concat([Buffer.from([0x00, 0x20]), Buffer.alloc(32, 0xee)]);

export interface FairWorkOptions {
  net: FairNetwork;
  chain: FairChainState;
  templates: TemplateProvider;
  submitter: BlockSubmitter;
  /** The node operator's payout address (also used for miners with invalid user names). */
  nodeAddress: string;
  /** `-f`: percent of work built to pay the node operator instead of the miner. */
  feePercent?: number;
  /** `--max-coinbase-outputs`: the class for miners that give no `~N`; default the largest. */
  maxCoinbaseOutputs?: number;
  /** Refuse work while the node is not on the sharechain yet (a reason string), or null. */
  syncState?: () => string | null;
  merged?: MergedMiningHook;
  /** Tests only: false builds every job on all of the template's transactions. */
  fitTransactions?: boolean;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
  now?: () => number;
  random?: () => number;
}

/** A fair miner: the Stratum Miner plus its payout-output class. */
export interface FairMiner extends Miner {
  /** From `~N` in the user name, or null. */
  maxOutputs: number | null;
}

/** What every job of one generation (template + best link) shares. */
interface Generation {
  id: number;
  template: BlockTemplate;
  parent: ShareHash | null;
  txs: JobTransactions;
  targets: FairTargets;
  refs: Buffer[];
  scriptSig: Buffer;
  timestamp: number;
  version: number;
  blockTarget: bigint;
  /** Own target per miner (rate user), fixed for the generation. */
  ownTargets: Map<string, bigint>;
  /** Generated coinbases by payee script, class and own target. */
  jobs: Map<string, GeneratedFairShare>;
}

interface FairJobContext {
  generation: Generation;
  gen: GeneratedFairShare;
  /** The job's block and share targets as hash bytes, made on its first submit. */
  targets?: HashTargets;
}

/** Per miner, for the API: the own target and class of its last job. */
export interface FairMinerWork {
  username: string;
  address: string;
  /** Own target of its last job (its share difficulty). */
  target: bigint;
  maxOutputs: number;
  /** ms since the epoch of its last job. */
  at: number;
  /** Its hash rate over the time it has been seen (H/s; 0 before it is measured). */
  hashRate: number;
}

class FairJob implements Job {
  readonly coinb1Hex: string;
  readonly prevBlock: Buffer;
  readonly merkleBranch: Buffer[];
  readonly version: number;
  readonly bits: number;
  readonly minTime: number;
  readonly blockTarget: bigint;
  readonly shareTarget: bigint;
  readonly coinb2: Buffer;

  constructor(readonly id: string, readonly context: FairJobContext, readonly ntime: number, readonly createdAt: number) {
    const g = context.generation;
    this.coinb1Hex = context.gen.coinb1.toString('hex');
    this.coinb2 = context.gen.coinb2;
    this.prevBlock = g.template.previousBlockHash;
    this.merkleBranch = g.txs.segwitData.txidMerkleLink.branch;
    this.version = g.version;
    this.bits = g.template.bits;
    this.minTime = g.template.mintime;
    this.blockTarget = g.blockTarget;
    this.shareTarget = bitsToTarget(context.gen.info.shareBits);
  }

  get coinb1(): Buffer {
    return this.context.gen.coinb1;
  }
}

export interface FairWorkEvents {
  work: [clean: boolean];
  block: [block: FoundBlock, outcome: BlockOutcome];
  share: [share: FairShare, deadOnArrival: boolean];
}

export class FairWork extends EventEmitter<FairWorkEvents> implements NodeWork {
  readonly counters: WorkCounters = {
    pseudoshares: 0, deadPseudoshares: 0, shares: 0, deadShares: 0,
    blocksFound: 0, blocksAccepted: 0, blocksRejected: 0, blocksLostRace: 0, blocksOverLimits: 0, rejectReasons: new Map(),
  };
  readonly hashrate = new HashrateEstimator();
  readonly difficultyMultiplier: number;
  private generationId = 0;
  private current: Generation | null = null;
  private jobCounter = 0;
  private checkedTemplate: BlockTemplate | null = null;
  private readonly fitter: TransactionFitter;
  private readonly bodies: JobTransactions[] = [];
  private status: WorkBlockStatus | null = null;
  private fitLoggedAt = 0;
  private unfitLoggedAt = 0;
  private readonly scripts = new Map<string, Buffer>();
  private readonly miners = new Map<string, FairMinerWork>();
  private readonly rateUsers = new WeakMap<Miner, string>();
  /** Our miners' shares (for the API's counts of ours that were paid, referenced or orphaned). */
  readonly ourShares: string[] = [];
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly parent: ChainParams;
  /** The class for miners without `~N`. */
  readonly defaultOutputs: number;

  constructor(private readonly opts: FairWorkOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.parent = opts.net.parent;
    this.difficultyMultiplier = this.parent.stratumDifficultyMultiplier;
    this.fitter = new TransactionFitter({ mweb: this.parent.coin === 'litecoin', fit: opts.fitTransactions });
    this.defaultOutputs = this.outputClass(opts.maxCoinbaseOutputs ?? null);
    const check = checkPayoutAddress(opts.nodeAddress, this.parent, opts.net.shareVersion);
    if (!check.ok) throw new Error(`payout address ${opts.nodeAddress}: ${check.reason}`);
  }

  /**
   * The largest of the network's output classes up to `n` (the smallest when none is); null: the
   * network's default class (200; the larger K_MAX class is opt-in).
   */
  outputClass(n: number | null): number {
    const classes = this.opts.net.outputClasses;
    if (n === null) n = this.opts.net.defaultOutputs; // the largest class up to the default (a variant may lack 200)
    let k = classes[0]!;
    for (const c of classes) if (c <= n) k = c;
    return k;
  }

  // ---- difficulty range (Stratum clamps to it) ----------------------------------------------

  /** The link and floor targets of a share built now (on the best link). */
  private nextTargets(): FairTargets {
    const g = this.current;
    if (g && g.parent === this.opts.chain.best) return g.targets;
    return deriveFairTargets(this.opts.chain.tracker, this.opts.net, this.opts.chain.bestShare ?? null);
  }

  /** The floor's difficulty: no share can be easier (Stratum units). */
  get minDifficulty(): number {
    return targetToDifficulty(this.nextTargets().floorTarget) * this.difficultyMultiplier;
  }

  readonly maxDifficulty = 1e15;

  /**
   * A session never announces more than the job's own share difficulty (at most a link's):
   * the miner submits every share, and `/DIFF`, `+DIFF`, `mining.suggest_difficulty` and vardiff
   * all end up within the rules' [floor, link] (docs/mining.md#the-fair-networks).
   */
  maxDifficultyFor(job: Job): number {
    return targetToDifficulty(job.shareTarget) * this.difficultyMultiplier;
  }

  initialDifficulty(miner: Miner): number {
    const own = this.ownTarget(miner, this.nextTargets());
    return Math.max(this.minDifficulty, Math.min(1, targetToDifficulty(own)) * this.difficultyMultiplier);
  }

  powHash(header: Buffer): Buffer {
    return powHash(this.parent, header);
  }

  powHashInto(header: Buffer, out: Buffer): void {
    powHashInto(this.parent, header, out);
  }

  // ---- work changes ------------------------------------------------------------------------

  /** The template changed (`clean`: a new block, or bitcoind went away or came back). */
  workChanged(clean: boolean): void {
    this.generationId++;
    this.current = null;
    if (this.unavailable() === null) this.emit('work', clean);
  }

  /**
   * A new best link: new jobs build on it, but jobs on the previous one stay valid and are
   * still paid (as references) within the horizon, so miners are not told to drop them.
   */
  bestChanged(): void {
    this.workChanged(false);
  }

  unavailable(): string | null {
    const t = this.opts.templates.current;
    if (!t) return 'waiting for the first block template from bitcoind';
    if (this.opts.templates.stale) return 'lost contact with bitcoind';
    if (t !== this.checkedTemplate) {
      try {
        checkTemplateRules(t, this.parent.knownRules);
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
      this.checkedTemplate = t;
    }
    const sync = this.opts.syncState?.() ?? null;
    if (sync) return sync;
    if (this.opts.net.persist && this.opts.chain.best === null) return 'p2pool is downloading shares';
    return null;
  }

  // ---- miners ------------------------------------------------------------------------------

  authorize(username: string): AuthorizeResult {
    const parsed = parseFairUsername(username);
    let address = parsed.address;
    const check = checkPayoutAddress(address, this.parent, this.opts.net.shareVersion);
    if (!check.ok) {
      if (!check.invalid) return { ok: false, reason: check.reason };
      this.opts.log?.('info', `miner '${username.slice(0, 100)}' gave no valid ${this.parent.name} address (${check.reason}); mining to the node's address`);
      address = this.opts.nodeAddress;
    }
    const miner: FairMiner = {
      username, address, worker: parsed.worker, pseudoDifficulty: parsed.pseudoDifficulty, shareDifficulty: parsed.shareDifficulty,
      maxOutputs: parsed.maxOutputs,
    };
    return { ok: true, miner };
  }

  /** The name a miner's hash rate is kept under (as PoolWork: before any modifier). */
  private rateUser(miner: Miner): string {
    let user = this.rateUsers.get(miner);
    if (user === undefined) {
      user = miner.username.slice(0, 256).split(/[+/~]/, 1)[0]!.trim();
      this.rateUsers.set(miner, user);
    }
    return user;
  }

  /** The miner's own target on a parent with these targets (see the module comment). */
  private ownTarget(miner: Miner, targets: FairTargets): bigint {
    let wanted: bigint;
    if (miner.shareDifficulty !== null) {
      wanted = difficultyToTarget(miner.shareDifficulty);
    } else {
      // Until its hash rate is measured (a few pseudoshares), a miner mines links: paid exactly in
      // expectation like any own target, without a burst of floor-level shares from a large
      // miner that just connected.
      const rate = this.hashrate.minerRate(this.now(), this.rateUser(miner));
      wanted = rate === null ? targets.linkTarget : fairShareTarget({ net: this.opts.net, linkTarget: targets.linkTarget, floorTarget: targets.floorTarget, hashrate: rate }).target;
    }
    return wanted < targets.linkTarget ? targets.linkTarget : wanted > targets.floorTarget ? targets.floorTarget : wanted;
  }

  private payoutScript(address: string): Buffer {
    let s = this.scripts.get(address);
    if (!s) {
      s = decodeAddress(address, this.parent).script;
      if (this.scripts.size > MAX_MINERS) this.scripts.clear();
      this.scripts.set(address, s);
    }
    return s;
  }

  /** Own target and class of each miner's last job (the API: share difficulty per miner). */
  minerWork(): FairMinerWork[] {
    const now = this.now();
    const cutoff = now - MINER_MEMORY_MS;
    for (const [k, m] of this.miners) if (m.at < cutoff) this.miners.delete(k);
    return [...this.miners.values()].map((m) => ({ ...m, hashRate: this.hashrate.minerRate(now, m.username.slice(0, 256).split(/[+/~]/, 1)[0]!.trim()) ?? 0 }));
  }

  // ---- jobs --------------------------------------------------------------------------------

  makeJob(miner: Miner, _extranonce1: Buffer): Job | { unavailable: string } {
    const why = this.unavailable();
    if (why) return { unavailable: why };
    let g: Generation;
    try {
      g = this.generation();
    } catch (e) {
      if (e instanceof FairGentxError) return { unavailable: `cannot build on the sharechain: ${e.message}` };
      throw e;
    }
    const fee = this.opts.feePercent ?? 0;
    const address = fee > 0 && this.random() * 100 < fee ? this.opts.nodeAddress : miner.address;
    const user = this.rateUser(miner);
    let own = g.ownTargets.get(user);
    if (own === undefined) {
      // A chain's first share must be a link (docs/fair-sharechain.md#validation, rule 14).
      own = g.parent === null ? g.targets.linkTarget : this.ownTarget(miner, g.targets);
      g.ownTargets.set(user, own);
    }
    const k = this.outputClass((miner as Partial<FairMiner>).maxOutputs ?? this.opts.maxCoinbaseOutputs ?? null);
    const script = this.payoutScript(address);
    const key = `${script.toString('hex')}/${k}/${own}`;
    let gen = g.jobs.get(key);
    if (!gen) {
      try {
        gen = generateFairShare({
          net: this.opts.net,
          view: this.opts.chain.tracker,
          parentHash: g.parent,
          payoutScript: script,
          coinbase: g.scriptSig,
          subsidy: g.txs.subsidy,
          blockBits: g.template.bits,
          timestamp: g.timestamp,
          desiredTarget: own,
          maxOutputs: k,
          refs: g.refs,
          wtxidRoot: g.txs.segwitData.wtxidMerkleRoot,
        });
      } catch (e) {
        if (e instanceof FairGentxError) return { unavailable: `cannot build on the sharechain: ${e.message}` };
        throw e;
      }
      if (g.jobs.size >= MAX_JOBS_PER_GENERATION) g.jobs.delete(g.jobs.keys().next().value!);
      g.jobs.set(key, gen);
    }
    const now = this.now();
    this.miners.delete(miner.username);
    this.miners.set(miner.username, { username: miner.username, address, target: bitsToTarget(gen.info.shareBits), maxOutputs: k, at: now, hashRate: 0 });
    if (this.miners.size > MAX_MINERS) this.miners.delete(this.miners.keys().next().value!);
    const ntime = Math.max(g.template.curtime, g.template.mintime, Math.floor(now / 1000));
    return new FairJob((++this.jobCounter).toString(16), { generation: g, gen }, ntime, now);
  }

  /** The generation for the current template and best link, made on first use. */
  private generation(): Generation {
    const template = this.opts.templates.current!;
    const chain = this.opts.chain;
    const best = chain.best;
    if (this.current && this.current.template === template && this.current.parent === best) return this.current;
    const net = this.opts.net;
    const parentShare = best === null ? null : (chain.tracker.link(best) ?? null);
    const targets = deriveFairTargets(chain.tracker, net, parentShare);
    const refs = parentShare === null ? [] : selectRefs(chain.tracker, net, best);
    // The merged-mining commitment right after the height, so the 100-byte cap only cuts the
    // template's coinbaseaux or our tag (as v35's jobs).
    const mm = this.opts.merged?.coinbaseCommitment() ?? Buffer.alloc(0);
    let scriptSig = Buffer.concat([bip34HeightPush(template.height), mm, template.coinbaseAux, pushData(COINBASE_TAG)]);
    if (scriptSig.length > 100) scriptSig = scriptSig.subarray(0, 100);
    const sizing = this.largestCoinbase(best, template, scriptSig);
    const txs = this.fitter.forCoinbase(template, sizing.size);
    this.noteWork(sizing.size, sizing.defaultFacts(txs.segwitData.txidMerkleLink.branch.length), txs);
    this.current = {
      id: this.generationId,
      template,
      parent: best,
      txs,
      targets,
      refs,
      scriptSig,
      timestamp: Math.max(Math.floor(this.now() / 1000), (parentShare?.info.timestamp ?? 0) + 1),
      version: Math.max(template.version >>> 0, MIN_HEADER_VERSION) >>> 0,
      blockTarget: bitsToTarget(template.bits),
      ownTargets: new Map(),
      jobs: new Map(),
    };
    return this.current;
  }

  /**
   * The largest coinbase any job of a generation can have (docs/mining.md#block-limits): for
   * every output class, the coinbase paying the window with a finder new to it and with the
   * longest payable script; the block's transactions are fitted around the largest. Also the
   * default class's coinbase, which is what most miners get (the firmware warning is about it).
   */
  private largestCoinbase(parent: ShareHash | null, template: BlockTemplate, scriptSig: Buffer): { size: CoinbaseSize; defaultFacts: (branches: number) => CoinbaseFacts } {
    const net = this.opts.net;
    let size: CoinbaseSize = { strippedSize: 0, totalSize: 0, sigopCost: 0, payees: 0 };
    let defaultFacts: CoinbaseFacts = { bytes: 0, payees: 0, merkleBranches: 0 };
    for (const k of net.outputClasses) {
      let stripped: number;
      let payees: number;
      let sigops: number;
      try {
        const p = fairPayouts(this.opts.chain.tracker, net, parent, { blockBits: template.bits, subsidy: template.coinbaseValue, finderScript: SIZING_FINDER, maxOutputs: k });
        const built = buildFairGentx({ coinbase: scriptSig, payouts: p.serialized, wtxidRoot: Buffer.alloc(32), refHash: Buffer.alloc(32), lastTxoutNonce: 0n });
        stripped = built.stripped.length;
        payees = p.amounts.length;
        // A P2PKH output costs 4 sigops; the finder may be one too.
        sigops = (p.outputs.filter((o) => classifyScript(o.script).type === 'p2pkh').length + 1) * WITNESS_SCALE_FACTOR;
      } catch (e) {
        if (!(e instanceof FairGentxError)) throw e;
        stripped = worstCaseCoinbaseBytes(k);
        payees = k;
        sigops = k * WITNESS_SCALE_FACTOR;
      }
      // The witness: marker, flag, one item of 32 bytes (the reserved value).
      const total = stripped + 2 + 1 + 1 + 32;
      if (stripped > size.strippedSize) size = { strippedSize: stripped, totalSize: total, sigopCost: Math.max(sigops, size.sigopCost), payees: Math.max(payees, size.payees) };
      else size = { ...size, sigopCost: Math.max(sigops, size.sigopCost), payees: Math.max(payees, size.payees) };
      if (k === this.defaultOutputs) defaultFacts = { bytes: stripped, payees, merkleBranches: 0 };
    }
    return { size, defaultFacts: (branches) => ({ ...defaultFacts, merkleBranches: branches }) };
  }

  /** Record the work's coinbase and transaction set for the API and /metrics, and log what calls for the operator. */
  private noteWork(c: CoinbaseSize, facts: CoinbaseFacts, txs: JobTransactions): void {
    const exceeded = exceededFirmwareLimits(facts).map((l) => l.id);
    const weight = coinbaseWeight(c);
    const previous = this.status;
    const warning = firmwareWarning(facts);
    this.status = {
      ...facts,
      weight,
      templateTransactions: txs.template.transactions.length,
      keptTransactions: txs.transactions.length,
      droppedTransactions: txs.droppedCount,
      droppedFees: txs.droppedFees,
      reservedWeightNeeded: blockOverhead(txs.template.transactions.length, c).weight,
      firmwareLimitsExceeded: exceeded,
      firmwareWarning: warning === null ? null : `${warning} (fair networks: such miners get a smaller coinbase with ~N in their user name, docs/mining.md#coinbase-size-on-the-fair-networks)`,
    };
    if (this.status.firmwareWarning !== null && previous?.firmwareLimitsExceeded.join() !== exceeded.join()) {
      this.opts.log?.('warn', this.status.firmwareWarning);
    }
    const now = this.now();
    if (!txs.fits && now - this.unfitLoggedAt > FIT_LOG_INTERVAL_MS) {
      this.unfitLoggedAt = now;
      this.opts.log?.('error', `the template's mandatory transactions and the coinbase do not fit the block limits: a block found now would be invalid`);
    }
    if (txs.droppedCount > 0 && now - this.fitLoggedAt > FIT_LOG_INTERVAL_MS) {
      this.fitLoggedAt = now;
      this.opts.log?.('info', `the coinbase (up to ${weight} WU) does not fit the room bitcoind left in its template: ` +
        `${txs.droppedCount} of ${txs.template.transactions.length} transactions left out (${txs.droppedFees} sat of fees). ` +
        `Set -blockreservedweight=${reservedWeightAdvice(this.status.reservedWeightNeeded)} in bitcoin.conf so bitcoind leaves room for it (docs/bitcoind.md)`);
    }
    if (txs.droppedCount > 0 && !this.bodies.includes(txs)) {
      this.bodies.unshift(txs);
      this.bodies.length = Math.min(this.bodies.length, RECENT_BODIES);
    }
  }

  blockStatus(): WorkBlockStatus | null {
    return this.status;
  }

  recentBodies(): readonly { transactions: JobTransactions['transactions']; mwebSuffix: Buffer }[] {
    return this.bodies.map((b) => ({ transactions: b.transactions, mwebSuffix: b.template.mwebSuffix }));
  }

  // ---- solutions ---------------------------------------------------------------------------

  /**
   * Whether a share built on `parent` can still be paid: a link built on the best one may
   * reference it (its fork point with the best chain is within H links of the next height), or
   * it builds on the best link itself.
   */
  payable(parent: ShareHash | null): boolean {
    const chain = this.opts.chain;
    const best = chain.bestShare;
    if (!best) return true;
    if (parent === best.hash) return true;
    if (parent === null || !chain.tracker.link(parent)) return false;
    const probe = { prevHash: parent } as FairShare;
    return forkPoint(chain.tracker, probe, best, best.info.height + 1 - this.opts.net.refDepth) !== null;
  }

  onPseudoshare(job: Job, miner: Miner, powHash: Buffer, pseudoTarget: bigint): SolutionResult | null {
    const ctx = job.context as FairJobContext;
    ctx.targets ??= jobHashTargets(job);
    if (!onlyPseudoshare(powHash, ctx.targets, this.opts.merged?.easiestTarget() ?? null)) return null;
    return this.countPseudoshare(ctx, miner, pseudoTarget) ? STALE_WORK : ACCEPTED;
  }

  /** Whether a job's work can no longer be paid: its block is not the tip, or its link is too old. */
  private deadWork(ctx: FairJobContext): boolean {
    const g = ctx.generation;
    const tip = this.opts.templates.current;
    const blockStale = this.opts.templates.stale || tip === null || !tip.previousBlockHash.equals(g.template.previousBlockHash);
    return blockStale || !this.payable(g.parent);
  }

  /** Counts a pseudoshare (every solution is one); returns whether its work is dead. */
  private countPseudoshare(ctx: FairJobContext, miner: Miner, pseudoTarget: bigint): boolean {
    const dead = this.deadWork(ctx);
    this.counters.pseudoshares++;
    if (dead) this.counters.deadPseudoshares++;
    this.hashrate.add(this.now(), pseudoTarget, this.rateUser(miner), dead);
    return dead;
  }

  onSolution(s: Solution): SolutionResult {
    const ctx = s.job.context as FairJobContext;
    const g = ctx.generation;
    const dead = this.countPseudoshare(ctx, s.miner, s.pseudoTarget);

    const auxTarget = this.opts.merged?.easiestTarget() ?? null;
    if (auxTarget !== null && meetsAuxTarget(s.powHash, auxTarget)) {
      this.opts.merged!.onSolution({ header: s.header, coinbase: s.coinbase, merkleBranch: s.job.merkleBranch, powHash: s.powHash });
    }
    ctx.targets ??= jobHashTargets(s.job);
    const isBlock = !hashExceedsTarget(s.powHash, ctx.targets.block);
    const isShare = !hashExceedsTarget(s.powHash, ctx.targets.share);
    const answer = dead ? STALE_WORK : ACCEPTED;
    if (!isBlock && !isShare) return answer;
    const lastTxoutNonce = s.nonceArea.readBigUInt64LE(0);
    if (isBlock) this.submitBlock(s, ctx, lastTxoutNonce);
    if (isShare) {
      let share: FairShare;
      try {
        share = assembleFairShare(ctx.gen, {
          header: headerFieldsWithoutRoot(s.header),
          lastTxoutNonce,
          merkleBranch: s.job.merkleBranch,
        }, this.now());
      } catch (e) {
        if (!(e instanceof InvalidShare) && !(e instanceof FairGentxError)) throw e;
        this.opts.log?.('error', `internal error: a solved job did not make a share: ${e.message}`);
        return answer;
      }
      this.counters.shares++;
      if (dead) this.counters.deadShares++;
      const kind = share.isLink ? 'link' : 'sub-share';
      const onOld = g.parent !== this.opts.chain.best;
      this.opts.log?.('info', `share ${share.hash.slice(0, 16)}… (${kind}${onOld ? `, on an older link: ${dead ? 'too old to be paid' : 'a reference'}` : ''}) from ${s.miner.username.slice(0, 60)}`);
      this.ourShares.unshift(share.hash);
      if (this.ourShares.length > MAX_MINERS) this.ourShares.pop();
      this.opts.chain.addLocalShare(share);
      this.emit('share', share, dead);
    }
    return answer;
  }

  private submitBlock(s: Solution, ctx: FairJobContext, lastTxoutNonce: bigint): void {
    const { gen, generation: g } = ctx;
    const built = buildFairGentx({ coinbase: gen.info.coinbase, payouts: gen.payouts.serialized, wtxidRoot: gen.info.wtxidRoot, refHash: gen.refHash, lastTxoutNonce });
    if (!built.stripped.equals(s.coinbase)) {
      this.opts.log?.('error', 'internal error: rebuilt coinbase differs from the mined one; block not submitted');
      return;
    }
    const { template, txs } = g;
    const block = assembleBlock(s.header, encodeTransaction(built.gentx), txs.body);
    const hashBytes = sha256d(s.header);
    const hash = hashToDisplayHex(hashBytes);
    this.counters.blocksFound++;
    this.opts.log?.('info', `GOT BLOCK FROM MINER ${s.miner.username.slice(0, 60)}: ${hash} at height ${template.height}`);
    const found: FoundBlock = { hash, height: template.height, shareHash: hash, time: this.now(), coinbase: built.gentx };
    void submitFoundBlock({
      submitter: this.opts.submitter,
      counters: this.counters,
      log: this.opts.log,
      limits: txs.limits,
      mweb: this.parent.coin === 'litecoin',
      sigopCostOf: (txid) => txs.sigopCostOf(txid),
      maxCoinbaseValue: txs.subsidy,
      describe: () => ({
        network: this.opts.net.name,
        templateTransactions: template.transactions.length,
        keptTransactions: txs.transactions.length,
        droppedFees: txs.droppedFees,
        fittedFor: txs.reserved,
        keptTotals: { weight: txs.weight, strippedSize: txs.strippedSize, sigopCost: txs.sigopCost },
        maxOutputs: gen.info.maxOutputs,
        fitting: this.opts.fitTransactions !== false,
      }),
    }, found, block, hashBytes).then(
      (outcome) => this.emit('block', found, outcome),
      (e: unknown) => this.opts.log?.('error', `internal error while submitting block ${hash}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`),
    );
  }
}
