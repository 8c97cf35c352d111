/**
 * Answering `sharereq` (docs/protocol.md#messages and test/fixtures/p2pool-reference-node/README.md, P2P 7, observed on the reference node):
 * for each requested hash, the share itself then its ancestors, newest first, up to
 * `parents + 1` shares, where parents = min(parents, 1000 // len(hashes)); a hash in `stops` is
 * excluded and ends that walk; an unknown hash (or 0) contributes nothing and the result is still
 * 'good'; walks are concatenated without de-duplication. A reply over the payload limit is
 * 'too long' with no shares.
 */
import { hashToDisplayHex } from '../bitcoin/hex.js';
import { MAX_PAYLOAD_LENGTH } from './framing.js';
import { type ShareReplyResult, type WireShare } from './messages.js';

/** What serving needs from the tracker. */
export interface ShareSource {
  get(hash: string): { hash: string; raw: Buffer; prevHash: string | null; version: number } | undefined;
}

/** Reference: parents are capped at 1000 // len(hashes) per request. */
const MAX_PARENTS_TOTAL = 1000;

export function serveShareRequest(
  source: ShareSource,
  hashes: readonly Buffer[],
  parents: number,
  stops: readonly Buffer[],
  maxPayload: number = MAX_PAYLOAD_LENGTH,
): { result: ShareReplyResult; shares: WireShare[]; hashes: string[] } {
  if (hashes.length === 0) return { result: 'good', shares: [], hashes: [] };
  const perHash = Math.min(parents, Math.floor(MAX_PARENTS_TOTAL / hashes.length)) + 1;
  const stop = new Set(stops.map((h) => hashToDisplayHex(h)));
  const out: WireShare[] = [];
  const served: string[] = [];
  // id (32) + result (1) + list count (<= 9): the rest is share wrappers.
  let size = 42;
  for (const h of hashes) {
    let cur: string | null = hashToDisplayHex(h);
    for (let n = 0; n < perHash && cur !== null && !stop.has(cur); n++) {
      const share = source.get(cur);
      if (!share) break;
      size += share.raw.length;
      if (size > maxPayload) return { result: 'too long', shares: [], hashes: [] };
      out.push({ type: share.version, raw: share.raw });
      served.push(share.hash);
      cur = share.prevHash;
    }
  }
  return { result: 'good', shares: out, hashes: served };
}
