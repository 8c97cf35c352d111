/**
 * The fair share's fields (docs/fair-sharechain.md#wire-format) and what is derived from its own
 * bytes. Hashes inside are Buffers in internal (wire, little-endian) byte order; maps are keyed
 * by display hex (`ShareHash`), as for v35 shares (src/sharechain/types.ts).
 */
import type { ShareHash } from '../types.js';

export type { ShareHash } from '../types.js';

/** The block header without its merkle root (the root is derived, docs/fair-sharechain.md#identity). */
export interface FairHeaderFields {
  version: number;
  /** Internal byte order. */
  prevBlock: Buffer;
  timestamp: number;
  bits: number;
  nonce: number;
}

/** share_info: the part committed by ref_hash into the coinbase. */
export interface FairShareInfo {
  /** The parent link, internal byte order; null for the first share of a chain. */
  prevShare: Buffer | null;
  /** The coinbase scriptSig, 2..100 bytes. */
  coinbase: Buffer;
  /** The payee's output script (one of the five standard forms). */
  payoutScript: Buffer;
  /** Coinbase value claimed, satoshis. */
  subsidy: number;
  /** Share time, seconds since the epoch. */
  timestamp: number;
  /** Own target (compact). */
  shareBits: number;
  /** Link target derived from the parent (compact). */
  linkBits: number;
  /** Floor target derived from the parent (compact). */
  floorBits: number;
  /** Parent's height + 1; 1 for the first share. */
  height: number;
  /** K: payout outputs this share's coinbase may carry (one of net.outputClasses). */
  maxOutputs: number;
  /** References, internal byte order, strictly ascending as bytes. */
  refs: Buffer[];
  /** Witness merkle root of the template's transactions (coinbase wtxid = 0), internal order. */
  wtxidRoot: Buffer;
}

export interface FairHashLink {
  /** SHA-256 state after the processed prefix, 8 big-endian words. */
  state: Buffer;
  /** The prefix's unprocessed bytes that are not the constant ending (0..63 bytes). */
  extraData: Buffer;
  /** Length in bytes of the whole gentx prefix. */
  length: number;
}

/** The share's fields as on the wire. */
export interface FairShareContents {
  header: FairHeaderFields;
  info: FairShareInfo;
  /** txid merkle branch of the coinbase (index 0) in the block. */
  merkleBranch: Buffer[];
  /** The 8 bytes after ref_hash in the coinbase's last output (the miners' extranonce). */
  lastTxoutNonce: bigint;
  hashLink: FairHashLink;
}

/** A decoded fair share with everything its own bytes determine. */
export interface FairShare extends FairShareContents {
  version: number;
  /** The wrapper bytes (type VarInt ‖ contents VarStr). */
  raw: Buffer;
  /** sha256d of the 80-byte header, internal order; `hash` is its display hex. */
  hashBytes: Buffer;
  hash: ShareHash;
  prevHash: ShareHash | null;
  /** Display hex of each reference, in wire order. */
  refHashes: ShareHash[];
  header80: Buffer;
  /** Proof-of-work hash (the parent chain's function), internal order, and its value. */
  powHash: Buffer;
  pow: bigint;
  /** sha256d(identifier ‖ share_info). */
  refHash: Buffer;
  /** Coinbase txid recovered through hash_link. */
  gentxHash: Buffer;
  /** Own, link and floor targets (decoded from the compact fields). */
  target: bigint;
  linkTarget: bigint;
  floorTarget: bigint;
  /** Work of the own target: 2**256 // (target + 1). What the share is paid for. */
  work: bigint;
  /** Work of the link target. */
  linkWork: bigint;
  /** pow <= linkTarget: a link (may be a parent); otherwise a sub-share. */
  isLink: boolean;
  /** The PPLNS key: lower-case hex of payoutScript. */
  payee: string;
  /** ms since the epoch when first seen; 0 when loaded or built. */
  timeSeen: number;
}
