/**
 * The generation (coinbase) transaction of a share, and its share_info, built from the chain
 * below it exactly as the reference does (docs/sharechain.md#generation-transaction-buildgentx, JT generate_transaction for versions >= 34).
 *
 * One builder serves both directions:
 * - verification (verify.ts) rebuilds the gentx of an existing share from its own share_data,
 *   claimed timestamp and target, segwit data and last_txout_nonce, then compares;
 * - generation (the mining layer, the test chain builder) makes share_info + gentx for a new
 *   share, split around the 8-byte last_txout_nonce (coinb1 / nonce / coinb2) with the
 *   hash_link the share will carry; assembleShare then turns a solved header into a Share
 *   (the reference's get_share).
 *
 * Output order: [segwit commitment] + payouts (ascending) + donation + OP_RETURN ref output.
 */
import { hashToDisplayHex } from '../bitcoin/hex.js';
import { sha256d, sha256dInto } from '../bitcoin/hash.js';
import type { MerkleLink } from '../bitcoin/merkle.js';
import { targetToWork } from '../bitcoin/target.js';
import { compactSizeLength } from '../bitcoin/bytes.js';
import { MAX_MONEY, type Transaction, type TxOut } from '../bitcoin/transaction.js';
import { witnessCommitment, witnessCommitmentScript } from '../bitcoin/witness.js';
import {
  DONATION_SCRIPT, GENTX_BEFORE_REFHASH, GENTX_SUFFIX_LENGTH, WITNESS_RESERVED_VALUE, donationPayee, refOutputScript,
} from './coinbase-layout.js';
import { prefixToHashLink } from './hash-link.js';
import type { P2PoolNetwork } from './networks.js';
import { payoutScriptForAddress, pubkeyHashPayee } from './payout-script.js';
import { visitPayouts } from './pplns-amounts.js';
import {
  computeFarShareHash, computeShareTargets, computeShareTimestamp, nextAbsheight, nextAbswork,
} from './retarget.js';
import { computeRefHash, shareFromContents } from './share.js';
import { isSegwitActivated, makeShareInfo } from './share-codec.js';
import type {
  CumulativeWeights, HashLink, MinHeader, SegwitData, Share, ShareData, ShareHash, ShareInfo, ShareVersion, ChainView,
} from './types.js';

/** The chain cannot support this gentx (unknown parent, too short, unpayable payee...). */
export class GentxError extends Error {
  override readonly name = 'GentxError';
}

export interface GentxParams {
  net: P2PoolNetwork;
  chain: ChainView;
  version: ShareVersion;
  /** previous_share_hash, coinbase, nonce, address (v>=34), subsidy, donation, stale_info, desired_version. */
  shareData: ShareData;
  /** The block target (from the template's / header's bits): sizes the PPLNS window. */
  blockTarget: bigint;
  desiredTimestamp: number;
  desiredTarget: bigint;
  /**
   * txid merkle link of the template's transactions and their wtxid root (coinbase wtxid = 0).
   * Required when segwit is active for the version; null only when verifying a share without it.
   */
  segwitData: SegwitData | null;
  /** Always empty in practice. */
  refMerkleLink?: MerkleLink;
  /** The value placed in the OP_RETURN output (the miner's extranonce area). Default 0. */
  lastTxoutNonce?: bigint;
  /**
   * Display hex of shareData.previousShareHash when the caller already has it (a share's
   * prevHash); computed from shareData otherwise.
   */
  prevHash?: ShareHash | null;
}

export interface BuiltGentx {
  shareInfo: ShareInfo;
  refHash: Buffer;
  /** The payout outputs in order, donation last (no commitment, no ref output). */
  payouts: TxOut[];
  /** The full transaction (with the witness reserved value when segwit is active). */
  gentx: Transaction;
  /** Serialization without witness; txid = sha256d(stripped). */
  stripped: Buffer;
  txid: Buffer;
}

const EMPTY_LINK: MerkleLink = { branch: [], index: 0 };
const NULL_PREVOUT = { hash: Buffer.alloc(32), index: 0xffffffff };

/** The PPLNS key of the share being built (address for v>=34, P2PKH address before). */
function payeeOf(data: ShareData, version: number, net: P2PoolNetwork): string {
  if (version >= 34) {
    if (data.address === undefined) throw new GentxError('share_data.address missing');
    return data.address;
  }
  if (data.pubkeyHash === undefined) throw new GentxError('share_data.pubkey_hash missing');
  return pubkeyHashPayee(data.pubkeyHash, net.parent);
}

/** share_info and the payout outputs for `p`: everything but the transaction itself. */
export interface DerivedShareInfo {
  shareInfo: ShareInfo;
  payouts: TxOut[];
  segwitActive: boolean;
}

/** targetToWork of the last block target asked for: consecutive shares share their block's bits. */
let lastBlockTarget = -1n;
let lastBlockWork = 0n;
function blockWork(target: bigint): bigint {
  if (target !== lastBlockTarget) {
    lastBlockWork = targetToWork(target);
    lastBlockTarget = target;
  }
  return lastBlockWork;
}

interface PayoutsMemo {
  subsidy: bigint;
  finder: string;
  version: number;
  parent: P2PoolNetwork['parent'];
  payouts: TxOut[];
}

/** An output made for an entry of the base order (pplns-amounts.ts PayoutEntry.made). */
interface MadeOutput {
  parent: P2PoolNetwork['parent'];
  version: number;
  out: TxOut;
}

const PAYOUTS_PER_WEIGHTS = 4;

/**
 * The payout outputs (docs/sharechain.md#pplns): a pure function of the weights, the subsidy,
 * the finder, the share version (the script's padding) and the parent chain (scripts, the
 * donation's key). A share's window is asked for with the same weights result object by the
 * work layer's base (finder: the node, and the donation key for the miners' hex), the rebuild
 * of a solved job and the share's verification (finder: the miner), so the last two share one
 * list (and its one serialization, serializePayouts). The lists are shared: callers must not
 * modify them (assembleGentx copies the outputs into the transaction's).
 */
export function payoutList(weights: CumulativeWeights, subsidy: bigint, finder: string, version: number, net: P2PoolNetwork): TxOut[] {
  const parent = net.parent;
  let memo = weights.derived?.payouts as PayoutsMemo[] | undefined;
  if (memo !== undefined) {
    for (const m of memo) {
      if (m.subsidy === subsidy && m.finder === finder && m.version === version && m.parent === parent) return m.payouts;
    }
  } else {
    (weights.derived ??= {}).payouts = memo = [];
  }
  const donationKey = donationPayee(parent);
  const payouts: TxOut[] = [];
  // Every payee but the finder and the donation has the same amount in every finder's list of
  // these weights (the base order's entry): its output (value, script for this parent chain
  // and version) is made once and shared by those lists. Outputs are never modified.
  visitPayouts(weights, subsidy, finder, donationKey, (payee, value, entry) => {
    if (entry !== null) {
      const made = entry.made as MadeOutput | undefined;
      if (made !== undefined && made.parent === parent && made.version === version) {
        payouts.push(made.out);
        return;
      }
    }
    const out: TxOut = { value: Number(value), script: payee === donationKey ? DONATION_SCRIPT : payoutScriptForAddress(payee, parent, version) };
    if (entry !== null) entry.made = { parent, version, out } satisfies MadeOutput;
    payouts.push(out);
  });
  if (memo.length >= PAYOUTS_PER_WEIGHTS) memo.shift();
  memo.push({ subsidy, finder, version, parent, payouts });
  return payouts;
}

/**
 * Step one of buildGentx: share_info (retarget, chain links) and payouts (PPLNS). Throws GentxError.
 * `payoutsFinder`: whose the finder's 0.5% is in the payouts; the share's own payee (share_data)
 * unless given. The work layer's base gives the donation key (its miners' outputs are spliced
 * in per payee, work/payee-gentx.ts); share_info is the same either way.
 */
export function deriveShareInfo(p: GentxParams, payoutsFinder?: string): DerivedShareInfo {
  const { net, chain, version, shareData } = p;
  const prevHash = p.prevHash !== undefined
    ? p.prevHash
    : shareData.previousShareHash ? hashToDisplayHex(shareData.previousShareHash) : null;
  const prev: Share | null = prevHash === null ? null : (chain.get(prevHash) ?? null);
  if (prevHash !== null && prev === null) throw new GentxError(`previous share ${prevHash} unknown`);

  const height = chain.getHeight(prevHash);
  const last = chain.getLast(prevHash);
  if (height < net.realChainLength && last !== null) {
    throw new GentxError(`chain below is not rooted and only ${height} shares long (need ${net.realChainLength})`);
  }

  const { maxBits, bits } = computeShareTargets(chain, net, prev, height, p.desiredTarget);

  // PPLNS over the window starting at the grandparent: payouts lag one share (docs/sharechain.md#pplns).
  const weights = chain.cumulativeWeights(
    prev?.prevHash ?? null,
    Math.max(0, Math.min(height, net.realChainLength) - 1),
    65535n * BigInt(net.spread) * blockWork(p.blockTarget),
  );
  // A result object is never modified (weights-window.ts hands the same object to every caller
  // while the chain below is unchanged), so the check, a pure function of it, holds while it lives.
  if (weights.derived?.checked !== true) {
    if (weights.totalWeight !== sumWeights(weights.weights) + weights.donationWeight) {
      throw new GentxError('inconsistent PPLNS weights from the chain view');
    }
    (weights.derived ??= {}).checked = true;
  }
  const payee = payeeOf(shareData, version, net);
  const payouts = payoutList(weights, BigInt(shareData.subsidy), payoutsFinder ?? payee, version, net);

  const segwit = isSegwitActivated(version, net);
  const segwitData = p.segwitData;
  const farShareHash = computeFarShareHash(chain, prevHash, height, last);
  const timestamp = computeShareTimestamp(version, net, prev, p.desiredTimestamp);
  const absheight = nextAbsheight(prev);
  const abswork = nextAbswork(prev, bits);
  // The same shape as a decoded share_info (share-codec.ts makeShareInfo).
  const shareInfo = makeShareInfo(version, segwit, { shareData, segwitData, farShareHash, maxBits, bits, timestamp, absheight, abswork });
  return { shareInfo, payouts, segwitActive: segwit && p.segwitData !== null };
}

// Shares built on the same template share the commitment: remember the last one.
let lastCommitment: { root: Buffer; script: Buffer } | null = null;

function commitmentScript(wtxidRoot: Buffer): Buffer {
  if (lastCommitment === null || !lastCommitment.root.equals(wtxidRoot)) {
    const script = witnessCommitmentScript(witnessCommitment(wtxidRoot, WITNESS_RESERVED_VALUE));
    lastCommitment = { root: Buffer.from(wtxidRoot), script };
  }
  return lastCommitment.script;
}

/**
 * The serialized payout outputs of one payout list (value u64 LE ‖ VarStr(script) each, in
 * order): `bytes`, with output i at at[i]..at[i + 1]. Made once per list object: payoutList
 * hands the same list to the rebuild of a solved job and to the share's verification (and the
 * work layer's base builds its miners' hex from it, work/payee-gentx.ts), so a share's ~560
 * outputs are written once, not once per gentx built. A list is never modified (payoutList).
 */
export interface PayoutBytes {
  bytes: Buffer;
  at: Uint32Array;
}

/**
 * The last few serializations: the lists that share one are asked for within one share's
 * handling (base, rebuild, verification), and a list outlives that by far (payoutList's memo
 * lives as long as its weights result), so the bytes (~25 KB for 560 outputs) are not kept
 * with it. An entry's memory is reused for the serialization that evicts it: `bytes` is valid
 * until serializePayouts has been called RECENT_PAYOUT_BYTES more times (callers copy it).
 */
const recentPayoutBytes: Array<{ list: readonly TxOut[]; bytes: PayoutBytes; memory: Buffer }> = [];
const RECENT_PAYOUT_BYTES = 4;

export function serializePayouts(payouts: readonly TxOut[]): PayoutBytes {
  for (const r of recentPayoutBytes) if (r.list === payouts) return r.bytes;
  let size = 0;
  for (const o of payouts) size += outputSize(o);
  const evicted = recentPayoutBytes.length >= RECENT_PAYOUT_BYTES ? recentPayoutBytes.shift()!.memory : null;
  const memory = evicted !== null && evicted.length >= size ? evicted : Buffer.allocUnsafeSlow(Math.max(size, 32 * 1024));
  const bytes = memory.subarray(0, size);
  const at = new Uint32Array(payouts.length + 1);
  let pos = 0;
  for (let i = 0; i < payouts.length; i++) {
    at[i] = pos;
    pos = writeOutput(bytes, pos, payouts[i]!);
  }
  at[payouts.length] = pos;
  const out = { bytes, at };
  recentPayoutBytes.push({ list: payouts, bytes: out, memory });
  return out;
}

function outputSize(o: TxOut): number {
  return 8 + compactSizeLength(o.script.length) + o.script.length;
}

/** CompactSize `n` at `pos` (encodeTransaction's format); returns the offset after it. */
function writeCompact(buf: Buffer, pos: number, n: number): number {
  if (n < 0xfd) {
    buf[pos] = n;
    return pos + 1;
  }
  if (n <= 0xffff) {
    buf[pos] = 0xfd;
    buf.writeUInt16LE(n, pos + 1);
    return pos + 3;
  }
  buf[pos] = 0xfe;
  buf.writeUInt32LE(n, pos + 1);
  return pos + 5;
}

/** One output as encodeTransaction writes it (the same value check); returns the offset after it. */
function writeOutput(buf: Buffer, pos: number, o: TxOut): number {
  const v = o.value;
  if (!Number.isSafeInteger(v) || v < 0 || v > MAX_MONEY) throw new RangeError(`invalid output value ${v}`);
  const lo = v % 0x100000000;
  const hi = (v - lo) / 0x100000000;
  buf[pos] = lo & 0xff;
  buf[pos + 1] = (lo >>> 8) & 0xff;
  buf[pos + 2] = (lo >>> 16) & 0xff;
  buf[pos + 3] = lo >>> 24;
  buf[pos + 4] = hi & 0xff;
  buf[pos + 5] = (hi >>> 8) & 0xff;
  buf[pos + 6] = (hi >>> 16) & 0xff;
  buf[pos + 7] = hi >>> 24;
  const script = o.script;
  pos = writeCompact(buf, pos + 8, script.length);
  // Payout scripts are 22-34 bytes: a loop beats a native copy call per output.
  if (script.length > 64) return pos + script.copy(buf, pos);
  for (let i = 0; i < script.length; i++) buf[pos + i] = script[i]!;
  return pos + script.length;
}

/** The gentx around derived share_info, as a transaction object (nothing serialized). */
export function gentxTransaction(p: GentxParams, derived: DerivedShareInfo, refHash: Buffer): Transaction {
  const payouts = derived.payouts;
  const first = derived.segwitActive ? 1 : 0;
  const outputs = new Array<TxOut>(first + payouts.length + 1);
  if (first === 1) outputs[0] = { value: 0, script: commitmentScript(p.segwitData!.wtxidMerkleRoot) };
  for (let i = 0; i < payouts.length; i++) outputs[first + i] = payouts[i]!;
  outputs[first + payouts.length] = { value: 0, script: refOutputScript(refHash, p.lastTxoutNonce ?? 0n) };
  return {
    version: 1,
    inputs: [{
      prevout: NULL_PREVOUT,
      script: p.shareData.coinbase,
      sequence: 0xffffffff,
      witness: derived.segwitActive ? [WITNESS_RESERVED_VALUE] : [],
    }],
    outputs,
    locktime: 0,
  };
}

/**
 * encodeTransaction(gentx, { witness: false }) of a gentx made by gentxTransaction, with its
 * payout outputs copied from their one serialization (serializePayouts).
 */
function strippedGentx(gentx: Transaction, derived: DerivedShareInfo): Buffer {
  const input = gentx.inputs[0]!;
  const commitment = derived.segwitActive ? gentx.outputs[0]!.script : null;
  const ref = gentx.outputs[gentx.outputs.length - 1]!.script;
  const payouts = serializePayouts(derived.payouts);
  const buf = Buffer.allocUnsafe(strippedSize(input.script, commitment, payouts.bytes.length, derived.payouts.length));
  writeStripped(buf, input.script, commitment, payouts.bytes, derived.payouts.length, ref);
  return buf;
}

/**
 * Bytes of the stripped gentx around the input's script, the commitment output's script (null
 * without segwit) and the payouts' serialization of `payoutCount` outputs; the ref output is
 * always 8 + 1 + 42 bytes (refOutputScript).
 */
function strippedSize(coinbase: Buffer, commitment: Buffer | null, payoutBytes: number, payoutCount: number): number {
  const outputs = (commitment === null ? 0 : 1) + payoutCount + 1;
  return 4 + 1 + 36 + compactSizeLength(coinbase.length) + coinbase.length + 4
    + compactSizeLength(outputs) + (commitment === null ? 0 : 8 + compactSizeLength(commitment.length) + commitment.length)
    + payoutBytes + REF_OUTPUT_BYTES + 4;
}

/** The ref output serialized: value 0 ‖ VarStr(OP_RETURN push-40 ref_hash ‖ nonce) (refOutputScript). */
const REF_OUTPUT_BYTES = 8 + 1 + 42;

/**
 * The stripped gentx (version 1, the null-prevout input with `coinbase`, sequence 0xffffffff,
 * [commitment] + payouts + ref output, locktime 0) written to `buf` from 0; returns its
 * length. The ref output is `ref` (its 42-byte script), else written from `refHash` and
 * `nonce` (refOutputScript's bytes).
 */
function writeStripped(
  buf: Buffer, coinbase: Buffer, commitment: Buffer | null, payoutBytes: Buffer, payoutCount: number,
  ref: Buffer | { refHash: Uint8Array; nonce: bigint },
): number {
  buf.writeUInt32LE(1, 0);
  buf[4] = 1; // one input
  let pos = 5 + NULL_PREVOUT.hash.copy(buf, 5);
  buf.writeUInt32LE(NULL_PREVOUT.index, pos);
  pos = writeCompact(buf, pos + 4, coinbase.length);
  pos += coinbase.copy(buf, pos);
  buf.writeUInt32LE(0xffffffff, pos);
  pos = writeCompact(buf, pos + 4, (commitment === null ? 0 : 1) + payoutCount + 1);
  if (commitment !== null) pos = writeOutput(buf, pos, { value: 0, script: commitment });
  pos += payoutBytes.copy(buf, pos);
  if (Buffer.isBuffer(ref)) {
    pos = writeOutput(buf, pos, { value: 0, script: ref });
  } else {
    buf.fill(0, pos, pos + 8);
    buf[pos + 8] = 42;
    buf[pos + 9] = 0x6a; // OP_RETURN
    buf[pos + 10] = 0x28; // push 40
    buf.set(ref.refHash, pos + 11);
    buf.writeBigUInt64LE(ref.nonce, pos + 43);
    pos += REF_OUTPUT_BYTES;
  }
  buf.writeUInt32LE(0, pos); // locktime
  return pos + 4;
}

/** The stripped gentx of a share being checked (checkGentxTxid), rewritten per share; grown as needed. */
let checkScratch = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * The txid of the gentx assembleGentx would build for (p, derived, refHash), written to
 * `out[outOffset..]`, without building it: the stripped bytes are written into a reused
 * buffer and hashed there (verify.ts checkShare: a node's check of every share it loads or
 * receives needs only the txid; assembleGentx's objects and the ~25 KB stripped Buffer of a
 * mainnet-sized window were garbage for every share). Returns the stripped length.
 */
export function gentxTxidInto(p: GentxParams, derived: DerivedShareInfo, refHash: Uint8Array, out: Uint8Array, outOffset: number): number {
  const commitment = derived.segwitActive ? commitmentScript(p.segwitData!.wtxidMerkleRoot) : null;
  const payouts = serializePayouts(derived.payouts);
  const size = strippedSize(p.shareData.coinbase, commitment, payouts.bytes.length, derived.payouts.length);
  if (checkScratch.length < size) checkScratch = Buffer.allocUnsafeSlow(size * 2);
  const n = writeStripped(checkScratch, p.shareData.coinbase, commitment, payouts.bytes, derived.payouts.length, { refHash, nonce: p.lastTxoutNonce ?? 0n });
  sha256dInto(checkScratch, 0, n, out, outOffset);
  return n;
}

/**
 * Step two of buildGentx: the transaction around derived share_info whose ref_hash is
 * `refHash` (verification passes the share's own once share_info is known to match).
 */
export function assembleGentx(p: GentxParams, derived: DerivedShareInfo, refHash: Buffer): BuiltGentx {
  const gentx = gentxTransaction(p, derived, refHash);
  const stripped = strippedGentx(gentx, derived);
  return { shareInfo: derived.shareInfo, refHash, payouts: derived.payouts, gentx, stripped, txid: sha256d(stripped) };
}

/** Build share_info and the gentx for `p` (see the module comment). Throws GentxError. */
export function buildGentx(p: GentxParams): BuiltGentx {
  const derived = deriveShareInfo(p);
  const refHash = computeRefHash(derived.shareInfo, p.version, p.refMerkleLink ?? EMPTY_LINK, p.net);
  return assembleGentx(p, derived, refHash);
}

function sumWeights(m: Map<string, bigint>): bigint {
  let s = 0n;
  for (const v of m.values()) s += v;
  return s;
}

export interface GeneratedShare extends BuiltGentx {
  net: P2PoolNetwork;
  version: ShareVersion;
  refMerkleLink: MerkleLink;
  /** hash_link of the stripped gentx prefix (everything before ref_hash). */
  hashLink: HashLink;
  /** Stripped gentx bytes before the 8-byte last_txout_nonce (ends with ref_hash). */
  coinb1: Buffer;
  /** Stripped gentx bytes after the nonce: the locktime. */
  coinb2: Buffer;
}

/**
 * share_info + gentx for a new share, split for the miner: stripped gentx = coinb1 ‖ u64 LE
 * last_txout_nonce ‖ coinb2. The nonce in `p.lastTxoutNonce` only fills `gentx`/`stripped`.
 */
export function generateShare(p: GentxParams): GeneratedShare {
  if (isSegwitActivated(p.version, p.net) && p.segwitData === null) {
    throw new GentxError(`v${p.version} on ${p.net.name} needs segwit data (txid merkle link and wtxid root)`);
  }
  const built = buildGentx(p);
  const s = built.stripped;
  const prefix = s.subarray(0, s.length - GENTX_SUFFIX_LENGTH);
  return {
    ...built,
    net: p.net,
    version: p.version,
    refMerkleLink: p.refMerkleLink ?? EMPTY_LINK,
    hashLink: prefixToHashLink(prefix, GENTX_BEFORE_REFHASH),
    coinb1: Buffer.from(s.subarray(0, s.length - 12)),
    coinb2: Buffer.from(s.subarray(s.length - 4)),
  };
}

export interface SolvedHeader {
  minHeader: MinHeader;
  lastTxoutNonce: bigint;
  /** Link from the coinbase to the header's merkle root over [coinbase] + template txids. */
  merkleLink: MerkleLink;
  /** When given, the derived share's header merkle root must equal it (reference asserts). */
  merkleRoot?: Buffer;
}

/**
 * The reference's get_share: a Share from a generated share_info and a solved header. Throws
 * InvalidShare (from the identity checks, e.g. PoW above the share target) or GentxError when
 * the header's merkle root is not the one the share derives.
 */
export function assembleShare(gen: GeneratedShare, solved: SolvedHeader, timeSeen = 0): Share {
  const share = shareFromContents(gen.version, {
    minHeader: solved.minHeader,
    shareInfo: gen.shareInfo,
    refMerkleLink: gen.refMerkleLink,
    lastTxoutNonce: solved.lastTxoutNonce,
    hashLink: gen.hashLink,
    merkleLink: solved.merkleLink,
  }, gen.net, undefined, timeSeen);
  if (solved.merkleRoot && !share.header.subarray(36, 68).equals(solved.merkleRoot)) {
    throw new GentxError('assembled share header does not match the solved header (merkle root)');
  }
  return share;
}
