/**
 * The 5,000-miner soak (`npm run bench -- soak`; issue 17, figures in docs/operations.md
 * "Limits"): the production Stratum server and PoolWork behind the worker port on 127.0.0.1,
 * for SOAK_MINUTES (default 20: a 10-minute warm-up, SOAK_WARMUP_MINUTES, then 10 minutes
 * measured):
 *
 * - 5,000 Stratum connections, each mining to its own payout address (bench/soak-load.ts, a
 *   child process); 200 of them log in and then never read their socket;
 * - submits at 2,000/s spread over the others, each a real pseudoshare fully checked;
 * - a new block template every 30 s and a new best share every 10 s (mined on the chain with
 *   the production generation code), each a clean notify to every connection;
 * - measured: RSS at start (all connected), after warm-up, in the middle of the measured part and
 *   at the end (budget: under 10% growth after warm-up, under 400 MB), event-loop delay p99,
 *   notify fan-out p99
 *   (broadcast start to the last notify the miners read), submit p99, and whether the
 *   non-readers were cut off at the write-buffer limit.
 *
 * The sharechain has a full PPLNS window paid to 100 distinct addresses (as bench/mining.ts), so
 * each notify carries a ~100-output coinbase (~8 KB of JSON), each miner's its own. The 200
 * non-readers ask for a new difficulty twice a second (each answer is a new job), so their
 * unread bytes reach the node's write-buffer limit within the run.
 */
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { WorkerPort } from '../src/node/worker-port.js';
import { ChainState } from '../src/sharechain/chain-state.js';
import { getP2PoolNetwork, type P2PoolNetwork } from '../src/sharechain/networks.js';
import { ShareTracker } from '../src/sharechain/tracker.js';
import type { Share } from '../src/sharechain/types.js';
import { StratumServer } from '../src/stratum/server.js';
import { PoolWork } from '../src/work/pool-work.js';
import type { BlockTemplate } from '../src/chain/block-template.js';
import type { ArrayChain } from '../test/support/array-chain.js';
import { emptyTemplate, mineShare } from '../test/support/chain-builder.js';
import { buildTemplate, payoutAddress } from './mining.js';
import { SoakLoad } from './soak-load.js';

const MINERS = 5000;
const NON_READERS = 200;
const SUBMITS_PER_SECOND = 2000;
const TEMPLATE_EVERY_MS = 30_000;
const SHARE_EVERY_MS = 10_000;
const CHAIN_SHARES = 400;
const CHAIN_PAYEES = 100;
const BUDGET = { rssMb: 400, growthAfterWarmup: 0.1 } as const;

const mb = (b: number): number => Math.round(b / 1048576);
const round = (x: number, d = 2): number => Number(x.toFixed(d));
function pct(values: number[]): { p50: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number): number => round(s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0);
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}
const progress = (m: string): void => {
  if (process.env.BENCH_VERBOSE) process.stderr.write(`soak: ${m}\n`);
};

export async function benchSoak(opts: { minutes?: number } = {}): Promise<Record<string, unknown>> {
  const minutes = opts.minutes ?? Number(process.env.SOAK_MINUTES ?? 20);
  const durationMs = minutes * 60_000;
  // Warm-up: the node's local hash-rate window (work/hashrate.ts: 10 minutes of 10 s buckets per
  // miner, ~300,000 entries for 5,000 miners) fills for its first 10 minutes by design; growth is
  // measured after it (the 10 minutes of 5,000 miners come after it).
  const warmupMs = Math.min(Number(process.env.SOAK_WARMUP_MINUTES ?? 10) * 60_000, durationMs / 2);
  const net: P2PoolNetwork = getP2PoolNetwork('regtest');
  const loadAtStart = round(loadavg()[0]!);

  // The node: template, a verified chain with a full window, PoolWork, Stratum on the worker port.
  let template: BlockTemplate = buildTemplate(3000);
  const templates = { current: template, stale: false };
  const builder = new ShareTracker({ chainLength: net.chainLength }, () => undefined);
  const parentFor = (t: BlockTemplate) => emptyTemplate({ bits: t.bits, prevBlock: t.previousBlockHash });
  const t0s = Math.floor(Date.now() / 1000) - CHAIN_SHARES * net.sharePeriod - 60;
  const chain = new ChainState({ net });
  let parent: string | null = null;
  let index = 0;
  const shares: Share[] = [];
  for (; index < CHAIN_SHARES; index++) {
    const s = mineShare(net, builder as unknown as ArrayChain, parentFor(template), { address: payoutAddress(net, 200_000 + (index % CHAIN_PAYEES)), timestamp: t0s + index * net.sharePeriod }, parent, index);
    shares.push(s);
    parent = s.hash;
  }
  chain.addShares(shares);
  const work = new PoolWork({ net, chain, templates, submitter: { submitBlock: () => Promise.resolve('soak: no block expected') }, nodeAddress: payoutAddress(net, 0) });
  const drops = new Map<string, number>();
  const stratum = new StratumServer(work, {
    log: (m) => {
      const why = /disconnected: (.*)$/.exec(m)?.[1];
      if (why) drops.set(why, (drops.get(why) ?? 0) + 1);
    },
  });
  const broadcastStarts: bigint[] = [];
  const broadcastMs: number[] = [];
  work.on('work', (clean) => {
    broadcastStarts.push(process.hrtime.bigint());
    stratum.broadcastWork(clean);
    broadcastMs.push(stratum.stats.lastBroadcastMs);
  });
  chain.on('best', () => work.workChanged(true));
  const port = new WorkerPort((s, first) => stratum.accept(s, first), []);
  const bound = await port.listen(0, '127.0.0.1');

  const load = new SoakLoad();
  const usernames = Array.from({ length: MINERS }, (_, i) => `${payoutAddress(net, 1 + i)}+1e-12`);
  const rss: Array<{ atS: number; mb: number; heapMb: number; externalMb: number }> = [];
  let timers: NodeJS.Timeout[] = [];
  try {
    progress(`connecting ${MINERS} miners (${NON_READERS} never read)`);
    const connected = await load.ask({ type: 'connect', port: bound, usernames, nonReaders: NON_READERS }, 'connected');
    const authorized = stratum.sessions.filter((s) => s.authorized).length;
    global.gc?.();
    const start = Date.now();
    const rssAt = (): number => process.memoryUsage.rss();
    const rssStart = rssAt();
    const sample = (): { atS: number; mb: number; heapMb: number; externalMb: number } => {
      const m = process.memoryUsage();
      return { atS: Math.round((Date.now() - start) / 1000), mb: mb(m.rss), heapMb: mb(m.heapUsed), externalMb: mb(m.external) };
    };
    rss.push(sample());
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();

    // Pseudoshares only: above the share and block targets.
    const auth = work.authorize(usernames[0]!);
    if (!auth.ok) throw new Error(`soak: ${auth.reason}`);
    const probe = work.makeJob(auth.miner, Buffer.alloc(4));
    if ('unavailable' in probe) throw new Error(probe.unavailable);
    const above = (probe.shareTarget > probe.blockTarget ? probe.shareTarget : probe.blockTarget).toString(16);

    let heightBump = 0;
    timers = [
      setInterval(() => {
        rss.push(sample());
        progress(`${JSON.stringify(rss.at(-1))} sessions ${stratum.sessions.length} last broadcast ${stratum.stats.lastBroadcastMs.toFixed(0)} ms`);
      }, 5_000),
      setInterval(() => {
        // A new best share from one of the soak's miners, on the current template.
        const s = mineShare(net, builder as unknown as ArrayChain, parentFor(template), { address: payoutAddress(net, 1 + (index % MINERS)), timestamp: Math.floor(Date.now() / 1000) }, chain.best, index++);
        chain.addShares([s]);
      }, SHARE_EVERY_MS),
      setInterval(() => {
        // A new block: a new previous-block hash, the same transactions.
        heightBump++;
        const prev = Buffer.from(template.previousBlockHash);
        prev.writeUInt32LE(heightBump, 0);
        template = { ...template, previousBlockHash: prev, height: template.height + 1 };
        templates.current = template;
        work.workChanged(true);
      }, TEMPLATE_EVERY_MS),
    ];
    progress(`running ${minutes} min at ${SUBMITS_PER_SECOND} submits/s`);
    const ran = await load.ask({ type: 'run', rate: SUBMITS_PER_SECOND, durationMs, above }, 'ran');
    for (const t of timers) clearInterval(t);
    delay.disable();
    const rssEnd = rssAt();
    rss.push(sample());
    const fan = await load.ask({ type: 'fanout', starts: broadcastStarts.map(String) }, 'fanout');

    const after = (s: number): number => (rss.find((r) => r.atS >= s) ?? rss.at(-1)!).mb;
    const warm = after(warmupMs / 1000);
    const middle = after((warmupMs + durationMs) / 2000);
    const end = mb(rssEnd);
    const maxMb = Math.max(...rss.map((r) => r.mb));
    const growth = round((end - warm) / warm, 3);
    return {
      minutes,
      warmupMinutes: warmupMs / 60_000,
      rssSamplesMb: rss.filter((_, i) => i % 12 === 0).map((r) => `${Math.round(r.atS / 60)}min:${r.mb}`).join(' '),
      miners: { connections: MINERS, authorized, readers: connected.readers, nonReaders: connected.nonReaders },
      submits: { perSecond: round(ran.answered / ran.elapsedS, 0), sent: ran.sent, answered: ran.answered, accepted: ran.accepted, errors: ran.errors, latencyMs: ran.latencyMs },
      work: { broadcasts: broadcastMs.length, writtenMs: pct(broadcastMs), fanoutMs: pct(fan.lastMs) },
      eventLoopDelayMs: { p50: round(delay.percentile(50) / 1e6), p99: round(delay.percentile(99) / 1e6), max: round(delay.max / 1e6) },
      rssMb: {
        start: mb(rssStart), afterWarmup: warm, middle, end, max: maxMb, growthAfterWarmup: growth,
        heapUsedMbAtEnd: rss.at(-1)!.heapMb, externalMbAtEnd: rss.at(-1)!.externalMb,
        budget: BUDGET, ok: maxMb < BUDGET.rssMb && growth < BUDGET.growthAfterWarmup,
      },
      disconnects: Object.fromEntries(drops),
      nonReadersCutOff: drops.get('not reading its messages') ?? 0,
      node: { heapLimitMb: mb(getHeapStatistics().heap_size_limit), execArgv: process.execArgv },
      machine: { cores: availableParallelism(), loadAverageAtStart: loadAtStart, loadAverageAtEnd: round(loadavg()[0]!) },
    };
  } finally {
    for (const t of timers) clearInterval(t);
    await load.stop();
    stratum.close();
    await port.close();
  }
}
