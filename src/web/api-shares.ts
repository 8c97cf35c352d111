/**
 * The share explorer endpoints (docs/api.md): /web/share/<hash>, /web/payout_address/<hash>,
 * /web/share_data/<hash>, /web/heads, /web/verified_heads, /web/tails, /web/verified_tails,
 * /web/best_share_hash, /web/my_share_hashes (and JT's /web/my_share_hashes50).
 *
 * Hashes are display hex (big-endian), as everywhere in the API. Differences from the
 * reference, on purpose: an unknown share is a 404 with a JSON error (the reference answers 200
 * `null`, or an empty body for share_data) and a malformed hash a 400 (the reference: 500).
 */
import { encodeTransaction } from '../bitcoin/transaction.js';
import { hashToDisplayHex, toHex } from '../bitcoin/hex.js';
import { bitsToTarget } from '../bitcoin/target.js';
import type { Forest } from '../sharechain/forest.js';
import type { Share } from '../sharechain/types.js';
import { verifyShareDetailed } from '../sharechain/verify.js';
import type { ApiContext } from './api-context.js';
import { ApiError, json, type ApiBody } from './http-json.js';
import type { NodeView } from './node-view.js';

const ZERO_HASH = '0'.repeat(64);
const HASH_RE = /^[0-9a-fA-F]{64}$/;

/** The reference's class name per share version (JT p2pool/data.py). */
const TYPE_NAMES: Record<number, string> = {
  17: 'Share',
  32: 'PreSegwitShare',
  33: 'NewShare',
  34: 'SegwitMiningShare',
  35: 'PaddingBugfixShare',
};

/** Rebuilt generation transactions kept for the explorer (each rebuild costs a PPLNS window). */
const RAW_CACHE_SIZE = 256;
const rawCache = new Map<string, string>();

function shareOf(n: NodeView, hash: string): Share {
  if (!HASH_RE.test(hash)) throw new ApiError(400, 'a share hash is 64 hex digits');
  const s = n.chain.tracker.get(hash.toLowerCase());
  if (!s) throw new ApiError(404, 'unknown share');
  return s;
}

/**
 * The share's generation transaction without witness (the reference's tx_id_type packing, JT
 * gentx.raw), rebuilt from the chain below it; "unknown" when that chain is no longer there
 * (the reference has it only for shares this process mined).
 */
function gentxRaw(n: NodeView, s: Share): string {
  const hit = rawCache.get(s.hash);
  if (hit !== undefined) return hit;
  let raw = 'unknown';
  if (n.chain.tracker.isVerified(s.hash)) {
    try {
      const built = verifyShareDetailed(s, n.chain.tracker, n.config.net, { now: s.shareInfo.timestamp, checkVersionSwitch: false });
      raw = toHex(encodeTransaction(built.gentx, { witness: false }));
    } catch {
      // The window below it was pruned: nothing to show.
    }
  }
  // Only rebuilt ones are kept: the cache is shared by every node in the process (the demo
  // runs two), and another node may still have the chain below this share.
  if (raw !== 'unknown') {
    if (rawCache.size >= RAW_CACHE_SIZE) rawCache.delete(rawCache.keys().next().value!);
    rawCache.set(s.hash, raw);
  }
  return raw;
}

/** Pre-v34 shares name their block's other transactions by (shares back, index) references. */
function otherTransactionHashes(n: NodeView, s: Share): string[] {
  const refs = s.shareInfo.transactionHashRefs;
  if (!refs || refs.length === 0) return [];
  const out: string[] = [];
  for (const [shareCount, txCount] of refs) {
    const h = n.chain.tracker.getNthParent(s.hash, shareCount);
    const tx = n.chain.tracker.get(h ?? '')?.shareInfo.newTransactionHashes?.[txCount];
    if (!tx) return [];
    out.push(hashToDisplayHex(tx));
  }
  return out;
}

/** The reference's share explorer dict (web.py get_share). */
export function shareJson(n: NodeView, s: Share): Record<string, unknown> {
  const { tracker } = n.chain;
  const data = s.shareInfo.shareData;
  const children = [...tracker.all.childrenOf(s.hash)].sort((a, b) => tracker.all.childrenOf(b).size - tracker.all.childrenOf(a).size);
  const peer = tracker.peerOf(s.hash);
  return {
    parent: s.prevHash ?? ZERO_HASH,
    far_parent: s.shareInfo.farShareHash ? hashToDisplayHex(s.shareInfo.farShareHash) : ZERO_HASH,
    children,
    type_name: TYPE_NAMES[s.version] ?? `v${s.version}`,
    local: {
      verified: tracker.isVerified(s.hash),
      // Shares loaded from the store have no receive time: the node's start, as the reference.
      time_first_seen: (s.timeSeen || n.startedAt) / 1000,
      peer_first_received_from: peer === undefined ? null : hostOf(peer),
    },
    share_data: {
      timestamp: s.shareInfo.timestamp,
      target: s.target,
      max_target: s.maxTarget,
      payout_address: s.payee,
      donation: data.donation / 65535,
      stale_info: data.staleInfo === 'none' ? null : typeof data.staleInfo === 'number' ? `unk${data.staleInfo}` : data.staleInfo,
      nonce: data.nonce,
      desired_version: data.desiredVersion,
      absheight: s.shareInfo.absheight,
      abswork: s.shareInfo.abswork,
    },
    block: {
      hash: s.hash,
      header: {
        version: s.minHeader.version,
        previous_block: s.minHeader.prevBlock ? hashToDisplayHex(s.minHeader.prevBlock) : ZERO_HASH,
        merkle_root: hashToDisplayHex(s.header.subarray(36, 68)),
        timestamp: s.minHeader.timestamp,
        target: bitsToTarget(s.minHeader.bits),
        nonce: s.minHeader.nonce,
      },
      gentx: {
        hash: hashToDisplayHex(s.gentxHash),
        raw: gentxRaw(n, s),
        // The reference pads a coinbase shorter than 2 bytes with zeros (ljust(2, '\0')).
        coinbase: toHex(data.coinbase.length >= 2 ? data.coinbase : Buffer.concat([data.coinbase, Buffer.alloc(2 - data.coinbase.length)])),
        value: data.subsidy / 1e8,
        last_txout_nonce: s.lastTxoutNonce.toString(16).padStart(16, '0'),
      },
      other_transaction_hashes: otherTransactionHashes(n, s),
    },
  };
}

/** "host:port" (or "[v6]:port") -> host, as the reference's peer_addr[0]. */
function hostOf(peer: string): string {
  const m = /^\[(.*)\]:\d+$/.exec(peer) ?? /^([^:]*):\d+$/.exec(peer);
  return m ? m[1]! : peer;
}

/** The reference keys tails by the missing parent's hash (ours: by the root share). */
function tailHashes(forest: Forest<Share>): string[] {
  return [...forest.tails().keys()].map((root) => forest.get(root)?.prevHash ?? ZERO_HASH);
}

/** Exact-path share endpoints. */
export function shareEndpoint(ctx: ApiContext, path: string): ApiBody | undefined {
  const { tracker, best } = ctx.node.chain;
  switch (path) {
    case '/web/heads':
      return json([...tracker.all.heads().keys()]);
    case '/web/verified_heads':
      return json([...tracker.verified.heads().keys()]);
    case '/web/tails':
      return json(tailHashes(tracker.all));
    case '/web/verified_tails':
      return json(tailHashes(tracker.verified));
    case '/web/best_share_hash':
      return json(best);
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
      return json(shareJson(ctx.node, shareOf(ctx.node, hash)));
    case 'payout_address':
      return json(shareOf(ctx.node, hash).payee);
    case 'share_data':
      // The wrapper bytes exactly as received (type VarInt + contents VarStr).
      return { kind: 'bytes', bytes: shareOf(ctx.node, hash).raw };
    default:
      return undefined;
  }
}
