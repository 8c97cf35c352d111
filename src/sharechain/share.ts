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
import { sha256d, sha256dInto } from '../bitcoin/hash.js';
import { bigIntToHash, bytesToBigIntLE, hashToDisplayHex } from '../bitcoin/hex.js';
import { checkMerkleLink, type MerkleLink } from '../bitcoin/merkle.js';
import { p2pkhScript } from '../bitcoin/script.js';
import { bitsToTarget, targetToWork } from '../bitcoin/target.js';
import { GENTX_BEFORE_REFHASH } from './coinbase-layout.js';
import { checkHashLink, checkHashLinkInto } from './hash-link.js';
import { InvalidShare } from './invalid-share.js';
import type { P2PoolNetwork } from './networks.js';
import { PayoutAddressError, payoutScriptForAddress, pubkeyHashPayee } from './payout-script.js';
import {
  LOADABLE_SHARE_VERSIONS, OLDEST_SHARE_VERSION, decodeShareContentsWithInfo, decodeShareWrapper,
  encodeShareContents, encodeShareInfo, encodeShareWrapper, isSegwitActivated, type InternedHash,
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
/** Target and work of compact bits (remembered; see BitsEntry). Also the work a rebuilt share_info adds to abswork (retarget.ts). */
export function targetAndWork(bits: number): Readonly<BitsEntry> {
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
export function decodeShare(raw: Uint8Array, net: P2PoolNetwork, timeSeen = 0, fromStore = false): Share {
  // One copy of the bytes (the caller's buffer may be a reused network read); every decoded
  // field is a view into it rather than a Buffer of its own (docs/mining.md#performance-how-the-hot-paths-are-kept-cheap).
  // The copy and the share's digests (header, hash, gentx txid, ref_hash) are one block:
  // `fromStore` (the store's load, where every share is kept) of a 64 KB slab (`takeBlock`),
  // else of Node's pool (a peer may send a share we have, decoded only to be dropped: a slab
  // would hold its bytes as long as any kept share beside it).
  // The block is `memory` from `at` (a slab and an offset in it: no view made of the block or
  // of the digests' part of it, only of the bytes the share keeps).
  const n = raw.length + DIGESTS_LENGTH;
  let memory: Buffer;
  let at: number;
  if (fromStore) {
    at = takeBlock(n);
    memory = blockMemory;
  } else {
    memory = Buffer.allocUnsafe(n);
    at = 0;
  }
  memory.set(raw, at);
  const owned = memory.subarray(at, at + raw.length);
  const wrapper = decodeShareWrapper(owned);
  if (!LOADABLE_SHARE_VERSIONS.includes(wrapper.type)) {
    throw new InvalidShare(
      wrapper.type < OLDEST_SHARE_VERSION
        ? `obsolete share version ${wrapper.type}`
        : `unknown share version ${wrapper.type}`,
    );
  }
  const version = wrapper.type as ShareVersion;
  const { contents, shareInfoBytes } = decodeShareContentsWithInfo(wrapper.contents, version, net, true, internHash);
  shareOwnedHashes(contents);
  const share = deriveShare(version, contents, net, owned, timeSeen, shareInfoBytes, memory, at + raw.length);
  rememberShareHash(share.hashBytes);
  return share;
}

/**
 * Loaded shares' bytes are carved from slabs of SLAB_BYTES (one ArrayBuffer per ~140 shares
 * instead of Node's 8 KB pool, shared with every other small Buffer: a full chain held ~1,200
 * pool slabs, each an ArrayBuffer the collector tracks). A slab lives while any share carved
 * from it does; the store loads oldest first and the chain is pruned oldest first, so slabs die
 * in the order they were filled. A share larger than a quarter slab (old versions with long
 * transaction lists) gets its own.
 */
const SLAB_BYTES = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(0);
let slabUsed = 0;
/** The memory of the last block takeBlock gave (the slab, or a block of its own). */
let blockMemory: Buffer = slab;

/** A block of `n` bytes: `blockMemory` from the offset returned. */
function takeBlock(n: number): number {
  if (n > SLAB_BYTES / 4) {
    blockMemory = Buffer.allocUnsafeSlow(n);
    return 0;
  }
  if (slabUsed + n > slab.length) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  blockMemory = slab;
  const at = slabUsed;
  slabUsed += n;
  return at;
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
  // The decoder took known Buffers where the bytes matched (internHash, no view made); a new
  // parent block or wtxid root becomes the one the next shares are compared with.
  const pb = c.minHeader.prevBlock;
  if (pb !== null) lastPrevBlock = pb;
  const seg = c.shareInfo.segwitData;
  if (seg) lastWtxidRoot = seg.wtxidMerkleRoot;
}

/** share-codec's HashInterner for decodeShare (see shareOwnedHashes). */
function internHash(bytes: Buffer, at: number, field: InternedHash): Buffer | undefined {
  const known = field === 'prevBlock' ? lastPrevBlock
    : field === 'wtxidRoot' ? lastWtxidRoot
      : recentHashes[recentSlot(bytes, at)];
  if (known === undefined || known.length !== 32) return undefined;
  for (let i = 0; i < 32; i++) if (known[i] !== bytes[at + i]) return undefined;
  return known;
}

let lastPrevBlock: Buffer = ZERO_HASH;
let lastWtxidRoot: Buffer = ZERO_HASH;

/**
 * The hashBytes of recently decoded shares, direct-mapped by their first two bytes (uniform:
 * a sha256d): a share's parent, decoded just before it, is always found, its far share (99
 * shares back) about 9 times in 10. A slot is compared in full before use. (An LRU map here
 * cost a Map delete, set and iterator per share.)
 */
const RECENT_SLOTS = 1024;
const recentHashes: Array<Buffer | undefined> = new Array<Buffer | undefined>(RECENT_SLOTS).fill(undefined);

function recentSlot(h: Uint8Array, at = 0): number {
  return (h[at]! | (h[at + 1]! << 8)) & (RECENT_SLOTS - 1);
}

function rememberShareHash(h: Buffer): void {
  recentHashes[recentSlot(h)] = h;
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
  return deriveShare(version, contents, net, raw, timeSeen, undefined, null, 0);
}

/** shareFromContents, given the wire bytes of share_info when they are at hand (decodeShare). */
function deriveShare(
  version: ShareVersion,
  contents: ShareContents,
  net: P2PoolNetwork,
  raw: Buffer | undefined,
  timeSeen: number,
  shareInfoBytes: Buffer | undefined,
  /** Decoded shares (decodeShare): `memory` has DIGESTS_LENGTH bytes at `digestsAt` the digests are written into (DecodedShare). */
  memory: Buffer | null,
  digestsAt: number,
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

  if (memory !== null) return deriveDecoded(version, contents, net, raw!, timeSeen, shareInfoBytes!, memory, digestsAt, payoutScript, payee, segwit);

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
  const header = Buffer.allocUnsafe(80);
  writeHeader(header, 0, minHeader, prevBlock);
  header.set(merkleRoot, 36);
  const hashBytes = sha256d(header);
  const hash = hashToDisplayHex(hashBytes);
  // The parent's display string before this share becomes the last one (prevHashText).
  const prevHash = data.previousShareHash ? prevHashText(data.previousShareHash) : null;
  lastHashBytes = hashBytes;
  lastHash = hash;
  const powHash = checkPow(net, hashBytes, header, 0, shareInfo, hash);
  const { target, work } = targetAndWork(shareInfo.bits);
  const { target: maxTarget, work: minWork } = targetAndWork(shareInfo.maxBits);

  const shareRaw = raw ?? encodeShareWrapper(version, encodeShareContents(contents, version, net));
  // A share built here is held as a decoded one is (DecodedShare): its digests in a block of their
  // own layout. One class for every share: code that reads shares (the tracker, the checks)
  // sees one shape whether a share was built by our miners or decoded from a peer or the store
  // (two shapes made every such function be compiled again when the other appeared).
  const at = takeBlock(DIGESTS_LENGTH);
  const block = blockMemory;
  block.set(header, at);
  block.set(hashBytes, at + HASH_AT);
  block.set(gentxHash, at + GENTX_AT);
  block.set(refHash, at + REF_AT);
  const held = block.subarray(at + HASH_AT, at + HASH_AT + 32);
  if (lastHashBytes === hashBytes) lastHashBytes = held;
  return new DecodedShare(contents, version, shareRaw, held, hash, prevHash, powHash === hashBytes ? held : powHash, target, maxTarget, work, minWork, payoutScript, payee, timeSeen, block, at);
}

/** The header's fields but the merkle root (written at at + 36 by the caller), into `buf` from `at`. */
function writeHeader(buf: Buffer, at: number, h: ShareContents['minHeader'], prevBlock: Buffer): void {
  buf.writeUInt32LE(h.version, at);
  buf.set(prevBlock, at + 4);
  buf.writeUInt32LE(h.timestamp, at + 68);
  buf.writeUInt32LE(h.bits, at + 72);
  buf.writeUInt32LE(h.nonce, at + 76);
}

/**
 * The PoW hash, checked: target <= MAX_TARGET and pow <= target. A simulated network (src/sim)
 * supplies the PoW value it drew for this header; the check then runs on it unchanged
 * (docs/simulate.md#proof-of-work).
 */
function checkPow(net: P2PoolNetwork, hashBytes: Buffer, memory: Buffer, headerAt: number, shareInfo: ShareInfo, hash: string): Buffer {
  // The header (80 bytes of `memory` at headerAt) is read only by another chain's PoW function.
  const powHash = net.simulatedPow?.(hashBytes) ?? (net.parent.pow === 'sha256d' ? hashBytes : parentPowHash(net.parent, memory.subarray(headerAt, headerAt + 80)));
  const { target, targetBytes } = targetAndWork(shareInfo.bits);
  if (target > net.maxTarget) throw new InvalidShare('share target invalid (above the network maximum)', hash);
  // pow <= target as integers, compared on the little-endian bytes from the top (no BigInt per share).
  const above = powHash.length === 32 && targetBytes !== null ? hashAboveTarget(powHash, targetBytes) : bytesToBigIntLE(powHash) > target;
  if (above) throw new InvalidShare('share PoW invalid', hash);
  return powHash;
}

/**
 * DecodedShare's digests, one block: header (80) ‖ share hash (32) ‖ gentx txid (32) ‖
 * ref_hash (32). Each is hashed straight into its place (no Buffer per digest).
 */
const HASH_AT = 80;
const GENTX_AT = 112;
const REF_AT = 144;
const DIGESTS_LENGTH = 176;

/** deriveShare for a decoded share: the same steps and checks, the digests written into `memory` from `d`. */
function deriveDecoded(
  version: ShareVersion,
  contents: ShareContents,
  net: P2PoolNetwork,
  raw: Buffer,
  timeSeen: number,
  shareInfoBytes: Buffer,
  memory: Buffer,
  d: number,
  payoutScript: Buffer,
  payee: string,
  segwit: boolean,
): Share {
  const { shareInfo, minHeader } = contents;
  // ref_hash = sha256d(IDENTIFIER ‖ share_info), folded with ref_merkle_link (empty in practice).
  const n = net.identifier.length + shareInfoBytes.length;
  if (refScratch.length < n) refScratch = Buffer.alloc(n * 2);
  refScratch.set(net.identifier, 0);
  refScratch.set(shareInfoBytes, net.identifier.length);
  if (contents.refMerkleLink.branch.length === 0) {
    sha256dInto(refScratch, 0, n, memory, d + REF_AT);
  } else {
    memory.set(checkMerkleLink(sha256d(refScratch.subarray(0, n)), contents.refMerkleLink), d + REF_AT);
  }
  // gentx txid: hash_link resumed with ref_hash ‖ last_txout_nonce ‖ locktime 0.
  // 32-byte copies as loops: Buffer.copy's argument checks cost more than the copy.
  for (let i = 0; i < 32; i++) suffixScratch[i] = memory[d + REF_AT + i]!;
  suffixScratch.writeBigUInt64LE(contents.lastTxoutNonce, 32);
  suffixScratch.writeUInt32LE(0, 40);
  try {
    checkHashLinkInto(contents.hashLink, suffixScratch, GENTX_BEFORE_REFHASH, memory, d + GENTX_AT);
  } catch (e) {
    throw new InvalidShare(`bad hash_link: ${(e as Error).message}`);
  }
  const link = segwit ? shareInfo.segwitData!.txidMerkleLink : contents.merkleLink;
  const prevBlock = minHeader.prevBlock ?? ZERO_HASH;
  if (prevBlock.length !== 32) throw new RangeError('header hashes must be 32 bytes');
  writeHeader(memory, d, minHeader, prevBlock);
  if (link.branch.length === 0) memory.copyWithin(d + 36, d + GENTX_AT, d + GENTX_AT + 32);
  else memory.set(checkMerkleLink(memory.subarray(d + GENTX_AT, d + GENTX_AT + 32), link), d + 36);
  sha256dInto(memory, d, d + 80, memory, d + HASH_AT);
  const hashBytes = memory.subarray(d + HASH_AT, d + HASH_AT + 32);
  const hash = hashToDisplayHex(hashBytes);
  // The parent's display string before this share becomes the last one (prevHashText).
  const data = shareInfo.shareData;
  const prevHash = data.previousShareHash ? prevHashText(data.previousShareHash) : null;
  lastHashBytes = hashBytes;
  lastHash = hash;
  const powHash = checkPow(net, hashBytes, memory, d, shareInfo, hash);
  const { target, work } = targetAndWork(shareInfo.bits);
  const { target: maxTarget, work: minWork } = targetAndWork(shareInfo.maxBits);
  return new DecodedShare(contents, version, raw, hashBytes, hash, prevHash, powHash, target, maxTarget, work, minWork, payoutScript, payee, timeSeen, memory, d);
}

/**
 * Every share made here: decoded from its bytes (decodeShare: every share loaded from the store
 * or received from a peer, i.e. the whole chain held in memory) or built (shareFromContents:
 * our miners' shares, the simulator's). The same fields as any Share, except that the header,
 * the gentx txid and the ref_hash, read a few times in a share's life (verification, a found
 * block, the API), are views made on access of the block the digests were hashed into (after a
 * decoded share's bytes, in the same slab: takeBlock; the share keeps the slab and an offset, no
 * view of its own): three Buffer objects (~100 bytes each) fewer per share held
 * (docs/mining.md). (hash_link stays a field: callers spread decoded shares into new contents,
 * and a getter is not copied by a spread.) A view is new at each access; the bytes are the same and never written to.
 */
class DecodedShare implements Share {
  // (Named when only decoded shares were held this way; built shares are too since 2026-12-07.)
  // A copy made by spreading one ({ ...share }) has none of the three getters' fields: make
  // another share with shareFromContents (e.g. for another timeSeen) instead.
  /** The slab (or own block) holding the share's bytes and digests (takeBlock). */
  readonly #memory: ArrayBufferLike;
  readonly #digestsAt: number;
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
    /** The block the digests were hashed into, and where in it (deriveDecoded). */
    memory: Buffer,
    digestsAt: number,
  ) {
    this.minHeader = contents.minHeader;
    this.shareInfo = contents.shareInfo;
    this.refMerkleLink = contents.refMerkleLink;
    this.lastTxoutNonce = contents.lastTxoutNonce;
    this.hashLink = contents.hashLink;
    this.merkleLink = contents.merkleLink;
    this.#memory = memory.buffer;
    this.#digestsAt = memory.byteOffset + digestsAt;
  }

  /** `n` bytes of this share's memory at `at` (an absolute offset in it), as a new view. */
  #view(at: number, n: number): Buffer {
    return Buffer.from(this.#memory, at, n);
  }

  get header(): Buffer {
    return this.#view(this.#digestsAt, 80);
  }

  get gentxHash(): Buffer {
    return this.#view(this.#digestsAt + GENTX_AT, 32);
  }

  get refHash(): Buffer {
    return this.#view(this.#digestsAt + REF_AT, 32);
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
  return prev === lastHashBytes || prev.equals(lastHashBytes) ? lastHash : hashToDisplayHex(prev);
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
