/**
 * The simulation engine (docs/simulate.md#how-it-works): a discrete-event loop on a virtual
 * clock that runs nodes (SimNodeChain, the rules' real code), miners, P2P links and the parent
 * chain. It is the same for every rule set; it never looks inside a share.
 *
 * Share finding. A miner's share finds are thinned from "candidates": hashes below a bound B
 * (about twice the largest share target its node hands out) arrive as a Poisson process of rate
 * hashrate * B / 2**256, each with a PoW value uniform in [0, B]. A candidate is a share when
 * its value meets the target of the job the miner is hashing at that instant, and a block when
 * it meets the block target: exactly the distribution of real hashing, at any per-miner target.
 *
 * Which job. A node's work changes in generations (new best share, new template). A miner
 * hashes the newest generation whose work reached it and was restarted on:
 * start + node-to-miner delay + work-restart delay <= now. The job itself is made by the
 * rules' work layer while its generation is current: for every candidate that can fall on it,
 * the job is made before the node's state changes ("pre-check"), so a job is always exactly
 * what the node handed out when the generation began.
 */
import { bitsToTarget, targetToWork } from '../bitcoin/target.js';
import { EventQueue } from './event-queue.js';
import { ShareLedger } from './ledger.js';
import { Links } from './links.js';
import { PeriodMonteCarlo, type CompactCoinbase } from './monte-carlo.js';
import { ParentChain, type ParentBlock } from './parent-chain.js';
import { buildMiners, type MinerSpec } from './population.js';
import { Prng } from './prng.js';
import type { SimCoinbase, SimJob, SimNodeChain, SimNodeCpu, SimRules, SimShare } from './rules.js';
import { rulesFor } from './rules-registry.js';
import type { Scenario } from './scenario.js';
import { drawFrom, maxOf } from './units.js';
import { idealPayouts, WorkLog, type IdealPayouts } from './work-efficiency.js';

const TWO_256 = 2 ** 256;
/** After the end, in-flight messages and templates still arrive for this long (no new shares). */
const DRAIN_MS = 120_000;

export class SimError extends Error {
  override readonly name = 'SimError';
}

interface Candidate {
  t: number;
  v: bigint;
  bound: bigint;
  decided: boolean;
  job: SimJob | null;
  gen: Generation | null;
}

interface MinerState {
  spec: MinerSpec;
  address: string;
  handle: unknown;
  /** Which of its node's target classes it belongs to (its `/D`, or the node's choice). */
  key: string;
  /** nodeDelay + restartDelay, ms: how long new work takes to be hashed. */
  lag: number;
  queue: Candidate[];
  head: number;
  lastT: number;
  /**
   * A lower bound on min(lastT, time of its first undecided candidate): a pre-check at a time
   * whose horizon (now + lag) does not pass it has nothing to do for this miner (see preCheck).
   * It only grows, except when the queue is drawn afresh (redraw resets it).
   */
  next: number;
  epoch: number;
  rng: Prng;
}

interface Generation {
  start: number;
  /** Index of the parent block the node's template built on. */
  parentIndex: number;
  targets: Map<string, bigint>;
}

interface NodeState {
  index: number;
  chain: SimNodeChain<SimShare>;
  miners: MinerState[];
  gens: Generation[];
  bound: bigint;
  classes: Map<string, unknown>;
  maxLag: number;
  /**
   * A lower bound on every miner's `next` (see MinerState.next), from the last pre-check that
   * looked at every miner; -Infinity after a redraw. A pre-check at a time `now` with
   * now + maxLag <= minNext has nothing to do for any miner (each would skip), so it is skipped.
   */
  minNext: number;
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
}

type Event =
  | { k: 'cand'; m: MinerState; epoch: number }
  | { k: 'submit'; m: MinerState; c: Candidate; foundAt: number }
  | { k: 'deliver'; to: number; from: number; shares: SimShare[]; bytes: number }
  | { k: 'ext' }
  | { k: 'template'; node: number; index: number };

/** A block the pool found (accepted by the parent chain). */
export interface PoolBlock {
  block: ParentBlock;
  share: number;
  miner: number;
  node: number;
  outputs: number;
  payouts: Array<[payee: string, sats: number]>;
}

/** Everything a run produced, for report.ts. */
export interface RunData {
  scenario: Scenario;
  seed: number;
  rules: SimRules<SimShare>;
  miners: MinerSpec[];
  addresses: string[];
  nodeAddresses: string[];
  nodes: Array<{ bytesSent: number; bytesReceived: number; messagesSent: number; messagesReceived: number; cpu: SimNodeCpu; neighbours: number; meanLatencyMs: number }>;
  ledger: ShareLedger;
  /** Index of the first share found in the run (earlier ones are the start chain). */
  firstFound: number;
  expected: { perMiner: Float64Array; donation: number; nodeFees: number; other: number; total: number };
  /** Per-block payout moments over the whole run and per time batch (docs/simulate.md#payout-per-block). */
  moments: { all: BlockMoments; batches: BlockMoments[] };
  realizedPerMiner: Float64Array;
  /**
   * What an ideal pay-per-last-D-seconds pool would have paid each miner for the work it found,
   * over the same candidate blocks (docs/simulate.md#efficiency-against-the-work-found); its
   * batches are the moments' batches.
   */
  ideal: IdealPayouts;
  poolBlocks: PoolBlock[];
  staleBlocks: number;
  parentBlocks: number;
  mc: PeriodMonteCarlo;
  meanLatencyMs: number;
  blockTarget: bigint;
  finalTip: string | null;
  /** How many nodes agreed on the final tip. */
  tipAgreement: number;
  events: number;
  wallSeconds: number;
  emitted: string[] | null;
}

/**
 * Moments of each miner's payout per pool block, over "which share is the block": every share
 * counted (after the warm-up) weighted by its chance p of being a block (docs/simulate.md#payout-per-block).
 */
export interface BlockMoments {
  /** Σ p: the expected pool blocks. */
  p: number;
  /** Σ p · (what a block at the share pays all payees), satoshis. */
  total: number;
  /** Per miner: Σ p · sats, Σ p · sats², Σ p over the shares whose coinbase pays it. */
  sum: Float64Array;
  sq: Float64Array;
  paid: Float64Array;
}

/** Time batches of the block moments (their spread is the figures' standard error). */
export const MOMENT_BATCHES = 10;

function emptyMoments(miners: number): BlockMoments {
  return { p: 0, total: 0, sum: new Float64Array(miners), sq: new Float64Array(miners), paid: new Float64Array(miners) };
}

export interface SimulateOptions {
  seed: number;
  progress?: (fraction: number) => void;
}

export function simulate(sc: Scenario, opts: SimulateOptions): RunData {
  return new Simulation(sc, opts).run();
}

class Simulation {
  private readonly rng: Prng;
  private readonly rules: SimRules<SimShare>;
  private readonly queue = new EventQueue<Event>();
  private readonly parent: ParentChain;
  private readonly links: Links;
  private readonly jitter: Prng;
  private readonly externalRng: Prng;
  private readonly minerSpecs: MinerSpec[];
  private readonly miners: MinerState[] = [];
  private readonly nodes: NodeState[] = [];
  private readonly addresses: string[];
  private readonly nodeAddresses: string[];
  private readonly minerOf = new Map<string, number>();
  private readonly nodeFeePayees = new Set<string>();
  private readonly ledger = new ShareLedger();
  /** Found work and candidate blocks, for the ideal payouts. */
  private readonly workLog = new WorkLog();
  private readonly mc: PeriodMonteCarlo;
  private readonly startMs: number;
  private readonly endMs: number;
  /** Mining goes on until here (rules' settleSeconds after the end; shares found then count for nothing). */
  private readonly mineUntilMs: number;
  private readonly warmupMs: number;
  private readonly expected: RunData['expected'];
  private readonly moments: RunData['moments'];
  private readonly realized: Float64Array;
  private readonly poolBlocks: PoolBlock[] = [];
  private readonly bytesCache = new Map<string, number>();
  private readonly emitted: Map<string, string> | null;
  private now = 0;
  private events = 0;
  private staleBlocks = 0;
  private firstFound = 0;
  /** Set by the block submitter during a node's submit call. */
  private submitted: ParentBlock | null = null;

  constructor(private readonly sc: Scenario, private readonly opts: SimulateOptions) {
    this.rng = new Prng(opts.seed);
    this.rules = rulesFor(sc);
    this.startMs = sc.start * 1000;
    this.endMs = sc.duration * 1000;
    this.mineUntilMs = this.endMs + (this.rules.settleSeconds ?? 0) * 1000;
    this.warmupMs = sc.warmup * 1000;
    this.minerSpecs = buildMiners(sc, this.rng.fork('population'));
    this.addresses = this.minerSpecs.map((m) => this.rules.payoutAddress('miner', m.index));
    this.addresses.forEach((a, i) => {
      if (this.minerOf.has(a)) throw new SimError(`internal: two miners share the address ${a}`);
      this.minerOf.set(a, i);
    });
    this.nodeAddresses = sc.nodes.map((_, i) => this.rules.payoutAddress('node', i));
    for (const a of this.nodeAddresses) this.nodeFeePayees.add(a);
    this.parent = new ParentChain(sc.parentChain.difficulty, sc.parentChain.blockReward, sc.nodes.length, this.startMs, this.rng.fork('parent'));
    this.links = new Links(sc, this.rng.fork('links'));
    this.jitter = this.rng.fork('jitter');
    this.externalRng = this.rng.fork('external');
    this.mc = new PeriodMonteCarlo(this.warmupMs, this.endMs, sc.report.period * 1000, sc.report.replicates, this.rng.fork('monte-carlo'));
    this.expected = { perMiner: new Float64Array(this.minerSpecs.length), donation: 0, nodeFees: 0, other: 0, total: 0 };
    this.moments = { all: emptyMoments(this.minerSpecs.length), batches: Array.from({ length: MOMENT_BATCHES }, () => emptyMoments(this.minerSpecs.length)) };
    this.realized = new Float64Array(this.minerSpecs.length);
    this.emitted = sc.options.emitChain ? new Map() : null;
  }

  private poolHashrate(): number {
    return this.minerSpecs.reduce((a, m) => a + m.hashrate, 0);
  }

  private setup(): void {
    const sc = this.sc;
    // Nodes and their miners.
    sc.nodes.forEach((n, i) => {
      const envRng = this.rng.fork(`node${i}`);
      const chain = this.rules.createNode({
        index: i,
        address: this.nodeAddresses[i]!,
        feePercent: n.feePercent,
        now: () => this.startMs + this.now,
        template: () => this.parent.template(i),
        heightRelTip: (prev) => this.parent.heightRelTip(i, prev),
        submitBlock: (block) => this.submitBlock(block),
        rng: envRng,
        peers: this.links.of[i]!.map((l) => l.peer),
      });
      this.nodes.push({
        index: i, chain, miners: [], gens: [], bound: 0n, classes: new Map(), maxLag: 0, minNext: -Infinity,
        bytesSent: 0, bytesReceived: 0, messagesSent: 0, messagesReceived: 0,
      });
    });
    for (const spec of this.minerSpecs) {
      const node = this.nodes[spec.node]!;
      const handle = node.chain.minerHandle({ address: this.addresses[spec.index]!, hashrate: spec.hashrate, shareDifficulty: spec.shareDifficulty, maxOutputs: spec.maxOutputs });
      const key = node.chain.targetClass?.(handle) ?? (spec.shareDifficulty === null ? 'node' : `D${spec.shareDifficulty}`);
      if (!node.classes.has(key)) node.classes.set(key, handle);
      const m: MinerState = {
        spec, address: this.addresses[spec.index]!, handle, key, lag: spec.nodeDelayMs + spec.restartDelayMs,
        queue: [], head: 0, lastT: 0, next: -Infinity, epoch: 0, rng: this.rng.fork(`miner${spec.index}`),
      };
      node.miners.push(m);
      node.maxLag = Math.max(node.maxLag, m.lag);
      this.miners.push(m);
    }
    // The start chain, loaded by every node at time 0.
    const payeeRng = this.rng.fork('start-chain payees');
    const cumulative: number[] = [];
    let acc = 0;
    for (const m of this.minerSpecs) cumulative.push((acc += m.hashrate));
    const nodeHashrates = this.nodes.map((n) => n.miners.reduce((a, m) => a + m.spec.hashrate, 0));
    const start = this.rules.bootstrap({
      nodeHashrates,
      startMs: this.startMs,
      payee: () => {
        const u = payeeRng.float() * acc;
        let lo = 0;
        let hi = cumulative.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cumulative[mid]! > u) hi = mid;
          else lo = mid + 1;
        }
        return this.addresses[lo]!;
      },
      template: this.parent.template(0),
      shares: sc.options.bootstrapShares,
      rng: this.rng.fork('start-chain'),
      miners: this.minerSpecs.map((m) => ({ address: this.addresses[m.index]!, hashrate: m.hashrate, maxOutputs: m.maxOutputs })),
    });
    for (const s of start) {
      // Its work, at its timestamp as laid, for the miner its payout address belongs to.
      const facts = this.rules.shareFacts(s);
      const paysMiner = this.minerOf.get(facts.payee);
      if (paysMiner !== undefined) this.workLog.addWork(facts.timestamp * 1000 - this.startMs, paysMiner, facts.work);
      const links = this.rules.links(s);
      this.ledger.add({ id: s.id, links, miner: -1, node: -1, foundAt: -Infinity, work: 0, pBlock: 0, dead: false, outputs: -1 });
      const hex = this.rules.wireHex(s);
      if (this.emitted && hex !== null) this.emitted.set(s.id, hex);
    }
    this.firstFound = this.ledger.size;
    for (const node of this.nodes) {
      node.chain.load(start);
      this.newGeneration(node);
    }
    // Parent-chain blocks by the rest of the network.
    this.scheduleExternalBlock();
  }

  private scheduleExternalBlock(): void {
    const pc = this.sc.parentChain;
    const networkRate = (pc.difficulty * 2 ** 32) / pc.blockInterval;
    const others = 1 - Math.min(1, this.poolHashrate() / networkRate);
    if (others <= 0) return;
    const t = this.now + this.externalRng.exponential((pc.blockInterval * 1000) / others);
    if (t < this.mineUntilMs) this.queue.push(t, { k: 'ext' });
  }

  // ---- candidates and jobs --------------------------------------------------------------------

  private drawOne(m: MinerState, bound: bigint): void {
    const rate = (m.spec.hashrate * Number(bound)) / TWO_256 / 1000; // candidates per ms
    const t = m.lastT + m.rng.exponential(1 / rate);
    m.queue.push({ t, v: m.rng.bigintUpTo(bound), bound, decided: false, job: null, gen: null });
    m.lastT = t;
  }

  /** Draw until a candidate lies at or beyond `until`, and at least one is pending. */
  private extend(m: MinerState, until: number): void {
    const bound = this.nodes[m.spec.node]!.bound;
    while (m.lastT < until || m.head >= m.queue.length) this.drawOne(m, bound);
  }

  private pushHead(m: MinerState): void {
    this.extend(m, this.now);
    const c = m.queue[m.head]!;
    if (c.t <= this.mineUntilMs) this.queue.push(c.t, { k: 'cand', m, epoch: m.epoch });
  }

  /**
   * The node's bound changed: forget the miner's candidates from the moment the new work
   * reaches it (now + lag) and draw afresh from there (a Poisson process's future is
   * independent of its past). Earlier ones stay: they fall on the old work and were settled by
   * the pre-check.
   */
  private redraw(m: MinerState): void {
    const from = this.now + m.lag;
    const keep: Candidate[] = [];
    for (let i = m.head; i < m.queue.length && m.queue[i]!.t < from; i++) keep.push(m.queue[i]!);
    m.queue = keep;
    m.head = 0;
    m.lastT = from;
    m.next = -Infinity;
    this.nodes[m.spec.node]!.minNext = -Infinity;
    m.epoch++;
    this.pushHead(m);
  }

  private current(node: NodeState): Generation {
    return node.gens[node.gens.length - 1]!;
  }

  private activeGeneration(node: NodeState, m: MinerState, t: number): Generation | null {
    for (let i = node.gens.length - 1; i >= 0; i--) if (node.gens[i]!.start + m.lag <= t) return node.gens[i]!;
    return null;
  }

  /** Settle whether candidate `c` is a share, and if so make its job (its generation is current). */
  private decide(node: NodeState, m: MinerState, c: Candidate): void {
    c.decided = true;
    const gen = this.activeGeneration(node, m, c.t);
    if (gen === null) return; // the miner had no work yet
    if (gen !== this.current(node)) throw new SimError('internal: a candidate was decided after its generation ended');
    const target = gen.targets.get(m.key)!;
    if (target > c.bound) throw new SimError(`internal: share target above the candidate bound (node ${node.index}); the bound must be raised sooner`);
    if (c.v > target) return;
    const job = node.chain.makeJob(m.handle);
    if (job.shareTarget !== target) throw new SimError(`internal: the job's share target differs from the rules' shareTargetFor (node ${node.index})`);
    c.job = job;
    c.gen = gen;
  }

  /**
   * Before anything changes a node's state (new best share, new template): make the jobs of
   * the current generation that candidates within the miners' lag will need.
   */
  private preCheck(node: NodeState): void {
    // Every miner would be skipped below (m.lag <= maxLag, minNext <= m.next).
    if (this.now + node.maxLag <= node.minNext) return;
    let minNext = Infinity;
    for (const m of node.miners) {
      const horizon = this.now + m.lag;
      // Nothing to draw (lastT >= horizon) and nothing undecided before the horizon: skip the
      // miner (a node takes ~12 deliveries per share, each pre-checking all its miners).
      if (horizon <= m.next) {
        if (m.next < minNext) minNext = m.next;
        continue;
      }
      if (m.lastT < horizon) this.extend(m, horizon);
      let next = m.lastT;
      for (let i = m.head; i < m.queue.length; i++) {
        const c = m.queue[i]!;
        if (c.t >= horizon) {
          // Every undecided candidate lies here or later (those before were just decided).
          next = c.t;
          break;
        }
        if (!c.decided) this.decide(node, m, c);
      }
      m.next = next;
      if (next < minNext) minNext = next;
    }
    node.minNext = minNext;
  }

  private newGeneration(node: NodeState): void {
    node.chain.newWork();
    const targets = new Map<string, bigint>();
    let max = 0n;
    for (const [key, handle] of node.classes) {
      const t = node.chain.shareTargetFor(handle);
      targets.set(key, t);
      if (t > max) max = t;
    }
    node.gens.push({ start: this.now, parentIndex: this.parent.tipIndexOf(node.index), targets });
    // Generations no candidate can fall on any more.
    let keepFrom = 0;
    for (let i = node.gens.length - 2; i >= 0; i--) {
      if (node.gens[i + 1]!.start + node.maxLag <= this.now) {
        keepFrom = i + 1;
        break;
      }
    }
    if (keepFrom > 0) node.gens.splice(0, keepFrom);
    if (max > 0n && (node.bound === 0n || (max * 6n) / 5n > node.bound || max * 8n < node.bound)) {
      node.bound = 2n * max;
      for (const m of node.miners) this.redraw(m);
    }
  }

  // ---- the parent chain ---------------------------------------------------------------------

  private submitBlock(block: Buffer): string | null {
    const r = this.parent.submit(block, this.startMs + this.now, null);
    if ('refused' in r) {
      this.staleBlocks++;
      return r.refused;
    }
    this.submitted = r.block;
    this.announceParentBlock(this.parent.blocks.length - 1);
    return null;
  }

  private announceParentBlock(index: number): void {
    const rng = this.rng.fork(`template delays ${index}`);
    for (const node of this.nodes) {
      const delay = drawFrom(this.sc.parentChain.templateDelay, () => rng.float()) * 1000;
      this.queue.push(this.now + delay, { k: 'template', node: node.index, index });
    }
  }

  // ---- P2P ----------------------------------------------------------------------------------

  private onBestChanged(node: NodeState): void {
    // As the node does: relay first, then new work (p2p-node.ts before pool-work.ts).
    this.relay(node);
    this.newGeneration(node);
  }

  /** Shares new to the node but no new best (fair sub-shares): relayed, the work stays. */
  private afterNoNewBest(node: NodeState): void {
    if (node.chain.wantsRelay?.()) this.relay(node);
  }

  /** One relay round: every peer gets what the rules say it should now. */
  private relay(node: NodeState): void {
    const links = this.links.of[node.index]!;
    const round = node.chain.relayRound?.() ?? null;
    if (round !== null && round.length !== links.length) throw new SimError(`internal: node ${node.index}'s relay round has ${round.length} peers, not ${links.length}`);
    for (let i = 0; i < links.length; i++) {
      const link = links[i]!;
      const shares = round !== null ? round[i]! : node.chain.relayTo(link.peer);
      if (shares.length === 0) continue;
      const key = shares.length === 1 ? shares[0]!.id : shares.map((s) => s.id).join(); // (join's own key for one)
      let bytes = this.bytesCache.get(key);
      if (bytes === undefined) {
        bytes = this.rules.messageBytes(shares);
        if (this.bytesCache.size > 10_000) this.bytesCache.clear();
        this.bytesCache.set(key, bytes);
      }
      node.bytesSent += bytes;
      node.messagesSent++;
      this.queue.push(this.links.arrival(link, this.now, this.jitter), { k: 'deliver', to: link.peer, from: node.index, shares, bytes });
    }
  }

  // ---- recording ----------------------------------------------------------------------------

  private record(m: MinerState, share: SimShare, job: SimJob, foundAt: number, dead: boolean, pow: bigint, cb: SimCoinbase, valid: boolean): void {
    const node = m.spec.node;
    const p = valid ? Number(job.blockTarget + 1n) / Number(job.shareTarget + 1n) : 0;
    const work = Number(targetToWork(job.shareTarget));
    const i = this.ledger.add({
      id: share.id, links: this.rules.links(share), miner: m.spec.index, node, foundAt,
      work, pBlock: Math.min(1, p), dead, outputs: cb.outputs,
    });
    // Found work, whatever its fate, for the miner the share pays (a node-fee share pays none).
    const paysMiner = this.minerOf.get(this.rules.shareFacts(share).payee);
    if (paysMiner !== undefined) this.workLog.addWork(foundAt, paysMiner, work);
    const hex = this.rules.wireHex(share);
    if (this.emitted && hex !== null) this.emitted.set(share.id, hex);
    if (this.submitted !== null) {
      this.poolBlocks.push({
        block: this.submitted, share: i, miner: m.spec.index, node, outputs: cb.outputs, payouts: cb.payees.map((payee, j) => [payee, cb.sats[j]!]),
      });
      for (let j = 0; j < cb.payees.length; j++) {
        const mi = this.minerOf.get(cb.payees[j]!);
        if (mi !== undefined) this.realized[mi]! += cb.sats[j]!;
      }
      this.submitted = null;
    } else if (pow <= job.blockTarget && valid) {
      throw new SimError('internal: a block-meeting share was not submitted as a block');
    }
    if (foundAt < this.warmupMs || foundAt >= this.endMs || p <= 0) return;
    const pp = Math.min(1, p);
    const all = this.moments.all;
    const span = this.endMs - this.warmupMs;
    const batchIndex = Math.min(MOMENT_BATCHES - 1, Math.floor(((foundAt - this.warmupMs) / span) * MOMENT_BATCHES));
    const batch = this.moments.batches[batchIndex]!;
    all.p += pp;
    batch.p += pp;
    const { payees, sats: amounts } = cb;
    let toMiners = 0;
    for (let j = 0; j < payees.length; j++) {
      const payee = payees[j]!;
      const sats = amounts[j]!;
      const v = pp * sats;
      this.expected.total += v;
      batch.total += v;
      const mi = this.minerOf.get(payee);
      if (mi !== undefined) {
        this.expected.perMiner[mi]! += v;
        toMiners += v;
        if (sats > 0) {
          const v2 = v * sats;
          all.sq[mi]! += v2;
          all.paid[mi]! += pp;
          batch.sum[mi]! += v;
          batch.sq[mi]! += v2;
          batch.paid[mi]! += pp;
        }
      } else if (payee === this.rules.donationPayee) this.expected.donation += v;
      else if (this.nodeFeePayees.has(payee)) this.expected.nodeFees += v;
      else this.expected.other += v;
    }
    all.total = this.expected.total;
    this.workLog.addCandidate(foundAt, toMiners, batchIndex);
    this.mc.consider(foundAt, pp, () => this.compact(cb));
  }

  private compact(cb: SimCoinbase): CompactCoinbase {
    const miners: number[] = [];
    const amounts: number[] = [];
    for (let j = 0; j < cb.payees.length; j++) {
      const mi = this.minerOf.get(cb.payees[j]!);
      const sats = cb.sats[j]!;
      if (mi !== undefined && sats > 0) {
        miners.push(mi);
        amounts.push(sats);
      }
    }
    return { miners: Int32Array.from(miners), amounts: Float64Array.from(amounts) };
  }

  // ---- the loop -----------------------------------------------------------------------------

  private handle(e: Event): void {
    switch (e.k) {
      case 'cand': {
        const m = e.m;
        if (e.epoch !== m.epoch) return;
        const c = m.queue[m.head++]!;
        // Drop processed candidates (a job holds its generation's whole gentx base).
        if (m.head >= 8) {
          m.queue = m.queue.slice(m.head);
          m.head = 0;
        }
        this.pushHead(m);
        const node = this.nodes[m.spec.node]!;
        if (!c.decided) this.decide(node, m, c);
        if (c.job !== null) this.queue.push(this.now + m.spec.nodeDelayMs, { k: 'submit', m, c, foundAt: this.now });
        return;
      }
      case 'submit': {
        const node = this.nodes[e.m.spec.node]!;
        this.preCheck(node);
        this.submitted = null;
        // A block at this share counts only if its template still builds on the parent tip as
        // the solution reaches the node (else Bitcoin orphans it).
        const valid = e.c.gen!.parentIndex === this.parent.blocks.length - 1;
        const job = e.c.job!;
        const out = node.chain.submit(job, e.m.handle, this.sc.options.realHashing ? { kind: 'grind' } : { kind: 'drawn', value: e.c.v });
        e.c.job = null;
        e.c.gen = null;
        if (out.share !== null) this.record(e.m, out.share, job, e.foundAt, out.dead, out.pow, this.rules.coinbase(out.share), valid);
        else if (this.submitted !== null) throw new SimError('internal: a block without a share');
        if (out.bestChanged) this.onBestChanged(node);
        else this.afterNoNewBest(node);
        return;
      }
      case 'deliver': {
        const node = this.nodes[e.to]!;
        node.bytesReceived += e.bytes;
        node.messagesReceived++;
        this.preCheck(node);
        if (node.chain.receive(e.shares, e.from)) this.onBestChanged(node);
        else this.afterNoNewBest(node);
        return;
      }
      case 'ext': {
        this.parent.externalBlock(this.startMs + this.now);
        this.announceParentBlock(this.parent.blocks.length - 1);
        this.scheduleExternalBlock();
        return;
      }
      case 'template': {
        const node = this.nodes[e.node]!;
        this.preCheck(node);
        if (this.parent.advance(e.node, e.index)) this.newGeneration(node);
        return;
      }
    }
  }

  /** The network's final chain: the best share most nodes hold (then the higher, then the first found). */
  private finalTip(): { tip: string | null; votes: number } {
    const votes = new Map<number, number>();
    for (const n of this.nodes) {
      const i = n.chain.best === null ? undefined : this.ledger.indexOf(n.chain.best);
      if (i !== undefined) votes.set(i, (votes.get(i) ?? 0) + 1);
    }
    let best = -1;
    let bestVotes = 0;
    for (const [i, v] of votes) {
      const h = this.ledger.height;
      if (best < 0 || v > bestVotes || (v === bestVotes && (h[i]! > h[best]! || (h[i] === h[best] && i < best)))) {
        best = i;
        bestVotes = v;
      }
    }
    return { tip: best < 0 ? null : this.ledger.ids[best]!, votes: bestVotes };
  }

  run(): RunData {
    const t0 = Date.now();
    this.setup();
    const stop = this.mineUntilMs + DRAIN_MS;
    const progressEvery = 1 << 15;
    for (;;) {
      const next = this.queue.peekTime();
      if (next > stop) break;
      const { time, event } = this.queue.pop()!;
      this.now = time;
      this.handle(event);
      if (++this.events % progressEvery === 0) this.opts.progress?.(Math.min(1, time / this.endMs));
    }
    const { tip, votes: tipVotes } = this.finalTip();
    this.ledger.classify(tip);
    let emitted: string[] | null = null;
    if (this.emitted) {
      // The final chain and everything it builds on or pays by reference (uncles, sub-shares,
      // and their parents), each after what it needs: in the order the shares were found.
      const keep = new Set<number>();
      const stack = [this.ledger.indexOf(tip ?? '') ?? -1];
      while (stack.length > 0) {
        const i = stack.pop()!;
        if (i < 0 || keep.has(i)) continue;
        keep.add(i);
        stack.push(this.ledger.parent[i]!);
        for (const r of this.ledger.references(i)) stack.push(this.ledger.indexOf(r.id) ?? -1);
      }
      emitted = [...keep].sort((a, b) => a - b).map((i) => this.emitted!.get(this.ledger.ids[i]!)!);
    }
    return {
      scenario: this.sc,
      seed: this.opts.seed,
      rules: this.rules,
      miners: this.minerSpecs,
      addresses: this.addresses,
      nodeAddresses: this.nodeAddresses,
      nodes: this.nodes.map((n) => ({
        bytesSent: n.bytesSent,
        bytesReceived: n.bytesReceived,
        messagesSent: n.messagesSent,
        messagesReceived: n.messagesReceived,
        cpu: n.chain.cpu(),
        neighbours: this.links.of[n.index]!.length,
        meanLatencyMs: this.links.of[n.index]!.reduce((a, l) => a + l.latencyMs, 0) / Math.max(1, this.links.of[n.index]!.length),
      })),
      ledger: this.ledger,
      firstFound: this.firstFound,
      expected: this.expected,
      moments: { all: { ...this.moments.all, sum: this.expected.perMiner }, batches: this.moments.batches },
      realizedPerMiner: this.realized,
      ideal: idealPayouts(this.workLog.found, this.workLog.candidates, this.rules.payoutWindowSeconds * 1000, this.minerSpecs.length, MOMENT_BATCHES),
      poolBlocks: this.poolBlocks,
      staleBlocks: this.staleBlocks,
      parentBlocks: this.parent.blocks.length - 1,
      mc: this.mc,
      meanLatencyMs: this.links.meanLatencyMs(),
      blockTarget: bitsToTarget(this.parent.bits),
      finalTip: tip,
      tipAgreement: tipVotes,
      events: this.events,
      wallSeconds: (Date.now() - t0) / 1000,
      emitted,
    };
  }
}

/** Largest node-to-miner + restart lag in a scenario, seconds (docs and checks). */
export function maxMinerLag(sc: Scenario): number {
  return Math.max(...sc.miners.map((g) => maxOf(g.nodeDelay) + maxOf(g.restartDelay)));
}
