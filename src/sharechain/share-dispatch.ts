/**
 * One entry point for a share received on any sharechain network: the wrapper's bytes are
 * decoded with the rules the network runs, v35 (share.ts) or fair (fair/share.ts,
 * docs/fair-sharechain.md). The P2P layer and tools call this instead of choosing themselves.
 */
import { decodeFairShare } from './fair/share.js';
import type { FairShare } from './fair/types.js';
import type { SharechainNetwork } from './networks.js';
import { decodeShare } from './share.js';
import type { Share } from './types.js';

export type AnyShare = { rules: 'v35'; share: Share } | { rules: 'fair'; share: FairShare };

/** Decode a wrapper for network `n` (throws DecodeError or InvalidShare, as each decoder does). */
export function decodeSharechainShare(raw: Uint8Array, n: SharechainNetwork, timeSeen = 0): AnyShare {
  return n.rules === 'fair'
    ? { rules: 'fair', share: decodeFairShare(raw, n.net, timeSeen) }
    : { rules: 'v35', share: decodeShare(raw, n.net, timeSeen) };
}
