/**
 * The mining hot path's generation transactions: one gentx per payout address, built for many
 * payees on the same work (template + best share + share target) without redoing PPLNS.
 *
 * Why: every payee needs its own gentx (share_data.address and the 0.5% finder bonus differ),
 * and new work must reach 1,000 such miners within 20 ms (docs/architecture.md#budgets). The general
 * builder (sharechain/gentx.ts generateShare) recomputes the window, amounts, ordering and
 * scripts for every call: ~1.5 ms per payee with a 100-payee window (bench/mining.ts).
 *
 * What is shared (made once per generation and share target, in the constructor): the official
 * deriveShareInfo run (capturing the PPLNS weights it used); the amounts without the finder
 * bonus, sorted, serialized as one hex string with each output's offset; the hex before the
 * payouts (version, input, output count, witness commitment) and after them (donation output,
 * the ref output up to its ref_hash); identifier ‖ share_info's bytes before and after the
 * payee's nonce and address (found with the official encodeShareInfo, checked on a probe).
 *
 * What is per payee (forPayee): one lookup and one binary search for the finder's place in the
 * (amount, payee) order (docs/sharechain.md#pplns; pplns-amounts.ts payoutsFromWeights), one sha256d for
 * ref_hash over a pre-made share_info buffer where only the nonce and address are written, and
 * coinb1's hex kept as ranges of the shared hex (as ASCII bytes), copied straight into the
 * payee's notify line (PayeeGentx). Nothing else is serialized per payee: the finder's script hex
 * is cached per address across generations.
 *
 * Only the miner's bytes (coinb1/coinb2) come from here. When a solution arrives, the work
 * layer rebuilds the gentx with generateShare and checks it is byte-identical before making a
 * share or a block (pool-work.ts), and the unit tests compare both builders for many payees.
 */
import { randomFillSync } from 'node:crypto';
import { ByteWriter } from '../bitcoin/bytes.js';
import { Sha256dPrefix, sha256dInto } from '../bitcoin/hash.js';
import { coinbaseSigopCost, WITNESS_SCALE_FACTOR } from '../bitcoin/sigops.js';
import { encodeTransaction, txSize, type TxOut } from '../bitcoin/transaction.js';
import { donationPayee, refOutputScript } from '../sharechain/coinbase-layout.js';
import { deriveShareInfo, gentxTransaction, serializePayouts, type GentxParams } from '../sharechain/gentx.js';
import { payoutScriptForAddress } from '../sharechain/payout-script.js';
import { MAX_COINBASE_DESTINATIONS, visitPayouts } from '../sharechain/pplns-amounts.js';
import { encodeShareInfo } from '../sharechain/share-codec.js';
import { computeRefHash } from '../sharechain/share.js';
import type { ChainView, CumulativeWeights, ShareHash, ShareInfo } from '../sharechain/types.js';
import type { CoinbaseSize } from './block-limits.js';
import type { Coinb1HexSource } from './job.js';

/**
 * The largest output a finder new to the PPLNS window can add: value 8 + length 1 + a P2WSH
 * script of 34 bytes (OP_0 and a 32-byte push), the longest script a v35 payee can have
 * (P2PKH 25, P2SH 23, P2WPKH 22; taproot cannot be paid, docs/mining.md#which-addresses-work).
 */
export const MAX_PAYOUT_OUTPUT_BYTES = 8 + 1 + 34;
/** What the extra output of such a finder can add to the sigop cost: a P2PKH output, 1 sigop x 4. */
const MAX_PAYOUT_OUTPUT_SIGOPS = 1 * WITNESS_SCALE_FACTOR;
/** A CompactSize output count can grow by 2 bytes when one more output crosses 252. */
const MAX_COUNT_GROWTH = 2;
const ZERO_HASH = Buffer.alloc(32);
const EMPTY: Buffer = Buffer.alloc(0);

/**
 * A ChainView that remembers the PPLNS weights deriveShareInfo asked for, and can answer the
 * same question again from them: the base rebuilt with a smaller subsidy (transactions left
 * out of the block, job-transactions.ts) has the same window, so it does not walk it twice.
 */
class WeightsRecorder implements ChainView {
  weights: CumulativeWeights | null = null;
  constructor(private readonly inner: ChainView, private readonly replay: WeightsQuery | null = null) {}
  get(hash: ShareHash) {
    return this.inner.get(hash);
  }
  getHeight(hash: ShareHash | null): number {
    return this.inner.getHeight(hash);
  }
  getLast(hash: ShareHash | null): ShareHash | null {
    return this.inner.getLast(hash);
  }
  getNthParent(hash: ShareHash | null, n: number): ShareHash | null {
    return this.inner.getNthParent(hash, n);
  }
  sumMinWork(hash: ShareHash, count: number): bigint {
    return this.inner.sumMinWork(hash, count);
  }
  cumulativeWeights(start: ShareHash | null, maxShares: number, desiredWeight: bigint): CumulativeWeights {
    const r = this.replay;
    this.weights = r !== null && r.start === start && r.maxShares === maxShares && r.desiredWeight === desiredWeight
      ? r.weights
      : this.inner.cumulativeWeights(start, maxShares, desiredWeight);
    this.query = { start, maxShares, desiredWeight, weights: this.weights };
    return this.weights;
  }

  query: WeightsQuery | null = null;
}

interface WeightsQuery {
  start: ShareHash | null;
  maxShares: number;
  desiredWeight: bigint;
  weights: CumulativeWeights;
}

/**
 * The miner's part of one payee's gentx. coinb1 is kept as the pieces it is made of (the work's
 * shared head, payouts and tail, ranges of its payouts, the finder's output and ref_hash), each
 * as ASCII hex and as bytes. The hex is written straight into the mining.notify line being
 * assembled (writeCoinb1Hex): a joined string was a rope over the shared hex that V8 flattened
 * again for every session's write (docs/mining.md, notify). A submit needs only coinb1's SHA-256
 * prefix (prefix(): its bytes written into reused memory and hashed there); coinb1's bytes (a
 * share, a block: writeCoinb1, from the pieces' bytes) and the hex string (the tests, getwork)
 * are made on first use: most jobs are replaced before a submit arrives.
 */
export class PayeeGentx implements Coinb1HexSource {
  private bytes: Buffer | null = null;
  /** coinb1's SHA-256 prefix (prefix()), made once per fill. */
  private prefixMade: Sha256dPrefix | null = null;
  private hex: string | null = null;
  coinb1HexLength = 0;
  /** ASCII hex before the payouts (version, input, output count, witness commitment). */
  private head = EMPTY;
  /** The work's payout outputs as ASCII hex, shared by every payee. */
  private outputs = EMPTY;
  /** outputs[0, cutA) ‖ outputs[cutB, place) ‖ finder ‖ outputs[place, end). */
  private cutA = 0;
  private cutB = 0;
  private place = 0;
  /** The finder's output: its amount (satoshis) and its VarStr(script) (ASCII hex and bytes). */
  private finderValue = 0;
  private finderScript: VarScript = NO_SCRIPT;
  /** ASCII hex after the payouts (donation output, the ref output up to its ref_hash). */
  private tail = EMPTY;
  /** head, outputs and tail as bytes (coinb1's bytes are made from these, not from the hex). */
  private headBytes = EMPTY;
  private outputsBytes = EMPTY;
  private tailBytes = EMPTY;
  /** The locktime. */
  coinb2 = EMPTY;
  /**
   * This gentx's own 32 bytes, written in place by every fill (GenerationBase.forPayeeInto): a
   * PayeeGentx recycled for a new job (a Stratum session's, pool-work.ts) hashes its new
   * ref_hash here instead of into a new Buffer.
   */
  readonly refHash = Buffer.allocUnsafe(32);
  /**
   * The payee, chain and share version finderScript was last made for: a session's next job
   * usually pays the same address, and then needs no script lookup (forPayeeInto).
   */
  scriptFor: { address: string; parent: unknown; version: number } | null = null;

  /**
   * The payee address of the last fill as latin1 bytes (a miner's address is ASCII: miner-address.ts),
   * and the address they were made for. A session's next job usually pays the same address, and
   * its ref_hash preimage then takes these bytes in one copy (RefPreimages.fill): the address's
   * characters read one by one, out of the miner's username it was sliced from, cost ~3-6x as
   * much (bench of 2026-12-07).
   */
  private addressOf: string | null = null;
  private addressLatin1: Uint8Array = EMPTY;

  addressBytes(address: string): Uint8Array {
    if (this.addressOf !== address) {
      const bytes = new Uint8Array(address.length);
      for (let i = 0; i < address.length; i++) bytes[i] = address.charCodeAt(i);
      this.addressLatin1 = bytes;
      this.addressOf = address;
    }
    return this.addressLatin1;
  }

  /** The finder's VarStr(script) hex of the last fill, when it was made for this payee. */
  finderScriptFor(address: string, parent: unknown, version: number): VarScript | null {
    const k = this.scriptFor;
    return k !== null && k.address === address && k.parent === parent && k.version === version ? this.finderScript : null;
  }

  /**
   * Make this the gentx of another payee or work (GenerationBase.forPayeeInto). What was made
   * from the previous contents (coinb1's bytes, hex string and SHA-256 prefix) is dropped, never
   * reused: the Buffers already handed out stay as they were.
   */
  set(pieces: CoinbasePieces, cutA: number, cutB: number, place: number, finderValue: number, finderScript: VarScript): void {
    this.bytes = null;
    this.hex = null;
    this.prefixMade = null;
    this.head = pieces.head;
    this.outputs = pieces.outputs;
    this.headBytes = pieces.headBytes;
    this.outputsBytes = pieces.outputsBytes;
    this.tailBytes = pieces.tailBytes;
    this.cutA = cutA;
    this.cutB = cutB;
    this.place = place;
    this.finderValue = finderValue;
    this.finderScript = finderScript;
    this.tail = pieces.tail;
    this.coinb2 = pieces.locktime;
    this.coinb1HexLength = pieces.head.length + cutA + (place - cutB) + 16 + finderScript.ascii.length + (pieces.outputs.length - place) + pieces.tail.length + 64;
  }

  /** Let go of coinb1's bytes, hex string and SHA-256 prefix (remade on first use); Buffers handed out stay valid. */
  shed(): void {
    this.bytes = null;
    this.hex = null;
    this.prefixMade = null;
  }

  /**
   * Write coinb1's hex (ASCII) into `out` at `at`; returns the offset after it. Whole pieces go
   * in with TypedArray set (no view made), the finder's amount digit by digit: no string and
   * no Buffer per line.
   */
  writeCoinb1Hex(out: Buffer, at: number): number {
    const outputs = this.outputs;
    out.set(this.head, at);
    at += this.head.length;
    at += outputs.copy(out, at, 0, this.cutA);
    at += outputs.copy(out, at, this.cutB, this.place);
    at = writeU64LEHexAscii(this.finderValue, out, at);
    const script = this.finderScript.ascii;
    out.set(script, at);
    at += script.length;
    at += outputs.copy(out, at, this.place);
    out.set(this.tail, at);
    at += this.tail.length;
    return writeHexAscii(this.refHash, out, at);
  }

  /**
   * Write coinb1's bytes into `out` at `at` (coinb1HexLength / 2 of them): the same pieces as
   * writeCoinb1Hex, copied from their bytes. Until 2026-12-08 the bytes were decoded from the
   * hex string (made for it): a job's first submit then made ~14 KB of garbage and spent more
   * time in that than in checking the submit (bench/mining.ts `inProcess.firstSubmitOnNewJobUs`).
   */
  writeCoinb1(out: Buffer, at: number): number {
    const outputs = this.outputsBytes;
    out.set(this.headBytes, at);
    at += this.headBytes.length;
    at += outputs.copy(out, at, 0, this.cutA >>> 1);
    at += outputs.copy(out, at, this.cutB >>> 1, this.place >>> 1);
    at = writeU64LE(this.finderValue, out, at);
    const script = this.finderScript.bytes;
    out.set(script, at);
    at += script.length;
    at += outputs.copy(out, at, this.place >>> 1);
    out.set(this.tailBytes, at);
    at += this.tailBytes.length;
    out.set(this.refHash, at);
    return at + 32;
  }

  /** coinb1 as hex: the stripped gentx before the 8-byte last_txout_nonce (ends with ref_hash). */
  get coinb1Hex(): string {
    if (this.hex === null) {
      const b = Buffer.allocUnsafe(this.coinb1HexLength);
      this.writeCoinb1Hex(b, 0);
      this.hex = b.toString('latin1');
    }
    return this.hex;
  }

  /**
   * The SHA-256 prefix of coinb1 (a submit's coinbase txid resumes it: job.ts writeHeader),
   * made from coinb1's bytes written into memory it reuses: a pseudoshare, nearly every
   * submit, never needs the bytes themselves (a share or a block does: `coinb1`).
   */
  prefix(): Sha256dPrefix {
    if (this.prefixMade === null) {
      if (this.bytes !== null) {
        this.prefixMade = new Sha256dPrefix(this.bytes);
      } else {
        const n = this.coinb1HexLength >>> 1;
        if (prefixScratch.length < n) prefixScratch = Buffer.allocUnsafeSlow(Math.max(n, 2 * prefixScratch.length));
        // Sha256dPrefix keeps no reference to its input (it copies the last partial block).
        this.prefixMade = new Sha256dPrefix(this.coinb1Into(prefixScratch.subarray(0, n)));
      }
    }
    return this.prefixMade;
  }

  /** Stripped gentx bytes before the 8-byte last_txout_nonce. */
  get coinb1(): Buffer {
    this.bytes ??= this.coinb1Into(Buffer.allocUnsafe(this.coinb1HexLength >>> 1));
    return this.bytes;
  }

  /** coinb1's bytes written into `out`, exactly its length; returns `out`. */
  private coinb1Into(out: Buffer): Buffer {
    if (this.writeCoinb1(out, 0) !== out.length) throw new Error('internal error: coinb1 pieces do not add up to its length');
    return out;
  }
}

/** Where prefix() writes coinb1's bytes to hash them (single-threaded; grown as needed, never kept). */
let prefixScratch = Buffer.allocUnsafeSlow(4096);

/** ASCII codes of the hex digits of each byte value, high digit first. */
const HEX_ASCII = new Uint16Array(256).map((_, i) => {
  const d = (n: number): number => (n < 10 ? 0x30 + n : 0x57 + n);
  return (d(i >> 4) << 8) | d(i & 15);
});

/** Write `bytes` as lower-case hex ASCII into `out` at `at`; returns the offset after it. */
function writeHexAscii(bytes: Uint8Array, out: Buffer, at: number): number {
  for (let i = 0; i < bytes.length; i++) {
    const h = HEX_ASCII[bytes[i]!]!;
    out[at++] = h >> 8;
    out[at++] = h & 0xff;
  }
  return at;
}

/** Write an output value (satoshis, a safe integer) as its u64 little-endian bytes. */
function writeU64LE(value: number, out: Buffer, at: number): number {
  out.writeUInt32LE(value >>> 0, at);
  out.writeUInt32LE(Math.floor(value / 0x100000000) >>> 0, at + 4);
  return at + 8;
}

/** Write an output value (satoshis, a safe integer) as the hex of its u64 little-endian bytes. */
function writeU64LEHexAscii(value: number, out: Buffer, at: number): number {
  const lo = value >>> 0;
  const hi = Math.floor(value / 0x100000000) >>> 0;
  for (let i = 0; i < 8; i++) {
    const h = HEX_ASCII[(i < 4 ? lo >>> (8 * i) : hi >>> (8 * (i - 4))) & 0xff]!;
    out[at++] = h >> 8;
    out[at++] = h & 0xff;
  }
  return at;
}

function txOutBytes(o: TxOut): Buffer {
  return new ByteWriter(9 + 9 + o.script.length).writeU64LE(o.value).writeVarBytes(o.script).toBytes();
}

function compactSize(n: number): Buffer {
  return new ByteWriter(9).writeCompactSize(n).toBytes();
}

/**
 * Share nonces (share_data.nonce, reference: random.randrange(2**32) per job) drawn 256 at a
 * time: one randomFillSync per 256 payees of a broadcast instead of a randomInt call each.
 */
const noncePool = new Uint32Array(256);
let nonceNext = noncePool.length;

/** A fresh random share nonce for one payee's gentx. */
export function shareNonce(): number {
  if (nonceNext === noncePool.length) {
    randomFillSync(noncePool);
    nonceNext = 0;
  }
  return noncePool[nonceNext++]!;
}

/** A payout script's VarStr(script): its bytes and their hex as ASCII. */
export interface VarScript {
  readonly bytes: Buffer;
  readonly ascii: Buffer;
}
const NO_SCRIPT: VarScript = { bytes: EMPTY, ascii: EMPTY };

/**
 * The pieces of every payee's coinb1 that a work shares (GenerationBase), as ASCII hex for the
 * notify line and as bytes for a submit: the gentx before its payouts (version, input, output
 * count, witness commitment; the count differs for a finder in the window and a new one), the
 * payouts back to back, and what follows them up to ref_hash; then the locktime (coinb2).
 */
interface CoinbasePieces {
  readonly head: Buffer;
  readonly headBytes: Buffer;
  readonly outputs: Buffer;
  readonly outputsBytes: Buffer;
  readonly tail: Buffer;
  readonly tailBytes: Buffer;
  readonly locktime: Buffer;
}

/**
 * VarStr(script) per payout script. Keyed by the Buffer payoutScriptForAddress caches per
 * address, so a miner's script lives as long as that cache keeps the script (bounded there).
 */
const varScriptCache = new WeakMap<Buffer, VarScript>();

function varScript(script: Buffer): VarScript {
  let v = varScriptCache.get(script);
  if (v === undefined) {
    const bytes = Buffer.concat([compactSize(script.length), script]);
    v = { bytes, ascii: Buffer.from(bytes.toString('hex'), 'latin1') };
    varScriptCache.set(script, v);
  }
  return v;
}

/**
 * Longest address given a pre-made share_info buffer (one per address length, so at most this
 * many per generation). bech32 addresses are at most 90 characters (BIP173), base58 ones ~35;
 * a longer string (never a valid address) gets its ref_hash from computeRefHash.
 */
const MAX_SPLICED_ADDRESS = 252;

/**
 * share_info's bytes around the payee: encodeShareInfo(info with address A and nonce N) is
 * `before ‖ u32 N ‖ VarStr(A) ‖ after` (share_data: previous_share_hash, coinbase, nonce,
 * address, ...; docs/sharechain.md#wire-format). Found by encoding the work's share_info with two nonces.
 */
function shareInfoParts(info: ShareInfo, version: number, net: GentxParams['net']): { before: Buffer; after: Buffer } | null {
  const own = info.shareData.address;
  if (own === undefined || own.length > MAX_SPLICED_ADDRESS) return null;
  const encode = (nonce: number): Buffer => encodeShareInfo({ ...info, shareData: { ...info.shareData, nonce } }, version, net);
  const a = encode(0);
  const b = encode(0xffffffff);
  let at = 0;
  while (at < a.length && a[at] === b[at]) at++;
  // share_data writes the address latin1 (share-codec.ts): one byte per character.
  const addressBytes = 1 + own.length;
  if (a.length !== b.length || at + 4 + addressBytes > a.length) return null;
  return { before: a.subarray(0, at), after: a.subarray(at + 4 + addressBytes) };
}

/**
 * identifier ‖ share_info for any payee (what ref_hash hashes, docs/sharechain.md#identity-sharefromcontents): one buffer per
 * address length with everything but the nonce and the address already in place, so a payee
 * costs two small writes and one sha256d. Single-threaded: a buffer is filled and hashed
 * before the next payee touches it.
 */
class RefPreimages {
  private readonly byLength = new Map<number, Buffer>();
  /** The preimage buffer of the last address length filled (most payees' addresses have one length). */
  private lastLength = -1;
  private last: Buffer = EMPTY;
  /** Offset of the nonce (the address's VarStr follows it). */
  private readonly nonceAt: number;

  constructor(
    private readonly identifier: Buffer,
    private readonly before: Buffer,
    private readonly after: Buffer,
  ) {
    this.nonceAt = identifier.length + before.length;
  }

  /** The filled preimage for (an address's latin1 bytes, nonce); valid until the next call. */
  fill(address: Uint8Array, nonce: number): Buffer {
    const len = address.length;
    let buf = this.last;
    if (len !== this.lastLength) {
      let made = this.byLength.get(len);
      if (made === undefined) {
        made = Buffer.alloc(this.nonceAt + 4 + 1 + len + this.after.length);
        this.identifier.copy(made, 0);
        this.before.copy(made, this.identifier.length);
        made[this.nonceAt + 4] = len; // CompactSize of a length below 0xfd is one byte
        this.after.copy(made, this.nonceAt + 5 + len);
        this.byLength.set(len, made);
      }
      this.last = buf = made;
      this.lastLength = len;
    }
    buf.writeUInt32LE(nonce >>> 0, this.nonceAt);
    buf.set(address, this.nonceAt + 5);
    return buf;
  }
}

export class GenerationBase {
  /** Non-donation payees with a non-zero amount before the bonus, ascending by (amount, payee). */
  private readonly keys: string[] = [];
  /** Their amounts in satoshis (safe integers: they sum to the subsidy, a number). */
  private readonly values: number[] = [];
  private readonly index = new Map<string, number>();
  /** Entry i of the serialized outputs (outputsAscii) spans hexAt[i]..hexAt[i + 1]. */
  private readonly hexAt: number[] = [0];
  private readonly bonus: number;
  private readonly donationKey: string;
  /** Hex before the payouts: version, input, output count, witness commitment. */
  private readonly headHexInWindow: string;
  /** The same for a finder not among the payouts (one more output). */
  private readonly headHexNewPayee: string;
  /** Hex after the payouts: donation output, then the ref output's value, length, OP_RETURN push 40. */
  private readonly tailHex: string;
  /** Their serialized outputs back to back as hex in ASCII bytes, copied into each payee's notify line (PayeeGentx.writeCoinb1Hex). */
  private readonly outputsAscii: Buffer;
  /** coinb1's shared pieces for a finder in the window and for one not in it (one output more). */
  private readonly piecesInWindow: CoinbasePieces;
  private readonly piecesNewPayee: CoinbasePieces;
  /** identifier ‖ share_info per payee, or null when ref_hash needs computeRefHash. */
  private readonly refPreimages: RefPreimages | null;
  /** share_info of the work (the payee's address and nonce are filled in per payee). */
  readonly shareInfo: ShareInfo;
  /** False when this work needs the general builder (see `forPayee`). */
  readonly usable: boolean;
  /**
   * The largest generation transaction any payee of this work gets (docs/mining.md#block-limits):
   * every payee's is the base's with the finder's output in its place, or one output more.
   */
  readonly coinbase: CoinbaseSize;
  /** The PPLNS weights this work was built on, for a rebuild with another subsidy. */
  private readonly weightsQuery: WeightsQuery | null;

  /**
   * `params` are the work's gentx parameters with any valid payee (the node's address): its
   * share_info and transaction are the template for every other payee's. `sameWindow`: a base
   * of the same work whose PPLNS weights may be reused (only the subsidy or the transactions
   * differ). Throws GentxError like generateShare.
   */
  constructor(readonly params: GentxParams, sameWindow?: GenerationBase) {
    const recorder = new WeightsRecorder(params.chain, sameWindow?.weightsQuery ?? null);
    const donationKey = donationPayee(params.net.parent);
    // Payouts with the donation key as finder: the miners' hex is made from them (each payee's
    // bonus is added where it goes), so the node's own payouts are never needed when usable.
    let derived = deriveShareInfo({ ...params, chain: recorder }, donationKey);
    this.weightsQuery = recorder.query;
    const net = params.net;
    this.shareInfo = derived.shareInfo;
    this.donationKey = donationKey;
    const subsidy = BigInt(params.shareData.subsidy);
    const bonus = subsidy / 200n;
    this.bonus = Number(bonus);
    const weights = recorder.weights;
    // With the donation key as finder, the bonus lands in the donation: take it back out per
    // payee. The outputs are derived's (gentx.ts payoutList), and so is their serialization: the
    // miners' hex is made from the same bytes the share's rebuild and verification copy.
    const outputs = derived.payouts;
    // The same payouts as (payee, amount), in the outputs' order; the donation is always the last.
    const payees: string[] = [];
    const amounts: bigint[] = [];
    if (weights !== null) {
      visitPayouts(weights, subsidy, donationKey, donationKey, (payee, value) => {
        payees.push(payee);
        amounts.push(value);
      });
    }
    const payouts = weights === null ? null : payees;
    const donationValue = payouts === null ? -1n : amounts[amounts.length - 1]! - bonus;
    // Destinations: every payee of the window and the donation.
    const destinations = weights === null ? 0 : weights.weights.size + (weights.weights.has(this.donationKey) ? 0 : 1);
    // The 4,000-destination cut (reference dests[-4000:]) could drop a payee once the finder
    // moves; such huge windows, and versions before 34 (payee = pubkey hash), use the general
    // path, as does a subsidy beyond 2**53 (never: it is a number already).
    const nodeAddress = params.shareData.address;
    this.usable = payouts !== null && params.version >= 34 && destinations + 1 < MAX_COINBASE_DESTINATIONS
      && donationValue >= 0n && subsidy <= BigInt(Number.MAX_SAFE_INTEGER)
      && nodeAddress !== undefined && nodeAddress !== donationKey;
    // Otherwise the base is sized on the node's own payouts (the node as finder), as the general builder makes them.
    if (!this.usable) derived = deriveShareInfo({ ...params, chain: recorder });
    // Hex (ASCII) of the payouts before the donation, the last output.
    let outputsHexLength = 0;
    let outputsBytes = EMPTY;
    if (this.usable) {
      const { bytes, at } = serializePayouts(outputs);
      const n = payees.length - 1;
      for (let i = 0; i < n; i++) {
        const payee = payees[i]!;
        this.index.set(payee, i);
        this.keys.push(payee);
        this.values.push(Number(amounts[i]!));
        this.hexAt.push(2 * at[i + 1]!);
      }
      outputsHexLength = 2 * at[n]!;
      outputsBytes = Buffer.from(bytes.subarray(0, at[n]));
      this.outputsAscii = Buffer.from(outputsBytes.toString('hex'), 'latin1');
    } else {
      this.outputsAscii = Buffer.alloc(0);
    }
    // The base's transaction object only: its size, sigops and the pieces around the payouts
    // are read from it; nothing here needs it serialized or hashed.
    const gentx = gentxTransaction(params, derived, ZERO_HASH);
    const empty = encodeTransaction({ ...gentx, outputs: [] }, { witness: false });
    // version | inputs | compactSize(0) | locktime: drop the count (1 byte) and the locktime.
    const head = empty.subarray(0, empty.length - 5).toString('hex');
    const commitmentCount = derived.segwitActive ? 1 : 0;
    const commitment = derived.segwitActive ? txOutBytes(gentx.outputs[0]!).toString('hex') : '';
    // outputs: [commitment] + payouts (the finder's among them) + donation + ref output.
    const count = (n: number): string => compactSize(commitmentCount + n + 2).toString('hex');
    this.headHexInWindow = head + count(this.keys.length) + commitment;
    this.headHexNewPayee = head + count(this.keys.length + 1) + commitment;
    const locktime = new ByteWriter(4).writeU32LE(gentx.locktime).toBytes();
    const donationScript = derived.payouts[derived.payouts.length - 1]!.script;
    const donation = txOutBytes({ value: Number(donationValue < 0n ? 0n : donationValue), script: donationScript });
    // The ref output up to its ref_hash: the last 40 bytes are ref_hash ‖ last_txout_nonce.
    const ref = txOutBytes({ value: 0, script: refOutputScript(Buffer.alloc(32), 0n) });
    this.tailHex = donation.toString('hex') + ref.toString('hex', 0, ref.length - 40);
    const tail = Buffer.from(this.tailHex, 'latin1');
    const tailBytes = Buffer.from(this.tailHex, 'hex');
    const pieces = (headHex: string): CoinbasePieces => ({
      head: Buffer.from(headHex, 'latin1'),
      headBytes: Buffer.from(headHex, 'hex'),
      outputs: this.outputsAscii,
      outputsBytes,
      tail,
      tailBytes,
      locktime,
    });
    this.piecesInWindow = pieces(this.headHexInWindow);
    this.piecesNewPayee = pieces(this.headHexNewPayee);
    // ref_hash 32 + last_txout_nonce 8 + locktime 4 follow the tail.
    const suffix = 32 + 8 + 4;
    // Sized, not serialized (txSize is encodeTransaction's length): the gentx has hundreds of outputs.
    const baseStripped = txSize(gentx, { witness: false });
    const witnessBytes = txSize(gentx) - baseStripped;
    const strippedSize = this.usable
      ? Math.max(
        (this.headHexInWindow.length + outputsHexLength + this.tailHex.length) / 2 + suffix,
        (this.headHexNewPayee.length + outputsHexLength + this.tailHex.length) / 2 + MAX_PAYOUT_OUTPUT_BYTES + suffix,
      )
      : baseStripped + MAX_PAYOUT_OUTPUT_BYTES + MAX_COUNT_GROWTH;
    const payoutOutputs = derived.payouts.length; // the donation's included
    // The node's gentx (the node as finder): when usable, the donation-finder one plus the node's
    // own output if the window does not pay it already (its bonus makes it one, when non-zero).
    const nodeOutputSigops = this.usable && !this.index.has(nodeAddress!) && bonus > 0n
      ? coinbaseSigopCost({ version: 1, inputs: [], outputs: [{ value: 0, script: payoutScriptForAddress(nodeAddress!, net.parent, params.version) }], locktime: 0 })
      : 0;
    this.coinbase = {
      strippedSize,
      totalSize: strippedSize + witnessBytes,
      // The base pays the node's address as finder; another finder may add one P2PKH output.
      sigopCost: coinbaseSigopCost(gentx) + nodeOutputSigops + MAX_PAYOUT_OUTPUT_SIGOPS,
      payees: this.usable ? this.keys.length + 2 : payoutOutputs + 1,
    };
    // With a ref merkle link (merged into another chain's ref tree) ref_hash is not one sha256d.
    const parts = this.usable && (params.refMerkleLink?.branch.length ?? 0) === 0 ? shareInfoParts(this.shareInfo, params.version, net) : null;
    let preimages = parts ? new RefPreimages(net.identifier, parts.before, parts.after) : null;
    if (preimages) {
      // The splice must give exactly the official serialization; checked on a probe payee.
      const probe = 'p2pool-ts splice probe';
      const expected = Buffer.concat([net.identifier, encodeShareInfo({ ...this.shareInfo, shareData: { ...this.shareInfo.shareData, address: probe, nonce: 0x01020304 } }, params.version, net)]);
      if (!preimages.fill(Buffer.from(probe, 'latin1'), 0x01020304).equals(expected)) preimages = null;
    }
    this.refPreimages = preimages;
  }

  /** The general builder's parameters for one payee of this work (generateShare). */
  paramsFor(address: string, nonce: number): GentxParams {
    return { ...this.params, shareData: { ...this.params.shareData, address, nonce } };
  }

  /** Whether ref_hash is hashed from spliced share_info bytes (else computeRefHash per payee). */
  get splicesShareInfo(): boolean {
    return this.refPreimages !== null;
  }

  /**
   * The miner's bytes for `address` with share nonce `nonce`, or null when this payee needs the
   * general builder (the donation key itself, or an unusable base).
   */
  forPayee(address: string, nonce: number): PayeeGentx | null {
    const gentx = new PayeeGentx();
    return this.forPayeeInto(address, nonce, gentx) ? gentx : null;
  }

  /**
   * forPayee written into `into` (a PayeeGentx of an earlier job that nobody reads any more:
   * pool-work.ts recycles a Stratum session's dropped jobs), so a broadcast makes no object per
   * session. False, with `into` untouched, when this payee needs the general builder.
   */
  forPayeeInto(address: string, nonce: number, into: PayeeGentx): boolean {
    if (!this.usable || address === this.donationKey) return false;
    const { net, version } = this.params;
    const j = this.index.get(address) ?? -1;
    const value = (j >= 0 ? this.values[j]! : 0) + this.bonus;
    // The finder's place: the first entry ordered after (value, address) in (amount, payee).
    // The bonus only raises its amount, so in the window that is after its old place.
    const keys = this.keys;
    const values = this.values;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = values[mid]!;
      if (v < value || (v === value && keys[mid]! <= address)) lo = mid + 1;
      else hi = mid;
    }
    if (this.refPreimages !== null && address.length <= MAX_SPLICED_ADDRESS) {
      const preimage = this.refPreimages.fill(into.addressBytes(address), nonce);
      sha256dInto(preimage, 0, preimage.length, into.refHash, 0);
    } else {
      computeRefHash({ ...this.shareInfo, shareData: { ...this.shareInfo.shareData, address, nonce } }, version, this.params.refMerkleLink ?? { branch: [], index: 0 }, net).copy(into.refHash, 0);
    }
    let finderScript = into.finderScriptFor(address, net.parent, version);
    if (finderScript === null) {
      finderScript = varScript(payoutScriptForAddress(address, net.parent, version));
      if (into.scriptFor === null) into.scriptFor = { address, parent: net.parent, version };
      else {
        into.scriptFor.address = address;
        into.scriptFor.parent = net.parent;
        into.scriptFor.version = version;
      }
    }
    const at = this.hexAt;
    const place = at[lo]!;
    // head | count | commitment | payouts with the finder in its place | donation | ref output
    // up to (not including) its 8-byte last_txout_nonce; the 4-byte locktime is coinb2. In the
    // window, the finder's old entry (at[j]..at[j + 1]) is cut out; its new place is after it.
    if (j >= 0) into.set(this.piecesInWindow, at[j]!, at[j + 1]!, place, value, finderScript);
    else into.set(this.piecesNewPayee, place, place, place, this.bonus, finderScript);
    return true;
  }
}
