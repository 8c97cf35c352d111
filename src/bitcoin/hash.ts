/**
 * Hash functions. SHA-256 of whole messages and scrypt come from node:crypto (OpenSSL, SHA-NI
 * where the CPU has it). The one thing OpenSSL does not expose is the SHA-256 midstate, which
 * P2Pool needs twice: a share's hash_link carries the state after the gentx prefix so a
 * verifier can finish the txid without the payout outputs (docs/sharechain.md#identity-sharefromcontents), and getwork hands
 * miners the state after the first 64 header bytes (docs/mining.md#connecting); Stratum's submit path also resumes
 * the coinbase from one and climbs the merkle branch in state words. For that we keep our own
 * compression function (FIPS 180-4 §6.2.2).
 *
 * When the native addon is built (native-sha256.ts; docs/operations.md "Native SHA-256"), the
 * hot paths run there in one call each, and short sha256/sha256d messages too (one native call
 * against two trips through crypto.hash). The JavaScript code below stays the fallback, and
 * `jsSha256` exposes it so tests compare the two.
 */
import * as crypto from 'node:crypto';
import { createHash, scryptSync } from 'node:crypto';
import { nativeSha256, type Sha256Ops } from './native-sha256.js';

/**
 * One-shot digest: crypto.hash (Node >= 20.12) skips the Hash object createHash builds, several
 * times faster for the short inputs hashed here (headers, share_info, coinbases). Older Node 20
 * releases fall back to createHash.
 */
const oneShot: (algorithm: string, data: Uint8Array) => Buffer =
  typeof crypto.hash === 'function'
    ? (algorithm, data) => crypto.hash(algorithm, data, 'buffer')
    : (algorithm, data) => createHash(algorithm).update(data).digest();

/**
 * Messages up to this many bytes are hashed by the native addon, longer ones by OpenSSL.
 * crypto.hash has a fixed cost of ~4 us per call here, then ~0.23 us per block with SHA-NI;
 * the addon costs ~1 us per call, then the same per block with SHA-NI but ~1.4 us per block
 * with portable C. So with SHA-NI the addon wins at every length (sha256d of 4 KB: 16.5 vs
 * 22.4 us of CPU), and past a few KB the two meet; with portable C, OpenSSL's assembly wins
 * from ~300 bytes (measured with process.cpuUsage, best of 7 interleaved runs; bench/bitcoin.ts
 * prints the 80-byte and 2 KB figures).
 */
const NATIVE_MESSAGE_MAX = nativeSha256 === null ? -1 : nativeSha256.backend() === 'SHA-NI' ? 4096 : 256;

export function sha256(data: Uint8Array): Buffer {
  if (data.length <= NATIVE_MESSAGE_MAX) {
    const out = Buffer.allocUnsafe(32);
    nativeSha256!.sha256(data, 0, data.length, out, 0);
    return out;
  }
  return oneShot('sha256', data);
}

/** SHA-256 applied twice: txids, block hashes, P2Pool share hashes, message checksums. */
export function sha256d(data: Uint8Array): Buffer {
  if (data.length <= NATIVE_MESSAGE_MAX) {
    const out = Buffer.allocUnsafe(32);
    nativeSha256!.sha256d(data, 0, data.length, out, 0);
    return out;
  }
  return oneShot('sha256', oneShot('sha256', data));
}

/**
 * sha256d of `data[start..end]`, written to `out[outOffset..+32]`: no Buffer made for the input
 * view or the digest (a share's identity on load writes its hashes into one block of memory,
 * sharechain/share.ts).
 */
export function sha256dInto(data: Uint8Array, start: number, end: number, out: Uint8Array, outOffset: number): void {
  const length = end - start;
  if (length <= NATIVE_MESSAGE_MAX) {
    nativeSha256!.sha256d(data, start, length, out, outOffset);
    return;
  }
  out.set(oneShot('sha256', oneShot('sha256', data.subarray(start, end))), outOffset);
}

/** RIPEMD-160(SHA-256(x)), the hash in P2PKH and P2WPKH scripts. */
export function hash160(data: Uint8Array): Buffer {
  return oneShot('ripemd160', sha256(data));
}

/**
 * Litecoin's proof of work: scrypt with N=1024, r=1, p=1, the 80-byte header as both password
 * and salt, 32-byte output (read as a little-endian integer like a sha256d hash).
 */
export function scryptPow(header: Uint8Array): Buffer {
  return scryptSync(header, header, 32, { N: 1024, r: 1, p: 1, maxmem: 4 * 1024 * 1024 });
}

// SHA-256 initial hash value H(0) and round constants K (FIPS 180-4 §5.3.3, §4.2.2). Kept as
// int32: the compression below works in int32 arithmetic (`| 0`), which V8 keeps in registers;
// `>>> 0` (uint32) values above 2**31 become heap doubles and made it several times slower.
const H0 = Int32Array.of(
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
);
const K = Int32Array.of(
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
);

/** Message schedule scratch (single-threaded, never held across calls). */
const W = new Int32Array(64);

/** Load the 16 big-endian words of the 64-byte block at `block[offset..]` into W[0..15]. */
function loadBlock(block: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const j = offset + i * 4;
    W[i] = (block[j]! << 24) | (block[j + 1]! << 16) | (block[j + 2]! << 8) | block[j + 3]!;
  }
}

/** FIPS 180-4 §6.2.2 step 1: W[16..63] from W[0..15]. */
function expand(w: Int32Array): void {
  for (let i = 16; i < 64; i++) {
    const w15 = w[i - 15]!;
    const w2 = w[i - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
}

/** FIPS 180-4 §6.2.2 steps 2-4: the 64 rounds over an expanded schedule `w`, into `state`. */
function rounds(state: Int32Array, w: Int32Array): void {
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0;
    d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0; state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0; state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0; state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0; state[7] = (state[7]! + h) | 0;
}

/** Compress the 64-byte block at `block[offset..]` into an int32 state. */
function compressBlock(state: Int32Array, block: Uint8Array, offset: number): void {
  loadBlock(block, offset);
  expand(W);
  rounds(state, W);
}

/** The expanded schedule of a fixed padding block: the same for every message of one length. */
function paddingSchedule(head: number[], bitLength: number): Int32Array {
  const w = new Int32Array(64);
  w.set(head, 0);
  w[15] = bitLength;
  expand(w);
  return w;
}
/** The second block of a 64-byte message: 0x80, zeros, length 512 bits (FIPS 180-4 §5.1.1). */
const PAD_AFTER_64 = paddingSchedule([0x80000000 | 0], 512);

/** Write an int32 state as 32 big-endian bytes at `out[offset..]`. */
function storeState(state: Int32Array, out: Uint8Array, offset: number): void {
  for (let i = 0; i < 8; i++) {
    const v = state[i]!;
    const j = offset + i * 4;
    out[j] = v >>> 24;
    out[j + 1] = v >>> 16;
    out[j + 2] = v >>> 8;
    out[j + 3] = v;
  }
}

const S1st = new Int32Array(8);
const S2nd = new Int32Array(8);

/**
 * The second SHA-256 of sha256d: hash the 32-byte digest held in `first` (as state words) into
 * `result` (state words; may be `first`). A 32-byte message is one block: the digest, 0x80,
 * zeros, length 256 bits.
 */
function finishDouble(first: Int32Array, result: Int32Array): void {
  for (let i = 0; i < 8; i++) W[i] = first[i]!;
  W[8] = 0x80000000 | 0;
  W[9] = 0; W[10] = 0; W[11] = 0; W[12] = 0; W[13] = 0; W[14] = 0;
  W[15] = 256;
  expand(W);
  result.set(H0);
  rounds(result, W);
}

/** sha256d of the 64 bytes at `src[srcOffset..]` (three compressions, padding schedule precomputed). */
function jsSha256d64(src: Uint8Array, srcOffset: number, out: Uint8Array, outOffset: number): void {
  S1st.set(H0);
  compressBlock(S1st, src, srcOffset);
  rounds(S1st, PAD_AFTER_64);
  finishDouble(S1st, S2nd);
  storeState(S2nd, out, outOffset);
}

/** The merkle branch climb of sha256dBranch and sha256dLink: the running hash stays in state words. */
function jsSha256dBranch(leaf: Uint8Array, leafOffset: number, branch: Int32Array, out: Uint8Array, outOffset: number, index = 0): void {
  loadBlock(leaf, leafOffset); // W[0..7] = the leaf (W[8..15] are overwritten below)
  for (let i = 0; i < 8; i++) S2nd[i] = W[i]!;
  let bits = index;
  for (let at = 0; at < branch.length; at += 8) {
    // The running hash is W[0..7] and the level's hash W[8..15], or the other way round when
    // the level's bit is 1.
    const mine = bits % 2 === 1 ? 8 : 0;
    const theirs = 8 - mine;
    bits = Math.floor(bits / 2);
    for (let i = 0; i < 8; i++) {
      W[mine + i] = S2nd[i]!;
      W[theirs + i] = branch[at + i]!;
    }
    expand(W);
    S1st.set(H0);
    rounds(S1st, W);
    rounds(S1st, PAD_AFTER_64);
    finishDouble(S1st, S2nd);
  }
  storeState(S2nd, out, outOffset);
}

const wordScratch = new Int32Array(8);

/** Compress whole blocks; a Uint32Array state is worked on as int32 (see H0 above). */
function jsCompress(state: Int32Array | Uint32Array, data: Uint8Array, offset: number, blocks: number): void {
  const s = state instanceof Int32Array ? state : wordScratch;
  if (s !== state) for (let i = 0; i < 8; i++) s[i] = state[i]! | 0;
  for (let b = 0; b < blocks; b++) compressBlock(s, data, offset + b * 64);
  if (s !== state) for (let i = 0; i < 8; i++) state[i] = s[i]!;
}

/** The padded last block(s) of a resumed message (single-threaded, never held across calls). */
let resumeScratch = Buffer.alloc(128);

/** sha256d of (`done` bytes already in `state`) ‖ tail ‖ suffix. */
function jsSha256dResume(state: Int32Array, done: number, tail: Uint8Array, suffix: Uint8Array, out: Uint8Array, outOffset: number): void {
  const used = tail.length + suffix.length;
  const total = done + used;
  // 0x80 and the 8-byte length must fit after the data (FIPS 180-4 §5.1.1).
  const blocks = Math.floor((used + 8) / 64) + 1;
  if (resumeScratch.length < blocks * 64) resumeScratch = Buffer.alloc(blocks * 64);
  const m = resumeScratch;
  m.set(tail, 0);
  m.set(suffix, tail.length);
  m[used] = 0x80;
  const end = blocks * 64;
  m.fill(0, used + 1, end - 8);
  const bits = total * 8;
  m.writeUInt32BE(Math.floor(bits / 0x100000000), end - 8);
  m.writeUInt32BE(bits >>> 0, end - 4);
  S1st.set(state);
  for (let off = 0; off < end; off += 64) compressBlock(S1st, m, off);
  finishDouble(S1st, S2nd);
  storeState(S2nd, out, outOffset);
}

/** The JavaScript implementations: the fallback, and what tests compare the addon with. */
export const jsSha256: Sha256Ops = {
  compress: jsCompress,
  sha256d64: jsSha256d64,
  sha256dBranch: jsSha256dBranch,
  sha256dResume: jsSha256dResume,
};

/** The implementation in use: fixed at load, so every call site below sees one shape. */
const ops: Sha256Ops = nativeSha256 ?? jsSha256;

/**
 * sha256d of the 64 bytes at `src[srcOffset..]`, written to `out[outOffset..+32]` (which may
 * overlap the input). This is one merkle tree node (left ‖ right): three compressions in one
 * call, against two trips through crypto.hash whose fixed cost dominated Stratum's submit path
 * (bench/mining.ts).
 */
export function sha256d64(src: Uint8Array, srcOffset: number, out: Uint8Array, outOffset: number): void {
  ops.sha256d64(src, srcOffset, out, outOffset);
}

/** 32-byte hashes as big-endian words, eight per hash: a merkle branch for sha256dBranch. */
export function hashWords(hashes: readonly Uint8Array[]): Int32Array {
  return hashWordsInto(hashes, new Int32Array(hashes.length * 8));
}

/** hashWords written into `words` (exactly 8 per hash: a caller's reused array); returns it. */
export function hashWordsInto(hashes: readonly Uint8Array[], words: Int32Array): Int32Array {
  if (words.length !== hashes.length * 8) throw new RangeError(`${hashes.length} hashes need ${hashes.length * 8} words, not ${words.length}`);
  for (let i = 0; i < hashes.length; i++) {
    const h = hashes[i]!;
    if (h.length !== 32) throw new RangeError('merkle branch entries must be 32 bytes');
    for (let k = 0; k < 8; k++) words[i * 8 + k] = (h[k * 4]! << 24) | (h[k * 4 + 1]! << 16) | (h[k * 4 + 2]! << 8) | h[k * 4 + 3]!;
  }
  return words;
}

/**
 * Climb a merkle branch from the leaf hash at `leaf[leafOffset..+32]`, the leaf always on the
 * left (Stratum's coinbase, index 0): root = sha256d(...sha256d(leaf ‖ b0) ‖ b1 ...). The branch
 * is given by hashWords, so each level is exactly three compressions (no byte conversion in
 * JavaScript, one call for the whole climb natively); the root is written to
 * `out[outOffset..+32]`.
 */
export function sha256dBranch(leaf: Uint8Array, leafOffset: number, branch: Int32Array, out: Uint8Array, outOffset: number): void {
  ops.sha256dBranch(leaf, leafOffset, branch, out, outOffset);
}

/**
 * A merkle link's climb (P2Pool's check_merkle_link) in one call: at level i the branch hash
 * goes on the left when bit i of `index` is 1, else on the right (sha256dBranch is index 0).
 * `index` is a non-negative safe integer; the root is written to `out[outOffset..+32]`.
 */
export function sha256dLink(leaf: Uint8Array, leafOffset: number, branch: Int32Array, index: number, out: Uint8Array, outOffset: number): void {
  ops.sha256dBranch(leaf, leafOffset, branch, out, outOffset, index);
}

/**
 * sha256d of many messages that share one prefix, such as a Stratum job's coinbase:
 * coinb1 ‖ extranonce1 ‖ extranonce2 ‖ coinb2, where only the 8 nonce bytes change from one
 * submit to the next. The prefix's whole 64-byte blocks are compressed once; each digest then
 * costs the last one or two blocks and the second hash (3 compressions instead of ~57 for a
 * 3.5 KB coinbase).
 */
export class Sha256dPrefix {
  private readonly state = new Int32Array(8);
  private readonly tail: Buffer;
  /** Bytes compressed into `state`: the prefix's whole blocks. */
  private readonly done: number;

  constructor(prefix: Uint8Array) {
    this.state.set(H0);
    const blocks = Math.floor(prefix.length / 64);
    ops.compress(this.state, prefix, 0, blocks);
    this.done = blocks * 64;
    this.tail = Buffer.from(prefix.subarray(this.done));
  }

  /** sha256d(prefix ‖ suffix), into `out` (32 bytes at `outOffset`). */
  digestInto(suffix: Uint8Array, out: Uint8Array, outOffset = 0): void {
    ops.sha256dResume(this.state, this.done, this.tail, suffix, out, outOffset);
  }
}

/** State words of sha256dResumeFromBytes, reused: the resume reads them and does not keep them. */
const resumeWords = new Int32Array(8);

/**
 * sha256d of a message whose first `done` bytes (a multiple of 64) are compressed into `state`
 * (eight big-endian words as 32 bytes: a hash_link's state), followed by `tail` then `suffix`;
 * written to `out[outOffset..+32]`. One call, no Buffer made (a share's gentx txid on load).
 */
export function sha256dResumeFromBytes(state: Uint8Array, done: number, tail: Uint8Array, suffix: Uint8Array, out: Uint8Array, outOffset = 0): void {
  if (state.length !== 32) throw new RangeError('SHA-256 state must be 32 bytes');
  for (let i = 0; i < 8; i++) {
    const o = i * 4;
    resumeWords[i] = (state[o]! << 24) | (state[o + 1]! << 16) | (state[o + 2]! << 8) | state[o + 3]!;
  }
  ops.sha256dResume(resumeWords, done, tail, suffix, out, outOffset);
}

/** One SHA-256 compression of the 64-byte block at `block[offset..]` into `state` (in place). */
export function sha256Compress(state: Uint32Array, block: Uint8Array, offset = 0): void {
  ops.compress(state, block, offset, 1);
}

/**
 * A resumable SHA-256 midstate: the eight state words after `length` bytes (a multiple of 64)
 * were compressed. `state` is serialized as eight big-endian u32 words (32 bytes), which is how
 * P2Pool's hash_link.state and getwork's midstate (before its swap4) store it.
 */
export interface Sha256Midstate {
  state: Buffer;
  length: number;
}

function wordsToBytes(words: Uint32Array): Buffer {
  const out = Buffer.allocUnsafe(32);
  for (let i = 0; i < 8; i++) out.writeUInt32BE(words[i]!, i * 4);
  return out;
}

function bytesToWords(bytes: Uint8Array): Uint32Array {
  if (bytes.length !== 32) throw new RangeError('SHA-256 state must be 32 bytes');
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, 32);
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) words[i] = b.readUInt32BE(i * 4);
  return words;
}

/**
 * Compress every whole 64-byte block of `data` and return the state plus the unprocessed
 * tail (`data.length % 64` bytes).
 */
export function sha256Midstate(data: Uint8Array): { midstate: Sha256Midstate; tail: Buffer } {
  const words = new Uint32Array(H0);
  const whole = data.length - (data.length % 64);
  ops.compress(words, data, 0, whole / 64);
  return {
    midstate: { state: wordsToBytes(words), length: whole },
    tail: Buffer.from(data.subarray(whole)),
  };
}

/**
 * Finish SHA-256 from a midstate: feed `data` (which continues the message after the
 * `midstate.length` bytes already compressed) and apply the final padding for the total
 * length. Returns the single SHA-256 digest.
 */
export function sha256Resume(midstate: Sha256Midstate, data: Uint8Array): Buffer {
  if (midstate.length % 64 !== 0 || midstate.length < 0) throw new RangeError('midstate length must be a multiple of 64');
  const words = bytesToWords(midstate.state);
  const total = midstate.length + data.length;
  const padLen = ((55 - (total % 64)) & 63) + 9; // 0x80, zeros, 8-byte bit length
  const msg = Buffer.alloc(data.length + padLen);
  msg.set(data, 0);
  msg[data.length] = 0x80;
  msg.writeBigUInt64BE(BigInt(total) * 8n, msg.length - 8);
  ops.compress(words, msg, 0, msg.length / 64);
  return wordsToBytes(words);
}
