/**
 * The P2Pool peer endpoints (docs/api.md): /peer_addresses, /peer_versions, /pings,
 * /peer_txpool_sizes, and our /web/merged_stats. Peers are keyed "host:port" as the
 * reference's '%s:%i' % addr.
 */
import type { PeerInfo } from '../p2p/p2p-node.js';
import type { ApiContext } from './api-context.js';
import { json, type ApiBody } from './http-json.js';

function peerKey(p: PeerInfo): string {
  return p.host.includes(':') ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`;
}

export function peerEndpoint(ctx: ApiContext, path: string): ApiBody | undefined {
  const n = ctx.node;
  const peers = (): PeerInfo[] => n.p2p?.peerInfo() ?? [];
  switch (path) {
    case '/peer_addresses': {
      // One string, space-separated; the port is left out when it is the network's default.
      const def = n.config.net.p2pPort;
      return json(peers().map((p) => (p.port === def ? p.host : peerKey(p))).join(' '));
    }
    case '/peer_versions':
      return json(Object.fromEntries(peers().map((p) => [peerKey(p), p.subVersion])));
    case '/pings': {
      // Round trip in ms; peers not measured yet are left out (the reference measures on request).
      const out: Record<string, number> = {};
      for (const p of peers()) if (p.pingMs !== null) out[peerKey(p)] = p.pingMs;
      return json(out);
    }
    case '/peer_txpool_sizes':
      // Share version >= 34 chains exchange no transactions (docs/protocol.md#messages): every peer's pool is empty.
      return json(Object.fromEntries(peers().map((p) => [peerKey(p), 0])));
    case '/web/merged_stats':
      return json(
        (n.merged?.stats() ?? []).map((s) => ({ url: redactUrl(s.url), chainId: s.chainId, accepted: s.accepted, rejected: s.rejected, lastError: s.lastError })),
      );
    default:
      return undefined;
  }
}

/** Aux chain URLs may carry credentials (http://user:pass@host/): never show them. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
