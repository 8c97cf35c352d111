/**
 * The v35 rules for the simulator (rules.ts), on the node's real code (docs/simulate.md#what-is-real-and-what-is-simulated):
 * each node is a real ChainState (tracker, verification, best-share choice, pruning, stale
 * accounting) and a real PoolWork (share targets, jobs, gentx, DOA, block submission); relay
 * is p2p/relay.ts and bytes come from p2p/messages.ts + framing.ts. Only these are simulated:
 *
 * - Proof of work. The engine draws a found share's PoW value; it reaches the real
 *   `pow <= target` check through P2PoolNetwork.simulatedPow, keyed by the header's sha256d.
 *   With `realHashing` the header's nonce is ground for real instead.
 * - Decoding. A share travels as the Share object its finder's node built (one decode would
 *   give the same object); every node holds that one object, with its own first-seen time in
 *   its tracker (ShareTracker.noteSeen).
 * - Verification, with `verifyCache` (the default): a share is verified in full once per
 *   process, by the first node that checks it; later checks by other nodes hit a cache keyed by
 *   share hash. A v35 share's validity depends on its own bytes and its ancestors, which its
 *   hash commits to, and on the 600 s future-timestamp rule, which a share that passed at an
 *   earlier virtual time passes at every later one. Every other check still runs at every node.
 * - Miners' pseudoshares. A node's hash-rate estimate (work/hashrate.ts, which sets the node's
 *   share target) is fed the node's miners' expected work every minute instead of thousands of
 *   pseudoshares.
 */
import { performance } from 'node:perf_hooks';
import { scriptToAddress } from '../bitcoin/address.js';
import { hash160, sha256d } from '../bitcoin/hash.js';
import { bigIntToHash, hashToBigInt } from '../bitcoin/hex.js';
import { witnessScript } from '../bitcoin/script.js';
import { workNumberToTarget } from '../bitcoin/target.js';
import { encodeFrame } from '../p2p/framing.js';
import { encodeMessage } from '../p2p/messages.js';
import { KnownSharesTable, MAX_RELAY_SHARES } from '../p2p/relay.js';
import { ChainState } from '../sharechain/chain-state.js';
import { DONATION_SCRIPT, donationPayee } from '../sharechain/coinbase-layout.js';
import { getP2PoolNetwork, type P2PoolNetwork } from '../sharechain/networks.js';
import { payoutScriptForAddress } from '../sharechain/payout-script.js';
import type { ChainView, Share } from '../sharechain/types.js';
import { verifyShareDetailed } from '../sharechain/verify.js';
import { buildHeader, type Job } from '../work/job.js';
import { PoolWork } from '../work/pool-work.js';
import type { Miner } from '../work/work-source.js';
import type {
  SimBootstrap, SimCoinbase, SimJob, SimMinerSpec, SimNodeChain, SimNodeCpu, SimNodeEnv, SimProofOfWork, SimRules,
  SimShare, SimShareLinks, SimSubmitOutcome,
} from './rules.js';
import type { Scenario } from './scenario.js';
import { ScenarioError } from './units.js';
import { buildStartChain } from './v35-bootstrap.js';

export interface V35Share extends SimShare {
  readonly share: Share;
}

const NO_REFERENCES: SimShareLinks['references'] = [];
/** Work-layer hash-rate feed: one entry per minute (the estimator sums 10 s buckets over 10 min). */
const FEED_MS = 60_000;
/** The estimator looks back 10 minutes; feeding further back is wasted. */
const FEED_WINDOW_MS = 610_000;
const EXTRANONCE1 = Buffer.alloc(4);
/**
 * Shares remembered per peer for relay: at least 2,000 (the node: at least 5,000, relay.ts). The
 * relay stops at the newest share a peer has, so a shorter memory changes nothing unless a reorg
 * runs deeper than it; it saves ~80 MB over the baseline's 20 nodes x ~12 peers.
 */
const KNOWN_PER_PEER = 2_000;

/**
 * Move a share's own byte fields into one dedicated allocation (same bytes, same objects
 * otherwise). Buffers made by the real code are mostly small slices of Node's shared 8 KB
 * pool; a share that lives for days (CHAIN_LENGTH*2 of them per node) pinned a whole pool slab
 * each: ~150 MB for one chain. The simulator keeps many shares for long, so it compacts them.
 * Not the header, gentx txid, ref_hash and hash: they are in the share's own block of digests
 * already (sharechain/share.ts, a block of the shares' slabs).
 */
export function compactShare(share: Share, prevBlock: (hash: Buffer | null) => Buffer | null): Share {
  const info = share.shareInfo;
  const data = info.shareData;
  const fields: Array<[Record<string, unknown>, string]> = [
    [share as unknown as Record<string, unknown>, 'raw'],
    [data as unknown as Record<string, unknown>, 'previousShareHash'],
    [data as unknown as Record<string, unknown>, 'coinbase'],
    [info as unknown as Record<string, unknown>, 'farShareHash'],
    [share.hashLink as unknown as Record<string, unknown>, 'state'],
  ];
  // A PoW hash of its own (simulated PoW); else it is the hash's bytes, left where they are.
  if (share.powHash !== share.hashBytes) fields.push([share as unknown as Record<string, unknown>, 'powHash']);
  let size = 0;
  for (const [o, k] of fields) if (Buffer.isBuffer(o[k])) size += (o[k] as Buffer).length;
  const slab = Buffer.allocUnsafeSlow(size);
  let at = 0;
  for (const [o, k] of fields) {
    const b = o[k];
    if (!Buffer.isBuffer(b)) continue;
    b.copy(slab, at);
    o[k] = slab.subarray(at, at + b.length);
    at += b.length;
  }
  // The parent block's hash is shared by every share on that block (see V35Rules.prevBlock).
  (share.minHeader as { prevBlock: Buffer | null }).prevBlock = prevBlock(share.minHeader.prevBlock);
  return share;
}

/** A payee while a coinbase is summed: `at` is its index there if `stamp` is that coinbase's. */
interface PayeeSlot {
  readonly payee: string;
  stamp: number;
  at: number;
}

export class V35Rules implements SimRules<V35Share> {
  readonly name = 'v35';
  readonly net: P2PoolNetwork;
  readonly constants: Readonly<Record<string, number | string | boolean>>;
  readonly sharePeriod: number;
  readonly payoutWindowSeconds: number;
  readonly donationPayee: string;
  /** Drawn PoW values by header sha256d (latin1 key), taken once by the share's derivation. */
  private readonly powOracle = new Map<string, Buffer>();
  /** Share hashes verified in full in this process (the cache; also "coinbase recorded"). */
  private readonly verified = new Set<string>();
  private readonly pendingCoinbase = new Map<string, SimCoinbase>();
  private readonly payeeByScript = new Map<string, string>();
  /**
   * The same by script object: payout scripts come from payout-script.ts's cache, one Buffer
   * per address, so most lookups skip the hex (a Buffer's bytes never change here).
   */
  private readonly payeeByScriptObject = new WeakMap<Buffer, PayeeSlot>();
  /** One slot per payee (two scripts of one payee share it). */
  private readonly payeeSlots = new Map<string, PayeeSlot>();
  private coinbaseStamp = 0;
  private readonly prevBlocks = new Map<string, Buffer>();
  /** True while a node turns a solution into a share: only then is a coinbase worth keeping. */
  capturing = false;
  private readonly useCache: boolean;
  private readonly realHashing: boolean;
  private readonly emitChain: boolean;

  constructor(spec: Extract<Scenario['rules'], { name: 'v35' }>, options: Scenario['options']) {
    const base = getP2PoolNetwork(spec.network);
    const ov = spec.overrides;
    this.useCache = options.verifyCache;
    this.realHashing = options.realHashing;
    this.emitChain = options.emitChain;
    if (this.emitChain && Object.keys(ov).length > 0) {
      throw new ScenarioError('options.emitChain: the emitted chain is checked by `p2pool chain verify` with the network\'s own constants, so rules.overrides must be empty');
    }
    if (this.realHashing && base.maxTarget < 1n << 240n) {
      throw new ScenarioError(`options.realHashing: network ${base.name} needs ~${(Number((1n << 256n) / (base.maxTarget + 1n))).toExponential(1)} hashes per share; use regtest (MAX_TARGET 2**255)`);
    }
    const net: P2PoolNetwork = {
      ...base,
      ...(ov.sharePeriod !== undefined ? { sharePeriod: ov.sharePeriod } : {}),
      ...(ov.chainLength !== undefined ? { chainLength: ov.chainLength } : {}),
      ...(ov.realChainLength !== undefined ? { realChainLength: ov.realChainLength } : {}),
      ...(ov.targetLookbehind !== undefined ? { targetLookbehind: ov.targetLookbehind } : {}),
      ...(ov.spread !== undefined ? { spread: ov.spread } : {}),
    };
    if (net.realChainLength > net.chainLength) throw new ScenarioError('rules.overrides: realChainLength cannot exceed chainLength');
    if (net.targetLookbehind > net.chainLength) throw new ScenarioError('rules.overrides: targetLookbehind cannot exceed chainLength');
    if (!this.realHashing) {
      const oracle = this.powOracle;
      net.simulatedPow = (headerHash) => {
        const key = headerHash.toString('latin1');
        const v = oracle.get(key);
        if (v !== undefined) oracle.delete(key);
        return v;
      };
    }
    this.net = net;
    this.sharePeriod = net.sharePeriod;
    // The PPLNS window: REAL_CHAIN_LENGTH shares of SHARE_PERIOD (docs/sharechain.md#pplns).
    this.payoutWindowSeconds = net.realChainLength * net.sharePeriod;
    this.donationPayee = donationPayee(net.parent);
    this.payeeByScript.set(DONATION_SCRIPT.toString('hex'), this.donationPayee);
    this.constants = {
      network: net.name,
      shareVersion: 35,
      sharePeriod: net.sharePeriod,
      chainLength: net.chainLength,
      realChainLength: net.realChainLength,
      targetLookbehind: net.targetLookbehind,
      spread: net.spread,
      maxTarget: `0x${net.maxTarget.toString(16)}`,
      proofOfWork: this.realHashing ? 'real (ground)' : 'drawn',
      verifyCache: this.useCache,
    };
  }

  payoutAddress(kind: 'miner' | 'node', index: number): string {
    const address = scriptToAddress(witnessScript(0, hash160(Buffer.from(`p2pool-sim ${kind} ${index}`))), this.net.parent);
    if (address === null) throw new Error(`${this.net.parent.name} has no bech32 addresses`);
    this.payeeByScript.set(payoutScriptForAddress(address, this.net.parent, 35).toString('hex'), address);
    return address;
  }

  /** Give the header its proof of work: register the drawn value, or grind the nonce. */
  solve(header: Buffer, target: bigint, pow: SimProofOfWork): { header: Buffer; pow: bigint } {
    if (pow.kind === 'drawn') {
      if (this.realHashing) throw new Error('internal: a drawn PoW value in a real-hashing run');
      this.powOracle.set(sha256d(header).toString('latin1'), bigIntToHash(pow.value));
      return { header, pow: pow.value };
    }
    for (let tries = 0; ; tries++) {
      const v = hashToBigInt(sha256d(header));
      if (v <= target) return { header, pow: v };
      if (tries > 1e8) throw new Error('real hashing: no solution in 1e8 hashes (share target too hard for CPU mining)');
      header.writeUInt32LE((header.readUInt32LE(76) + 1) >>> 0, 76);
    }
  }

  /** One Buffer per parent-block hash (by content), shared by every node's copy of a share. */
  prevBlock(hash: Buffer | null): Buffer | null {
    if (hash === null) return null;
    const key = hash.toString('latin1');
    let b = this.prevBlocks.get(key);
    if (b === undefined) {
      if (this.prevBlocks.size >= 1024) this.prevBlocks.clear();
      this.prevBlocks.set(key, (b = hash));
    }
    return b;
  }

  /** Drop a drawn value that no share consumed (a solution the work layer did not use). */
  forget(header: Buffer): void {
    if (!this.realHashing) this.powOracle.delete(sha256d(header).toString('latin1'));
  }

  bootstrap(b: SimBootstrap): V35Share[] {
    const draw = b.rng.fork('start-chain pow');
    const shares = buildStartChain({
      net: this.net,
      template: b.template,
      nodeHashrates: b.nodeHashrates,
      startMs: b.startMs,
      shares: b.shares,
      payee: b.payee,
      rng: b.rng,
      solve: (header, target) => this.solve(header, target, this.realHashing ? { kind: 'grind' } : { kind: 'drawn', value: draw.bigintUpTo(target) }).header,
    });
    return shares.map((share) => ({ id: share.hash, share: compactShare(share, (h) => this.prevBlock(h)) }));
  }

  /** The share check of one node: verifyShare, once per process with the cache, timed. */
  verifier(cpu: SimNodeCpu): (share: Share, chain: ChainView, now: number) => unknown {
    return (share, chain, now) => {
      if (this.useCache && this.verified.has(share.hash)) {
        cpu.verifyCacheHits++;
        return undefined;
      }
      const t0 = performance.now();
      const built = verifyShareDetailed(share, chain, this.net, { now });
      cpu.verifyMs += performance.now() - t0;
      cpu.verified++;
      const first = !this.verified.has(share.hash);
      this.verified.add(share.hash);
      if (first && this.capturing) {
        // Summed by payee in the order of first output; a payee met twice in this coinbase has
        // its slot stamped with this coinbase's number (no per-coinbase map).
        const stamp = ++this.coinbaseStamp;
        const payees: string[] = [];
        const sats: number[] = [];
        for (const o of built.payouts) {
          let slot = this.payeeByScriptObject.get(o.script);
          if (slot === undefined) {
            const hex = o.script.toString('hex');
            const payee = this.payeeByScript.get(hex) ?? `script:${hex}`;
            slot = this.payeeSlots.get(payee);
            if (slot === undefined) this.payeeSlots.set(payee, (slot = { payee, stamp: 0, at: 0 }));
            this.payeeByScriptObject.set(o.script, slot);
          }
          if (slot.stamp === stamp) sats[slot.at] = sats[slot.at]! + o.value;
          else {
            slot.stamp = stamp;
            slot.at = payees.length;
            payees.push(slot.payee);
            sats.push(o.value);
          }
        }
        this.pendingCoinbase.set(share.hash, { payees, sats, outputs: built.gentx.outputs.length });
      }
      return undefined;
    };
  }

  createNode(env: SimNodeEnv): V35Node {
    return new V35Node(this, env);
  }

  links(s: V35Share): SimShareLinks {
    return { parent: s.share.prevHash, references: NO_REFERENCES, extendsChain: true };
  }

  coinbase(s: V35Share): SimCoinbase {
    const cb = this.pendingCoinbase.get(s.id);
    // Anything else verified during that submit (a head waiting for this share) is not wanted.
    this.pendingCoinbase.clear();
    if (cb === undefined) throw new Error(`internal: share ${s.id} was not verified by its own node`);
    return cb;
  }

  shareFacts(s: V35Share): { payee: string; timestamp: number; work: number } {
    const share = s.share;
    return { payee: this.payeeByScript.get(share.payoutScript.toString('hex')) ?? share.payee, timestamp: share.shareInfo.timestamp, work: Number(share.work) };
  }

  messageBytes(shares: readonly V35Share[]): number {
    const { command, payload } = encodeMessage({ command: 'shares', shares: shares.map((s) => ({ type: s.share.version, raw: s.share.raw })) });
    return encodeFrame(this.net.prefix, command, payload).length;
  }

  wireHex(s: V35Share): string | null {
    return this.emitChain ? s.share.raw.toString('hex') : null;
  }
}

class V35Node implements SimNodeChain<V35Share> {
  readonly chain: ChainState;
  readonly work: PoolWork;
  private readonly counters: SimNodeCpu = { verifyMs: 0, verified: 0, verifyCacheHits: 0, handleMs: 0, workMs: 0 };
  /** What each peer has (relay memory), one table for all peers: slot i is env.peers[i]. */
  private readonly known: KnownSharesTable;
  private readonly slotOf = new Map<number, number>();
  /** The clock the work layer reads: pinned to the generation's start while a job is made. */
  private pinned: number | null = null;
  private genStart: number;
  private hashrate = 0;
  private feedTarget = 0n;
  private fedUntil = -Infinity;
  private readonly pseudoTargets = new Map<Miner, bigint>();
  invalidFromPeers = 0;

  constructor(private readonly rules: V35Rules, private readonly env: SimNodeEnv) {
    const net = rules.net;
    this.genStart = env.now();
    env.peers.forEach((peer, slot) => this.slotOf.set(peer, slot));
    this.known = new KnownSharesTable(env.peers.length, 2 * KNOWN_PER_PEER);
    this.chain = new ChainState({
      net,
      now: () => env.now(),
      getHeightRelHighest: (prev) => env.heightRelTip(prev),
      verify: rules.verifier(this.counters),
    });
    this.chain.on('bad', () => this.invalidFromPeers++);
    this.work = new PoolWork({
      net,
      chain: this.chain,
      templates: { get current() { return env.template(); }, stale: false },
      submitter: { submitBlock: (block) => Promise.resolve(env.submitBlock(block)) },
      nodeAddress: env.address,
      feePercent: env.feePercent,
      now: () => this.pinned ?? env.now(),
      random: () => env.rng.float(),
      shareNonce: () => env.rng.u32(),
    });
  }

  get best(): string | null {
    return this.chain.best;
  }

  /** Load the start chain (every node at time 0, as from its store). */
  load(shares: readonly V35Share[]): void {
    this.chain.addShares(shares.map((s) => this.take(s.share, 0)));
  }

  /**
   * A share as this node holds it: the one Share object every node shares (compacted by
   * compactShare: the parent block hash is shared by content, so the best-share score's run
   * over equal parent blocks compares references, not bytes; the same result either way), with
   * this node's own first-seen time in its tracker (ShareTracker.noteSeen; the best-share
   * tie-break and pruning read it) when it is not the object's.
   */
  private take(share: Share, timeSeen: number): Share {
    if (share.timeSeen !== timeSeen) this.chain.tracker.noteSeen(share.hash, timeSeen);
    return share;
  }

  minerHandle(spec: SimMinerSpec): Miner {
    const auth = this.work.authorize(spec.shareDifficulty === null ? spec.address : `${spec.address}/${spec.shareDifficulty}`);
    if (!auth.ok) throw new ScenarioError(`miner ${spec.address}: ${auth.reason}`);
    // The pseudoshare a solution arrives as: about one second of the miner's work (vardiff).
    this.pseudoTargets.set(auth.miner, workNumberToTarget(spec.hashrate));
    this.hashrate += spec.hashrate;
    this.feedTarget = workNumberToTarget(this.hashrate * (FEED_MS / 1000));
    return auth.miner;
  }

  /** Bring the node's hash-rate estimate up to now: the miners' expected work per 10 s. */
  private feed(now: number): void {
    if (this.hashrate <= 0) return;
    let t = Math.max(this.fedUntil, Math.floor((now - FEED_WINDOW_MS) / FEED_MS) * FEED_MS);
    for (; t + FEED_MS <= now; t += FEED_MS) this.work.hashrate.add(t, this.feedTarget, 'simulated miners', false);
    this.fedUntil = t;
  }

  newWork(): void {
    this.genStart = this.env.now();
    this.work.workChanged(true);
  }

  shareTargetFor(miner: unknown): bigint {
    this.feed(this.env.now());
    this.pinned = this.genStart;
    try {
      return this.work.shareTargetFor(miner as Miner);
    } finally {
      this.pinned = null;
    }
  }

  makeJob(miner: unknown): SimJob {
    const t0 = performance.now();
    this.feed(this.env.now());
    this.pinned = this.genStart;
    try {
      const job = this.work.makeJob(miner as Miner, EXTRANONCE1);
      if ('unavailable' in job) throw new Error(`node ${this.env.index} has no work: ${job.unavailable}`);
      return job;
    } finally {
      this.pinned = null;
      this.counters.workMs += performance.now() - t0;
    }
  }

  submit(simJob: SimJob, miner: unknown, pow: SimProofOfWork): SimSubmitOutcome<V35Share> {
    const t0 = performance.now();
    const job = simJob as Job;
    const rng = this.env.rng;
    this.feed(this.env.now());
    const built = buildHeader(job, rng.bytes(8), job.ntime, rng.u32(), job.version);
    const solved = this.rules.solve(built.header, job.shareTarget, pow);
    let made: { share: Share; dead: boolean } | null = null;
    const onShare = (share: Share, dead: boolean): void => {
      made = { share, dead };
    };
    const before = this.chain.best;
    this.work.on('share', onShare);
    this.rules.capturing = true;
    try {
      this.work.onSolution({
        job,
        miner: miner as Miner,
        header: solved.header,
        coinbase: built.coinbase,
        nonceArea: built.nonceArea,
        powHash: bigIntToHash(solved.pow),
        pseudoTarget: this.pseudoTargets.get(miner as Miner) ?? job.shareTarget,
      });
    } finally {
      this.rules.capturing = false;
      this.work.off('share', onShare);
      this.rules.forget(solved.header);
      this.counters.workMs += performance.now() - t0;
    }
    const got = made as { share: Share; dead: boolean } | null;
    return {
      share: got === null ? null : { id: got.share.hash, share: compactShare(got.share, (h) => this.rules.prevBlock(h)) },
      dead: got?.dead ?? false,
      pow: solved.pow,
      bestChanged: this.chain.best !== before,
    };
  }

  receive(shares: readonly V35Share[], from: number): boolean {
    const t0 = performance.now();
    const slot = this.slotOfPeer(from);
    const now = this.env.now();
    const fresh: Share[] = [];
    for (const s of shares) {
      this.known.add(slot, s.id);
      if (!this.chain.tracker.has(s.id)) fresh.push(this.take(s.share, now));
    }
    if (fresh.length === 0) return false;
    const before = this.chain.best;
    this.chain.addShares(fresh, `node${from}`);
    this.counters.handleMs += performance.now() - t0;
    return this.chain.best !== before;
  }

  relayTo(peer: number): V35Share[] {
    const best = this.chain.best;
    if (best === null) return [];
    const slot = this.slotOfPeer(peer);
    return this.known.relayTo(this.chain.tracker, best, slot).map((share) => ({ id: share.hash, share }));
  }

  relayRound(): V35Share[][] {
    const best = this.chain.best;
    if (best === null) return this.env.peers.map(() => []);
    return this.known.relayRound(this.chain.tracker, best, MAX_RELAY_SHARES, (share): V35Share => ({ id: share.hash, share }));
  }

  cpu(): SimNodeCpu {
    return { ...this.counters };
  }

  private slotOfPeer(peer: number): number {
    const slot = this.slotOf.get(peer);
    if (slot === undefined) throw new Error(`internal: node ${this.env.index} has no link to node ${peer}`);
    return slot;
  }
}
