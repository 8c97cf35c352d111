/**
 * The share wire format (docs/sharechain.md#wire-format): the wrapper (VarInt type + VarStr contents) and
 * the contents of every version the reference still loads (17, 32, 33, 34, 35).
 *
 * Layout differences between versions:
 * - versions < 34 carry `pubkey_hash` (20 raw bytes), `new_transaction_hashes` and
 *   `transaction_hash_refs` (a list counted in pairs, reference ListType(VarInt, mul=2));
 * - versions >= 34 carry `address` (VarStr) instead and no transaction lists;
 * - `segwit_data` is present iff version >= net.segwitActivationVersion (JT
 *   is_segwit_activated), as PossiblyNone with the none value
 *   {txid_merkle_link: {branch: [], index: 0}, wtxid_merkle_root: 2**256-1}.
 * Merkle link indexes are IntType(0): zero bytes on the wire, always 0.
 *
 * PossiblyNone: a hash of zero decodes to null; encoding an explicit none value is an error,
 * as in the reference (pack raises ValueError), so decode -> encode is byte-identical.
 * Decoding throws only DecodeError.
 */
import { ByteReader, ByteWriter } from '../bitcoin/bytes.js';
import { DecodeError } from '../bitcoin/errors.js';
import type { MerkleLink } from '../bitcoin/merkle.js';
import type { P2PoolNetwork } from './networks.js';
import type {
  HashLink, MinHeader, SegwitData, ShareContents, ShareData, ShareInfo, StaleInfo,
} from './types.js';

/** Share versions the reference (JT) loads; older ones are obsolete, newer ones unknown. */
export const LOADABLE_SHARE_VERSIONS: readonly number[] = [17, 32, 33, 34, 35];
/** The oldest loadable version (JT `Share.VERSION`): types below it are "obsolete". */
export const OLDEST_SHARE_VERSION = 17;

// Hard limits. A merkle branch of 32 levels covers 2**32 transactions, far beyond any block
// (ORIG even capped it at 16); lists bounded by the block size are bounded generously.
export const MAX_MERKLE_BRANCH = 32;
/** The coinbase must be 2..100 bytes (consensus, docs/sharechain.md#identity-sharefromcontents); read up to this. */
const MAX_COINBASE_READ = 1000;
/** bech32 addresses are at most 90 characters (BIP173); base58 ones ~35. */
export const MAX_ADDRESS_LENGTH = 128;
/** A 4 MWU block holds well under 100,000 transactions. */
export const MAX_NEW_TRANSACTION_HASHES = 100_000;
export const MAX_TRANSACTION_HASH_REFS = 200_000; // pairs

const ZERO_HASH = Buffer.alloc(32);
const NONE_WTXID_ROOT = Buffer.alloc(32, 0xff); // 2**256-1, the segwit_data none value

export function isSegwitActivated(version: number, net: P2PoolNetwork): boolean {
  return net.segwitActivationVersion > 0 && version >= net.segwitActivationVersion;
}

// ---- wrapper ----

export interface ShareWrapper {
  type: number;
  contents: Buffer;
}

export function decodeShareWrapper(raw: Uint8Array): ShareWrapper {
  const r = new ByteReader(raw);
  const type = r.readCompactSize();
  const contents = r.readVarBytes();
  r.expectEnd('share wrapper');
  return { type, contents };
}

export function encodeShareWrapper(type: number, contents: Uint8Array): Buffer {
  return new ByteWriter(contents.length + 8).writeCompactSize(type).writeVarBytes(contents).toBytes();
}

// ---- PossiblyNone hashes ----

/**
 * Decoders take `own`: false copies every field out of the input (which the caller may reuse),
 * true leaves them as views into it (decodeShare decodes its own copy of the bytes: one Buffer
 * per share instead of one per field).
 */
function readOptionalHash(r: ByteReader, own: boolean, intern?: HashInterner, field?: InternedHash): Buffer | null {
  const buf = r.inPlace(32);
  const at = r.offset;
  let zero = true;
  for (let i = 0; i < 32; i++) {
    if (buf[at + i] !== 0) {
      zero = false;
      break;
    }
  }
  let out: Buffer | null = null;
  if (!zero) out = (own && intern !== undefined ? intern(buf, at, field!) : undefined) ?? (own ? buf.subarray(at, at + 32) : Buffer.from(buf.subarray(at, at + 32)));
  r.skip(32);
  return out;
}

/** The hash fields a decoder may take from a Buffer already held (HashInterner). */
export type InternedHash = 'prevBlock' | 'prevShare' | 'farShare' | 'wtxidRoot';

/**
 * With `own`: a Buffer the caller already holds whose bytes equal `bytes[at..at+32]` (the
 * previous share's hash, the parent block's...), used for the field instead of a new view, or
 * undefined. Never called for the none value.
 */
export type HashInterner = (bytes: Buffer, at: number, field: InternedHash) => Buffer | undefined;

function writeOptionalHash(w: ByteWriter, h: Buffer | null, what: string): void {
  if (h === null) {
    w.writeBytes(ZERO_HASH);
    return;
  }
  if (h.length !== 32) throw new RangeError(`${what} must be 32 bytes`);
  if (h.equals(ZERO_HASH)) throw new RangeError(`${what}: the none value (zero) must be given as null`);
  w.writeBytes(h);
}

function readHashList(r: ByteReader, max: number, own: boolean): Buffer[] {
  return r.readList(max, (x) => (own ? x.readHash() : Buffer.from(x.readHash())));
}

function writeHashList(w: ByteWriter, list: readonly Uint8Array[]): void {
  w.writeList(list, (x, h) => {
    if (h.length !== 32) throw new RangeError('hash must be 32 bytes');
    x.writeBytes(h);
  });
}

/**
 * The empty merkle link, one frozen object shared by every decoded share that has one (every
 * ref_merkle_link in practice): two objects fewer per share held in memory (docs/mining.md).
 */
const EMPTY_MERKLE_LINK: MerkleLink = Object.freeze({ branch: Object.freeze([]) as unknown as Buffer[], index: 0 });

/** {branch: List(uint256), index: IntType(0)}: the index is not on the wire and is always 0. */
function readMerkleLink(r: ByteReader, own: boolean): MerkleLink {
  const branch = readHashList(r, MAX_MERKLE_BRANCH, own);
  return branch.length === 0 ? EMPTY_MERKLE_LINK : { branch, index: 0 };
}

/**
 * Payout addresses as decoded, one string per address: a miner's address repeats in each of its
 * shares, and every share of the chain is held in memory. Bounded (cleared when full).
 */
const addressStrings = new Map<string, string>();
function internAddress(a: string): string {
  const known = addressStrings.get(a);
  if (known !== undefined) return known;
  if (addressStrings.size >= 10_000) addressStrings.clear();
  addressStrings.set(a, a);
  return a;
}

/**
 * The strings of recently decoded addresses with their bytes, direct-mapped by length and two
 * of the bytes: a share's address is taken from here when its bytes match (compared in full),
 * without making a string of them and looking it up (addressStrings). A miner's shares are
 * many, so nearly every share's address is here.
 */
const ADDRESS_SLOTS = 256;
const recentAddressBytes: Array<Buffer | undefined> = new Array<Buffer | undefined>(ADDRESS_SLOTS).fill(undefined);
const recentAddresses: string[] = new Array<string>(ADDRESS_SLOTS).fill('');

/** share_data.address (VarStr, latin1 so that any byte string round-trips; validity is checked later). */
function readAddress(r: ByteReader): string {
  const len = r.readCompactSize(MAX_ADDRESS_LENGTH);
  const buf = r.inPlace(len);
  const at = r.offset;
  const slot = len === 0 ? 0 : (len * 7 + buf[at + len - 1]! * 31 + buf[at + (len >> 1)]!) & (ADDRESS_SLOTS - 1);
  const known = recentAddressBytes[slot];
  if (known !== undefined && known.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (known[i] !== buf[at + i]) {
        same = false;
        break;
      }
    }
    if (same) {
      r.skip(len);
      return recentAddresses[slot]!;
    }
  }
  // The checks readVarStringLatin1 makes were made above (the length's bound, the bytes there).
  const address = internAddress(buf.toString('latin1', at, at + len));
  r.skip(len);
  recentAddressBytes[slot] = Buffer.from(buf.subarray(at, at + len));
  recentAddresses[slot] = address;
  return address;
}

function writeMerkleLink(w: ByteWriter, link: MerkleLink, what: string): void {
  if (link.index !== 0) throw new RangeError(`${what}.index must be 0 (IntType(0) on the wire)`);
  if (link.branch.length > MAX_MERKLE_BRANCH) throw new RangeError(`${what} branch too long`);
  writeHashList(w, link.branch);
}

// ---- stale_info ----

function staleFromByte(b: number): StaleInfo {
  return b === 0 ? 'none' : b === 253 ? 'orphan' : b === 254 ? 'doa' : b;
}

function staleToByte(s: StaleInfo): number {
  if (s === 'none') return 0;
  if (s === 'orphan') return 253;
  if (s === 'doa') return 254;
  if (!Number.isInteger(s) || s < 1 || s > 255 || s === 253 || s === 254) {
    throw new RangeError(`invalid stale_info code ${s}`);
  }
  return s;
}

// ---- min header ----

function readMinHeader(r: ByteReader, own: boolean, intern?: HashInterner): MinHeader {
  const start = r.offset;
  const version = r.readCompactSize();
  // The header packs the version as a u32 (block_header_type), so larger values cannot hash.
  if (version > 0xffffffff) throw new DecodeError('min_header.version does not fit in 32 bits', start);
  const prevBlock = readOptionalHash(r, own, intern, 'prevBlock');
  const timestamp = r.readU32LE();
  const bits = r.readU32LE();
  const nonce = r.readU32LE();
  return { version, prevBlock, timestamp, bits, nonce };
}

function writeMinHeader(w: ByteWriter, h: MinHeader): void {
  w.writeCompactSize(h.version);
  writeOptionalHash(w, h.prevBlock, 'min_header.previous_block');
  w.writeU32LE(h.timestamp).writeU32LE(h.bits).writeU32LE(h.nonce);
}

// ---- share_info ----

function readShareData(r: ByteReader, version: number, own: boolean, intern?: HashInterner): ShareData {
  const previousShareHash = readOptionalHash(r, own, intern, 'prevShare');
  const coinbaseView = r.readVarBytes(MAX_COINBASE_READ);
  const coinbase = own ? coinbaseView : Buffer.from(coinbaseView);
  const nonce = r.readU32LE();
  let pubkeyHash: Buffer | undefined;
  let address: string | undefined;
  if (version >= 34) {
    // Bytes kept as latin1 so that any byte string round-trips; validity is checked later.
    address = readAddress(r);
  } else {
    const pkh = r.readBytes(20);
    pubkeyHash = own ? pkh : Buffer.from(pkh);
  }
  const subsidy = r.readU64LESafe();
  const donation = r.readU16LE();
  const staleInfo = staleFromByte(r.readU8());
  const desiredVersion = r.readCompactSize();
  // One literal per layout, every field in it: a field added after the literal went to a
  // separate property array (an object more per share held, and a load more per read).
  if (address !== undefined) return { previousShareHash, coinbase, nonce, address, subsidy, donation, staleInfo, desiredVersion };
  return { previousShareHash, coinbase, nonce, pubkeyHash: pubkeyHash!, subsidy, donation, staleInfo, desiredVersion };
}

function writeShareData(w: ByteWriter, d: ShareData, version: number): void {
  writeOptionalHash(w, d.previousShareHash, 'previous_share_hash');
  w.writeVarBytes(d.coinbase);
  w.writeU32LE(d.nonce);
  if (version >= 34) {
    if (d.address === undefined) throw new RangeError(`share v${version} needs share_data.address`);
    w.writeVarBytes(Buffer.from(d.address, 'latin1'));
  } else {
    if (d.pubkeyHash === undefined || d.pubkeyHash.length !== 20) {
      throw new RangeError(`share v${version} needs a 20-byte share_data.pubkey_hash`);
    }
    w.writeBytes(d.pubkeyHash);
  }
  if (!Number.isSafeInteger(d.subsidy) || d.subsidy < 0) throw new RangeError(`invalid subsidy ${d.subsidy}`);
  w.writeU64LE(BigInt(d.subsidy));
  w.writeU16LE(d.donation);
  w.writeU8(staleToByte(d.staleInfo));
  w.writeCompactSize(d.desiredVersion);
}

function readSegwitData(r: ByteReader, own: boolean, intern?: HashInterner): SegwitData | null {
  const txidMerkleLink = readMerkleLink(r, own);
  const buf = r.inPlace(32);
  const at = r.offset;
  if (txidMerkleLink.branch.length === 0 && buf.compare(NONE_WTXID_ROOT, 0, 32, at, at + 32) === 0) {
    r.skip(32);
    return null;
  }
  const known = own && intern !== undefined ? intern(buf, at, 'wtxidRoot') : undefined;
  if (known !== undefined) {
    // The root of the template before (no view made of these bytes).
    r.skip(32);
    return { txidMerkleLink, wtxidMerkleRoot: known };
  }
  const root = r.readHash();
  return { txidMerkleLink, wtxidMerkleRoot: own ? root : Buffer.from(root) };
}

function writeSegwitData(w: ByteWriter, s: SegwitData | null): void {
  if (s === null) {
    w.writeCompactSize(0).writeBytes(NONE_WTXID_ROOT);
    return;
  }
  if (s.txidMerkleLink.branch.length === 0 && s.wtxidMerkleRoot.equals(NONE_WTXID_ROOT)) {
    throw new RangeError('segwit_data: the none value must be given as null');
  }
  writeMerkleLink(w, s.txidMerkleLink, 'segwit_data.txid_merkle_link');
  if (s.wtxidMerkleRoot.length !== 32) throw new RangeError('wtxid_merkle_root must be 32 bytes');
  w.writeBytes(s.wtxidMerkleRoot);
}

function readShareInfo(r: ByteReader, version: number, net: P2PoolNetwork, own: boolean, intern?: HashInterner): ShareInfo {
  const shareData = readShareData(r, version, own, intern);
  const segwit = isSegwitActivated(version, net);
  const segwitData = segwit ? readSegwitData(r, own, intern) : null;
  let newTransactionHashes: Buffer[] | undefined;
  let transactionHashRefs: Array<[number, number]> | undefined;
  if (version < 34) {
    newTransactionHashes = readHashList(r, MAX_NEW_TRANSACTION_HASHES, own);
    const pairs = r.readCompactSize(MAX_TRANSACTION_HASH_REFS);
    if (pairs * 2 > r.remaining) throw new DecodeError(`${pairs} transaction_hash_refs cannot fit`, r.offset);
    const refs: Array<[number, number]> = new Array<[number, number]>(pairs);
    for (let i = 0; i < pairs; i++) refs[i] = [r.readCompactSize(), r.readCompactSize()];
    transactionHashRefs = refs;
  }
  const farShareHash = readOptionalHash(r, own, intern, 'farShare');
  const maxBits = r.readU32LE();
  const bits = r.readU32LE();
  const timestamp = r.readU32LE();
  const absheight = r.readU32LE();
  const abswork = r.readUIntLE(16);
  return makeShareInfo(version, segwit, { shareData, segwitData, newTransactionHashes, transactionHashRefs, farShareHash, maxBits, bits, timestamp, absheight, abswork });
}

/**
 * A ShareInfo of a share `version` (segwit_data when `segwit`, the transaction lists before v34:
 * the wire's layout), made in one place as one literal per layout with every field in it: every
 * share_info, decoded here or derived for a new share (gentx.ts), has one of four shapes. (A
 * field added after the literal went to a property array of its own: an object more per share
 * held, and a load more per read.)
 */
export function makeShareInfo(
  version: number,
  segwit: boolean,
  f: Omit<ShareInfo, 'segwitData' | 'newTransactionHashes' | 'transactionHashRefs'> & {
    segwitData: ShareInfo['segwitData'] | null;
    newTransactionHashes?: ShareInfo['newTransactionHashes'];
    transactionHashRefs?: ShareInfo['transactionHashRefs'];
  },
): ShareInfo {
  const { shareData, segwitData, farShareHash, maxBits, bits, timestamp, absheight, abswork } = f;
  if (version < 34) {
    const newTransactionHashes = f.newTransactionHashes ?? [];
    const transactionHashRefs = f.transactionHashRefs ?? [];
    return segwit
      ? { shareData, segwitData, newTransactionHashes, transactionHashRefs, farShareHash, maxBits, bits, timestamp, absheight, abswork }
      : { shareData, newTransactionHashes, transactionHashRefs, farShareHash, maxBits, bits, timestamp, absheight, abswork };
  }
  return segwit
    ? { shareData, segwitData, farShareHash, maxBits, bits, timestamp, absheight, abswork }
    : { shareData, farShareHash, maxBits, bits, timestamp, absheight, abswork };
}

function writeShareInfo(w: ByteWriter, info: ShareInfo, version: number, net: P2PoolNetwork): void {
  writeShareData(w, info.shareData, version);
  if (isSegwitActivated(version, net)) {
    if (info.segwitData === undefined) throw new RangeError(`share v${version} on ${net.name} needs segwit_data`);
    writeSegwitData(w, info.segwitData);
  }
  if (version < 34) {
    writeHashList(w, info.newTransactionHashes ?? []);
    const refs = info.transactionHashRefs ?? [];
    w.writeCompactSize(refs.length);
    for (const [shareCount, txCount] of refs) w.writeCompactSize(shareCount).writeCompactSize(txCount);
  }
  writeOptionalHash(w, info.farShareHash, 'far_share_hash');
  w.writeU32LE(info.maxBits).writeU32LE(info.bits).writeU32LE(info.timestamp).writeU32LE(info.absheight);
  w.writeUIntLE(info.abswork, 16);
}

/** share_info serialized for `version` on `net` (hashed, behind IDENTIFIER, into ref_hash). */
export function encodeShareInfo(info: ShareInfo, version: number, net: P2PoolNetwork): Buffer {
  const w = new ByteWriter(256);
  writeShareInfo(w, info, version, net);
  return w.toBytes();
}

// ---- hash_link ----

/** Shared by every decoded hash_link: a zero-length buffer cannot be written to. */
const NO_EXTRA_DATA = Buffer.alloc(0);

function readHashLink(r: ByteReader, own: boolean): HashLink {
  const view = r.readBytes(32);
  const state = own ? view : Buffer.from(view);
  // extra_data is FixedStr(0): never on the wire (docs/sharechain.md#identity-sharefromcontents).
  const length = r.readCompactSize();
  return { state, extraData: NO_EXTRA_DATA, length };
}

function writeHashLink(w: ByteWriter, h: HashLink): void {
  if (h.state.length !== 32) throw new RangeError('hash_link.state must be 32 bytes');
  if (h.extraData.length !== 0) throw new RangeError('hash_link.extra_data must be empty');
  w.writeBytes(h.state).writeCompactSize(h.length);
}

// ---- share contents ----

/** Decode share contents (the wrapper's VarStr) of a loadable `version`; the whole input must be used. */
export function decodeShareContents(contents: Uint8Array, version: number, net: P2PoolNetwork): ShareContents {
  return decodeShareContentsWithInfo(contents, version, net, false).contents;
}

/**
 * decodeShareContents, also returning the share_info bytes as they were on the wire (a view
 * into `contents`). Decoding accepts only canonical encodings and decode -> encode is
 * byte-identical, so these are exactly encodeShareInfo(contents.shareInfo): the bytes ref_hash
 * hashes, without serializing share_info again. With `own`, the caller hands over `contents`
 * (never reused or written to): the decoded hashes and byte fields are views into it, or
 * Buffers `intern` hands back for equal bytes.
 */
export function decodeShareContentsWithInfo(
  contents: Uint8Array,
  version: number,
  net: P2PoolNetwork,
  own = false,
  intern?: HashInterner,
): { contents: ShareContents; shareInfoBytes: Buffer } {
  if (!LOADABLE_SHARE_VERSIONS.includes(version)) throw new DecodeError(`share version ${version} has no layout`);
  const r = new ByteReader(contents);
  const minHeader = readMinHeader(r, own, intern);
  const infoStart = r.offset;
  const shareInfo = readShareInfo(r, version, net, own, intern);
  const shareInfoBytes = r.sliceFrom(infoStart);
  const refMerkleLink = readMerkleLink(r, own);
  const lastTxoutNonce = r.readU64LE();
  const hashLink = readHashLink(r, own);
  const merkleLink = readMerkleLink(r, own);
  r.expectEnd('share contents');
  return { contents: { minHeader, shareInfo, refMerkleLink, lastTxoutNonce, hashLink, merkleLink }, shareInfoBytes };
}

export function encodeShareContents(c: ShareContents, version: number, net: P2PoolNetwork): Buffer {
  if (!LOADABLE_SHARE_VERSIONS.includes(version)) throw new RangeError(`share version ${version} has no layout`);
  const w = new ByteWriter(512);
  writeMinHeader(w, c.minHeader);
  writeShareInfo(w, c.shareInfo, version, net);
  writeMerkleLink(w, c.refMerkleLink, 'ref_merkle_link');
  w.writeU64LE(c.lastTxoutNonce);
  writeHashLink(w, c.hashLink);
  writeMerkleLink(w, c.merkleLink, 'merkle_link');
  return w.toBytes();
}
