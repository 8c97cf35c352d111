/**
 * The contract between the sharechain's pure share logic (share codec, identity, gentx,
 * verification: share-*.ts, gentx.ts, verify.ts) and the tracker (tracker.ts and friends).
 *
 * Hash conventions: inside a Share every hash is a Buffer in internal (little-endian) byte
 * order, as on the wire. Maps keyed by share hash use `ShareHash`, the display hex (big-endian,
 * as the reference and explorers print it), computed once per share with hashToDisplayHex.
 */
import type { MerkleLink } from '../bitcoin/merkle.js';

/** Display hex of a share hash (64 lower-case hex chars, big-endian). */
export type ShareHash = string;

/** Share versions the reference still loads (docs/sharechain.md#share-versions). 34 and 35 are fully verified. */
export type ShareVersion = 17 | 32 | 33 | 34 | 35;

export type StaleInfo = 'none' | 'orphan' | 'doa' | number; // number = 'unk%d' for other codes

/** small_block_header_type: the header without its merkle root (docs/sharechain.md#wire-format). */
export interface MinHeader {
  version: number;
  /** null when zero (genesis of the parent chain; never in practice). */
  prevBlock: Buffer | null;
  timestamp: number;
  bits: number;
  nonce: number;
}

export interface ShareData {
  /** null for the first share of a chain. */
  previousShareHash: Buffer | null;
  /** The coinbase scriptSig, 2..100 bytes. */
  coinbase: Buffer;
  nonce: number;
  /** versions < 34: the payee's hash160 (P2PKH). */
  pubkeyHash?: Buffer;
  /** versions >= 34: the payee's address string (ASCII). */
  address?: string;
  /** Total coinbase value claimed, satoshis. */
  subsidy: number;
  /** Fraction of 65535 given to the donation script. */
  donation: number;
  staleInfo: StaleInfo;
  desiredVersion: number;
}

export interface SegwitData {
  txidMerkleLink: MerkleLink;
  /** Internal byte order. */
  wtxidMerkleRoot: Buffer;
}

export interface ShareInfo {
  shareData: ShareData;
  /** Present iff segwit is activated for the share's version on its network; may be null (PossiblyNone). */
  segwitData?: SegwitData | null;
  /** versions < 34 only. */
  newTransactionHashes?: Buffer[];
  /** versions < 34 only: pairs (shareCount, txCount). */
  transactionHashRefs?: Array<[number, number]>;
  farShareHash: Buffer | null;
  maxBits: number;
  bits: number;
  timestamp: number;
  absheight: number;
  abswork: bigint;
}

export interface HashLink {
  /** SHA-256 state after the processed prefix, 8 big-endian words. */
  state: Buffer;
  /** Always empty in practice (docs/sharechain.md#identity-sharefromcontents). */
  extraData: Buffer;
  /** Length in bytes of the gentx prefix the state covers (including the unprocessed tail). */
  length: number;
}

/** The fields as they are on the wire (share_type contents). */
export interface ShareContents {
  minHeader: MinHeader;
  shareInfo: ShareInfo;
  refMerkleLink: MerkleLink;
  lastTxoutNonce: bigint;
  hashLink: HashLink;
  merkleLink: MerkleLink;
}

/** A decoded share with everything derivable from its own bytes (no chain needed). */
export interface Share extends ShareContents {
  version: ShareVersion;
  /** The wrapper bytes exactly as received (type VarInt + contents VarStr). */
  raw: Buffer;
  /** sha256d of the 80-byte header, internal byte order. */
  hashBytes: Buffer;
  hash: ShareHash;
  /** Display hex of previousShareHash, or null. */
  prevHash: ShareHash | null;
  /** The 80-byte block header (min header + merkle root). */
  header: Buffer;
  /** PoW hash of the header (sha256d or scrypt per parent chain), internal byte order. */
  powHash: Buffer;
  /** txid of the generation transaction as recovered through hash_link, internal byte order. */
  gentxHash: Buffer;
  /** sha256d(IDENTIFIER || share_info), folded with refMerkleLink, internal byte order. */
  refHash: Buffer;
  /** Share target (from shareInfo.bits) and the chain's minimum-difficulty target (maxBits). */
  target: bigint;
  maxTarget: bigint;
  /** targetToWork(target) and targetToWork(maxTarget). */
  work: bigint;
  minWork: bigint;
  /** The payee's output script (rebuilt the reference's way for the share's version, docs/sharechain.md#payout-addresses). */
  payoutScript: Buffer;
  /** The payee key used for PPLNS weights: the address string (v>=34) or script hex (older). */
  payee: string;
  /** Time the node first saw it (ms since epoch), 0 when loaded from the store. */
  timeSeen: number;
}

/** PPLNS weights over a window (docs/sharechain.md#pplns): weights in units of 1/65535 of a share's work. */
export interface CumulativeWeights {
  /** payee -> weight; payees whose weight is 0 are absent. */
  weights: Map<string, bigint>;
  /** sum of all weights plus donationWeight. */
  totalWeight: bigint;
  donationWeight: bigint;
  /**
   * Work derived from this result and remembered on it (a result is never modified, see
   * weights-window.ts): the sum's check and the payout lists (gentx.ts), the amounts' base
   * (pplns-amounts.ts). Not part of the answer. On the object rather than in WeakMaps keyed
   * by it: a result lives for a few shares, and a WeakMap's entries (ephemerons) kept it and
   * its ~1,000-payee amounts through more collections (p2pool simulate: 40% fewer full
   * collections, docs/simulate.md#cost-and-budgets).
   */
  derived?: WeightsDerived;
}

/** What gentx.ts and pplns-amounts.ts remember on a CumulativeWeights (each reads only its own fields). */
export interface WeightsDerived {
  /** The weights' sum was checked against totalWeight (gentx.ts). */
  checked?: boolean;
  /** Payout lists made from these weights, a few finders' (gentx.ts). */
  payouts?: unknown;
  /** The amounts every finder's payouts share (pplns-amounts.ts). */
  base?: unknown;
}

/**
 * What gentx generation and verification need from the chain below a share. The tracker
 * implements it; tests may implement it over a plain array.
 */
export interface ChainView {
  get(hash: ShareHash): Share | undefined;
  /** Number of shares from `hash` down to the first missing parent, including `hash`; 0 for null/unknown. */
  getHeight(hash: ShareHash | null): number;
  /** The hash of the last share (the one whose parent is missing) below `hash`, or null when the chain is rooted. */
  getLast(hash: ShareHash | null): ShareHash | null;
  /** The n-th ancestor (n=0 is `hash` itself); null if it goes past the known chain. */
  getNthParent(hash: ShareHash | null, n: number): ShareHash | null;
  /**
   * Sum of minWork over the `count` shares ending at `hash` (hash included, walking down), used
   * by the retarget's pool attempts per second. Must not be linear per call on a full chain.
   */
  sumMinWork(hash: ShareHash, count: number): bigint;
  /**
   * Reference get_cumulative_weights(start, maxShares, desiredWeight): walk down from `start`
   * (inclusive), stop at maxShares shares or once desiredWeight is reached, pro-rating the last
   * share. Must be sub-linear per call (skip list / incremental window).
   */
  cumulativeWeights(start: ShareHash | null, maxShares: number, desiredWeight: bigint): CumulativeWeights;
}
