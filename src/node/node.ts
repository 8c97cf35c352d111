/**
 * The composition root: wires the bitcoind interface, the sharechain, the work layer and the
 * miner-facing servers, and owns startup and shutdown. Nothing below imports it.
 *
 * Start order: store -> sharechain (loaded and re-verified) -> bitcoind checks -> payout
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
import { P2PNode } from '../p2p/p2p-node.js';
import { ChainState } from '../sharechain/chain-state.js';
import type { P2PoolNetwork } from '../sharechain/networks.js';
import { UNKNOWN_BLOCK_HEIGHT } from '../sharechain/score.js';
import { ShareStore } from '../sharechain/store.js';
import { StratumServer } from '../stratum/server.js';
import { MergedMining, type AuxChainConfig } from '../merged/merged-mining.js';
import { mapPort, type PortMapping } from '../p2p/port-mapping.js';
import { LogRing } from '../web/log-ring.js';
import { WebServices } from '../web/web-services.js';
import { checkPayoutAddress } from '../work/miner-address.js';
import { PoolWork, SHARE_VERSION } from '../work/pool-work.js';
import type { LogFunction, NodeLogger } from './logger.js';
import { minerUrls, SyncProgress } from './sync-progress.js';
import { watchPeerBlocks } from './peer-blocks.js';
import { WorkerPort } from './worker-port.js';

export interface NodeConfig {
  net: P2PoolNetwork;
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
  /** Tests only: `noBlockFitting` builds jobs on every template transaction (PoolWork fitTransactions). */
  testing?: { noBlockFitting?: boolean };
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

export class P2PoolNode {
  readonly startedAt = Date.now();
  private constructor(
    readonly config: NodeConfig,
    readonly store: ShareStore,
    readonly chain: ChainState,
    readonly rpc: RpcClient,
    readonly bitcoind: Bitcoind,
    readonly bitcoindP2p: BitcoindP2p,
    readonly templates: TemplateSource,
    readonly work: PoolWork,
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

  static async start(config: NodeConfig): Promise<P2PoolNode> {
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
    const chain = new ChainState({
      net,
      store,
      log: (level, msg) => sub('chain')(level, msg),
      // Work since a point in the past is measured in parent blocks (docs/sharechain.md#best-share): heights relative
      // to the tip, fetched in the background and cached.
      getHeightRelHighest: (prevHex) => {
        const h = bitcoind.cachedHeight(displayHexToHash(prevHex));
        if (h === null) {
          void bitcoind.getBlockHeight(displayHexToHash(prevHex)).catch(() => null);
          return UNKNOWN_BLOCK_HEIGHT;
        }
        return tipHeight < 0 ? UNKNOWN_BLOCK_HEIGHT : h - tipHeight;
      },
    });
    const t0 = Date.now();
    const loaded = chain.load();
    log('info', `loaded ${loaded} shares from the store in ${Date.now() - t0} ms; best share ${chain.best ?? 'none'}`);

    try {
      // checkNode logs its own warnings (IBD, pruned, soft forks pending on a test chain).
      await bitcoind.checkNode();
    } catch (e) {
      store.close();
      rpc.close();
      throw e;
    }

    const payoutAddress = await resolvePayoutAddress(config, bitcoind, dir);
    log('info', `payout address ${payoutAddress}`);
    log('info', `SHA-256: ${sha256Implementation()}`);

    const bitcoindP2p = new BitcoindP2p({ host: config.bitcoind.host, port: config.bitcoind.p2pPort, magic: net.parent.magic, log: sub('bitcoind') });
    bitcoindP2p.start();
    const templates = new TemplateSource({ bitcoind, blockNotifier: bitcoindP2p, log: sub('bitcoind') });

    // P2P before the work layer: PoolWork asks it whether the sharechain is still downloading.
    const p2p = config.p2p
      ? new P2PNode({
          net,
          chain,
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

    const merged = config.merged?.length ? new MergedMining({ chains: config.merged, parent: net.parent, log: sub('merged') }) : null;

    const work = new PoolWork({
      net,
      chain,
      syncState: p2p ? () => p2p.syncState() : undefined,
      templates,
      nodeAddress: payoutAddress,
      feePercent: config.feePercent,
      donationPercent: config.donationPercent,
      merged: merged ?? undefined,
      log: sub('work'),
      // P2P announce + RPC submitblock (docs/bitcoind.md); bad blocks kept for a report.
      submitter: new ChainBlockSubmitter({ bitcoind, p2p: bitcoindP2p, badBlockDir: join(dir, 'bad-blocks') }),
      fitTransactions: config.testing?.noBlockFitting === true ? false : undefined,
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
    chain.on('best', (best) => {
      log('debug', `new best share ${best ?? 'none'}`);
      work.workChanged(true);
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
      stopHooks.push(watchPeerBlocks({ net, chain, work, templates, bitcoind, bitcoindP2p, p2p, log: sub('p2p') }));
      if (!config.p2p!.disableUpnp) {
        // In the background: a router that does not answer must not delay startup.
        let mapping: PortMapping | null = null;
        let stopped = false;
        void mapPort(p2p.port, sub('upnp')).then((m) => {
          if (stopped) void m?.close();
          else mapping = m;
        });
        stopHooks.push(async () => {
          stopped = true;
          await (mapping as PortMapping | null)?.close();
        });
      }
    }
    const node = { current: null as P2PoolNode | null };
    const web = new WebServices(() => node.current!, { dir, logRing, log: sub('web') });
    const workerPort = new WorkerPort((s, first) => stratum.accept(s, first), [
      (req, res) => getwork.handle(req, res),
      (req, res) => web.handle(req, res),
    ]);
    const bound = await workerPort.listen(config.workerPort, config.workerHost ?? '0.0.0.0');
    log('info', `serving miners (Stratum, getwork) and the API on port ${bound}`);
    node.current = new P2PoolNode(config, store, chain, rpc, bitcoind, bitcoindP2p, templates, work, stratum, getwork, workerPort, payoutAddress, bound, p2p, merged, web, logRing, stopHooks);
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
async function resolvePayoutAddress(config: NodeConfig, bitcoind: Bitcoind, dir: string): Promise<string> {
  const check = (a: string): string => {
    const c = checkPayoutAddress(a, config.net.parent, SHARE_VERSION);
    if (!c.ok) throw new Error(`payout address ${a} cannot be used: ${c.reason}`);
    return a;
  };
  if (config.address) return check(config.address);
  const cacheFile = join(dir, 'cached_payout_address');
  if (existsSync(cacheFile)) {
    const cached = readFileSync(cacheFile, 'utf8').trim();
    if (checkPayoutAddress(cached, config.net.parent, SHARE_VERSION).ok) return cached;
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
