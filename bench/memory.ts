/**
 * Memory of a node with a full chain and 1,000 miners (issue 18: RSS under 150 MB), measured in
 * a fresh process so nothing else the bench made is counted:
 * 1. the store the sharechain bench wrote (2 x 8,640 shares) is loaded by ChainState.load as
 *    the node does at start: decoded and linked, then fully verified in the background while
 *    the first job is served (docs/operations.md#startup-time; `firstJob.loadavg`: the load
 *    average beside it); the chain's memory is read once that verification has ended;
 * 2. PoolWork works on that chain with the mining bench's 3,000-transaction template, and a
 *    StratumServer behind the WorkerPort serves 1,000 real TCP miners from the load child
 *    (bench/mining-load.ts, a process of its own: its memory is not ours);
 * 3. every miner gets three rounds of new work (no submits: on this chain's raised MAX_TARGET
 *    every hash is a share, and the submit path's memory is the mining bench's); then process.memoryUsage() is read (after a full GC when the child runs with --expose-gc).
 * The child runs with the V8 flags of the `p2pool` executable (nodeExecutableFlags).
 * On the way it times the first job: from the process's start (Node's own start and every
 * import included) to the first mining.notify a TCP miner receives, with the full store loaded
 * before the port opens and its verification running, as the node does (src/node/node.ts). Not counted: the
 * node's RPCs to bitcoind after the load (its checks and the first getblocktemplate), which
 * take what bitcoind takes. The getblocktemplate answer (2 MB of JSON, 3,000 transactions) is
 * made by this process's parent, as bitcoind makes it, and read by the child from a file in
 * place of the RPC's socket; the child parses it as the node parses an answer (JSON.parse, then
 * parseBlockTemplate), and that is timed. (Until 2026-12-07 the child made the answer itself,
 * ~70-150 ms of bitcoind's work inside the first job, and skipped the JSON.)
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ChainState } from '../src/sharechain/chain-state.js';
import { getP2PoolNetwork, type P2PoolNetwork } from '../src/sharechain/networks.js';
import { ShareStore } from '../src/sharechain/store.js';
import { WorkerPort } from '../src/node/worker-port.js';
import { StratumServer } from '../src/stratum/server.js';
import { PoolWork } from '../src/work/pool-work.js';
import { buildGbt, parseGbt, payoutAddress } from './template-fixture.js';
import { LoadChild } from './mining-load.js';
import { nodeExecutableFlags } from './node-flags.js';
// The modules the `p2pool` executable loads before its first job (main.ts -> node-command.ts ->
// node.ts: the v35 node's own graph, issue 18's lazy imports), unused here but loaded, so that
// Node's start and imports and the memory they take are the node's, not a subset of them.
// Imported as namespaces and kept (below): a bare `import '...'` of a module whose top level
// only declares would be dropped by the bundler (scripts/build-node.mjs), and its code not loaded.
import * as nodeCommandModule from '../src/cli/node-command.js';
import * as nodeModule from '../src/node/node.js';

/** The node's modules, kept loaded (see the imports). */
const NODE_MODULES: readonly object[] = [nodeCommandModule, nodeModule];

const MINERS = 1000;
export const RSS_BUDGET_MB = 150;

type Result = Record<string, unknown>;

const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;

function memory(): Result {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers) };
}

/** Run the measurement in a child process on the store at `storePath` (network `net`, the sharechain bench's). */
export function benchMemory(storePath: string): Promise<Result> {
  // The getblocktemplate answer the child's node parses, made here as the full node makes it
  // (its making is not the node's work, and not in the child's first job).
  const gbtPath = `${storePath}.gbt.json`;
  writeFileSync(gbtPath, buildGbt(3000));
  return new Promise<Result>((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', ...nodeExecutableFlags(), ...process.execArgv, childScript(), '--memory-child', storePath, gbtPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`memory bench child exited with ${code}`));
      try {
        resolve(JSON.parse(out) as Result);
      } catch (e) {
        reject(new Error(`memory bench child: ${(e as Error).message}: ${out.slice(0, 200)}`));
      }
    });
  }).finally(() => rmSync(gbtPath, { force: true }));
}

/**
 * The child's script: this module bundled as the `p2pool` executable is (scripts/build-node.mjs:
 * dist/bench/bundle/memory.js, built by `npm run build`), so Node's start and the imports are
 * timed as an operator's node has them; this file itself when run from source (tsx).
 */
function childScript(): string {
  const self = fileURLToPath(import.meta.url);
  const bundled = join(dirname(self), 'bundle', 'memory.js');
  return self.endsWith('.js') && existsSync(bundled) ? bundled : self;
}

/** The sharechain bench's network: bitcoin's constants with MAX_TARGET raised (bench/sharechain.ts). */
export function benchNet(): P2PoolNetwork {
  return { ...getP2PoolNetwork('bitcoin'), maxTarget: (1n << 256n) - 1n };
}

/**
 * One miner over TCP: subscribe, authorize, and the time (ms since this process started, so
 * Node's start and every import count) at which its first mining.notify line arrived.
 */
function firstNotify(port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    sock.setEncoding('latin1');
    sock.on('connect', () => sock.write(`{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.authorize","params":["${address}","x"]}\n`));
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.includes('"mining.notify"')) {
        const at = performance.now();
        sock.destroy();
        resolve(at);
      }
    });
    sock.on('error', reject);
    setTimeout(() => reject(new Error('memory bench: no notify within 10 s')), 10_000).unref();
  });
}

async function child(storePath: string, gbtPath: string): Promise<Result> {
  // Node's own start and every import of the node's modules, before anything is loaded.
  const startedMs = Math.round(performance.now());
  const baseline = memory();
  const net = benchNet();
  const store = ShareStore.open(storePath);
  const chain = new ChainState({ net, store });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  // As the node loads (src/node/node.ts through V35Sharechain.load): the shares decoded and
  // linked, the best chosen, their full checks in the background (docs/operations.md#startup-time).
  const loaded = chain.load({ background: true });
  const linkMs = Math.round(performance.now() - t0);
  let verifiedAt = 0;
  let verifiedCpu = { user: 0, system: 0 };
  let verifiedFaults = 0;
  const verified = chain.storedVerification.then((v) => {
    verifiedAt = performance.now();
    verifiedCpu = process.cpuUsage(c0);
    verifiedFaults = process.resourceUsage().minorPageFault - faults0;
    return v;
  });

  // The first template as the node gets it: bitcoind's getblocktemplate answer (read from the
  // file the parent wrote, in place of the RPC's socket), parsed and checked.
  const templates = { current: parseGbt(readFileSync(gbtPath, 'utf8')), stale: false };
  const work = new PoolWork({ net, chain, templates, submitter: { submitBlock: () => Promise.resolve('bench: no block expected') }, nodeAddress: payoutAddress(net, 0) });
  const stratum = new StratumServer(work);
  work.on('work', (clean) => stratum.broadcastWork(clean));
  const port = new WorkerPort((s, first) => stratum.accept(s, first), []);
  const bound = await port.listen(0, '127.0.0.1');
  // As the node does once it serves (src/node/node.ts): the stored shares' checks start now.
  chain.startStoredVerificationNow();
  const firstNotifyMs = await firstNotify(bound, payoutAddress(net, 1_000_001));
  const stored = await verified;
  // As the node does once the stored shares are checked (src/node/node.ts): the WAL's checkpoint
  // thread starts, so that the memory figures below hold it as a running node's do.
  store.startCheckpoints();
  // afterChain: once the verification has ended; the first job's template and work are in it
  // (before the background load it was read right after the load, without them).
  if (stored.failed !== 0 || stored.checked === 0) throw new Error(`memory bench: the stored shares' verification checked ${stored.checked}, ${stored.failed} failed`);
  const afterChain = memory();
  // storeLoadMs: from the load's start to the end of the stored shares' full verification (the
  // figure against the hashing floor); storeLinkMs: its part before the first job can be built
  // (decoded, linked, best chosen); storeLoadCpuMs: user + system CPU to the verification's end
  // (every thread of the process: the GC's helpers too; the first job's work is in it).
  const firstJob = {
    msSinceProcessStart: Math.round(firstNotifyMs), processAndImportsMs: startedMs, storeLinkMs: linkMs,
    storeLoadMs: Math.round(verifiedAt - t0), storeVerifiedMsSinceProcessStart: Math.round(verifiedAt), storedSharesChecked: stored.checked,
    storeLoadCpuMs: Math.round((verifiedCpu.user + verifiedCpu.system) / 1000),
    // Pages the kernel gave the process during that time (first touches of fresh memory: the
    // chain the load keeps, and what the collector and SQLite touch on the way): each costs a
    // page fault, whose price this machine's floor shows (sharechain.ts pageFaultFloor).
    storeLoadPageFaults: verifiedFaults,
    loadavg: +loadavg()[0]!.toFixed(2),
    nodeFlags: nodeExecutableFlags().join(' '), bundled: fileURLToPath(import.meta.url).includes('/bundle/'), nodeModuleExports: NODE_MODULES.reduce((n, m) => n + Object.keys(m).length, 0), budgetMs: 1000, ok: firstNotifyMs < 1000,
  };
  const load = new LoadChild();
  let afterMiners: Result;
  try {
    await load.ask({ type: 'connect', port: bound, usernames: Array.from({ length: MINERS }, (_, i) => `${payoutAddress(net, 1 + i)}+1e-12`) }, 'connected');
    for (let r = 0; r < 3; r++) {
      await load.ask({ type: 'arm' }, 'armed');
      const notified = load.next('notified');
      work.workChanged(true);
      await notified;
    }
    afterMiners = { ...memory(), miners: stratum.sessions.filter((s) => s.authorized).length };
  } finally {
    await load.stop();
    stratum.close();
    await port.close();
    store.close();
  }
  const rss = afterMiners.rssMb as number;
  return { sharesLoaded: loaded, firstJob, baseline, afterChain, afterMiners, rssBudgetMb: RSS_BUDGET_MB, ok: rss < RSS_BUDGET_MB };
}

if (process.argv[2] === '--memory-child') {
  child(process.argv[3]!, process.argv[4]!).then(
    (r) => process.stdout.write(JSON.stringify(r)),
    (e: unknown) => {
      process.stderr.write(`memory bench: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
