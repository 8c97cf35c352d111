/**
 * The mining hot path's generation transactions: one gentx per payout address, built for many
 * payees on the same work (template + best share + share target) without redoing PPLNS.
 *
 * Why: every payee needs its own gentx (share_data.address and the 0.5% finder bonus differ),
 * and new work must reach 1,000 such miners within 20 ms (ARCHITECTURE.md budgets). The general
 * builder (sharechain/gentx.ts generateShare) recomputes the window, amounts, ordering and
 * scripts for every call: ~1.5 ms per payee with a 100-payee window (bench/mining.ts).
 *
 * What is shared: `GenerationBase` runs the official deriveShareInfo once (capturing the PPLNS
 * weights it used) and keeps the amounts without the finder bonus, sorted, serialized and as
 * hex, and share_info's bytes before and after the payee's nonce and address (found with the
 * official encodeShareInfo and checked on a probe address).
 * What is per payee: the finder's output moves to its place in the (amount, payee) order
 * (reference §3.4; pplns-amounts.ts orderPayouts), ref_hash is sha256d(identifier ‖ spliced
 * share_info) (or the official computeRefHash when the splice does not apply), and coinb1's
 * hex is spliced from the pre-made hex (the bytes are decoded from it when a submit needs them).
 *
 * Only the miner's bytes (coinb1/coinb2) come from here. When a solution arrives, the work
 * layer rebuilds the gentx with generateShare and checks it is byte-identical before making a
 * share or a block (pool-work.ts), and the unit test compares both builders for many payees.
 */
import { ByteWriter } from '../bitcoin/bytes.js';
import { sha256d } from '../bitcoin/hash.js';
import { encodeTransaction, type TxOut } from '../bitcoin/transaction.js';
import { donationPayee, refOutputScript } from '../sharechain/coinbase-layout.js';
import { assembleGentx, deriveShareInfo, type GentxParams } from '../sharechain/gentx.js';
import { payoutScriptForAddress } from '../sharechain/payout-script.js';
import { computeAmounts, MAX_COINBASE_DESTINATIONS, orderPayouts } from '../sharechain/pplns-amounts.js';
import { encodeShareInfo } from '../sharechain/share-codec.js';
import { computeRefHash } from '../sharechain/share.js';
import type { ChainView, CumulativeWeights, ShareHash, ShareInfo } from '../sharechain/types.js';

/** A ChainView that remembers the PPLNS weights deriveShareInfo asked for. */
class WeightsRecorder implements ChainView {
  weights: CumulativeWeights | null = null;
  constructor(private readonly inner: ChainView) {}
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
    this.weights = this.inner.cumulativeWeights(start, maxShares, desiredWeight);
    return this.weights;
  }
}

/**
 * The miner's part of one payee's gentx. Only the hex is made up front (mining.notify carries
 * it); the coinb1 bytes, which only a submit needs, are decoded from it on first use: most
 * jobs are replaced before a submit arrives, and building 3.5 KB per payee was a fifth of a
 * broadcast's own time (bench/mining.ts).
 */
export class PayeeGentx {
  private bytes: Buffer | null = null;
  constructor(
    /** coinb1 as hex: the stripped gentx before the 8-byte last_txout_nonce (ends with ref_hash). */
    readonly coinb1Hex: string,
    /** The locktime. */
    readonly coinb2: Buffer,
    readonly refHash: Buffer,
  ) {}

  /** Stripped gentx bytes before the 8-byte last_txout_nonce. */
  get coinb1(): Buffer {
    this.bytes ??= Buffer.from(this.coinb1Hex, 'hex');
    return this.bytes;
  }
}

function txOutBytes(o: TxOut): Buffer {
  return new ByteWriter(9 + 9 + o.script.length).writeU64LE(o.value).writeVarBytes(o.script).toBytes();
}

function compactSize(n: number): Buffer {
  return new ByteWriter(9).writeCompactSize(n).toBytes();
}

/**
 * share_info's bytes around the payee: encodeShareInfo(info with address A and nonce N) is
 * `before ‖ u32 N ‖ VarStr(A) ‖ after` (share_data: previous_share_hash, coinbase, nonce,
 * address, ...; reference §1.3). Found by encoding the work's share_info with two nonces, and
 * checked on a second address; null (use computeRefHash) if the layout is not that.
 */
function shareInfoSplice(info: ShareInfo, version: number, net: GentxParams['net']): { before: Buffer; after: Buffer } | null {
  const own = info.shareData.address;
  if (own === undefined) return null;
  const encode = (address: string, nonce: number): Buffer => encodeShareInfo({ ...info, shareData: { ...info.shareData, address, nonce } }, version, net);
  const a = encode(own, 0);
  const b = encode(own, 0xffffffff);
  let at = 0;
  while (at < a.length && a[at] === b[at]) at++;
  if (a.length !== b.length || at + 4 > a.length) return null;
  const addressBytes = compactSize(Buffer.byteLength(own)).length + Buffer.byteLength(own);
  const before = a.subarray(0, at);
  const after = a.subarray(at + 4 + addressBytes);
  const splice = shareInfoSplicer(net.identifier, before, after);
  const probe = 'p2pool-ts splice probe';
  return splice(probe, 0x01020304).equals(Buffer.concat([net.identifier, encode(probe, 0x01020304)])) ? { before, after } : null;
}

/** identifier ‖ share_info for a payee, from the splice pieces (what ref_hash hashes). */
function shareInfoSplicer(identifier: Buffer, before: Buffer, after: Buffer): (address: string, nonce: number) => Buffer {
  return (address, nonce) => {
    const len = Buffer.byteLength(address);
    const size = compactSize(len);
    const out = Buffer.allocUnsafe(identifier.length + before.length + 4 + size.length + len + after.length);
    let o = identifier.copy(out, 0);
    o += before.copy(out, o);
    out.writeUInt32LE(nonce >>> 0, o);
    o += 4;
    o += size.copy(out, o);
    o += out.write(address, o, 'utf8');
    after.copy(out, o);
    return out;
  };
}

export class GenerationBase {
  /** Non-donation payees with a non-zero amount before the bonus, ascending by (amount, payee). */
  private readonly keys: string[] = [];
  private readonly values: bigint[] = [];
  private readonly index = new Map<string, number>();
  /** Their serialized outputs back to back; entry i spans offsets[i]..offsets[i + 1]. */
  private readonly outputs: Buffer;
  private readonly offsets: number[] = [0];
  /** The donation amount once a finder's bonus is taken out (the same for every finder). */
  private readonly donationValue: bigint;
  private readonly bonus: bigint;
  private readonly donationKey: string;
  /** Stripped gentx up to (excluding) the output count. */
  private readonly head: Buffer;
  /** The witness commitment output, serialized (empty before segwit). */
  private readonly commitment: Buffer;
  private readonly commitmentCount: number;
  private readonly donationScript: Buffer;
  /** The donation output, the same for every payee. */
  private readonly donation: Buffer;
  private readonly locktimeBytes: Buffer;
  /** Hex of head, commitment, outputs and donation, for coinb1Hex (offsets x 2 into outputsHex). */
  private readonly headHex: string;
  private readonly commitmentHex: string;
  private readonly outputsHex: string;
  private readonly donationHex: string;
  /** identifier ‖ share_info for a payee, or null when ref_hash needs computeRefHash. */
  private readonly refPreimage: ((address: string, nonce: number) => Buffer) | null;
  /** share_info of the work (the payee's address and nonce are filled in per payee). */
  readonly shareInfo: ShareInfo;
  /** False when this work needs the general builder (see `forPayee`). */
  readonly usable: boolean;

  /**
   * `params` are the work's gentx parameters with any valid payee (the node's address): its
   * share_info and transaction are the template for every other payee's. Throws GentxError
   * like generateShare.
   */
  constructor(readonly params: GentxParams) {
    const recorder = new WeightsRecorder(params.chain);
    const derived = deriveShareInfo({ ...params, chain: recorder });
    const base = assembleGentx(params, derived, Buffer.alloc(32));
    const net = params.net;
    this.shareInfo = derived.shareInfo;
    this.donationKey = donationPayee(net.parent);
    const subsidy = BigInt(params.shareData.subsidy);
    this.bonus = subsidy / 200n;
    const weights = recorder.weights;
    // With the donation key as finder, the bonus lands in the donation: take it back out per payee.
    const amounts = weights === null ? null : computeAmounts(weights, subsidy, this.donationKey, this.donationKey);
    this.donationValue = amounts === null ? -1n : amounts.get(this.donationKey)! - this.bonus;
    // The 4,000-destination cut (reference dests[-4000:]) could drop a payee once the finder
    // moves; such huge windows, and versions before 34 (payee = pubkey hash), use the general path.
    this.usable = amounts !== null && params.version >= 34 && amounts.size + 1 < MAX_COINBASE_DESTINATIONS && this.donationValue >= 0n;
    const parts: Buffer[] = [];
    if (this.usable) {
      for (const { payee, value } of orderPayouts(amounts!, this.donationKey)) {
        if (payee === this.donationKey) continue;
        this.index.set(payee, this.keys.length);
        this.keys.push(payee);
        this.values.push(value);
        const bytes = txOutBytes({ value: Number(value), script: payoutScriptForAddress(payee, net.parent, params.version) });
        parts.push(bytes);
        this.offsets.push(this.offsets[this.offsets.length - 1]! + bytes.length);
      }
    }
    this.outputs = Buffer.concat(parts);
    const empty = encodeTransaction({ ...base.gentx, outputs: [] }, { witness: false });
    // version | inputs | compactSize(0) | locktime: drop the count (1 byte) and the locktime.
    this.head = empty.subarray(0, empty.length - 5);
    this.locktimeBytes = new ByteWriter(4).writeU32LE(base.gentx.locktime).toBytes();
    this.commitmentCount = derived.segwitActive ? 1 : 0;
    this.commitment = derived.segwitActive ? txOutBytes(base.gentx.outputs[0]!) : Buffer.alloc(0);
    this.donationScript = base.payouts[base.payouts.length - 1]!.script;
    this.donation = txOutBytes({ value: Number(this.donationValue < 0n ? 0n : this.donationValue), script: this.donationScript });
    this.headHex = this.head.toString('hex');
    this.commitmentHex = this.commitment.toString('hex');
    this.outputsHex = this.outputs.toString('hex');
    this.donationHex = this.donation.toString('hex');
    // With a ref merkle link (merged into another chain's ref tree) ref_hash is not one sha256d.
    const splice = this.usable && (params.refMerkleLink?.branch.length ?? 0) === 0 ? shareInfoSplice(this.shareInfo, params.version, net) : null;
    this.refPreimage = splice ? shareInfoSplicer(net.identifier, splice.before, splice.after) : null;
  }

  /** Whether ref_hash is hashed from spliced share_info bytes (else computeRefHash per payee). */
  get splicesShareInfo(): boolean {
    return this.refPreimage !== null;
  }

  /**
   * The miner's bytes for `address` with share nonce `nonce`, or null when this payee needs the
   * general builder (the donation key itself, or an unusable base).
   */
  forPayee(address: string, nonce: number): PayeeGentx | null {
    if (!this.usable || address === this.donationKey) return null;
    const { net, version } = this.params;
    const j = this.index.get(address) ?? -1;
    const value = (j >= 0 ? this.values[j]! : 0n) + this.bonus;
    // First entry ordered after (value, address): binary search over (amount, payee).
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.values[mid]!;
      if (v < value || (v === value && this.keys[mid]! <= address)) lo = mid + 1;
      else hi = mid;
    }
    const refHash = this.refPreimage
      ? sha256d(this.refPreimage(address, nonce))
      : computeRefHash({ ...this.shareInfo, shareData: { ...this.shareInfo.shareData, address, nonce } }, version, this.params.refMerkleLink ?? { branch: [], index: 0 }, net);
    const finder = txOutBytes({ value: Number(value), script: payoutScriptForAddress(address, net.parent, version) });
    const ref = txOutBytes({ value: 0, script: refOutputScript(refHash, 0n) });
    const count = compactSize(this.commitmentCount + this.keys.length + (j >= 0 ? 0 : 1) + 2);
    const o = this.offsets;
    // The bonus only raises the finder's amount: its new place is at or after its old one.
    // Output ranges [from, to) of `outputs` before the finder, in order.
    const ranges = j >= 0 ? [0, o[j]!, o[j + 1]!, o[lo]!] : [0, o[lo]!];
    const tail = o[o.length - 1]!;
    // head | count | commitment | payouts with the finder in its place | donation | ref output
    // up to (not including) its 8-byte last_txout_nonce; the 4-byte locktime is coinb2.
    let hex = this.headHex + count.toString('hex') + this.commitmentHex;
    for (let i = 0; i < ranges.length; i += 2) hex += this.outputsHex.slice(ranges[i]! * 2, ranges[i + 1]! * 2);
    const last = ranges[ranges.length - 1]!;
    hex += finder.toString('hex') + this.outputsHex.slice(last * 2, tail * 2) + this.donationHex + ref.toString('hex', 0, ref.length - 8);
    return new PayeeGentx(hex, this.locktimeBytes, refHash);
  }
}

