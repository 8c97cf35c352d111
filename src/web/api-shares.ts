/**
 * The share explorer endpoints (docs/api.md): /web/share/<hash>, /web/payout_address/<hash>,
 * /web/share_data/<hash>, /web/heads, /web/verified_heads, /web/tails, /web/verified_tails,
 * /web/best_share_hash, /web/my_share_hashes (and JT's /web/my_share_hashes50).
 *
 * Hashes are display hex (big-endian), as everywhere in the API. Differences from the
 * reference, on purpose: an unknown share is a 404 with a JSON error (the reference answers 200
 * `null`, or an empty body for share_data) and a malformed hash a 400 (the reference: 500).
 */
import type { ApiContext } from './api-context.js';
import { ApiError, json, type ApiBody } from './http-json.js';

const HASH_RE = /^[0-9a-fA-F]{64}$/;

/** A share hash from a URL: 64 hex digits (400 otherwise), lower-cased. */
function hashOf(hash: string): string {
  if (!HASH_RE.test(hash)) throw new ApiError(400, 'a share hash is 64 hex digits');
  return hash.toLowerCase();
}

function found<T>(v: T | undefined): T {
  if (v === undefined) throw new ApiError(404, 'unknown share');
  return v;
}

/** Exact-path share endpoints. */
export function shareEndpoint(ctx: ApiContext, path: string): ApiBody | undefined {
  const stats = ctx.node.stats;
  switch (path) {
    case '/web/heads':
      return json(stats.heads());
    case '/web/verified_heads':
      return json(stats.verifiedHeads());
    case '/web/tails':
      return json(stats.tails());
    case '/web/verified_tails':
      return json(stats.verifiedTails());
    case '/web/best_share_hash':
      return json(stats.best());
    case '/web/my_share_hashes':
      return json(ctx.state.myShareHashes());
    case '/web/my_share_hashes50':
      return json(ctx.state.myShareHashes().slice(0, 50));
    default:
      return undefined;
  }
}

/** /web/share/<h>, /web/payout_address/<h>, /web/share_data/<h>: `kind` is the path's middle. */
export function shareByHash(ctx: ApiContext, kind: string, hash: string): ApiBody | undefined {
  switch (kind) {
    case 'share':
      return json(found(ctx.node.stats.shareJson(hashOf(hash))));
    case 'payout_address':
      return json(found(ctx.node.stats.payoutAddress(hashOf(hash))));
    case 'share_data':
      // The wrapper bytes exactly as received (type VarInt + contents VarStr).
      return { kind: 'bytes', bytes: found(ctx.node.stats.shareRaw(hashOf(hash))) };
    default:
      return undefined;
  }
}
