/**
 * The work layer: turns the current block template and the best share into jobs for miners,
 * and miners' solutions into shares and blocks (docs/mining.md#how-a-job-is-built, docs/mining.md#miningsubmit-answers).
 *
 * Data flow: template + best share -> generateShare (sharechain/gentx.ts) -> Job (coinb1,
 * coinb2, merkle branch) -> miner -> solution -> block (submitted at once when it meets the
 * block target) and/or share (added to the sharechain, which re-chooses the best share and so
 * makes new work).
 */
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { powHash, powHashInto, type ChainParams } from '../bitcoin/chain-params.js';
import { assembleBlock, headerFieldsWithoutRoot } from '../bitcoin/block.js';
import { sha256d, type Sha256dPrefix } from '../bitcoin/hash.js';
import { displayHexToHash, hashToDisplayHex } from '../bitcoin/hex.js';
import { bip34HeightPush, pushData } from '../bitcoin/script.js';
import { bitsToTarget, difficultyToTarget, MAX_UINT256, targetToDifficulty, workNumberToTarget } from '../bitcoin/target.js';
import { encodeTransaction, type Transaction } from '../bitcoin/transaction.js';
import { checkTemplateRules, type BlockTemplate } from '../chain/block-template.js';
import type { ChainState } from '../sharechain/chain-state.js';
import { refOutputScript } from '../sharechain/coinbase-layout.js';
import { assembleShare, generateShare, GentxError, type GeneratedShare, type GentxParams } from '../sharechain/gentx.js';
import type { P2PoolNetwork } from '../sharechain/networks.js';
import { computeShareTargets } from '../sharechain/retarget.js';
import type { SegwitData, Share, ShareHash, ShareVersion } from '../sharechain/types.js';
import { blockOverhead, coinbaseWeight, type CoinbaseSize } from './block-limits.js';
import { submitFoundBlock, type BlockCounters, type BlockOutcome, type BlockSubmitter, type FoundBlock } from './block-submission.js';
import { firmwareWarning, exceededFirmwareLimits, type CoinbaseFacts } from './firmware-limits.js';
import { HashrateEstimator } from './hashrate.js';
import { TransactionFitter, type JobTransactions } from './job-transactions.js';
import { coinbasePrefixOf, hashExceedsTarget, jobHashTargets, meetsAuxTarget, onlyPseudoshare, type Coinb1HexSource, type HashTargets, type Job } from './job.js';
import type { MergedMiningHook } from './merged-hook.js';
import { checkPayoutAddress } from './miner-address.js';
import { GenerationBase, PayeeGentx, shareNonce } from './payee-gentx.js';
import { parseUsername } from './username.js';
import { ACCEPTED, STALE_WORK, type AuthorizeResult, type Miner, type Solution, type SolutionResult, type WorkSource } from './work-source.js';

/** The share version we build (JT PaddingBugfixShare). */
export const SHARE_VERSION: ShareVersion = 35;
/** Header versions carry at least the BIP9 top bits (reference: max(gbt version, 0x20000000)). */
const MIN_HEADER_VERSION = 0x20000000;
/** A node aims at no more than ~1.67% of the pool's shares (docs/mining.md#difficulty-pseudoshares-shares-and-blocks). */
export const NODE_SHARE_FRACTION = 0.0167;
/** Appended to the coinbase scriptSig so blocks can be told apart in explorers. */
const COINBASE_TAG = Buffer.from('/P2Pool-TS/');
const EMPTY: Buffer = Buffer.alloc(0);
/** Payees' work is cached per share target and work generation; at most this many per target. */
const MAX_CACHED = 4096;
/**
 * Share targets (miners' `/D`) with a gentx base in one generation; at most this many, the
 * oldest dropped first: each costs a PPLNS computation, and `/D` is the miner's to choose.
 */
const MAX_TARGETS = 64;
/** Before any work: assume a small coinbase (a whole template is then the likely case). */
const NO_COINBASE_YET: CoinbaseSize = { strippedSize: 0, totalSize: 0, sigopCost: 0, payees: 0 };
/**
 * Segwit data for sizing a coinbase only. The coinbase's size does not depend on it: the
 * witness commitment output has a fixed size, and the merkle link enters the coinbase only
 * through share_info's 32-byte hash (ref_hash).
 */
const SIZING_SEGWIT_DATA: SegwitData = { txidMerkleLink: { branch: [], index: 0 }, wtxidMerkleRoot: Buffer.alloc(32) };
/** Recent transaction sets kept for rebuilding our own blocks (peer-blocks.ts keeps 4 templates too). */
const RECENT_BODIES = 4;
/** "Transactions left out" is logged at most this often: it holds for every template until bitcoind is reconfigured. */
const FIT_LOG_INTERVAL_MS = 60 * 60_000;

/**
 * A `-blockreservedweight` for bitcoind that leaves room for a coinbase needing `needed`
 * (header and transaction count included): a quarter more for the PPLNS window to grow,
 * rounded up to a thousand, and never below Bitcoin Core's default of 8,000 (docs/bitcoind.md).
 */
export function reservedWeightAdvice(needed: number): number {
  return Math.max(8000, Math.ceil((needed * 1.25) / 1000) * 1000);
}

export interface TemplateProvider {
  readonly current: BlockTemplate | null;
  readonly stale: boolean;
}

export type { BlockOutcome, BlockSubmitter, FoundBlock } from './block-submission.js';

export interface PoolWorkOptions {
  net: P2PoolNetwork;
  chain: ChainState;
  templates: TemplateProvider;
  submitter: BlockSubmitter;
  /** The node operator's payout address (also used for miners with invalid usernames). */
  nodeAddress: string;
  /** `-f`: percent of work built to pay the node operator instead of the miner. */
  feePercent?: number;
  /** `--give-author`: percent of each share's weight to the donation script. */
  donationPercent?: number;
  /** Refuse work while the node is not on the sharechain yet (a reason string), or null. */
  syncState?: () => string | null;
  /** Merged mining (`--merged-url`): the aux commitment in the coinbase and aux solutions. */
  merged?: MergedMiningHook;
  /**
   * Tests only (test/integration/block-limits.test.ts): false builds every job on all of the
   * template's transactions, as before block fitting existed, to show what fitting prevents.
   */
  fitTransactions?: boolean;
  log?: (level: 'info' | 'warn' | 'error', msg: string) => void;
  now?: () => number;
  /** Uniform in [0, 1) for the node fee's draw and the donation's rounding; default Math.random. */
  random?: () => number;
  /** A random u32 share nonce (share_data.nonce); default node:crypto. The simulator (src/sim) seeds both. */
  shareNonce?: () => number;
}

export interface WorkCounters extends BlockCounters {
  pseudoshares: number;
  deadPseudoshares: number;
  shares: number;
  deadShares: number;
}

/** The coinbase and transaction set of the current work, for the dashboard, /local_stats and /metrics. */
export interface WorkBlockStatus extends CoinbaseFacts {
  /** Largest coinbase weight of the work. */
  weight: number;
  templateTransactions: number;
  keptTransactions: number;
  droppedTransactions: number;
  /** Satoshis. */
  droppedFees: number;
  /**
   * What bitcoind's `-blockreservedweight` must be at least for its templates to leave room
   * for this coinbase: header, transaction count and coinbase weight (docs/bitcoind.md).
   */
  reservedWeightNeeded: number;
  /** Ids of the firmware limits (firmware-limits.ts) the coinbase is over. */
  firmwareLimitsExceeded: string[];
  firmwareWarning: string | null;
}

/**
 * What every job of one generation and share target shares: the gentx base (PPLNS, share_info;
 * payee-gentx.ts), the targets and the payees' work made so far. Built on the generation's
 * first job for that target; a broadcast's other 999 jobs only read it.
 */
interface TargetWork {
  base: GenerationBase;
  template: BlockTemplate;
  /** The template's transactions fitted around this work's largest coinbase. */
  txs: JobTransactions;
  best: ShareHash | null;
  merkleBranch: Buffer[];
  version: number;
  blockTarget: bigint;
  shareTarget: bigint;
  payees: Map<string, PayeeWork>;
  /**
   * Its jobs' block and share targets as hash bytes (jobHashTargets), made on the first submit
   * to any of them: until 2026-12-08 each job made its own on its first submit.
   */
  hashTargets?: HashTargets & { blockTarget: bigint; shareTarget: bigint };
}

/** One payee's work on a TargetWork: its share nonce and the miner's bytes. */
interface PayeeWork {
  address: string;
  nonce: number;
  gentx: { readonly coinb1: Buffer; readonly coinb1Hex: string; readonly coinb2: Buffer } & Partial<Coinb1HexSource>;
  shareTarget: bigint;
  /** The general builder's result: made at once on the fallback path, else when a solution needs it. */
  gen: GeneratedShare | null;
}

interface JobContext {
  target: TargetWork;
  work: PayeeWork;
  generation: number;
  /** The job's block and share targets as hash bytes, made on its first submit. */
  targets?: HashTargets;
}

/**
 * A job as handed to Stratum and getwork. A class, so that the coinb1 getter lives on the
 * prototype instead of making every job a fresh accessor object (one per session per broadcast).
 *
 * Refillable: a Stratum session hands back a job it has dropped for good (makeJob's `recycle`),
 * and the next job is made in the same object, with its payee's gentx (`own`) and ref_hash
 * rewritten in place, so that a broadcast makes nothing per session that outlives it (every job
 * lived until the next broadcast, so the collector copied each one: docs/mining.md, notify).
 * Every field is set by `fill`; nothing of the previous job survives it.
 */
class PoolJob implements Job, JobContext {
  id = '';
  target!: TargetWork;
  work!: PayeeWork;
  generation = 0;
  ntime = 0;
  createdAt = 0;
  coinb2 = EMPTY;
  prevBlock = EMPTY;
  merkleBranch: Buffer[] = [];
  version = 0;
  bits = 0;
  minTime = 0;
  blockTarget = 0n;
  shareTarget = 0n;
  targets: HashTargets | undefined = undefined;
  /** This job's own payee work (the fast path's gentx, refilled in place); null until first needed. */
  own: PayeeWork & { gentx: PayeeGentx } | null = null;

  constructor(readonly owner: PoolWork) {}

  fill(id: string, target: TargetWork, work: PayeeWork, generation: number, ntime: number, createdAt: number): this {
    const template = target.template;
    this.id = id;
    this.target = target;
    this.work = work;
    this.generation = generation;
    this.ntime = ntime;
    this.createdAt = createdAt;
    this.coinb2 = work.gentx.coinb2;
    this.prevBlock = template.previousBlockHash;
    this.merkleBranch = target.merkleBranch;
    this.version = target.version;
    this.bits = template.bits;
    this.minTime = template.mintime;
    this.blockTarget = target.blockTarget;
    this.shareTarget = work.shareTarget;
    this.targets = undefined;
    return this;
  }

  /** Dropped for good by its session: what a submit made (coinb1's prefix and bytes, the full gentx) goes. */
  dropped(): void {
    const own = this.own;
    if (own !== null && this.work === own) {
      own.gentx.shed();
      own.gen = null;
    }
    this.targets = undefined;
  }

  /** The job is its own context (one object per session per broadcast, not two). */
  get context(): JobContext {
    return this;
  }

  /** Made when first read; the notify line takes coinb1HexSource (payee-gentx.ts). */
  get coinb1Hex(): string {
    return this.work.gentx.coinb1Hex;
  }

  /** The payee's gentx writes its hex straight into the notify line (the general builder's cannot). */
  get coinb1HexSource(): Coinb1HexSource | undefined {
    const g = this.work.gentx;
    return g.writeCoinb1Hex === undefined ? undefined : (g as Coinb1HexSource);
  }

  /** Made from the work's pieces when first read (a share, a block), not for every notify (payee-gentx.ts). */
  get coinb1(): Buffer {
    return this.work.gentx.coinb1;
  }

  /** The payee gentx's own, made without coinb1's bytes; the general builder's is job.ts's (from its bytes). */
  coinbasePrefix(): Sha256dPrefix {
    const g = this.work.gentx;
    return g instanceof PayeeGentx ? g.prefix() : coinbasePrefixOf(g.coinb1);
  }
}

export interface PoolWorkEvents {
  /** New work for miners: `clean` when older jobs can no longer make blocks or good shares. */
  work: [clean: boolean];
  block: [block: FoundBlock, outcome: BlockOutcome];
  share: [share: Share, deadOnArrival: boolean];
}

/** A job's targets as hash bytes, shared by the jobs of its TargetWork with the same share target (all of them: PayeeWork). */
function workHashTargets(target: TargetWork, job: Job): HashTargets {
  const t = target.hashTargets;
  if (t !== undefined && t.blockTarget === job.blockTarget && t.shareTarget === job.shareTarget) return t;
  target.hashTargets = { ...jobHashTargets(job), blockTarget: job.blockTarget, shareTarget: job.shareTarget };
  return target.hashTargets;
}

export class PoolWork extends EventEmitter<PoolWorkEvents> implements WorkSource {
  readonly counters: WorkCounters = {
    pseudoshares: 0, deadPseudoshares: 0, shares: 0, deadShares: 0,
    blocksFound: 0, blocksAccepted: 0, blocksRejected: 0, blocksLostRace: 0, blocksOverLimits: 0, rejectReasons: new Map(),
  };
  readonly hashrate = new HashrateEstimator();
  readonly difficultyMultiplier: number;
  readonly minDifficulty: number;
  readonly maxDifficulty = 1e15;
  /** Incremented whenever the work changes; jobs from an older generation are dead on arrival. */
  private generation = 0;
  private jobCounter = 0;
  /** Per share target: the work shared by every payee of this generation (payee-gentx.ts). */
  private readonly bases = new Map<bigint, TargetWork>();
  /** The base the last job used, and its key: a broadcast's jobs share one (no bigint-keyed lookup each). */
  private lastBase: { key: bigint; work: TargetWork } | null = null;
  /** The last template that passed checkTemplateRules (templates are not mutated). */
  private checkedTemplate: BlockTemplate | null = null;
  private readonly rateUsers = new WeakMap<Miner, string>();
  private readonly fitter: TransactionFitter;
  /** Bodies (kept transactions) of recent work, newest first: a block of ours rebuilt later needs them. */
  private readonly bodies: JobTransactions[] = [];
  private status: WorkBlockStatus | null = null;
  /** The last work's largest coinbase: whether the next template likely fits whole. */
  private lastCoinbase: CoinbaseSize | null = null;
  /** When the last "transactions left out" line was logged (they repeat with every template). */
  private fitLoggedAt = 0;
  private unfitLoggedAt = 0;
  /** The node's own desired share target (no `/D`), fixed for one generation of work. */
  private nodeTarget: { generation: number; target: bigint } | null = null;
  private readonly now: () => number;
  private readonly parent: ChainParams;

  constructor(private readonly opts: PoolWorkOptions) {
    super();
    this.now = opts.now ?? Date.now;
    this.parent = opts.net.parent;
    this.difficultyMultiplier = this.parent.stratumDifficultyMultiplier;
    this.minDifficulty = targetToDifficulty(MAX_UINT256) * this.difficultyMultiplier;
    this.fitter = new TransactionFitter({ mweb: this.parent.coin === 'litecoin', fit: opts.fitTransactions });
    const check = checkPayoutAddress(opts.nodeAddress, this.parent, SHARE_VERSION);
    if (!check.ok) throw new Error(`payout address ${opts.nodeAddress}: ${check.reason}`);
  }

  /**
   * The template or the best share changed, or bitcoind went away: jobs handed out so far are
   * from an older generation (dead on arrival from now on) and cached work is dropped. Miners
   * are told ('work') only when there is new work to give them: while there is none (bitcoind
   * unreachable, no template yet) every session would only find nothing to send.
   */
  workChanged(clean: boolean): void {
    this.generation++;
    this.bases.clear();
    this.lastBase = null;
    if (this.unavailable() === null) this.emit('work', clean);
  }

  /** A new best share: every job handed out so far is dead (docs/mining.md#dead-and-stale-work). */
  bestChanged(): void {
    this.workChanged(true);
  }

  authorize(username: string): AuthorizeResult {
    const parsed = parseUsername(username);
    let address = parsed.address;
    const check = checkPayoutAddress(address, this.parent, SHARE_VERSION);
    if (!check.ok) {
      if (!check.invalid) return { ok: false, reason: check.reason };
      this.opts.log?.('info', `miner '${username.slice(0, 100)}' gave no valid ${this.parent.name} address (${check.reason}); mining to the node's address`);
      address = this.opts.nodeAddress;
    }
    return { ok: true, miner: { username, address, worker: parsed.worker, pseudoDifficulty: parsed.pseudoDifficulty, shareDifficulty: parsed.shareDifficulty } };
  }

  initialDifficulty(_miner: Miner): number {
    // About one pseudoshare every few seconds for the node's current rate spread over its
    // miners is unknown here; start low and let vardiff raise it within a few submissions.
    return Math.max(this.minDifficulty, Math.min(1, this.shareDifficulty()) * this.difficultyMultiplier);
  }

  /** Stratum difficulty of the chain's current minimum share target (or 1 without a chain). */
  private shareDifficulty(): number {
    const best = this.opts.chain.bestShare;
    return best ? targetToDifficulty(best.maxTarget) : targetToDifficulty(this.opts.net.maxTarget);
  }

  powHash(header: Buffer): Buffer {
    return powHash(this.parent, header);
  }

  powHashInto(header: Buffer, out: Buffer): void {
    powHashInto(this.parent, header, out);
  }

  /** Why there is no work right now, or null. */
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

  /**
   * A job for `miner`. `recycle`, passed (even as null) by a caller that owns every job it gets
   * and says when it drops one for good (a Stratum session: session.ts `LiveJobs`): the job is
   * made in `recycle` when it is one of ours, with its own payee gentx and share nonce rather
   * than one shared through the payee cache, so it can be refilled in place later. Without it
   * (getwork, the simulator) jobs are new objects and a payee's work is cached per generation.
   */
  makeJob(miner: Miner, _extranonce1: Buffer, recycle?: Job | null): Job | { unavailable: string } {
    const why = this.unavailable();
    if (why) return { unavailable: why };
    const template = this.opts.templates.current!;
    const best = this.opts.chain.best;
    // Node fee (-f): this much of the work pays the operator instead (docs/sharechain.md#fees-and-donation).
    const fee = this.opts.feePercent ?? 0;
    const address = fee > 0 && (this.opts.random ?? Math.random)() * 100 < fee ? this.opts.nodeAddress : miner.address;
    const desiredTarget = this.desiredShareTarget(miner);
    const last = this.lastBase;
    let target = last !== null && last.key === desiredTarget ? last.work : this.bases.get(desiredTarget);
    // workChanged clears the bases; should the template or best share move without it, a base
    // built on the old ones must not be served.
    if (target && (target.template !== template || target.best !== best)) target = undefined;
    const owned = recycle !== undefined;
    const job = recycle instanceof PoolJob && recycle.owner === this ? recycle : new PoolJob(this);
    let work: PayeeWork | undefined = owned ? undefined : target?.payees.get(address);
    if (!target || !work) {
      try {
        target ??= this.targetWork(template, best, desiredTarget);
        if (owned) work = this.ownPayeeWork(job, target, address);
        if (!work) work = target.payees.get(address);
        if (!work) {
          work = this.payeeWork(target, address);
          if (target.payees.size >= MAX_CACHED) target.payees.delete(target.payees.keys().next().value!);
          target.payees.set(address, work);
        }
      } catch (e) {
        if (e instanceof GentxError) return { unavailable: `cannot build on the sharechain: ${e.message}` };
        throw e;
      }
    }
    if (last === null || last.work !== target) this.lastBase = { key: desiredTarget, work: target };
    const now = this.now();
    const ntime = Math.max(template.curtime, template.mintime, Math.floor(now / 1000));
    return job.fill((++this.jobCounter).toString(16), target, work, this.generation, ntime, now);
  }

  /**
   * The fast path's payee work written into `job`'s own (made on its first use, refilled after),
   * with a fresh share nonce; undefined when the payee needs the general builder (then shared
   * through the payee cache as for any caller).
   */
  private ownPayeeWork(job: PoolJob, target: TargetWork, address: string): PayeeWork | undefined {
    if (!target.base.usable) return undefined;
    const own = (job.own ??= { address: '', nonce: 0, gentx: new PayeeGentx(), shareTarget: 0n, gen: null });
    const nonce = this.opts.shareNonce?.() ?? shareNonce();
    if (!target.base.forPayeeInto(address, nonce, own.gentx)) return undefined;
    own.address = address;
    own.nonce = nonce;
    own.shareTarget = target.shareTarget;
    own.gen = null;
    return own;
  }

  /**
   * The work's base (PPLNS, share_info) for a share target, made once per generation; every
   * payee then costs one ref_hash and one splice (payee-gentx.ts).
   */
  private targetWork(template: BlockTemplate, best: ShareHash | null, desiredTarget: bigint): TargetWork {
    // The base (its coinbase size) decides which transactions fit, and they decide the base
    // (subsidy, segwit data). So: a base with the full subsidy sizes the coinbase; if the
    // block must leave transactions out, the base is made again with their fees out of the
    // subsidy and the kept set's segwit data (same PPLNS window, reused). A smaller subsidy
    // never adds outputs (amounts only shrink; zero ones are dropped), so the second coinbase
    // fits the room the first was given. The sizing base gets the full template's segwit data
    // when everything is likely to fit (last work's coinbase says so), else stand-in data of
    // the same size, so an over-full template's merkle tree is only made for what is kept.
    const likelyAll = this.fitter.fitsAll(template, this.lastCoinbase ?? NO_COINBASE_YET);
    const all = likelyAll ? this.fitter.all(template) : null;
    const sizingParams = this.gentxParams(template, best, this.opts.nodeAddress, desiredTarget, template.coinbaseValue, all?.segwitData ?? SIZING_SEGWIT_DATA);
    let base = new GenerationBase(sizingParams);
    let txs = this.fitter.forCoinbase(template, base.coinbase);
    for (let tries = 0; txs !== all && tries < 3; tries++) {
      base = new GenerationBase({ ...sizingParams, shareData: { ...sizingParams.shareData, subsidy: txs.subsidy }, segwitData: txs.segwitData }, base);
      const again = this.fitter.forCoinbase(template, base.coinbase);
      if (again === txs) break;
      txs = again;
    }
    this.lastCoinbase = base.coinbase;
    this.noteWork(base, txs);
    const target: TargetWork = {
      base,
      template,
      txs,
      best,
      merkleBranch: txs.segwitData.txidMerkleLink.branch,
      version: Math.max(template.version >>> 0, MIN_HEADER_VERSION) >>> 0,
      blockTarget: bitsToTarget(template.bits),
      shareTarget: bitsToTarget(base.shareInfo.bits),
      payees: new Map(),
    };
    if (this.bases.size >= MAX_TARGETS) this.bases.delete(this.bases.keys().next().value!);
    this.bases.set(desiredTarget, target);
    return target;
  }

  /** One payee's gentx on the work; payees the base cannot serve go through generateShare. */
  private payeeWork(target: TargetWork, address: string): PayeeWork {
    const nonce = this.opts.shareNonce?.() ?? shareNonce();
    const fast = target.base.forPayee(address, nonce);
    if (fast) return { address, nonce, gentx: fast, shareTarget: target.shareTarget, gen: null };
    const gen = generateShare(target.base.paramsFor(address, nonce));
    return {
      address,
      nonce,
      gentx: { coinb1: gen.coinb1, coinb1Hex: gen.coinb1.toString('hex'), coinb2: gen.coinb2 },
      shareTarget: bitsToTarget(gen.shareInfo.bits),
      gen,
    };
  }

  /**
   * The general builder's gentx for a job, made when a solution needs it (share or block) and
   * checked byte for byte against what the miner hashed; null (logged) if they differ.
   */
  private generatedFor(ctx: JobContext, job: { coinb1: Buffer; coinb2: Buffer }): GeneratedShare | null {
    if (!ctx.work.gen) {
      try {
        ctx.work.gen = generateShare(ctx.target.base.paramsFor(ctx.work.address, ctx.work.nonce));
      } catch (e) {
        if (!(e instanceof GentxError)) throw e;
        this.opts.log?.('error', `cannot rebuild the gentx of a solved job: ${e.message}`);
        return null;
      }
      if (!ctx.work.gen.coinb1.equals(job.coinb1) || !ctx.work.gen.coinb2.equals(job.coinb2)) {
        this.opts.log?.('error', 'internal error: the job\'s gentx differs from the general builder\'s; solution not used');
        ctx.work.gen = null;
        return null;
      }
    }
    return ctx.work.gen;
  }

  /** A miner's `/D`, else the reference's rule: the node at most ~1.67% of the pool's shares. */
  private desiredShareTarget(miner: Miner): bigint {
    if (miner.shareDifficulty !== null) return difficultyToTarget(miner.shareDifficulty);
    // Once per generation: the rate estimate moves with every call's clock, and a target that
    // differs per job meant a new PPLNS base and no cache hit for every miner of a broadcast
    // (bench/mining.ts: ~1 ms per session once pseudoshares had come in).
    if (this.nodeTarget?.generation !== this.generation) {
      const rate = this.hashrate.total(this.now());
      const target = rate === null ? MAX_UINT256 : workNumberToTarget((rate * this.opts.net.sharePeriod) / NODE_SHARE_FRACTION);
      this.nodeTarget = { generation: this.generation, target };
    }
    return this.nodeTarget.target;
  }

  /**
   * The share target makeJob(miner) would give now, without building the job: the simulator
   * (src/sim, docs/simulate.md) draws share finds against it. Same rule as the job's gentx
   * (retarget.ts computeShareTargets on the best share with desiredShareTarget), so equal to
   * the job's shareTarget; reading it fixes the generation's node target as makeJob would.
   */
  shareTargetFor(miner: Miner): bigint {
    const chain = this.opts.chain;
    const best = chain.best;
    const prev = best === null ? null : (chain.tracker.get(best) ?? null);
    const { bits } = computeShareTargets(chain.tracker, this.opts.net, prev, chain.tracker.getHeight(best), this.desiredShareTarget(miner));
    return bitsToTarget(bits);
  }

  /**
   * Record the work's coinbase and transaction set (status(), the dashboard, /metrics) and say
   * in the log when they call for the operator: transactions left out (how to avoid it), the
   * coinbase over some firmware's limit (once per change of which).
   */
  private noteWork(base: GenerationBase, txs: JobTransactions): void {
    const c = base.coinbase;
    const facts: CoinbaseFacts = { bytes: c.strippedSize, payees: c.payees, merkleBranches: txs.segwitData.txidMerkleLink.branch.length };
    const exceeded = exceededFirmwareLimits(facts).map((l) => l.id);
    const weight = coinbaseWeight(c);
    const previous = this.status;
    this.status = {
      ...facts,
      weight,
      templateTransactions: txs.template.transactions.length,
      keptTransactions: txs.transactions.length,
      droppedTransactions: txs.droppedCount,
      droppedFees: txs.droppedFees,
      reservedWeightNeeded: blockOverhead(txs.template.transactions.length, c).weight,
      firmwareLimitsExceeded: exceeded,
      firmwareWarning: firmwareWarning(facts),
    };
    if (this.status.firmwareWarning !== null && previous?.firmwareLimitsExceeded.join() !== exceeded.join()) {
      this.opts.log?.('warn', this.status.firmwareWarning);
    }
    const now = this.now();
    if (!txs.fits && now - this.unfitLoggedAt > FIT_LOG_INTERVAL_MS) {
      this.unfitLoggedAt = now;
      this.opts.log?.('error', `the template's mandatory transactions (Litecoin's HogEx and what it spends) and the coinbase do not fit the block limits: a block found now would be invalid`);
    }
    if (txs.droppedCount > 0 && now - this.fitLoggedAt > FIT_LOG_INTERVAL_MS) {
      this.fitLoggedAt = now;
      this.opts.log?.('info', `the coinbase (${weight} WU, ${c.payees} payees) does not fit the room bitcoind left in its template: ` +
        `${txs.droppedCount} of ${txs.template.transactions.length} transactions left out (${txs.droppedFees} sat of fees). ` +
        `Set -blockreservedweight=${reservedWeightAdvice(this.status.reservedWeightNeeded)} in bitcoin.conf so bitcoind leaves room for it (docs/bitcoind.md)`);
    }
    if (txs.droppedCount > 0 && !this.bodies.includes(txs)) {
      this.bodies.unshift(txs);
      this.bodies.length = Math.min(this.bodies.length, RECENT_BODIES);
    }
  }

  /** The current work's coinbase and transaction set; null before the first job. */
  blockStatus(): WorkBlockStatus | null {
    return this.status;
  }

  /** Transaction sets of recent work, newest first (a share of ours that is a block is rebuilt from one). */
  recentBodies(): readonly { transactions: JobTransactions['transactions']; mwebSuffix: Buffer }[] {
    return this.bodies.map((b) => ({ transactions: b.transactions, mwebSuffix: b.template.mwebSuffix }));
  }

  private gentxParams(template: BlockTemplate, best: ShareHash | null, address: string, desiredTarget: bigint, subsidy: number, segwitData: SegwitData): GentxParams {
    const donationPct = this.opts.donationPercent ?? 0;
    // Stochastic rounding, as the reference's perfect_round, so the average is exact.
    const donation = Math.min(65535, Math.floor((65535 * donationPct) / 100 + (this.opts.random ?? Math.random)()));
    const heightPush = bip34HeightPush(template.height);
    // The merged-mining commitment goes right after the height, so the 100-byte cap only ever
    // cuts the template's coinbaseaux or our tag.
    const mm = this.opts.merged?.coinbaseCommitment() ?? Buffer.alloc(0);
    let coinbase = Buffer.concat([heightPush, mm, template.coinbaseAux, pushData(COINBASE_TAG)]);
    if (coinbase.length > 100) coinbase = coinbase.subarray(0, 100);
    return {
      net: this.opts.net,
      chain: this.opts.chain.tracker,
      version: SHARE_VERSION,
      shareData: {
        previousShareHash: best === null ? null : displayHexToHash(best),
        coinbase,
        nonce: this.opts.shareNonce?.() ?? randomInt(0, 0x100000000),
        address,
        subsidy,
        donation,
        staleInfo: this.opts.chain.stale.nextStaleInfo(best),
        desiredVersion: SHARE_VERSION,
      },
      blockTarget: bitsToTarget(template.bits),
      desiredTimestamp: Math.floor(this.now() / 1000 + 0.5),
      desiredTarget,
      segwitData,
    };
  }

  /**
   * The name a miner's hash rate is kept under (/local_stats miner_hash_rates, graphs): the
   * user name before any `+D` or `/D`, worker suffix kept, as the reference's
   * get_user_details returns it. Made once per Miner object (submits are the hot path).
   */
  private rateUser(miner: Miner): string {
    let user = this.rateUsers.get(miner);
    if (user === undefined) {
      user = miner.username.slice(0, 256).split(/[+/]/, 1)[0]!.trim();
      this.rateUsers.set(miner, user);
    }
    return user;
  }

  onPseudoshare(job: Job, miner: Miner, powHash: Buffer, pseudoTarget: bigint): SolutionResult | null {
    const ctx = job.context as JobContext;
    ctx.targets ??= workHashTargets(ctx.target, job);
    if (!onlyPseudoshare(powHash, ctx.targets, this.opts.merged?.easiestTarget() ?? null)) return null;
    return this.countPseudoshare(ctx, miner, pseudoTarget);
  }

  /** Counts a pseudoshare (every solution is one) and answers it: stale when its work is. */
  private countPseudoshare(ctx: JobContext, miner: Miner, pseudoTarget: bigint): SolutionResult {
    const dead = ctx.generation !== this.generation;
    this.counters.pseudoshares++;
    if (dead) this.counters.deadPseudoshares++;
    this.hashrate.add(this.now(), pseudoTarget, this.rateUser(miner), dead);
    return dead ? STALE_WORK : ACCEPTED;
  }

  onSolution(s: Solution): SolutionResult {
    const ctx = s.job.context as JobContext;
    const answer = this.countPseudoshare(ctx, s.miner, s.pseudoTarget);

    const auxTarget = this.opts.merged?.easiestTarget() ?? null;
    if (auxTarget !== null && meetsAuxTarget(s.powHash, auxTarget)) {
      this.opts.merged!.onSolution({ header: s.header, coinbase: s.coinbase, merkleBranch: s.job.merkleBranch, powHash: s.powHash });
    }
    // Compared as bytes, not bigints (job.ts): getwork's and the simulator's submits all come here.
    ctx.targets ??= workHashTargets(ctx.target, s.job);
    const isBlock = !hashExceedsTarget(s.powHash, ctx.targets.block);
    const isShare = !hashExceedsTarget(s.powHash, ctx.targets.share);
    if (!isBlock && !isShare) return answer;
    const lastTxoutNonce = s.nonceArea.readBigUInt64LE(0);
    const gen = this.generatedFor(ctx, s.job);
    if (gen && isBlock) this.submitBlock(s, ctx, gen, lastTxoutNonce);
    if (gen && isShare) {
      const share = assembleShare(
        gen,
        {
          minHeader: headerFieldsWithoutRoot(s.header),
          lastTxoutNonce,
          merkleLink: { branch: s.job.merkleBranch, index: 0 },
          merkleRoot: s.header.subarray(36, 68),
        },
        this.now(),
      );
      // DOA: the best share moved while the miner worked; the reference keeps such shares
      // (they still pay) but does not build on them.
      const doa = ctx.target.best !== this.opts.chain.best;
      this.counters.shares++;
      if (doa) this.counters.deadShares++;
      this.opts.log?.('info', `share ${share.hash.slice(0, 16)}… from ${s.miner.username.slice(0, 60)}${doa ? ' (dead on arrival)' : ''}`);
      this.opts.chain.addLocalShare(share, doa);
      this.emit('share', share, doa);
    }
    return answer;
  }

  private submitBlock(s: Solution, ctx: JobContext, gen: GeneratedShare, lastTxoutNonce: bigint): void {
    const gentx: Transaction = {
      ...gen.gentx,
      outputs: [...gen.gentx.outputs.slice(0, -1), { value: 0, script: refOutputScript(gen.refHash, lastTxoutNonce) }],
    };
    // The stripped coinbase must be exactly what the header commits to.
    if (!encodeTransaction(gentx, { witness: false }).equals(s.coinbase)) {
      this.opts.log?.('error', 'internal error: rebuilt coinbase differs from the mined one; block not submitted');
      return;
    }
    // Read now, not in describe() after the submission: a Stratum session's dropped job is
    // refilled for its next job (PoolJob), and ctx is that job.
    const { template, txs, base } = ctx.target;
    // The kept transactions, then the template's own tail: Litecoin's 0x01 + MWEB block after the HogEx.
    const block = assembleBlock(s.header, encodeTransaction(gentx), txs.body);
    const hashBytes = sha256d(s.header);
    const hash = hashToDisplayHex(hashBytes);
    this.counters.blocksFound++;
    this.opts.log?.('info', `GOT BLOCK FROM MINER ${s.miner.username.slice(0, 60)}: ${hash} at height ${template.height}`);
    const found: FoundBlock = { hash, height: template.height, shareHash: null, time: this.now(), coinbase: gentx };
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
        coinbase: base.coinbase,
        fitting: this.opts.fitTransactions !== false,
      }),
    }, found, block, hashBytes).then(
      (outcome) => this.emit('block', found, outcome),
      (e: unknown) => this.opts.log?.('error', `internal error while submitting block ${hash}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`),
    );
  }
}
