/**
 * A unit of work handed to a miner, and the header a submission rebuilds from it.
 *
 * The miner's coinbase is coinb1 || extranonce1 || extranonce2 || coinb2. In P2Pool the 8
 * bytes extranonce1 || extranonce2 are the gentx's last_txout_nonce, the tail of the OP_RETURN
 * output, and coinb2 is only the 4-byte locktime (reference §5.2). Because each payout address
 * gets its own generation transaction, a job belongs to one miner.
 */
import { sha256d } from '../bitcoin/hash.js';
import { swapWords32 } from '../bitcoin/hex.js';

export interface Job {
  /** Short id unique within the node's lifetime (hex). */
  id: string;
  /** Previous block hash, internal byte order. */
  prevBlock: Buffer;
  /** Stripped gentx bytes before the 8-byte nonce area. */
  coinb1: Buffer;
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
}

/** Stratum's prevhash field: the internal-order hash with each 4-byte word byte-swapped. */
export function stratumPrevHash(prevBlock: Uint8Array): string {
  return swapWords32(prevBlock).toString('hex');
}

/** Merkle root from the coinbase txid and the branch (the coinbase is always leaf 0). */
export function merkleRootFromBranch(coinbaseTxid: Buffer, branch: readonly Buffer[]): Buffer {
  let cur = coinbaseTxid;
  const pair = Buffer.allocUnsafe(64);
  for (const h of branch) {
    cur.copy(pair, 0);
    h.copy(pair, 32);
    cur = sha256d(pair);
  }
  return cur;
}

/** The 80-byte header for a solution. `nonceArea` is extranonce1 || extranonce2 (8 bytes). */
export function buildHeader(job: Job, nonceArea: Uint8Array, ntime: number, nonce: number, version: number): { header: Buffer; coinbase: Buffer } {
  const coinbase = Buffer.concat([job.coinb1, nonceArea, job.coinb2]);
  const root = merkleRootFromBranch(sha256d(coinbase), job.merkleBranch);
  const header = Buffer.allocUnsafe(80);
  header.writeUInt32LE(version >>> 0, 0);
  job.prevBlock.copy(header, 4);
  root.copy(header, 36);
  header.writeUInt32LE(ntime >>> 0, 68);
  header.writeUInt32LE(job.bits >>> 0, 72);
  header.writeUInt32LE(nonce >>> 0, 76);
  return { header, coinbase };
}
