/**
 * The composition root: wires the bitcoind interface, the sharechain, the work layer and the
 * miner-facing servers, and owns startup and shutdown. Nothing below imports it.
 *
 * Start order: store -> sharechain (loaded; its shares re-verified in the background, until a
 * new share needs them: docs/operations.md#startup-time) -> bitcoind checks -> payout
 * address -> P2P link to bitcoind -> first template -> P2Pool peers -> worker port. Stop order
 * is the reverse.
 */
import { accessSync, constants as fsConstants, mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { displayHexToHash } from '../bitcoin/hex.js';
import { sha256Implementation } from '../bitcoin/native-sha256.js';
import { Bitcoind } from '../chain/bitcoind.js';
import { BitcoindP2p } from '../chain/bitcoind-p2p.js';
import { ChainBlockSubmitter } from '../chain/block-submitter.js';
import { RpcClient, type RpcAuth } from '../chain/rpc-client.js';
import { TemplateSource } from '../chain/template-source.js';
import { GetworkServer } from '../getwork/getwork-server.js';
import { P2PNode, type P2PNet } from '../p2p/p2p-node.js';
import { PROTOCOL_VERSION } from '../p2p/peer.js';
import { ChainState } from '../sharechain/chain-state.js';
import type { FairChainState } from '../sharechain/fair/chain-state.js';
import type { FairNetwork } from '../sharechain/fair/networks.js';
import { isFairNetwork, type NodeNetwork, type P2PoolNetwork } from '../sharechain/networks.js';
import { V35Sharechain, type NodeSharechain } from '../sharechain/node-chain.js';
import { UNKNOWN_BLOCK_HEIGHT, type HeightRelHighest } from '../sharechain/score.js';
import { ShareStore } from '../sharechain/store.js';
import { StratumServer } from '../stratum/server.js';
import type { MergedMining, AuxChainConfig } from '../merged/merged-mining.js';
import type { PortMapping } from '../p2p/port-mapping.js';
import type { ChainStats } from '../web/chain-stats.js';
import { LogRing } from '../web/log-ring.js';
import { V35ChainStats } from '../web/v35-stats.js';
import { WebServices } from '../web/web-services.js';
import type { BlockSubmitter } from '../work/block-submission.js';
import type { FairWork } from '../work/fair-work.js';
import type { MergedMiningHook } from '../work/merged-hook.js';
import { checkPayoutAddress } from '../work/miner-address.js';
import { PoolWork, SHARE_VERSION, type TemplateProvider } from '../work/pool-work.js';
import type { NodeWork } from '../work/work-source.js';
import type { LogFunction, NodeLogger } from './logger.js';
import { minerUrls, SyncProgress } from './sync-progress.js';
import { watchPeerBlocks } from './peer-blocks.js';
import { WorkerPort } from './worker-port.js';

export interface NodeConfig {
  /** A v35 network, or a fair one (docs/fair-sharechain.md#networks). */
  net: NodeNetwork;
  /** Data directory; the node keeps its files in DATADIR/<net>/. */
  datadir: string;
  bitcoind: {
    host: string;
    rpcPort: number;
    p2pPort: number;
    auth: RpcAuth;
  };
  /** Payout address (`-a`); else the cached one, else getnewaddress. */
  address?: string;
  workerPort: number;
  workerHost?: string;
  feePercent: number;
  donationPercent: number;
  log: LogFunction;
  /**
   * The CLI's logger: per-subsystem lines and the terminal's status line. Absent (tests, the
   * demo): every line goes to `log` untagged and progress is logged periodically.
   */
  logger?: Pick<NodeLogger, 'sub' | 'status' | 'interactive'>;
  version: string;
  /** P2Pool networking; absent: the node runs alone (tests of the mining path). */
  p2p?: P2PConfig;
  /** `--merged-url` / `--merged-userpass`: aux chains to merge-mine. */
  merged?: AuxChainConfig[];
  /** Fair networks: `--max-coinbase-outputs`, the class for miners that ask for none (docs/mining.md). */
  maxCoinbaseOutputs?: number;
  /** Tests only: `noBlockFitting` builds jobs on every template transaction (PoolWork fitTransactions). */
  testing?: { noBlockFitting?: boolean };
}

/** What the work layer needs from the node, whichever rules it builds on. */
interface WorkDeps {
  templates: TemplateProvider;
  syncState: (() => string | null) | undefined;
  nodeAddress: string;
  merged: MergedMiningHook | undefined;
  submitter: BlockSubmitter;
  log: LogFunction;
}

/**
 * One rule set, as the node composes it (docs/architecture.md#one-node-two-rule-sets): the
 * chain state, the sharechain interface the P2P layer, the node and the web layer use, the
 * network as the P2P layer reads it, the share version that decides payable addresses, and the
 * work layer and web figures built on them. The only place the node tells the rules apart.
 */
interface RuleSet<C, W extends NodeWork> {
  chain: C;
  sharechain: NodeSharechain;
  p2pNet: P2PNet;
  shareVersion: number;
  makeWork(deps: WorkDeps): W;
  makeStats(work: W, startedAt: number): ChainStats;
}

function v35Rules(config: NodeConfig, net: P2PoolNetwork, store: ShareStore, log: LogFunction, rel: HeightRelHighest): RuleSet<ChainState, PoolWork> {
  const chain = new ChainState({ net, store, log: (level, msg) => log(level, msg), getHeightRelHighest: rel });
  const sharechain = new V35Sharechain(chain, net);
  return {
    chain,
    sharechain,
    p2pNet: net,
    shareVersion: SHARE_VERSION,
    makeWork: (d) => new PoolWork({
      net,
      chain,
      syncState: d.syncState,
      templates: d.templates,
      nodeAddress: d.nodeAddress,
      feePercent: config.feePercent,
      donationPercent: config.donationPercent,
      merged: d.merged,
      log: d.log,
      submitter: d.submitter,
      fitTransactions: config.testing?.noBlockFitting === true ? false : undefined,
    }),
    makeStats: (_work, startedAt) => new V35ChainStats(chain, net, startedAt),
  };
}

/**
 * The fair rules' modules are imported here, when a fair network runs: a v35 node does not load
 * them at start (nor the merged-mining and UPnP modules unless used): issue 18's first job
 * under 1 s counts every module loaded before it (docs/operations.md#startup-time).
 */
async function fairRules(config: NodeConfig, net: FairNetwork, store: ShareStore, log: LogFunction, rel: HeightRelHighest): Promise<RuleSet<FairChainState, FairWork>> {
  const [{ FairChainState }, { FairSharechain }, { FairWork }, { FairChainStats }] = await Promise.all([
    import('../sharechain/fair/chain-state.js'),
    import('../sharechain/fair/node-chain.js'),
    import('../work/fair-work.js'),
    import('../web/fair-stats.js'),
  ]);
  const chain = new FairChainState({ net, store, log: (level, msg) => log(level, msg), getHeightRelHighest: rel });
  const sharechain = new FairSharechain(chain, net);
  return {
    chain,
    sharechain,
    // Our own peers only (the prefix is the rules' identity): the handshake is v35's protocol.
    p2pNet: { ...net, minimumProtocolVersion: PROTOCOL_VERSION, chainLength: net.windowLinks },
    shareVersion: net.shareVersion,
    makeWork: (d) => new FairWork({
      net,
      chain,
      syncState: d.syncState,
      templates: d.templates,
      nodeAddress: d.nodeAddress,
      feePercent: config.feePercent,
      maxCoinbaseOutputs: config.maxCoinbaseOutputs,
      merged: d.merged,
      log: d.log,
      submitter: d.submitter,
      fitTransactions: config.testing?.noBlockFitting === true ? false : undefined,
    }),
    makeStats: (work, startedAt) => new FairChainStats(chain, sharechain, net, work, startedAt),
  };
}

export interface P2PConfig {
  /** `--p2pool-port` (0: any free port). */
  port: number;
  /** Listen address; default all interfaces. */
  host?: string;
  /** `-n ADDR[:PORT]`, kept connected. */
  connect: string[];
  /** `--outgoing-conns`. */
  outgoingConns: number;
  /** `--max-conns`. */
  maxConns: number;
  /** `--disable-upnp`. */
  disableUpnp: boolean;
  /** Tests: ban loopback peers too. */
  banLoopback?: boolean;
}

/**
 * A running node. `C` and `W` are the rule set's chain state and work layer (ChainState and
 * PoolWork on the v35 networks, FairChainState and FairWork on the fair ones); everything the
 * layers share goes through `sharechain` (NodeSharechain), `work` (NodeWork) and `stats`.
 */
export class P2PoolNode<C extends ChainState | FairChainState = ChainState, W extends NodeWork = PoolWork> {
  private constructor(
    readonly config: NodeConfig,
    readonly startedAt: number,
    readonly store: ShareStore,
    /** The rule set's own chain state (tools and tests). */
    readonly chain: C,
    /** The sharechain through the interface every layer uses. */
    readonly sharechain: NodeSharechain,
    readonly stats: ChainStats,
    readonly rpc: RpcClient,
    readonly bitcoind: Bitcoind,
    readonly bitcoindP2p: BitcoindP2p,
    readonly templates: TemplateSource,
    readonly work: W,
    readonly stratum: StratumServer,
    readonly getwork: GetworkServer,
    readonly workerPort: WorkerPort,
    readonly payoutAddress: string,
    /** The port actually bound (when 0 was asked for). */
    readonly boundWorkerPort: number,
    /** P2Pool networking, when configured. */
    readonly p2p: P2PNode | null,
    readonly merged: MergedMining | null,
    readonly web: WebServices,
    readonly logRing: LogRing,
    private readonly stopHooks: Array<() => void | Promise<void>>,
  ) {}

  static start(config: NodeConfig & { net: FairNetwork }): Promise<P2PoolNode<FairChainState, FairWork>>;
  static start(config: NodeConfig & { net: P2PoolNetwork }): Promise<P2PoolNode<ChainState, PoolWork>>;
  static start(config: NodeConfig): Promise<P2PoolNode<ChainState | FairChainState, NodeWork>>;
  static async start(config: NodeConfig): Promise<P2PoolNode<ChainState | FairChainState, NodeWork>> {
    const startedAt = Date.now();
    const { net } = config;
    // Every line also goes to the in-memory ring behind /web/log and the dashboard.
    const logRing = new LogRing();
    const log: LogFunction = (level, msg, fields) => {
      logRing.push(level, msg);
      config.log(level, msg, fields);
    };
    // Each layer's lines carry its name (`sub` in the JSON log, a column on the terminal).
    const subs = new Map<string, LogFunction>();
    const sub = (name: string): LogFunction => {
      const logger = config.logger;
      if (!logger) return log;
      let f = subs.get(name);
      if (!f) {
        const tagged = logger.sub(name);
        f = (level, msg, fields) => {
          logRing.push(level, msg);
          tagged(level, msg, fields);
        };
        subs.set(name, f);
      }
      return f;
    };
    const stopHooks: Array<() => void | Promise<void>> = [];
    const dir = join(config.datadir, net.name);
    try {
      mkdirSync(dir, { recursive: true });
      // A read-only file system refuses W_OK even to root; SQLite would otherwise open the
      // store read-only without a word and fail at the first share.
      accessSync(dir, fsConstants.W_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw new Error(`the data directory ${dir} is not writable (${code === 'ENOENT' ? 'EROFS or missing parent' : code}): the node keeps its shares there; make it writable, free the disk or pass another --datadir`);
    }

    const store = ShareStore.open(join(dir, 'shares.sqlite'), { log: (m) => sub('store')('warn', m) });
    const rpc = new RpcClient({ host: config.bitcoind.host, port: config.bitcoind.rpcPort, auth: config.bitcoind.auth });
    const bitcoind = new Bitcoind({ rpc, chain: net.parent, log: sub('bitcoind') });
    let tipHeight = -1;
    // Work since a point in the past is measured in parent blocks (docs/sharechain.md#best-share): heights relative
    // to the tip, fetched in the background and cached.
    const getHeightRelHighest: HeightRelHighest = (prevHex) => {
      const h = bitcoind.cachedHeight(displayHexToHash(prevHex));
      if (h === null) {
        void bitcoind.getBlockHeight(displayHexToHash(prevHex)).catch(() => null);
        return UNKNOWN_BLOCK_HEIGHT;
      }
      return tipHeight < 0 ? UNKNOWN_BLOCK_HEIGHT : h - tipHeight;
    };
    const chainLog = sub('chain');
    const rules: RuleSet<ChainState | FairChainState, NodeWork> = isFairNetwork(net)
      ? await fairRules(config, net, store, chainLog, getHeightRelHighest)
      : v35Rules(config, net, store, chainLog, getHeightRelHighest);
    const { sharechain } = rules;
    const t0 = Date.now();
    // The v35 rules check the stored shares in the background, after the first job
    // (docs/operations.md#startup-time); a new share, a miner's or a peer's, waits for them.
    const loaded = sharechain.load({ background: true });
    log('info', `loaded ${loaded} shares from the store in ${Date.now() - t0} ms; best share ${sharechain.best ?? 'none'}`);
    // The WAL's checkpoint thread once the stored shares are checked (or at the first write
    // before that): its start no longer competes with the load and the first job (store.ts).
    if (rules.chain instanceof ChainState) void rules.chain.storedVerification.then(() => store.startCheckpoints());
    else store.startCheckpoints();
    const cancelVerification = (): void => {
      if (rules.chain instanceof ChainState) rules.chain.cancelStoredVerification();
    };
    stopHooks.push(cancelVerification);
    if (isFairNetwork(net) && config.donationPercent > 0) {
      log('warn', `--give-author has no effect on ${net.name}: the fair rules have no donation output`);
    }

    try {
      // checkNode logs its own warnings (IBD, pruned, soft forks pending on a test chain).
      await bitcoind.checkNode();
    } catch (e) {
      cancelVerification();
      store.close();
      rpc.close();
      throw e;
    }

    const payoutAddress = await resolvePayoutAddress(config, bitcoind, dir, rules.shareVersion);
    log('info', `payout address ${payoutAddress}`);
    log('info', `SHA-256: ${sha256Implementation()}`);

    const bitcoindP2p = new BitcoindP2p({ host: config.bitcoind.host, port: config.bitcoind.p2pPort, magic: net.parent.magic, log: sub('bitcoind') });
    bitcoindP2p.start();
    const templates = new TemplateSource({ bitcoind, blockNotifier: bitcoindP2p, log: sub('bitcoind') });

    // P2P before the work layer: the work layer asks it whether the sharechain is still downloading.
    const p2p = config.p2p
      ? new P2PNode({
          net: rules.p2pNet,
          chain: sharechain,
          port: config.p2p.port,
          host: config.p2p.host,
          connect: config.p2p.connect,
          outgoingConns: config.p2p.outgoingConns,
          maxConns: config.p2p.maxConns,
          subVersion: config.version,
          addressBackend: { loadPeers: () => store.loadPeers(net.name), savePeers: (e) => store.savePeers(net.name, e) },
          bans: { banLoopback: config.p2p.banLoopback },
          // A peer's verified new block header: bitcoind may have it too, so look now rather than
          // at the next poll (the reference's handle_header).
          onBestBlock: () => void templates.refresh(),
          log: sub('p2p'),
        })
      : null;

    const merged = config.merged?.length ? new (await import('../merged/merged-mining.js')).MergedMining({ chains: config.merged, parent: net.parent, log: sub('merged') }) : null;

    const work = rules.makeWork({
      templates,
      syncState: p2p ? () => p2p.syncState() : undefined,
      nodeAddress: payoutAddress,
      merged: merged ?? undefined,
      log: sub('work'),
      // P2P announce + RPC submitblock (docs/bitcoind.md); bad blocks kept for a report.
      submitter: new ChainBlockSubmitter({ bitcoind, p2p: bitcoindP2p, badBlockDir: join(dir, 'bad-blocks') }),
    });
    const stratum = new StratumServer(work, { log: (m) => sub('stratum')('info', m) });
    const getwork = new GetworkServer(work, { log: (m) => sub('getwork')('debug', m) });

    let announcedAt = 0;
    bitcoindP2p.on('block', () => {
      announcedAt = Date.now();
    });
    templates.on('template', (t, change) => {
      tipHeight = t.height - 1;
      const clean = change !== 'fees';
      if (change === 'new-block' && announcedAt) log('info', `new block at height ${tipHeight}: work updated ${Date.now() - announcedAt} ms after bitcoind announced it`);
      work.workChanged(clean);
    });
    // bitcoind unreachable (the template source logs it, once): the work miners hold can no
    // longer be checked against the tip nor turned into a block we can submit, so it is dead
    // from now on (submissions on it are answered as stale), and no new job is sent until a
    // template arrives again ('resumed' -> clean jobs).
    templates.on('stale', () => work.workChanged(true));
    // A dropped P2P link is the fastest sign bitcoind went away, a new one that it is back:
    // ask for a template at once instead of at the next poll.
    bitcoindP2p.on('disconnected', () => void templates.refresh());
    bitcoindP2p.on('connected', () => {
      if (templates.stale) void templates.refresh();
    });
    sharechain.on('best', (best) => {
      log('debug', `new best share ${best ?? 'none'}`);
      work.bestChanged();
    });
    work.on('work', (clean) => {
      stratum.broadcastWork(clean);
      getwork.notifyNewWork();
    });

    if (merged) {
      merged.on('changed', () => work.workChanged(false));
      await merged.start();
      stopHooks.push(() => merged.stop());
    }
    await templates.start();
    if (p2p) {
      await p2p.start();
      stopHooks.push(watchPeerBlocks({ chain: sharechain, work, templates, bitcoind, bitcoindP2p, p2p, log: sub('p2p') }));
      if (!config.p2p!.disableUpnp) {
        // In the background: a router that does not answer must not delay startup.
        let mapping: PortMapping | null = null;
        let stopped = false;
        void import('../p2p/port-mapping.js').then(({ mapPort }) => mapPort(p2p.port, sub('upnp'))).then((m) => {
          if (stopped) void m?.close();
          else mapping = m;
        });
        stopHooks.push(async () => {
          stopped = true;
          await (mapping as PortMapping | null)?.close();
        });
      }
    }
    const stats = rules.makeStats(work, startedAt);
    const node = { current: null as P2PoolNode<ChainState | FairChainState, NodeWork> | null };
    const web = new WebServices(() => node.current!, { dir, logRing, log: sub('web') });
    const workerPort = new WorkerPort((s, first) => stratum.accept(s, first), [
      (req, res) => getwork.handle(req, res),
      (req, res) => web.handle(req, res),
    ]);
    const bound = await workerPort.listen(config.workerPort, config.workerHost ?? '0.0.0.0');
    log('info', `serving miners (Stratum, getwork) and the API on port ${bound}`);
    // The node serves (its first template in, its port open): the stored shares' checks start
    // now rather than at the end of their delay after the load (docs/operations.md#startup-time).
    if (rules.chain instanceof ChainState) rules.chain.startStoredVerificationNow();
    node.current = new P2PoolNode(config, startedAt, store, rules.chain, sharechain, stats, rpc, bitcoind, bitcoindP2p, templates, work, stratum, getwork, workerPort, payoutAddress, bound, p2p, merged, web, logRing, stopHooks);
    web.start();
    // The sharechain download on a TTY's status line (periodic lines otherwise), and one line
    // saying where to point miners once work is ready (docs/operations.md#starting).
    const urls = minerUrls(config.workerHost ?? '0.0.0.0', bound);
    const progress = new SyncProgress({
      progress: () => p2p?.syncProgress() ?? null,
      ready: () => work.unavailable() === null,
      status: config.logger?.interactive ? (line) => config.logger!.status(line) : null,
      log,
      readyLine: `ready: point miners at ${urls.stratum} (user name: a payout address), dashboard at ${urls.dashboard}`,
    });
    progress.start();
    stopHooks.push(() => progress.stop());
    return node.current;
  }

  async stop(): Promise<void> {
    for (const h of this.stopHooks.reverse()) await h();
    this.web.stop();
    // P2P first: it saves the address book into the store, which closes last.
    await this.p2p?.stop();
    this.stratum.close();
    this.getwork.close();
    await this.workerPort.close();
    this.templates.stop();
    this.bitcoindP2p.stop();
    this.rpc.close();
    this.store.close();
    this.config.log('info', 'stopped');
  }
}

/** `-a`, else the address cached in the data directory, else a new one from the wallet. */
async function resolvePayoutAddress(config: NodeConfig, bitcoind: Bitcoind, dir: string, shareVersion: number): Promise<string> {
  const check = (a: string): string => {
    const c = checkPayoutAddress(a, config.net.parent, shareVersion);
    if (!c.ok) throw new Error(`payout address ${a} cannot be used: ${c.reason}`);
    return a;
  };
  if (config.address) return check(config.address);
  const cacheFile = join(dir, 'cached_payout_address');
  if (existsSync(cacheFile)) {
    const cached = readFileSync(cacheFile, 'utf8').trim();
    if (checkPayoutAddress(cached, config.net.parent, shareVersion).ok) return cached;
    config.log('warn', `ignoring the cached payout address ${cached.slice(0, 100)}: not usable on ${config.net.name}`);
  }
  let address: string;
  try {
    address = await bitcoind.getNewAddress();
  } catch (e) {
    throw new Error(`no payout address: pass -a ADDRESS (bitcoind's wallet could not give one: ${e instanceof Error ? e.message : String(e)})`);
  }
  check(address);
  writeFileSync(cacheFile, address + '\n');
  return address;
}
