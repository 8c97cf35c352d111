/**
 * What every endpoint handler gets: the node's view, the clock, the per-best-share cache and
 * the web layer's own state (graph history, stat log, our shares, log lines).
 */
import type { BestCache } from './best-cache.js';
import type { GraphHistory } from './graph-data.js';
import type { LogRing } from './log-ring.js';
import type { NodeView } from './node-view.js';

export interface WebState {
  history(): GraphHistory;
  /** /web/log: the stat log, oldest first. */
  statLog(): ReadonlyArray<Record<string, unknown>>;
  /** Hashes of the shares this node's miners found (display hex), oldest first. */
  myShareHashes(): readonly string[];
  readonly logRing: LogRing;
}

export interface ApiContext {
  readonly node: NodeView;
  /** ms since epoch. */
  readonly now: number;
  readonly cache: BestCache;
  /** Cache key for values that depend only on the best chain: best hash and its height. */
  readonly bestKey: string;
  readonly state: WebState;
}

export function bestKeyOf(node: NodeView): string {
  return node.stats.bestKey();
}

/** Cache key that also covers the template (payouts depend on its subsidy and bits). */
export function workKeyOf(ctx: ApiContext): string {
  const t = ctx.node.templates.current;
  return `${ctx.bestKey}/${t ? `${t.coinbaseValue}:${t.bits}` : 'none'}`;
}
