/**
 * report.json (docs/simulate.md#reportjson, schema "p2pool-simulate/1"): everything a run
 * measured, per pool, hash-rate class, node and miner. Every figure outside `wallClock` is a
 * deterministic function of the scenario and the seed (numbers are rounded to 6 significant
 * digits, so the file is byte-identical between runs); `wallClock` holds what the machine
 * measured (run time, memory, CPU per node).
 */
import { targetToDifficulty } from '../bitcoin/target.js';
import type { ShareFate } from './ledger.js';
import { MOMENT_BATCHES, type BlockMoments, type RunData } from './simulator.js';
import { formatHashrate } from './units.js';
import { batchRatio } from './work-efficiency.js';

export const REPORT_SCHEMA = 'p2pool-simulate/1';

/** Round to 6 significant digits (and -0 to 0), so reports compare byte for byte. */
export function r6(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (x === 0) return 0;
  return Number(x.toPrecision(6));
}

function ratio(a: number, b: number): number | null {
  return b > 0 ? r6(a / b) : null;
}

interface ShareCounts {
  found: number;
  chain: number;
  orphan: number;
  dead: number;
  uncle: number;
  subShare: number;
}

const emptyCounts = (): ShareCounts => ({ found: 0, chain: 0, orphan: 0, dead: 0, uncle: 0, subShare: 0 });

function count(c: ShareCounts, fate: ShareFate): void {
  c.found++;
  if (fate === 'chain') c.chain++;
  else if (fate === 'orphan') c.orphan++;
  else if (fate === 'dead') c.dead++;
  else if (fate === 'uncle') c.uncle++;
  else c.subShare++;
}

function rates(c: ShareCounts): { orphan: number | null; dead: number | null; stale: number | null } {
  return { orphan: ratio(c.orphan, c.found), dead: ratio(c.dead, c.found), stale: ratio(c.orphan + c.dead, c.found) };
}

/** Work found and work unpaid (orphaned or dead: paid by no share of the final chain), in hashes. */
interface WorkCounts {
  found: number;
  unpaid: number;
}

const emptyWork = (): WorkCounts => ({ found: 0, unpaid: 0 });

function addWork(c: WorkCounts, fate: ShareFate, work: number): void {
  c.found += work;
  if (fate === 'orphan' || fate === 'dead') c.unpaid += work;
}

/**
 * One miner's payout per pool block (docs/simulate.md#payout-per-block): over "which share is
 * the block" (every share after the warm-up, weighted by its chance p to be a block), the mean
 * m1 and second moment m2 of what that block pays the miner, and the chance it pays nothing.
 */
function blockStats(m: BlockMoments, i: number): { m1: number; m2: number; zero: number } | null {
  if (m.p <= 0 || m.sum[i]! <= 0) return null;
  return { m1: m.sum[i]! / m.p, m2: m.sq[i]! / m.p, zero: 1 - m.paid[i]! / m.p };
}

function blockCv(b: { m1: number; m2: number }): number {
  return Math.sqrt(Math.max(0, b.m2 - b.m1 * b.m1)) / b.m1;
}

/** Mean and standard error of the mean of the finite values (null without two). */
function meanAndError(xs: readonly number[]): { mean: number; stdError: number | null } | null {
  const v = xs.filter((x) => Number.isFinite(x));
  if (v.length === 0) return null;
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  if (v.length < 2) return { mean, stdError: null };
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
  return { mean, stdError: Math.sqrt(variance / v.length) };
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export interface WallClock {
  runSeconds: number;
  peakRssBytes: number;
  /** CPU seconds (user + system, every thread of the process: the collector's too) of the run. */
  cpuSeconds?: number;
}

export type Report = ReturnType<typeof buildReport>;

export function buildReport(run: RunData, wall: WallClock) {
  const sc = run.scenario;
  const L = run.ledger;
  const M = run.miners.length;
  const poolHashrate = run.miners.reduce((a, m) => a + m.hashrate, 0);
  const warmupMs = sc.warmup * 1000;
  const seconds = sc.duration - sc.warmup;

  const minerCounts = Array.from({ length: M }, emptyCounts);
  const nodeCounts = sc.nodes.map(emptyCounts);
  const pool = emptyCounts();
  const minerWork = Array.from({ length: M }, emptyWork);
  const nodeWork = sc.nodes.map(emptyWork);
  const poolWork = emptyWork();
  const outputsByClass = new Map<string, number[]>();
  const outputs: number[] = [];
  let expectedBlocks = 0;
  let workSum = 0;
  const interval = sc.report.seriesInterval * 1000;
  const buckets = Math.max(1, Math.ceil((sc.duration * 1000) / interval));
  const series = {
    found: new Array<number>(buckets).fill(0),
    chain: new Array<number>(buckets).fill(0),
    orphan: new Array<number>(buckets).fill(0),
    dead: new Array<number>(buckets).fill(0),
    work: new Array<number>(buckets).fill(0),
    outputs: new Array<number>(buckets).fill(0),
    expectedBlocks: new Array<number>(buckets).fill(0),
  };
  const endMs = sc.duration * 1000;
  for (let i = run.firstFound; i < L.size; i++) {
    const t = L.foundAt[i]!;
    if (t >= endMs) continue; // mined after the end, only so earlier shares could be referenced
    const fate = L.fates[i]!;
    const b = Math.min(buckets - 1, Math.floor(t / interval));
    series.found[b]!++;
    if (fate === 'chain') series.chain[b]!++;
    else if (fate === 'orphan') series.orphan[b]!++;
    else if (fate === 'dead') series.dead[b]!++;
    series.work[b]! += L.work[i]!;
    series.outputs[b]! += L.outputs[i]!;
    series.expectedBlocks[b]! += L.pBlock[i]!;
    if (t < warmupMs) continue;
    count(pool, fate);
    count(minerCounts[L.miner[i]!]!, fate);
    count(nodeCounts[L.node[i]!]!, fate);
    addWork(poolWork, fate, L.work[i]!);
    addWork(minerWork[L.miner[i]!]!, fate, L.work[i]!);
    addWork(nodeWork[L.node[i]!]!, fate, L.work[i]!);
    outputs.push(L.outputs[i]!);
    const requested = run.miners[L.miner[i]!]!.maxOutputs;
    const classKey = requested === null ? 'default' : `~${requested}`;
    let byClass = outputsByClass.get(classKey);
    if (byClass === undefined) outputsByClass.set(classKey, (byClass = []));
    byClass.push(L.outputs[i]!);
    expectedBlocks += L.pBlock[i]!;
    workSum += L.work[i]!;
  }
  outputs.sort((a, b) => a - b);
  const blockOutputs = run.poolBlocks.map((b) => b.outputs).sort((a, b) => a - b);

  const stats = run.mc.minerStats(M);
  // Payout per block, and the period figures it implies (docs/simulate.md#payout-per-block).
  const periodSeconds = sc.report.period;
  const mu = seconds > 0 ? (run.moments.all.p * periodSeconds) / seconds : 0;
  const perBlock = Array.from({ length: M }, (_, i) => blockStats(run.moments.all, i));
  const derived = (b: { m1: number; m2: number; zero: number }): { cv: number; zero: number } => ({
    cv: mu > 0 ? Math.sqrt(b.m2 / (mu * b.m1 * b.m1)) : Infinity,
    zero: Math.exp(-mu * (1 - b.zero)),
  });
  const minerBlockFigures = (i: number) => {
    const b = perBlock[i];
    if (!b) {
      // Never paid by any share of the run: every block paid it nothing.
      return run.moments.all.p > 0 ? { perBlock: { meanSats: 0, cv: null, zeroFraction: 1 }, derivedPeriod: { cv: null, zeroPayoutFraction: 1 } } : { perBlock: null, derivedPeriod: null };
    }
    const d = derived(b);
    return {
      perBlock: { meanSats: r6(b.m1), cv: r6(blockCv(b)), zeroFraction: r6(b.zero) },
      derivedPeriod: { cv: r6(d.cv), zeroPayoutFraction: r6(d.zero) },
    };
  };
  /**
   * A class's figures, for "a miner of this size": its miners are replicates, each payout
   * scaled by the miner's hash-rate share, and the moments pooled (a miner never paid counts
   * with 0, so bad luck is not left out): m1 = mean of x/f, m2 = mean of (x/f)^2, the
   * zero fraction the mean of the miners'. Standard errors from the time batches.
   */
  const pooledMoments = (members: readonly number[], m: BlockMoments): { m1: number; m2: number; zero: number } | null => {
    if (m.p <= 0 || members.length === 0) return null;
    let m1 = 0;
    let m2 = 0;
    let zero = 0;
    for (const i of members) {
      const f = run.miners[i]!.hashrate / poolHashrate;
      m1 += m.sum[i]! / m.p / f;
      m2 += m.sq[i]! / m.p / (f * f);
      zero += 1 - m.paid[i]! / m.p;
    }
    const n = members.length;
    return m1 > 0 ? { m1: m1 / n, m2: m2 / n, zero: zero / n } : null;
  };
  const groupBlockFigures = (members: readonly number[]) => {
    const all = pooledMoments(members, run.moments.all);
    const batches = run.moments.batches.map((b) => pooledMoments(members, b)).filter((b): b is NonNullable<typeof b> => b !== null);
    const one = (stat: (b: { m1: number; m2: number; zero: number }) => number) => {
      if (all === null) return { value: null, stdError: null };
      const e = meanAndError(batches.map(stat));
      return { value: r6(stat(all)), stdError: e === null || e.stdError === null ? null : r6(e.stdError) };
    };
    // The zero fraction over a period is the mean of the miners' e^(-mu (1 - zero_i)).
    const derivedZero = (m: BlockMoments): number | null => {
      if (m.p <= 0 || members.length === 0) return null;
      let z = 0;
      for (const i of members) z += Math.exp(-mu * (m.paid[i]! / m.p));
      return z / members.length;
    };
    const cv = one(blockCv);
    const zero = one((b) => b.zero);
    const dcv = one((b) => derived(b).cv);
    const dz = derivedZero(run.moments.all);
    const dzErr = meanAndError(run.moments.batches.map(derivedZero).filter((x): x is number => x !== null));
    return {
      perBlock: { cv: cv.value, cvStdError: cv.stdError, zeroFraction: zero.value, zeroFractionStdError: zero.stdError },
      derivedPeriod: { cv: dcv.value, cvStdError: dcv.stdError, zeroPayoutFraction: dz === null ? null : r6(dz), zeroPayoutFractionStdError: dzErr === null || dzErr.stdError === null ? null : r6(dzErr.stdError) },
    };
  };

  const exp = run.expected;
  const ideal = run.ideal;
  /**
   * Efficiency against the work found (docs/simulate.md#efficiency-against-the-work-found) of a
   * set of miners: Σ expected / Σ ideal, its standard error from the time batches' spread.
   */
  const workEfficiencyOf = (members: readonly number[]): { workEfficiency: number | null; workEfficiencyStdError: number | null } => {
    const num = run.moments.batches.map((b) => members.reduce((a, i) => a + b.sum[i]!, 0));
    const den = ideal.batches.map((b) => members.reduce((a, i) => a + b[i]!, 0));
    const r = batchRatio(num, den);
    return { workEfficiency: r.value === null ? null : r6(r.value), workEfficiencyStdError: r.stdError === null ? null : r6(r.stdError) };
  };
  const payoutShare = (m: number): number => (exp.total > 0 ? exp.perMiner[m]! / exp.total : 0);
  const efficiency = (payout: number, hashrate: number): number | null => (exp.total > 0 && hashrate > 0 ? r6(payout / exp.total / (hashrate / poolHashrate)) : null);

  const miners = run.miners.map((m, i) => ({
    index: i,
    address: run.addresses[i],
    group: m.group,
    node: m.node,
    hashrate: r6(m.hashrate),
    hashrateShare: r6(m.hashrate / poolHashrate),
    nodeDelayMs: r6(m.nodeDelayMs),
    restartDelayMs: r6(m.restartDelayMs),
    shareDifficulty: m.shareDifficulty,
    maxOutputs: m.maxOutputs,
    shares: minerCounts[i]!,
    staleRate: rates(minerCounts[i]!).stale,
    unpaidWork: ratio(minerWork[i]!.unpaid, minerWork[i]!.found),
    workFound: r6(minerWork[i]!.found),
    secondsBetweenShares: minerCounts[i]!.found > 0 ? r6(seconds / minerCounts[i]!.found) : null,
    expectedPayoutSats: r6(exp.perMiner[i]!),
    payoutShare: r6(payoutShare(i)),
    efficiency: efficiency(exp.perMiner[i]!, m.hashrate),
    idealPayoutSats: r6(ideal.perMiner[i]!),
    workEfficiency: ratio(exp.perMiner[i]!, ideal.perMiner[i]!),
    // Per time batch (pool.perBlock.batches): its expected and ideal payouts, for any group's ratio and error.
    byBatch: { expectedSats: run.moments.batches.map((b) => r6(b.sum[i]!)), idealSats: ideal.batches.map((b) => r6(b[i]!)) },
    realizedPayoutSats: run.realizedPerMiner[i]!,
    period: { meanPayoutSats: r6(stats[i]!.mean), payoutCv: stats[i]!.cv === null ? null : r6(stats[i]!.cv!), zeroPayoutFraction: r6(stats[i]!.zeroFraction) },
    ...minerBlockFigures(i),
  }));

  const hashrates = run.miners.map((m) => m.hashrate);
  const classes = sc.report.classes.map((c) => {
    const members = run.miners.filter((m) => m.hashrate >= c.min && m.hashrate < c.max).map((m) => m.index);
    const counts = emptyCounts();
    const work = emptyWork();
    let h = 0;
    let payout = 0;
    for (const i of members) {
      work.found += minerWork[i]!.found;
      work.unpaid += minerWork[i]!.unpaid;
      const mc = minerCounts[i]!;
      counts.found += mc.found;
      counts.chain += mc.chain;
      counts.orphan += mc.orphan;
      counts.dead += mc.dead;
      counts.uncle += mc.uncle;
      counts.subShare += mc.subShare;
      h += run.miners[i]!.hashrate;
      payout += exp.perMiner[i]!;
    }
    const eff = efficiency(payout, h);
    const pooled = run.mc.pooledStats(members, hashrates);
    return {
      label: c.label,
      minHashrate: c.min,
      maxHashrate: c.max,
      miners: members.length,
      hashrate: r6(h),
      hashrateShare: r6(h / poolHashrate),
      shares: counts,
      ...rates(counts),
      unpaidWork: ratio(work.unpaid, work.found),
      // Mean seconds between one miner's shares (the class's miners pooled).
      secondsBetweenShares: counts.found > 0 ? r6((seconds * members.length) / counts.found) : null,
      efficiency: eff,
      // Share-count noise only (a Poisson count of the class's shares): see docs/simulate.md.
      efficiencyStdError: eff !== null && counts.found > 0 ? r6(eff / Math.sqrt(counts.found)) : null,
      ...workEfficiencyOf(members),
      period: { payoutCv: pooled.cv === null ? null : r6(pooled.cv), zeroPayoutFraction: r6(pooled.zeroFraction), samples: pooled.samples },
      ...groupBlockFigures(members),
    };
  });

  const nodeHashrate = sc.nodes.map(() => 0);
  const nodePayout = sc.nodes.map(() => 0);
  const nodeMiners = sc.nodes.map(() => 0);
  const nodeMembers = sc.nodes.map((): number[] => []);
  run.miners.forEach((m, i) => {
    nodeHashrate[m.node]! += m.hashrate;
    nodePayout[m.node]! += exp.perMiner[i]!;
    nodeMiners[m.node]!++;
    nodeMembers[m.node]!.push(i);
  });
  const nodes = sc.nodes.map((n, i) => {
    const d = run.nodes[i]!;
    return {
      index: i,
      name: n.name,
      address: run.nodeAddresses[i],
      feePercent: n.feePercent,
      miners: nodeMiners[i],
      hashrate: r6(nodeHashrate[i]!),
      hashrateShare: r6(nodeHashrate[i]! / poolHashrate),
      neighbours: d.neighbours,
      meanLatencyMs: r6(d.meanLatencyMs),
      shares: nodeCounts[i]!,
      ...rates(nodeCounts[i]!),
      unpaidWork: ratio(nodeWork[i]!.unpaid, nodeWork[i]!.found),
      efficiency: efficiency(nodePayout[i]!, nodeHashrate[i]!),
      ...workEfficiencyOf(nodeMembers[i]!),
      p2p: {
        bytesSent: d.bytesSent,
        bytesReceived: d.bytesReceived,
        messagesSent: d.messagesSent,
        messagesReceived: d.messagesReceived,
        sentBytesPerSecond: r6(d.bytesSent / sc.duration),
        receivedBytesPerSecond: r6(d.bytesReceived / sc.duration),
      },
    };
  });

  const blocksPerRep = run.mc.blocksPerReplicate();
  const mcMean = blocksPerRep.length ? blocksPerRep.reduce((a, b) => a + b, 0) / blocksPerRep.length : 0;
  const tipIndex = run.finalTip === null ? undefined : L.indexOf(run.finalTip);
  const blockTarget = run.blockTarget;

  const report = {
    schema: REPORT_SCHEMA,
    scenario: {
      name: sc.name,
      description: sc.description,
      seed: run.seed,
      rules: { name: run.rules.name, ...run.rules.constants } as Record<string, number | string | boolean>,
      start: sc.start,
      durationSeconds: sc.duration,
      warmupSeconds: sc.warmup,
      parentChain: {
        difficulty: r6(targetToDifficulty(blockTarget)),
        blockTarget: `0x${blockTarget.toString(16)}`,
        blockRewardSats: sc.parentChain.blockReward,
        blockIntervalSeconds: sc.parentChain.blockInterval,
      },
      nodes: sc.nodes.length,
      miners: M,
      poolHashrate: r6(poolHashrate),
      poolHashrateText: formatHashrate(poolHashrate),
      links: { topology: sc.links.topology.kind, meanLatencyMs: r6(run.meanLatencyMs) },
      report: { periodSeconds: sc.report.period, replicates: sc.report.replicates, seriesIntervalSeconds: sc.report.seriesInterval },
    },
    pool: {
      shares: pool,
      ...rates(pool),
      unpaidWork: ratio(poolWork.unpaid, poolWork.found),
      startChainShares: run.firstFound,
      meanSharePeriodSeconds: pool.found > 0 ? r6(seconds / pool.found) : null,
      meanShareDifficulty: pool.found > 0 ? r6(workSum / pool.found / 2 ** 32) : null,
      finalChain: { height: tipIndex === undefined ? 0 : L.height[tipIndex], nodesAgreeing: run.tipAgreement },
      expectedBlocks: r6(expectedBlocks),
      expectedSharesPerBlock: expectedBlocks > 0 ? r6(pool.found / expectedBlocks) : null,
      blocks: {
        found: run.poolBlocks.length,
        refusedAsStale: run.staleBlocks,
        parentChainBlocks: run.parentBlocks,
        coinbaseOutputs: { max: blockOutputs.length ? blockOutputs[blockOutputs.length - 1] : null, p50: percentile(blockOutputs, 0.5) },
      },
      coinbaseOutputs: { max: outputs.length ? outputs[outputs.length - 1] : null, p50: percentile(outputs, 0.5), mean: outputs.length ? r6(outputs.reduce((a, b) => a + b, 0) / outputs.length) : null },
      // By the finder's requested class (`~N`, or "default"): the outputs of its shares' coinbases.
      coinbaseOutputsByClass: Object.fromEntries([...outputsByClass].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, xs]) => {
        xs.sort((a, b) => a - b);
        return [k, { shares: xs.length, max: xs[xs.length - 1]!, p50: percentile(xs, 0.5) }];
      })),
      perBlock: {
        expectedBlocks: r6(run.moments.all.p),
        periodSeconds,
        expectedBlocksPerPeriod: r6(mu),
        // No rule set that pays from the pool's blocks goes below these (pool luck).
        luckFloor: { cv: mu > 0 ? r6(Math.sqrt(1 / mu)) : null, zeroPayoutFraction: r6(Math.exp(-mu)) },
        batches: MOMENT_BATCHES,
      },
      expectedPayout: {
        totalSats: r6(exp.total),
        minersShare: exp.total > 0 ? r6((exp.total - exp.donation - exp.nodeFees - exp.other) / exp.total) : null,
        donationShare: exp.total > 0 ? r6(exp.donation / exp.total) : null,
        nodeFeeShare: exp.total > 0 ? r6(exp.nodeFees / exp.total) : null,
      },
      // The check of the ideal payouts (docs/simulate.md#efficiency-against-the-work-found): the
      // ideal pool hands out exactly what the coinbases pay the miners, so the ratio is 1.
      idealPayout: {
        windowSeconds: r6(ideal.windowMs / 1000),
        totalSats: r6(ideal.perMiner.reduce((a, x) => a + x, 0)),
        minersExpectedSats: r6(exp.perMiner.reduce((a, x) => a + x, 0)),
        workEfficiency: ratio(exp.perMiner.reduce((a, x) => a + x, 0), ideal.perMiner.reduce((a, x) => a + x, 0)),
        unmatchedSats: r6(ideal.unmatched),
      },
      period: {
        seconds: r6(run.mc.placements.length ? (run.mc.placements[0]!.end - run.mc.placements[0]!.start) / 1000 : 0),
        placements: run.mc.placements.length,
        replicatesPerPlacement: run.mc.perPlacement,
        meanBlocks: r6(mcMean),
        zeroBlockFraction: blocksPerRep.length ? r6(blocksPerRep.filter((b) => b === 0).length / blocksPerRep.length) : null,
      },
      p2p: {
        meanSentBytesPerSecondPerNode: r6(run.nodes.reduce((a, n) => a + n.bytesSent, 0) / run.nodes.length / sc.duration),
      },
    },
    classes,
    nodes,
    miners,
    blocks: run.poolBlocks.map((b) => ({
      time: Math.floor(b.block.time / 1000),
      height: b.block.height,
      hash: b.block.hash,
      share: L.ids[b.share],
      node: b.node,
      miner: b.miner,
      coinbaseOutputs: b.outputs,
      payouts: b.payouts.map(([payee, sats]) => {
        const mi = run.addresses.indexOf(payee);
        return mi >= 0 ? { miner: mi, sats } : { payee: payee === run.rules.donationPayee ? 'donation' : payee, sats };
      }),
    })),
    series: {
      intervalSeconds: sc.report.seriesInterval,
      found: series.found,
      chain: series.chain,
      orphan: series.orphan,
      dead: series.dead,
      meanShareDifficulty: series.work.map((w, i) => (series.found[i]! > 0 ? r6(w / series.found[i]! / 2 ** 32) : null)),
      meanCoinbaseOutputs: series.outputs.map((o, i) => (series.found[i]! > 0 ? r6(o / series.found[i]!) : null)),
      expectedBlocks: series.expectedBlocks.map(r6),
    },
    wallClock: {
      runSeconds: r6(wall.runSeconds),
      cpuSeconds: wall.cpuSeconds === undefined ? null : r6(wall.cpuSeconds),
      peakRssBytes: wall.peakRssBytes,
      events: run.events,
      verification: {
        sharesVerifiedInFull: run.nodes.reduce((a, n) => a + n.cpu.verified, 0),
        cacheHits: run.nodes.reduce((a, n) => a + n.cpu.verifyCacheHits, 0),
        totalMs: r6(run.nodes.reduce((a, n) => a + n.cpu.verifyMs, 0)),
        meanMsPerShare: r6(run.nodes.reduce((a, n) => a + n.cpu.verifyMs, 0) / Math.max(1, run.nodes.reduce((a, n) => a + n.cpu.verified, 0))),
      },
      nodes: run.nodes.map((n, i) => ({
        index: i,
        verifyMs: r6(n.cpu.verifyMs),
        verified: n.cpu.verified,
        verifyCacheHits: n.cpu.verifyCacheHits,
        handleMs: r6(n.cpu.handleMs),
        workMs: r6(n.cpu.workMs),
        verifyCpuPerSecond: r6(n.cpu.verifyMs / 1000 / sc.duration),
      })),
    },
  };
  return report;
}
