/**
 * Share decoding and identity (reference §1.2–1.4).
 * STUB: signatures are final; bodies are being implemented.
 */
import type { P2PoolNetwork } from './networks.js';
import type { Share, ShareContents, ShareVersion } from './types.js';

/**
 * Decode a share wrapper (VarInt type + VarStr contents) and derive its identity: hash_link ->
 * gentx txid -> merkle link -> header -> hash, PoW hash, ref hash, targets, payee.
 * Throws DecodeError for malformed bytes and InvalidShare (verify.ts) for a share that can be
 * rejected from its own bytes (unknown version, bad PoW, target above the network's max).
 */
export function decodeShare(_raw: Uint8Array, _net: P2PoolNetwork, _timeSeen = 0): Share {
  throw new Error('not implemented');
}

/** Encode the wrapper; decode -> encode is byte-identical. */
export function encodeShare(_share: ShareContents & { version: ShareVersion }, _net: P2PoolNetwork): Buffer {
  throw new Error('not implemented');
}
