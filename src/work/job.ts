/**
 * A unit of work handed to a miner, and the header a submission rebuilds from it.
 *
 * The miner's coinbase is coinb1 || extranonce1 || extranonce2 || coinb2. In P2Pool the 8
 * bytes extranonce1 || extranonce2 are the gentx's last_txout_nonce, the tail of the OP_RETURN
 * output, and coinb2 is only the 4-byte locktime (docs/mining.md#how-a-job-is-built). Because each payout address
 * gets its own generation transaction, a job belongs to one miner.
 */
import { hashWords, sha256dBranch, Sha256dPrefix } from '../bitcoin/hash.js';
import { bigIntToHash, swapWords32 } from '../bitcoin/hex.js';
import { MAX_UINT256 } from '../bitcoin/target.js';

export interface Job {
  /** Short id unique within the node's lifetime (hex). */
  id: string;
  /** Previous block hash, internal byte order. */
  prevBlock: Buffer;
  /** Stripped gentx bytes before the 8-byte nonce area. */
  coinb1: Buffer;
  /** coinb1 as hex when the work layer already has it (mining.notify), else made from coinb1. */
  coinb1Hex?: string;
  /** coinb1's hex written straight into the notify line being assembled, when the work layer can. */
  coinb1HexSource?: Coinb1HexSource;
  /** Stripped gentx bytes after the nonce area (the locktime). */
  coinb2: Buffer;
  /** Merkle branch from the coinbase to the root (internal byte order). */
  merkleBranch: Buffer[];
  version: number;
  bits: number;
  /** Timestamp the job proposes; miners may roll it forward. */
  ntime: number;
  /** Earliest acceptable header time (template mintime). */
  minTime: number;
  /** Target a solution must meet to be a block. */
  blockTarget: bigint;
  /** Target a solution must meet to be a share on the sharechain. */
  shareTarget: bigint;
  /** ms since epoch when it was made (jobs expire). */
  createdAt: number;
  /** Opaque data the work layer needs to turn a solution into a share (share_info etc.). */
  context: unknown;
  /**
   * coinb1's SHA-256 prefix (the midstate of its whole blocks), when the work layer makes it
   * without making coinb1's bytes (payee-gentx.ts); else it is made from `coinb1` and kept per
   * that Buffer. A submit's header needs only this; the bytes, only a share or a block.
   */
  coinbasePrefix?(): Sha256dPrefix;
  /**
   * Called by a holder that drops the job for good and will hand it back to makeJob as
   * `recycle` (a Stratum session, session.ts LiveJobs): what the job made on demand (coinb1's
   * bytes for a submit) can go now instead of living on in the spare object until its refill.
   */
  dropped?(): void;
}

/** Writes coinb1's hex (ASCII, lower case) into a buffer without making it a string (payee-gentx.ts). */
export interface Coinb1HexSource {
  readonly coinb1HexLength: number;
  /** Write the hex into `out` at `at`; returns the offset after it. */
  writeCoinb1Hex(out: Buffer, at: number): number;
}

/** Stratum's prevhash field: the internal-order hash with each 4-byte word byte-swapped. */
export function stratumPrevHash(prevBlock: Uint8Array): string {
  return swapWords32(prevBlock).toString('hex');
}

/** Merkle root from the coinbase txid and the branch (the coinbase is always leaf 0). */
export function merkleRootFromBranch(coinbaseTxid: Buffer, branch: readonly Buffer[]): Buffer {
  const root = Buffer.allocUnsafe(32);
  sha256dBranch(coinbaseTxid, 0, branchWords(branch), root, 0);
  return root;
}

/** A template's branch as hash words, made once: every job of the template shares the array. */
const branchWordsCache = new WeakMap<readonly Buffer[], Int32Array>();
function branchWords(branch: readonly Buffer[]): Int32Array {
  let words = branchWordsCache.get(branch);
  if (words === undefined) {
    words = hashWords(branch);
    branchWordsCache.set(branch, words);
  }
  return words;
}

/**
 * One SHA-256 prefix per coinb1: a job's coinbase differs from submit to submit only in the 8
 * nonce bytes near its end, so coinb1's whole blocks are compressed once (on the job's first
 * submit: most jobs are replaced before any) and shared by every job with the same coinb1.
 */
const coinbasePrefixes = new WeakMap<Buffer, Sha256dPrefix>();

export function coinbasePrefixOf(coinb1: Buffer): Sha256dPrefix {
  let p = coinbasePrefixes.get(coinb1);
  if (p === undefined) {
    p = new Sha256dPrefix(coinb1);
    coinbasePrefixes.set(coinb1, p);
  }
  return p;
}

/** The coinbase txid of a submit (single-threaded; never held across calls). */
const txidScratch = Buffer.alloc(32);

/**
 * The 80-byte header for a solution. `nonceArea` is extranonce1 || extranonce2 (8 bytes; copied,
 * so the caller may reuse it). The full coinbase is only made when asked for (a share, a block,
 * an aux solution), not for every pseudoshare.
 */
export function buildHeader(job: Job, nonceArea: Uint8Array, ntime: number, nonce: number, version: number): BuiltHeader {
  const suffix = coinbaseSuffix(job, nonceArea);
  const header = Buffer.allocUnsafe(80);
  writeHeader(job, suffix, ntime, nonce, version, header);
  return new BuiltHeader(header, job.coinb1, suffix, nonceArea.length);
}

/**
 * extranonce1 || extranonce2 || coinb2: the part of a job's coinbase after coinb1, in `into`
 * when given (its length must be nonceArea's plus coinb2's), else in a new Buffer.
 */
export function coinbaseSuffix(job: Job, nonceArea: Uint8Array, into?: Buffer): Buffer {
  const suffix = into ?? Buffer.allocUnsafe(nonceArea.length + job.coinb2.length);
  suffix.set(nonceArea, 0);
  job.coinb2.copy(suffix, nonceArea.length);
  return suffix;
}

/**
 * Writes a solution's 80-byte header into `out[0..80]`, making no Buffer: the coinbase txid
 * resumed from coinb1's prefix over `suffix` (coinbaseSuffix's bytes, whole), the merkle branch
 * climbed to the root, then version, previous block, ntime, bits and nonce. A Stratum submit's
 * pseudoshare check writes into memory it reuses (session.ts).
 */
export function writeHeader(job: Job, suffix: Uint8Array, ntime: number, nonce: number, version: number, out: Buffer): void {
  (job.coinbasePrefix?.() ?? coinbasePrefixOf(job.coinb1)).digestInto(suffix, txidScratch, 0);
  out.writeUInt32LE(version >>> 0, 0);
  job.prevBlock.copy(out, 4);
  sha256dBranch(txidScratch, 0, branchWords(job.merkleBranch), out, 36);
  out.writeUInt32LE(ntime >>> 0, 68);
  out.writeUInt32LE(job.bits >>> 0, 72);
  out.writeUInt32LE(nonce >>> 0, 76);
}

/**
 * buildHeader's result. A class with its lazy parts on the prototype: an object literal with a
 * getter, made per submit, was a tenth of a submit's non-hashing time (--cpu-prof).
 */
export class BuiltHeader {
  private made: Buffer | null = null;

  constructor(
    readonly header: Buffer,
    private readonly coinb1: Buffer,
    /** extranonce1 || extranonce2 || coinb2. */
    private readonly suffix: Buffer,
    private readonly nonceAreaLength: number,
  ) {}

  /** The stripped coinbase the header commits to (made on first use). */
  get coinbase(): Buffer {
    this.made ??= Buffer.concat([this.coinb1, this.suffix]);
    return this.made;
  }

  /** extranonce1 || extranonce2, this header's own copy. */
  get nonceArea(): Buffer {
    return this.suffix.subarray(0, this.nonceAreaLength);
  }
}

/**
 * A target as the 32 little-endian bytes a hash is compared with (targets at or above 2**256-1,
 * which float difficulties can round to, become 2**256-1: every hash meets them).
 */
export function targetToHashBytes(target: bigint): Buffer {
  return bigIntToHash(target >= MAX_UINT256 ? MAX_UINT256 : target < 0n ? 0n : target);
}

/**
 * Whether a hash (internal little-endian bytes) is above a target given by targetToHashBytes,
 * i.e. does NOT meet it. Same order as comparing the integers (reference: `hash <= target`),
 * without converting every submit's hash to a bigint: it stops at the first differing byte
 * from the most significant end, usually the first.
 */
export function hashExceedsTarget(hash: Uint8Array, target: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const h = hash[i]!;
    const t = target[i]!;
    if (h !== t) return h > t;
  }
  return false;
}

/** A job's block and share targets as hash bytes (targetToHashBytes), made on a job's first submit. */
export interface HashTargets {
  block: Buffer;
  share: Buffer;
}

export function jobHashTargets(job: Job): HashTargets {
  return { block: targetToHashBytes(job.blockTarget), share: targetToHashBytes(job.shareTarget) };
}

/**
 * Whether a PoW hash is only a pseudoshare: above the job's block and share targets and above
 * the easiest aux target (null: no aux chain). The work layer's onPseudoshare answers such a
 * hash without the whole solution; any other needs it (WorkSource.onPseudoshare).
 */
export function onlyPseudoshare(powHash: Uint8Array, targets: HashTargets, auxTarget: bigint | null): boolean {
  if (!hashExceedsTarget(powHash, targets.block) || !hashExceedsTarget(powHash, targets.share)) return false;
  return auxTarget === null || !meetsAuxTarget(powHash, auxTarget);
}

/** Whether a PoW hash meets an aux chain's target (hash <= target), compared as bytes. */
export function meetsAuxTarget(powHash: Uint8Array, auxTarget: bigint): boolean {
  return !hashExceedsTarget(powHash, auxTargetBytes(auxTarget));
}

/** The last aux target asked for and its bytes (targetToHashBytes): it changes with the aux work, not per submit. */
let lastAuxTarget = -1n;
let lastAuxTargetBytes: Buffer = Buffer.alloc(32);
function auxTargetBytes(target: bigint): Buffer {
  if (target !== lastAuxTarget) {
    lastAuxTargetBytes = targetToHashBytes(target);
    lastAuxTarget = target;
  }
  return lastAuxTargetBytes;
}
