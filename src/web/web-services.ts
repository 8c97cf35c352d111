/**
 * Everything the worker port's HTTP side serves besides getwork: the JSON API, /metrics, the
 * stats history behind the graphs, and the dashboard's static files. The node creates one,
 * hands it a view of itself, and routes HTTP requests to `handle`.
 * STUB: being implemented (issue 6).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiHandler, type NodeView } from './api.js';
import type { LogRing } from './log-ring.js';
import { serveDashboard } from './static.js';

export interface WebServicesOptions {
  /** The node's data directory for this network (DATADIR/<net>/): the stats history lives there. */
  dir: string;
  logRing: LogRing;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => void;
}

export class WebServices {
  private readonly api: ApiHandler;
  constructor(
    private readonly view: () => NodeView,
    readonly opts: WebServicesOptions,
  ) {
    this.api = new ApiHandler(view);
  }

  /** Called once the node is fully up (view() works from now on). */
  start(): void {}

  stop(): void {}

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    return this.api.handle(req, res) || serveDashboard(req, res);
  }
}
