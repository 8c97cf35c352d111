/**
 * The fair sharechain rules for the simulator (rules.ts; docs/simulate.md#the-fair-rules), on the
 * node's real sharechain code (src/sharechain/fair/): each node is a real FairChainState (tracker,
 * verification, references, chain choice, pruning), and its work is made the way the node's work
 * layer makes it (docs/fair-sharechain.md#generation, #policy): per generation (a new best link or
 * a new template) the link and floor targets derived from the best link and the honest choice of
 * references; per job generateFairShare on that link with the miner's own target and K; a solved
 * header becomes a share with assembleFairShare, a link or a sub-share by its proof of work. Relay
 * floods every share a node verifies to every peer that does not have it; bytes come from the real
 * encoder (p2p/messages.ts, framing.ts).
 *
 * What is simulated, and how it differs from a node:
 * - Proof of work: the engine draws the value (uniform below the miner's own target for a share);
 *   it reaches the real `pow <= target` check, and the link test `pow <= link target`, through
 *   FairNetwork.simulatedPow, keyed by the header's sha256d. With `realHashing` the header's nonce
 *   is ground for real (regtest-fair) and the chain passes `p2pool chain verify`.
 * - Own targets: the node sets a miner's own target from its vardiff estimate of the miner's hash
 *   rate (policy.ts fairShareTarget, k = 20 shares per window); the simulator gives it the miner's
 *   true hash rate from the scenario, which is what that estimate converges to. The target is then
 *   clamped to the generation's [link target, floor target], as generateFairShare does.
 * - Verification once per process, with `verifyCache` (the default): a fair share's validity is a
 *   function of its own bytes and of the shares its hash commits to (its parent and their chain,
 *   its references), plus the 300 s future-timestamp rule, which a share that passed at an earlier
 *   virtual time passes at every later one. Every other step (the tracker's, the chain choice's,
 *   references, pruning) runs at every node. The link and floor targets of a parent are derived
 *   once per process for the same reason.
 * - Work on an old parent: a solution on a job whose parent link is no longer the node's best still
 *   becomes a share and is added to the chain (the node does the same, docs/fair-sharechain.md#policy):
 *   within the reference horizon a later link references it. "Dead" is what the node answers the
 *   miner: the parent is beyond the horizon, or the parent-chain block is no longer the tip.
 */
import { performance } from 'node:perf_hooks';
import { scriptToAddress } from '../bitcoin/address.js';
import { assembleBlock, encodeHeader, headerFieldsWithoutRoot } from '../bitcoin/block.js';
import { hash160, sha256d } from '../bitcoin/hash.js';
import { bigIntToHash, hashToBigInt } from '../bitcoin/hex.js';
import { bip34HeightPush, pushData, witnessScript } from '../bitcoin/script.js';
import { bitsToTarget, difficultyToTarget, MAX_UINT256 } from '../bitcoin/target.js';
import { encodeTransaction } from '../bitcoin/transaction.js';
import type { BlockTemplate } from '../chain/block-template.js';
import { encodeFrame } from '../p2p/framing.js';
import { encodeMessage } from '../p2p/messages.js';
import { KnownShares } from '../p2p/relay.js';
import { FairChainState } from '../sharechain/fair/chain-state.js';
import { buildFairGentx, FAIR_GENTX_CONST_ENDING, fairGentxSuffix } from '../sharechain/fair/coinbase.js';
import { assembleFairShare, generateFairShare, type GeneratedFairShare } from '../sharechain/fair/gentx.js';
import { getFairNetwork, withFairRules, type FairNetwork, type FairRules as FairConsensusRules } from '../sharechain/fair/networks.js';
import { DEFAULT_K_TARGET, fairShareTarget } from '../sharechain/fair/policy.js';
import { forkPoint, selectRefs, type RefSource } from '../sharechain/fair/refs.js';
import { deriveFairTargets, type FairTargets } from '../sharechain/fair/retarget.js';
import type { FairTracker } from '../sharechain/fair/tracker.js';
import type { FairShare, ShareHash } from '../sharechain/fair/types.js';
import { verifyFairShare } from '../sharechain/fair/verify.js';
import { checkHashLink } from '../sharechain/hash-link.js';
import { buildFairStartChain, SIM_COINBASE_TAG, type FairBootstrapMiner } from './fair-bootstrap.js';
import type {
  SimBootstrap, SimCoinbase, SimJob, SimMinerSpec, SimNodeChain, SimNodeCpu, SimNodeEnv, SimProofOfWork, SimRules,
  SimShare, SimShareLinks, SimSubmitOutcome,
} from './rules.js';
import type { Scenario } from './scenario.js';
import { ScenarioError } from './units.js';

export interface FairSimShare extends SimShare {
  readonly share: FairShare;
}

/** A miner as a fair node sees it. */
interface FairMinerHandle {
  key: string;
  address: string;
  script: Buffer;
  hashrate: number;
  /** Own target before the generation's clamp (policy.ts with the true hash rate, or `/D`). */
  wanted: bigint;
  /** K: the largest output class up to the miner's `~N`, or the default class. */
  maxOutputs: number;
}

/** What every job of one generation (template + best link) shares, as the node's work layer keeps it. */
interface Generation {
  start: number;
  seq: number;
  parent: FairShare | null;
  template: BlockTemplate;
  targets: FairTargets;
  /** The honest references as the node had them when the generation began (made on first use). */
  refs: Buffer[] | null;
  scriptSig: Buffer;
  timestamp: number;
  blockTarget: bigint;
}

interface FairSimJob extends SimJob {
  readonly gen: GeneratedFairShare;
  readonly generation: Generation;
  readonly ntime: number;
}

const ZERO32 = Buffer.alloc(32);
const NO_REFERENCES: SimShareLinks['references'] = [];
/** Shares remembered per peer for relay (as v35-rules.ts: the relay only needs the recent ones). */
const KNOWN_PER_PEER = 4_000;
/** Start-chain shares handed to a node's chain per call (below the tracker's pending cap). */
const LOAD_BATCH = 4_096;
/** Link and floor targets cached per parent, per process. */
const MAX_TARGETS_CACHED = 4_096;

function clamp(x: bigint, lo: bigint, hi: bigint): bigint {
  return x < lo ? lo : x > hi ? hi : x;
}

/** The fair network a scenario names, with its overrides (another identity when there are any). */
function networkFor(spec: Extract<Scenario['rules'], { name: 'fair' }>): FairNetwork {
  const base = getFairNetwork(spec.network);
  const ov = spec.overrides;
  const changes: Partial<FairConsensusRules> = {};
  if (ov.linkPeriod !== undefined) changes.linkPeriod = ov.linkPeriod;
  if (ov.windowLinks !== undefined) {
    changes.windowLinks = ov.windowLinks;
    changes.windowEntries = (base.ceilingRefsPerLink + 2) * ov.windowLinks;
  }
  if (ov.linkLookbehind !== undefined) changes.linkLookbehind = ov.linkLookbehind;
  if (ov.floorLookbehind !== undefined) changes.floorLookbehind = ov.floorLookbehind;
  if (ov.spread !== undefined) changes.spread = ov.spread;
  if (ov.refDepth !== undefined) changes.refDepth = ov.refDepth;
  if (ov.maxRefs !== undefined) changes.maxRefs = ov.maxRefs;
  return Object.keys(changes).length === 0 ? base : withFairRules(base, changes);
}

export class FairSimRules implements SimRules<FairSimShare> {
  readonly name = 'fair';
  readonly net: FairNetwork;
  readonly constants: Readonly<Record<string, number | string | boolean>>;
  readonly sharePeriod: number;
  readonly payoutWindowSeconds: number;
  /** The fair coinbase has no donation output: a key no payee has. */
  readonly donationPayee = 'fair:no-donation';
  readonly kTarget: number;
  readonly settleSeconds: number;
  /** The default output class (K of miners that give no `~N`). */
  readonly defaultOutputs: number;
  private readonly powOracle = new Map<string, Buffer>();
  private readonly verified = new Set<string>();
  private readonly pendingCoinbase = new Map<string, SimCoinbase>();
  private readonly payeeByScript = new Map<string, string>();
  private readonly scriptByAddress = new Map<string, Buffer>();
  private readonly isLink = new Map<string, boolean>();
  private readonly targets = new Map<string, FairTargets>();
  readonly bootstrapCpu: SimNodeCpu = { verifyMs: 0, verified: 0, verifyCacheHits: 0, handleMs: 0, workMs: 0 };
  private readonly useCache: boolean;
  private readonly realHashing: boolean;
  private readonly emitChain: boolean;

  constructor(spec: Extract<Scenario['rules'], { name: 'fair' }>, options: Scenario['options']) {
    this.useCache = options.verifyCache;
    this.realHashing = options.realHashing;
    this.emitChain = options.emitChain;
    const { kTarget, ...network } = spec.overrides;
    if (this.emitChain && Object.keys(network).length > 0) {
      throw new ScenarioError('options.emitChain: the emitted chain is checked by `p2pool chain verify` with the network\'s own constants, so rules.overrides may only set kTarget');
    }
    const net = networkFor(spec);
    if (this.realHashing && net.linkMaxTarget < 1n << 240n) {
      throw new ScenarioError(`options.realHashing: network ${net.name} needs ~${Number((1n << 256n) / (net.linkMaxTarget + 1n)).toExponential(1)} hashes per link; use regtest-fair`);
    }
    const oracle = this.powOracle;
    this.net = this.realHashing
      ? net
      : {
          ...net,
          simulatedPow: (headerHash) => {
            const key = headerHash.toString('latin1');
            const v = oracle.get(key);
            if (v !== undefined) oracle.delete(key);
            return v;
          },
        };
    this.kTarget = kTarget ?? DEFAULT_K_TARGET;
    // The largest class up to the network's default (200; a variant may lack it).
    this.defaultOutputs = net.outputClasses.reduce((k, c) => (c <= net.defaultOutputs ? c : k), net.outputClasses[0]!);
    this.sharePeriod = net.linkPeriod;
    // The PPLNS window: window_links links of link_period (docs/fair-sharechain.md#pplns).
    this.payoutWindowSeconds = net.windowLinks * net.linkPeriod;
    // Three times the reference horizon: the shares found just before the end get their links.
    this.settleSeconds = 3 * net.refDepth * net.linkPeriod;
    this.constants = {
      network: net.name,
      shareVersion: net.shareVersion,
      consensusId: net.consensusId.toString('hex'),
      linkPeriod: net.linkPeriod,
      windowLinks: net.windowLinks,
      linkLookbehind: net.linkLookbehind,
      floorLookbehind: net.floorLookbehind,
      refDepth: net.refDepth,
      maxRefs: net.maxRefs,
      includerBonus: `${net.bonusNumerator}/${net.bonusDenominator}`,
      outputClasses: net.outputClasses.join(','),
      defaultOutputs: this.defaultOutputs,
      spread: net.spread,
      kTarget: this.kTarget,
      linkMaxTarget: `0x${net.linkMaxTarget.toString(16)}`,
      proofOfWork: this.realHashing ? 'real (ground)' : 'drawn',
      verifyCache: this.useCache,
    };
  }

  payoutAddress(kind: 'miner' | 'node', index: number): string {
    const script = witnessScript(0, hash160(Buffer.from(`p2pool-sim ${kind} ${index}`)));
    const address = scriptToAddress(script, this.net.parent);
    if (address === null) throw new Error(`${this.net.parent.name} has no bech32 addresses`);
    this.payeeByScript.set(script.toString('hex'), address);
    this.scriptByAddress.set(address, script);
    return address;
  }

  scriptOf(address: string): Buffer {
    const s = this.scriptByAddress.get(address);
    if (s === undefined) throw new Error(`internal: no script for ${address}`);
    return s;
  }

  /** K for a miner's `~N`: the largest output class up to it (the smallest when none is). */
  outputClass(n: number | null): number {
    if (n === null) return this.defaultOutputs;
    const classes = this.net.outputClasses;
    let k = classes[0]!;
    for (const c of classes) if (c <= n) k = c;
    return k;
  }

  /** The own target policy.ts gives a miner of `hashrate` before the link/floor clamp. */
  wantedTarget(hashrate: number): bigint {
    return fairShareTarget({ net: this.net, linkTarget: 1n, floorTarget: MAX_UINT256, hashrate, kTarget: this.kTarget }).target;
  }

  /** Link and floor targets of a share on `parent` (once per process: a function of the chain its hash commits to). */
  targetsOn(view: FairTracker, parent: FairShare | null): FairTargets {
    const key = parent?.hash ?? '';
    let t = this.targets.get(key);
    if (t === undefined) {
      t = deriveFairTargets(view, this.net, parent);
      if (this.targets.size >= MAX_TARGETS_CACHED) this.targets.delete(this.targets.keys().next().value!);
      this.targets.set(key, t);
    }
    return t;
  }

  /** Register a drawn PoW value for `header`, or grind its nonce until lo < pow <= hi. */
  solve(header: Buffer, lo: bigint, hi: bigint, drawn: bigint | null): { header: Buffer; pow: bigint } {
    if (drawn !== null) {
      if (this.realHashing) throw new Error('internal: a drawn PoW value in a real-hashing run');
      this.powOracle.set(sha256d(header).toString('latin1'), bigIntToHash(drawn));
      return { header, pow: drawn };
    }
    for (let tries = 0; ; tries++) {
      const v = hashToBigInt(sha256d(header));
      if (v > lo && v <= hi) return { header, pow: v };
      if (tries > 1e8) throw new Error('real hashing: no solution in 1e8 hashes (target too hard for CPU mining)');
      header.writeUInt32LE((header.readUInt32LE(76) + 1) >>> 0, 76);
    }
  }

  forget(header: Buffer): void {
    if (!this.realHashing) this.powOracle.delete(sha256d(header).toString('latin1'));
  }

  /** The share check of one node: verifyFairShare, once per process with the cache, timed. */
  verifier(cpu: SimNodeCpu): (share: FairShare, view: FairTracker, now: number) => { refs: readonly FairShare[] } {
    return (share, view, now) => {
      if (this.useCache && this.verified.has(share.hash)) {
        cpu.verifyCacheHits++;
        return { refs: share.isLink ? share.refHashes.map((h) => view.share(h)!) : [] };
      }
      const t0 = performance.now();
      const r = verifyFairShare(share, view, this.net, { now });
      cpu.verifyMs += performance.now() - t0;
      cpu.verified++;
      this.verified.add(share.hash);
      return r;
    };
  }

  noteShare(share: FairShare): void {
    this.isLink.set(share.hash, share.isLink);
  }

  /** Record what a block at `share` pays (made by its node's generation). */
  noteCoinbase(share: FairShare, gen: GeneratedFairShare): void {
    const payouts = new Map<string, number>();
    for (const a of gen.payouts.amounts) {
      const payee = this.payeeByScript.get(a.key) ?? `script:${a.key}`;
      payouts.set(payee, (payouts.get(payee) ?? 0) + Number(a.value));
    }
    // Payouts plus the witness commitment and the ref output.
    this.pendingCoinbase.set(share.hash, { payees: [...payouts.keys()], sats: [...payouts.values()], outputs: gen.payouts.amounts.length + 2 });
  }

  bootstrap(b: SimBootstrap): FairSimShare[] {
    const draw = b.rng.fork('start-chain pow');
    const verify = this.verifier(this.bootstrapCpu);
    const miners: FairBootstrapMiner[] = b.miners.map((m) => ({
      script: this.scriptOf(m.address),
      hashrate: m.hashrate,
      wanted: this.wantedTarget(m.hashrate),
      maxOutputs: this.outputClass(m.maxOutputs),
    }));
    const shares = buildFairStartChain({
      net: this.net,
      template: b.template,
      miners,
      startMs: b.startMs,
      links: b.shares,
      rng: b.rng,
      solve: (header, lo, hi) => this.solve(header, lo, hi, this.realHashing ? null : lo + 1n + draw.bigintUpTo(hi - lo - 1n)).header,
      verify: (share, view) => verify(share, view, Math.floor(b.startMs / 1000)),
    });
    for (const s of shares) this.noteShare(s);
    return shares.map((share) => ({ id: share.hash, share }));
  }

  createNode(env: SimNodeEnv): FairNode {
    return new FairNode(this, env);
  }

  links(s: FairSimShare): SimShareLinks {
    const share = s.share;
    if (!share.isLink || share.refHashes.length === 0) return { parent: share.prevHash, references: NO_REFERENCES, extendsChain: share.isLink };
    return {
      parent: share.prevHash,
      references: share.refHashes.map((h) => ({ id: h, kind: this.isLink.get(h) ? 'uncle' : 'sub-share' })),
      extendsChain: true,
    };
  }

  coinbase(s: FairSimShare): SimCoinbase {
    const cb = this.pendingCoinbase.get(s.id);
    this.pendingCoinbase.delete(s.id);
    if (cb === undefined) throw new Error(`internal: no coinbase recorded for share ${s.id}`);
    return cb;
  }

  shareFacts(s: FairSimShare): { payee: string; timestamp: number; work: number } {
    const share = s.share;
    return { payee: this.payeeByScript.get(share.payee) ?? `script:${share.payee}`, timestamp: share.info.timestamp, work: Number(share.work) };
  }

  messageBytes(shares: readonly FairSimShare[]): number {
    const { command, payload } = encodeMessage({ command: 'shares', shares: shares.map((s) => ({ type: s.share.version, raw: s.share.raw })) });
    return encodeFrame(this.net.prefix, command, payload).length;
  }

  wireHex(s: FairSimShare): string | null {
    return this.emitChain ? s.share.raw.toString('hex') : null;
  }
}

class FairNode implements SimNodeChain<FairSimShare> {
  readonly state: FairChainState;
  private readonly counters: SimNodeCpu = { verifyMs: 0, verified: 0, verifyCacheHits: 0, handleMs: 0, workMs: 0 };
  private readonly known = new Map<number, KnownShares>();
  /** Shares verified since the last relay round, in the order they were (parents and refs first). */
  private outbox: FairShare[] = [];
  private readonly relayed = new Set<number>();
  /** Order in which this node verified its shares (the generation's references are the ones before it began). */
  private readonly seqOf = new WeakMap<FairShare, number>();
  private seq = 0;
  private loading = false;
  private gen: Generation | null = null;
  private readonly scriptSigs = new Map<number, Buffer>();

  constructor(private readonly rules: FairSimRules, private readonly env: SimNodeEnv) {
    this.state = new FairChainState({
      net: rules.net,
      now: () => env.now(),
      getHeightRelHighest: (prev) => env.heightRelTip(prev),
      verify: rules.verifier(this.counters),
    });
    this.state.on('verified', (shares) => {
      for (const s of shares) this.seqOf.set(s, ++this.seq);
      if (!this.loading && env.peers.length > 0) for (const s of shares) this.outbox.push(s);
    });
  }

  get best(): string | null {
    return this.state.best;
  }

  load(shares: readonly FairSimShare[]): void {
    this.loading = true;
    try {
      // In parent-first order, a batch at a time: the tracker holds at most MAX_PENDING
      // unverified shares (tracker.ts) and would drop the oldest of a bigger single batch.
      for (let i = 0; i < shares.length; i += LOAD_BATCH) {
        this.state.addShares(shares.slice(i, i + LOAD_BATCH).map((s) => ({ ...s.share, timeSeen: 0 })));
      }
    } finally {
      this.loading = false;
    }
  }

  minerHandle(spec: SimMinerSpec): FairMinerHandle {
    const rules = this.rules;
    return {
      key: `miner ${spec.address}`,
      address: spec.address,
      script: rules.scriptOf(spec.address),
      hashrate: spec.hashrate,
      // `/D` is the miner's own difficulty (clamped like any own target); otherwise the policy's.
      wanted: spec.shareDifficulty !== null
        ? difficultyToTarget(spec.shareDifficulty)
        : rules.wantedTarget(spec.hashrate),
      maxOutputs: rules.outputClass(spec.maxOutputs),
    };
  }

  targetClass(miner: unknown): string {
    return (miner as FairMinerHandle).key;
  }

  newWork(): void {
    const env = this.env;
    const now = env.now();
    const parent = this.state.bestShare ?? null;
    const template = env.template();
    let scriptSig = this.scriptSigs.get(template.height);
    if (scriptSig === undefined) {
      if (this.scriptSigs.size > 16) this.scriptSigs.clear();
      scriptSig = Buffer.concat([bip34HeightPush(template.height), pushData(SIM_COINBASE_TAG)]);
      this.scriptSigs.set(template.height, scriptSig);
    }
    this.gen = {
      start: now,
      seq: this.seq,
      parent,
      template,
      targets: this.rules.targetsOn(this.state.tracker, parent),
      refs: parent === null ? [] : null,
      scriptSig,
      timestamp: Math.max(Math.floor(now / 1000), (parent?.info.timestamp ?? 0) + 1),
      blockTarget: bitsToTarget(template.bits),
    };
  }

  private generation(): Generation {
    if (this.gen === null) this.newWork();
    return this.gen!;
  }

  shareTargetFor(miner: unknown): bigint {
    const g = this.generation();
    // A chain's first share must be a link (docs/fair-sharechain.md#validation, rule 14).
    if (g.parent === null) return g.targets.linkTarget;
    return clamp((miner as FairMinerHandle).wanted, g.targets.linkTarget, g.targets.floorTarget);
  }

  /** The generation's references: the honest choice among the shares this node had verified when it began. */
  private refsOf(g: Generation): Buffer[] {
    if (g.refs !== null) return g.refs;
    const tracker = this.state.tracker;
    const seqOf = this.seqOf;
    const view: RefSource = Object.create(tracker) as RefSource;
    view.childrenOf = (link: ShareHash): Iterable<FairShare> => {
      const out: FairShare[] = [];
      for (const s of tracker.childrenOf(link)) if ((seqOf.get(s) ?? Infinity) <= g.seq) out.push(s);
      return out;
    };
    g.refs = selectRefs(view, this.rules.net, g.parent!.hash);
    return g.refs;
  }

  makeJob(miner: unknown): FairSimJob {
    const t0 = performance.now();
    try {
      const m = miner as FairMinerHandle;
      const g = this.generation();
      const fee = this.env.feePercent;
      const payToNode = fee > 0 && this.env.rng.float() * 100 < fee;
      const gen = generateFairShare({
        net: this.rules.net,
        view: this.state.tracker,
        parentHash: g.parent?.hash ?? null,
        payoutScript: payToNode ? this.rules.scriptOf(this.env.address) : m.script,
        coinbase: g.scriptSig,
        subsidy: g.template.coinbaseValue,
        blockBits: g.template.bits,
        timestamp: g.timestamp,
        desiredTarget: this.shareTargetForGen(g, m),
        maxOutputs: m.maxOutputs,
        refs: g.parent === null ? [] : this.refsOf(g),
        wtxidRoot: ZERO32,
      });
      return {
        shareTarget: bitsToTarget(gen.info.shareBits),
        blockTarget: g.blockTarget,
        gen,
        generation: g,
        ntime: Math.max(g.template.curtime, g.template.mintime, Math.floor(g.start / 1000)),
      };
    } finally {
      this.counters.workMs += performance.now() - t0;
    }
  }

  private shareTargetForGen(g: Generation, m: FairMinerHandle): bigint {
    return g.parent === null ? g.targets.linkTarget : clamp(m.wanted, g.targets.linkTarget, g.targets.floorTarget);
  }

  /**
   * Whether a share on `parent` can still be paid (the node's answer to the miner): it builds on
   * the best link, or its fork point with the best chain is within H links of the next height.
   */
  private payable(parent: FairShare | null): boolean {
    const best = this.state.bestShare;
    if (!best || parent === null || parent.hash === best.hash) return true;
    const tracker = this.state.tracker;
    if (!tracker.link(parent.hash)) return false;
    return forkPoint(tracker, { prevHash: parent.hash } as FairShare, best, best.info.height + 1 - this.rules.net.refDepth) !== null;
  }

  submit(simJob: SimJob, _miner: unknown, pow: SimProofOfWork): SimSubmitOutcome<FairSimShare> {
    const t0 = performance.now();
    const job = simJob as FairSimJob;
    const { gen, generation: g } = job;
    const rng = this.env.rng;
    const nonce8 = rng.u32() * 2 ** 32 + rng.u32();
    const lastTxoutNonce = BigInt(nonce8);
    const txid = checkHashLink(gen.hashLink, fairGentxSuffix(gen.refHash, lastTxoutNonce), FAIR_GENTX_CONST_ENDING);
    const header = encodeHeader({
      version: g.template.version,
      prevBlock: g.template.previousBlockHash,
      merkleRoot: txid,
      timestamp: job.ntime,
      bits: g.template.bits,
      nonce: rng.u32(),
    });
    const solved = this.rules.solve(header, -1n, job.shareTarget, pow.kind === 'drawn' ? pow.value : null);
    let share: FairShare;
    try {
      share = assembleFairShare(gen, {
        header: headerFieldsWithoutRoot(solved.header),
        lastTxoutNonce,
        merkleBranch: [],
      });
    } finally {
      this.rules.forget(solved.header);
    }
    const tip = this.env.template();
    const blockStale = !tip.previousBlockHash.equals(g.template.previousBlockHash);
    const dead = blockStale || !this.payable(g.parent);
    if (solved.pow <= job.blockTarget) {
      const built = buildFairGentx({ coinbase: gen.info.coinbase, payouts: gen.payouts.serialized, wtxidRoot: gen.info.wtxidRoot, refHash: gen.refHash, lastTxoutNonce });
      this.env.submitBlock(assembleBlock(solved.header, encodeTransaction(built.gentx), { transactions: [], mwebSuffix: Buffer.alloc(0) }));
    }
    this.rules.noteShare(share);
    this.rules.noteCoinbase(share, gen);
    this.counters.workMs += performance.now() - t0;
    const t1 = performance.now();
    const before = this.state.best;
    this.state.addLocalShare({ ...share, timeSeen: 0 });
    this.counters.handleMs += performance.now() - t1;
    return { share: { id: share.hash, share }, dead, pow: solved.pow, bestChanged: this.state.best !== before };
  }

  receive(shares: readonly FairSimShare[], from: number): boolean {
    const t0 = performance.now();
    const known = this.knownOf(from);
    const tracker = this.state.tracker;
    const fresh: FairShare[] = [];
    for (const s of shares) {
      known.add(s.id);
      if (!tracker.has(s.id)) fresh.push({ ...s.share, timeSeen: 0 });
    }
    if (fresh.length === 0) return false;
    const before = this.state.best;
    this.state.addShares(fresh, `node${from}`);
    this.counters.handleMs += performance.now() - t0;
    return this.state.best !== before;
  }

  wantsRelay(): boolean {
    return this.outbox.length > 0;
  }

  relayTo(peer: number): FairSimShare[] {
    const known = this.knownOf(peer);
    const out: FairSimShare[] = [];
    for (const s of this.outbox) {
      if (known.has(s.hash)) continue;
      known.add(s.hash);
      out.push({ id: s.hash, share: s });
    }
    this.relayed.add(peer);
    if (this.relayed.size >= this.env.peers.length) {
      this.outbox = [];
      this.relayed.clear();
    }
    return out;
  }

  cpu(): SimNodeCpu {
    return { ...this.counters };
  }

  private knownOf(peer: number): KnownShares {
    let k = this.known.get(peer);
    if (k === undefined) this.known.set(peer, (k = new KnownShares(KNOWN_PER_PEER)));
    return k;
  }
}
