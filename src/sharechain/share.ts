/**
 * Share decoding and identity (docs/sharechain.md#share-versions, JT BaseShare.__init__).
 *
 * A share's identity is derived from its own bytes: ref_hash = sha256d(IDENTIFIER ‖
 * share_info) -> gentx txid by resuming hash_link with ref_hash ‖ last_txout_nonce ‖ locktime
 * -> merkle root through segwit_data.txid_merkle_link (segwit versions) or merkle_link ->
 * 80-byte header -> share hash (sha256d) and PoW hash (the parent chain's PoW function).
 * The checks the reference makes in its constructor are made here, in the same order, and
 * fail with InvalidShare: coinbase 2..100 bytes, a payable payee, the transaction-reference
 * rules of old versions, target <= MAX_TARGET and pow <= target.
 */
import { powHash as parentPowHash } from '../bitcoin/chain-params.js';
import { sha256d } from '../bitcoin/hash.js';
import { bigIntToHash, bytesToBigIntLE, hashToDisplayHex } from '../bitcoin/hex.js';
import { checkMerkleLink, type MerkleLink } from '../bitcoin/merkle.js';
import { p2pkhScript } from '../bitcoin/script.js';
import { bitsToTarget, targetToWork } from '../bitcoin/target.js';
import { GENTX_BEFORE_REFHASH } from './coinbase-layout.js';
import { checkHashLink } from './hash-link.js';
import { InvalidShare } from './invalid-share.js';
import type { P2PoolNetwork } from './networks.js';
import { PayoutAddressError, payoutScriptForAddress, pubkeyHashPayee } from './payout-script.js';
import {
  LOADABLE_SHARE_VERSIONS, OLDEST_SHARE_VERSION, decodeShareContentsWithInfo, decodeShareWrapper,
  encodeShareContents, encodeShareInfo, encodeShareWrapper, isSegwitActivated,
} from './share-codec.js';
import type { Share, ShareContents, ShareInfo, ShareVersion } from './types.js';

const ZERO_HASH = Buffer.alloc(32);

/** docs/sharechain.md#identity-sharefromcontents: share_count of a transaction_hash_ref must stay below this. */
const MAX_TX_REF_SHARE_COUNT = 110;
/** JT: on bitcoin, shares above this absheight voting for v16 are refused (the 2017 fork). */
const V16_VOTE_CUTOFF_ABSHEIGHT = 3927800;

/**
 * ref_hash: sha256d(IDENTIFIER ‖ share_info), folded with ref_merkle_link (empty in
 * practice), internal byte order.
 */
export function computeRefHash(info: ShareInfo, version: number, refMerkleLink: MerkleLink, net: P2PoolNetwork): Buffer {
  return refHashOfPacked(encodeShareInfo(info, version, net), refMerkleLink, net);
}

/** IDENTIFIER ‖ share_info, assembled here to be hashed (single-threaded, never held across calls). */
let refScratch = Buffer.alloc(512);

/** computeRefHash from share_info already serialized. */
function refHashOfPacked(packed: Uint8Array, refMerkleLink: MerkleLink, net: P2PoolNetwork): Buffer {
  const n = net.identifier.length + packed.length;
  if (refScratch.length < n) refScratch = Buffer.alloc(n * 2);
  refScratch.set(net.identifier, 0);
  refScratch.set(packed, net.identifier.length);
  const h = sha256d(refScratch.subarray(0, n));
  return refMerkleLink.branch.length === 0 ? h : checkMerkleLink(h, refMerkleLink);
}

/** The 44 bytes hashed after the hash_link prefix, rewritten per share (see refScratch). */
const suffixScratch = Buffer.alloc(44);

/** The 44 bytes hashed after the hash_link prefix: ref_hash ‖ u64 nonce ‖ u32 locktime 0. */
function gentxSuffix(refHash: Buffer, lastTxoutNonce: bigint): Buffer {
  suffixScratch.set(refHash, 0);
  suffixScratch.writeBigUInt64LE(lastTxoutNonce, 32);
  suffixScratch.writeUInt32LE(0, 40);
  return suffixScratch;
}

/**
 * Target and work of a share's compact bits. A pure function of the bits, remembered because
 * neighbouring shares carry the same bits (a retarget moves them slowly) and the work is a
 * 256-bit division; bounded so hostile bits cannot grow it.
 */
interface BitsEntry {
  target: bigint;
  work: bigint;
  /** The target as 32 little-endian bytes (a hash is compared with it byte by byte); null above 2**256-1. */
  targetBytes: Buffer | null;
}
const bitsCache = new Map<number, BitsEntry>();
function targetAndWork(bits: number): BitsEntry {
  let e = bitsCache.get(bits);
  if (e === undefined) {
    const target = bitsToTarget(bits);
    e = { target, work: targetToWork(target), targetBytes: target < 1n << 256n ? bigIntToHash(target) : null };
    if (bitsCache.size >= 4096) bitsCache.clear();
    bitsCache.set(bits, e);
  }
  return e;
}

/**
 * Decode a share wrapper (VarInt type + VarStr contents) and derive its identity: hash_link ->
 * gentx txid -> merkle link -> header -> hash, PoW hash, ref hash, targets, payee.
 * Throws DecodeError for malformed bytes and InvalidShare for a share that can be
 * rejected from its own bytes (unknown version, bad PoW, target above the network's max).
 */
export function decodeShare(raw: Uint8Array, net: P2PoolNetwork, timeSeen = 0): Share {
  // One copy of the bytes (the caller's buffer may be a reused network read); every decoded
  // field is a view into it rather than a Buffer of its own (docs/mining.md#performance-how-the-hot-paths-are-kept-cheap).
  const owned = Buffer.from(raw);
  const wrapper = decodeShareWrapper(owned);
  if (!LOADABLE_SHARE_VERSIONS.includes(wrapper.type)) {
    throw new InvalidShare(
      wrapper.type < OLDEST_SHARE_VERSION
        ? `obsolete share version ${wrapper.type}`
        : `unknown share version ${wrapper.type}`,
    );
  }
  const version = wrapper.type as ShareVersion;
  const { contents, shareInfoBytes } = decodeShareContentsWithInfo(wrapper.contents, version, net, true);
  shareOwnedHashes(contents);
  const share = deriveShare(version, contents, net, owned, timeSeen, shareInfoBytes, true);
  rememberShareHash(share.hashBytes);
  return share;
}

/**
 * Hashes a decoded share holds that are equal to a Buffer already held: the previous share's
 * and the far share's hashes are the hashBytes of shares decoded shortly before (the store loads
 * oldest first, a peer sends parents first), and neighbouring shares name the same parent block
 * (and, on one template, the same wtxid root). The field then points at that Buffer instead of
 * a view of its own: up to four Buffer objects fewer per share held (docs/mining.md). Same
 * bytes, and a share's Buffers are never written to, so nothing else changes.
 */
function shareOwnedHashes(c: ShareContents): void {
  const data = c.shareInfo.shareData;
  if (data.previousShareHash !== null) data.previousShareHash = knownShareHash(data.previousShareHash);
  if (c.shareInfo.farShareHash !== null) c.shareInfo.farShareHash = knownShareHash(c.shareInfo.farShareHash);
  const pb = c.minHeader.prevBlock;
  if (pb !== null) {
    if (pb.equals(lastPrevBlock)) c.minHeader.prevBlock = lastPrevBlock;
    else lastPrevBlock = pb;
  }
  const seg = c.shareInfo.segwitData;
  if (seg) {
    if (seg.wtxidMerkleRoot.equals(lastWtxidRoot)) seg.wtxidMerkleRoot = lastWtxidRoot;
    else lastWtxidRoot = seg.wtxidMerkleRoot;
  }
}

let lastPrevBlock: Buffer = ZERO_HASH;
let lastWtxidRoot: Buffer = ZERO_HASH;

/** The hashBytes of the last RECENT_HASHES shares decoded, keyed by their first 6 bytes (checked in full). */
const RECENT_HASHES = 512;
const recentHashes = new Map<number, Buffer>();

function rememberShareHash(h: Buffer): void {
  const key = h.readUIntLE(0, 6);
  recentHashes.delete(key);
  recentHashes.set(key, h);
  if (recentHashes.size > RECENT_HASHES) recentHashes.delete(recentHashes.keys().next().value!);
}

function knownShareHash(h: Buffer): Buffer {
  const known = recentHashes.get(h.readUIntLE(0, 6));
  return known !== undefined && known.equals(h) ? known : h;
}

/** Encode the wrapper; decode -> encode is byte-identical. */
export function encodeShare(share: ShareContents & { version: ShareVersion }, net: P2PoolNetwork): Buffer {
  return encodeShareWrapper(share.version, encodeShareContents(share, share.version, net));
}

/**
 * Derive a Share from decoded (or freshly built) contents, with the reference constructor's
 * checks. `raw` defaults to the contents' encoding.
 */
export function shareFromContents(
  version: ShareVersion,
  contents: ShareContents,
  net: P2PoolNetwork,
  raw?: Buffer,
  timeSeen = 0,
): Share {
  return deriveShare(version, contents, net, raw, timeSeen, undefined, false);
}

/** shareFromContents, given the wire bytes of share_info when they are at hand (decodeShare). */
function deriveShare(
  version: ShareVersion,
  contents: ShareContents,
  net: P2PoolNetwork,
  raw: Buffer | undefined,
  timeSeen: number,
  shareInfoBytes: Buffer | undefined,
  compact: boolean,
): Share {
  const { shareInfo, minHeader } = contents;
  const data = shareInfo.shareData;

  if (data.coinbase.length < 2 || data.coinbase.length > 100) {
    throw new InvalidShare(`bad coinbase size: ${data.coinbase.length} bytes (must be 2..100)`);
  }

  let payee: string;
  let payoutScript: Buffer;
  if (version >= 34) {
    payee = data.address ?? '';
    try {
      payoutScript = payoutScriptForAddress(payee, net.parent, version);
    } catch (e) {
      if (e instanceof PayoutAddressError) throw new InvalidShare(e.message);
      throw e;
    }
  } else {
    const pkh = data.pubkeyHash ?? Buffer.alloc(20);
    payee = pubkeyHashPayee(pkh, net.parent);
    payoutScript = p2pkhScript(pkh);
  }

  if (net.name === 'bitcoin' && shareInfo.absheight > V16_VOTE_CUTOFF_ABSHEIGHT && data.desiredVersion === 16) {
    throw new InvalidShare('not a hardfork-supporting share (votes for v16)');
  }

  if (version < 34) checkTransactionHashRefs(shareInfo);

  const segwit = isSegwitActivated(version, net);
  if (segwit && !shareInfo.segwitData) {
    // The reference dereferences segwit_data here and crashes; we refuse on purpose.
    throw new InvalidShare(`segwit_data is None in a v${version} share`);
  }

  const refHash = shareInfoBytes === undefined
    ? computeRefHash(shareInfo, version, contents.refMerkleLink, net)
    : refHashOfPacked(shareInfoBytes, contents.refMerkleLink, net);
  let gentxHash: Buffer;
  try {
    gentxHash = checkHashLink(contents.hashLink, gentxSuffix(refHash, contents.lastTxoutNonce), GENTX_BEFORE_REFHASH);
  } catch (e) {
    throw new InvalidShare(`bad hash_link: ${(e as Error).message}`);
  }
  const link = segwit ? shareInfo.segwitData!.txidMerkleLink : contents.merkleLink;
  const merkleRoot = link.branch.length === 0 ? gentxHash : checkMerkleLink(gentxHash, link);
  // The 80-byte header written in place (encodeHeader's layout, docs/sharechain.md#identity-sharefromcontents).
  const prevBlock = minHeader.prevBlock ?? ZERO_HASH;
  if (prevBlock.length !== 32 || merkleRoot.length !== 32) throw new RangeError('header hashes must be 32 bytes');
  // Decoded shares (compact) keep header ‖ gentx txid ‖ ref_hash in one Buffer (DecodedShare).
  const digests = compact ? Buffer.allocUnsafe(DIGESTS_LENGTH) : null;
  const header = digests === null ? Buffer.allocUnsafe(80) : digests.subarray(0, 80);
  header.writeUInt32LE(minHeader.version, 0);
  header.set(prevBlock, 4);
  header.set(merkleRoot, 36);
  header.writeUInt32LE(minHeader.timestamp, 68);
  header.writeUInt32LE(minHeader.bits, 72);
  header.writeUInt32LE(minHeader.nonce, 76);
  const hashBytes = sha256d(header);
  const hash = hashToDisplayHex(hashBytes);
  lastHashBytes = hashBytes;
  lastHash = hash;
  // A simulated network (src/sim) supplies the PoW value it drew for this header; the check
  // below then runs on it unchanged (docs/simulate.md#proof-of-work).
  const powHash = net.simulatedPow?.(hashBytes) ?? (net.parent.pow === 'sha256d' ? hashBytes : parentPowHash(net.parent, header));

  const { target, work, targetBytes } = targetAndWork(shareInfo.bits);
  const { target: maxTarget, work: minWork } = targetAndWork(shareInfo.maxBits);
  if (target > net.maxTarget) throw new InvalidShare('share target invalid (above the network maximum)', hash);
  // pow <= target as integers, compared on the little-endian bytes from the top (no BigInt per share).
  const above = powHash.length === 32 && targetBytes !== null ? hashAboveTarget(powHash, targetBytes) : bytesToBigIntLE(powHash) > target;
  if (above) throw new InvalidShare('share PoW invalid', hash);

  const prevHash = data.previousShareHash ? prevHashText(data.previousShareHash) : null;
  const shareRaw = raw ?? encodeShareWrapper(version, encodeShareContents(contents, version, net));
  if (digests !== null) {
    gentxHash.copy(digests, 80);
    refHash.copy(digests, 112);
    return new DecodedShare(contents, version, shareRaw, hashBytes, hash, prevHash, powHash, target, maxTarget, work, minWork, payoutScript, payee, timeSeen, digests);
  }
  // The six ShareContents fields by name, not `...contents`: the spread clones through V8's
  // slow path and made this literal half the cost of decoding a share.
  return {
    minHeader,
    shareInfo,
    refMerkleLink: contents.refMerkleLink,
    lastTxoutNonce: contents.lastTxoutNonce,
    hashLink: contents.hashLink,
    merkleLink: contents.merkleLink,
    version,
    raw: shareRaw,
    hashBytes,
    hash,
    prevHash,
    header,
    powHash,
    gentxHash,
    refHash,
    target,
    maxTarget,
    work,
    minWork,
    payoutScript,
    payee,
    timeSeen,
  };
}

/** header (80) ‖ gentx txid (32) ‖ ref_hash (32): DecodedShare's one Buffer for the three. */
const DIGESTS_LENGTH = 144;

/**
 * A share decoded from its bytes (decodeShare: every share loaded from the store or received
 * from a peer, i.e. the whole chain held in memory). The same fields as any Share, except that
 * the header, the gentx txid and the ref_hash, read a few times in a share's life (verification,
 * a found block, the API), are views made on access of one Buffer holding the three: two
 * Buffer objects (~100 bytes each) fewer per share held (docs/mining.md). A view is new at
 * each access; the bytes are the same and never written to. Not for shares being built
 * (shareFromContents): the simulator rewrites those fields (src/sim/v35-rules.ts compactShare).
 */
class DecodedShare implements Share {
  readonly #digests: Buffer;
  minHeader: ShareContents['minHeader'];
  shareInfo: ShareInfo;
  refMerkleLink: ShareContents['refMerkleLink'];
  lastTxoutNonce: bigint;
  hashLink: ShareContents['hashLink'];
  merkleLink: ShareContents['merkleLink'];

  constructor(
    contents: ShareContents,
    public version: ShareVersion,
    public raw: Buffer,
    public hashBytes: Buffer,
    public hash: string,
    public prevHash: string | null,
    public powHash: Buffer,
    public target: bigint,
    public maxTarget: bigint,
    public work: bigint,
    public minWork: bigint,
    public payoutScript: Buffer,
    public payee: string,
    public timeSeen: number,
    digests: Buffer,
  ) {
    this.minHeader = contents.minHeader;
    this.shareInfo = contents.shareInfo;
    this.refMerkleLink = contents.refMerkleLink;
    this.lastTxoutNonce = contents.lastTxoutNonce;
    this.hashLink = contents.hashLink;
    this.merkleLink = contents.merkleLink;
    this.#digests = digests;
  }

  get header(): Buffer {
    return this.#digests.subarray(0, 80);
  }

  get gentxHash(): Buffer {
    return this.#digests.subarray(80, 112);
  }

  get refHash(): Buffer {
    return this.#digests.subarray(112, 144);
  }
}

/**
 * The last share decoded here: shares are mostly decoded parent first (the store's load, a
 * peer's batch), so a share's previous_share_hash is usually that share's hash, and its display
 * string is reused instead of made again (the whole chain is held in memory).
 */
let lastHashBytes: Buffer = ZERO_HASH;
let lastHash = '';
function prevHashText(prev: Buffer): string {
  return prev.equals(lastHashBytes) ? lastHash : hashToDisplayHex(prev);
}

/** Whether a 32-byte little-endian hash is above a target given as 32 little-endian bytes. */
function hashAboveTarget(hash: Uint8Array, target: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const h = hash[i]!;
    const t = target[i]!;
    if (h !== t) return h > t;
  }
  return false;
}

/**
 * Versions < 34: every share_count < 110, and the refs into this share's own new transactions
 * (share_count 0) cover exactly 0..len(new_transaction_hashes)-1 (docs/sharechain.md#identity-sharefromcontents).
 */
function checkTransactionHashRefs(info: ShareInfo): void {
  const own = new Set<number>();
  for (const [shareCount, txCount] of info.transactionHashRefs ?? []) {
    if (shareCount >= MAX_TX_REF_SHARE_COUNT) throw new InvalidShare(`transaction_hash_ref share_count ${shareCount} >= 110`);
    if (shareCount === 0) own.add(txCount);
  }
  const n = info.newTransactionHashes?.length ?? 0;
  let exact = own.size === n;
  for (let i = 0; exact && i < n; i++) exact = own.has(i);
  if (!exact) throw new InvalidShare('transaction_hash_refs do not cover new_transaction_hashes exactly');
}
