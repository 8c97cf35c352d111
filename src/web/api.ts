/**
 * The JSON API on the worker port (docs/api.md): routes a GET/HEAD path to its endpoint and
 * writes the answer. The endpoints live by concept in api-pool.ts, local-stats.ts,
 * api-shares.ts, api-peers.ts and graph-data.ts; docs/api.md lists them all with their shapes.
 *
 * Read-only: nothing here changes the node. Paths that are not the API's return false so the
 * worker port can try its next handler (the dashboard's static files), then 404.
 * Errors: a malformed parameter is a 400, an unknown share or graph a 404, both with a short
 * JSON body `{"error": "..."}`; a failure inside an endpoint is a 500 and is logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bestKeyOf, type ApiContext, type WebState } from './api-context.js';
import { peerEndpoint } from './api-peers.js';
import { patronSendmany, poolEndpoint } from './api-pool.js';
import { shareByHash, shareEndpoint } from './api-shares.js';
import { BestCache } from './best-cache.js';
import { ApiError, json, sendBody, sendError, type ApiBody } from './http-json.js';
import { localStats } from './local-stats.js';
import { nodeStatus } from './api-status.js';
import type { NodeView } from './node-view.js';

export type { NodeView } from './node-view.js';
export { PROTOCOL_VERSION } from './local-stats.js';

/** URLs longer than this are refused before any parsing (every real path is far shorter). */
const MAX_PATH_LENGTH = 512;

export class ApiHandler {
  private readonly cache = new BestCache();

  constructor(
    private readonly view: () => NodeView,
    private readonly state: WebState,
    private readonly log: (level: 'error', msg: string) => void = () => {},
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const head = req.method === 'HEAD';
    const url = req.url ?? '/';
    if (url.length > MAX_PATH_LENGTH) {
      sendError(res, head, 414, 'path too long');
      return true;
    }
    const path = url.split('?')[0]!;
    let body: ApiBody | undefined;
    try {
      body = this.route(path);
    } catch (e) {
      if (e instanceof ApiError) {
        sendError(res, head, e.status, e.message);
        return true;
      }
      this.log('error', `API ${path.slice(0, 100)} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      sendError(res, head, 500, 'internal error');
      return true;
    }
    if (body === undefined) return false;
    sendBody(res, head, body);
    return true;
  }

  /** The answer for `path`, undefined when it is not an API path; throws ApiError. */
  route(path: string): ApiBody | undefined {
    const node = this.view();
    const ctx: ApiContext = { node, now: Date.now(), cache: this.cache, bestKey: bestKeyOf(node), state: this.state };
    const exact = poolEndpoint(ctx, path) ?? shareEndpoint(ctx, path) ?? peerEndpoint(ctx, path);
    if (exact) return exact;
    if (path === '/local_stats') return json(localStats(ctx));
    if (path === '/web/status') return json(nodeStatus(ctx));
    if (path === '/web/log') return json(this.state.statLog());
    if (path === '/web/log_lines') return json(this.state.logRing.entries());
    const parts = path.split('/').slice(1);
    if (parts[0] === 'patron_sendmany' && parts.length <= 3) return patronSendmany(ctx, nonEmpty(parts[1]), nonEmpty(parts[2]));
    if (parts[0] === 'web' && parts.length === 3 && ['share', 'payout_address', 'share_data'].includes(parts[1]!)) {
      return shareByHash(ctx, parts[1]!, parts[2]!);
    }
    if (parts[0] === 'web' && parts[1] === 'graph_data' && parts.length === 4) {
      const data = this.state.history().data(parts[2]!, parts[3]!, ctx.now / 1000);
      if (data === null) throw new ApiError(404, `unknown graph stream or view '${parts[2]!.slice(0, 40)}/${parts[3]!.slice(0, 40)}'`);
      return json(data);
    }
    return undefined;
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}
