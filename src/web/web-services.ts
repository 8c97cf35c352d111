/**
 * Everything the worker port's HTTP side serves besides getwork: the JSON API (api.ts),
 * /metrics (metrics.ts), the stats history behind the graphs and /web/log (stats-sampler.ts,
 * kept in `<dir>/stats.sqlite`), and the dashboard's static files (static.ts). The node
 * creates one, hands it a view of itself, calls start() once it is up and stop() at shutdown,
 * and routes HTTP requests to `handle`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ChainShare } from '../sharechain/node-chain.js';
import type { WebState } from './api-context.js';
import { ApiHandler } from './api.js';
import { BestCache } from './best-cache.js';
import { GraphHistory } from './graph-data.js';
import { sendError } from './http-json.js';
import type { LogRing } from './log-ring.js';
import type { MetricsSource, NodeMetrics } from './metrics.js';
import type { NodeView } from './node-view.js';
import { serveDashboard } from './static.js';
import { StatsDb } from './stats-db.js';
import { SAMPLE_INTERVAL_MS, StatsSampler } from './stats-sampler.js';

export type { NodeView } from './node-view.js';

export interface WebServicesOptions {
  /** The node's data directory for this network (DATADIR/<net>/): the stats history lives there. */
  dir: string;
  logRing: LogRing;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
  /** Sampling period (tests shorten it); default 5 s as the reference. */
  sampleIntervalMs?: number;
}

export const STATS_FILE = 'stats.sqlite';

/**
 * /metrics' module (prom-client and its dependencies: ~60-140 ms of imports on this machine,
 * a tenth of a start) is loaded this long after start(), or at the first scrape if that comes
 * first, so that it is not on the way to the first job (docs/metrics.md).
 */
const METRICS_LOAD_DELAY_MS = 2000;

export class WebServices {
  private readonly api: ApiHandler;
  private readonly metricsSource: MetricsSource;
  private metrics: Promise<NodeMetrics> | null = null;
  private metricsTimer: NodeJS.Timeout | null = null;
  private readonly cache = new BestCache();
  private sampler: StatsSampler | null = null;
  private db: StatsDb | null = null;
  private timer: NodeJS.Timeout | null = null;
  private templateAt: number | null = null;
  private readonly emptyHistory = new GraphHistory();
  private unsubscribe: Array<() => void> = [];

  constructor(
    private readonly view: () => NodeView,
    readonly opts: WebServicesOptions,
  ) {
    const state: WebState = {
      history: () => this.sampler?.history ?? this.emptyHistory,
      statLog: () => this.sampler?.statEntries() ?? [],
      myShareHashes: () => this.sampler?.myShareHashes() ?? [],
      logRing: opts.logRing,
    };
    this.api = new ApiHandler(view, state, (level, msg) => opts.log(level, msg));
    this.metricsSource = {
      view,
      state,
      cache: this.cache,
      storeFiles: ['shares.sqlite', 'shares.sqlite-wal'].map((f) => join(opts.dir, f)),
      templateReceivedAt: () => this.templateAt,
    };
  }

  /** The /metrics registry, its module imported on first use (again on the next use if that failed). */
  private loadMetrics(): Promise<NodeMetrics> {
    this.metrics ??= import('./metrics.js').then(
      (m) => new m.NodeMetrics(this.metricsSource),
      (e: unknown) => {
        this.metrics = null;
        throw e;
      },
    );
    return this.metrics;
  }

  /** Called once the node is fully up (view() works from now on): open the history, start sampling. */
  start(): void {
    if (this.sampler) return;
    const node = this.view();
    const now = Date.now();
    node.stats.startVotes?.();
    this.db = StatsDb.open(join(this.opts.dir, STATS_FILE), (m) => this.opts.log('warn', m));
    this.sampler = new StatsSampler(this.db, now);
    if (node.templates.current) this.templateAt = now;
    const onShare = (share: ChainShare, dead: boolean): void => this.sampler?.onShare(share, dead, Date.now());
    const onTemplate = (): void => {
      this.templateAt = Date.now();
    };
    node.work.on('share', onShare);
    node.templates.on('template', onTemplate);
    this.unsubscribe = [() => node.work.off('share', onShare), () => node.templates.off('template', onTemplate)];
    this.timer = setInterval(() => this.tick(), this.opts.sampleIntervalMs ?? SAMPLE_INTERVAL_MS);
    this.timer.unref();
    // The process metrics (GC, event loop delay) count from when the registry is made.
    this.metricsTimer = setTimeout(() => void this.loadMetrics().catch((e: unknown) => this.opts.log('error', `/metrics: ${e instanceof Error ? e.message : String(e)}`)), METRICS_LOAD_DELAY_MS);
    this.metricsTimer.unref();
  }

  private tick(): void {
    try {
      this.sampler?.tick(this.view(), Date.now());
    } catch (e) {
      // A sample that fails (e.g. the disk is full) must not take the node down; the next tick retries.
      this.opts.log('warn', `stats sample failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.metricsTimer) clearTimeout(this.metricsTimer);
    this.metricsTimer = null;
    for (const u of this.unsubscribe) u();
    this.unsubscribe = [];
    try {
      this.sampler?.flush(Date.now() / 1000);
    } catch (e) {
      this.opts.log('warn', `stats history not saved at shutdown: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.db?.close();
    this.db = null;
    this.sampler = null;
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      this.serveMetrics(req.method === 'HEAD', res);
      return true;
    }
    return this.api.handle(req, res) || serveDashboard(req, res);
  }

  private serveMetrics(head: boolean, res: ServerResponse): void {
    this.loadMetrics().then((m) => m.scrape()).then(
      ({ text, contentType }) => {
        const body = Buffer.from(text);
        res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
        res.end(head ? undefined : body);
      },
      (e: unknown) => {
        this.opts.log('error', `/metrics failed: ${e instanceof Error ? e.message : String(e)}`);
        sendError(res, head, 500, 'metrics failed');
      },
    );
  }
}
