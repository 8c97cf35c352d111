/**
 * The rules an aux chain applies to a block with an AuxPoW, as Namecoin Core does:
 * CAuxPow::check (src/auxpow.cpp) for the proof itself and CheckAuxPowProofOfWork
 * (src/auxpow.cpp / validation) for the block header around it. The reasons are Namecoin's own
 * messages, so a log line can be matched with what an aux node would say.
 *
 * Pure: the parent's PoW function and the target are passed in.
 */
import { sha256d } from '../bitcoin/hash.js';
import { checkMerkleLink } from '../bitcoin/merkle.js';
import { bitsToTarget } from '../bitcoin/target.js';
import { hashToBigInt } from '../bitcoin/hex.js';
import type { AuxPow } from './auxpow.js';
import { auxSlot, MAX_CHAIN_BRANCH, MERGED_MINING_MAGIC } from './aux-merkle-tree.js';

/** An AuxPoW (or the aux header around it) that an aux chain would refuse; `reason` is Namecoin's. */
export class AuxPowError extends Error {
  override readonly name = 'AuxPowError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Block version bit saying "this header carries an AuxPoW" (Namecoin VERSION_AUXPOW = 1 << 8). */
export const VERSION_AUXPOW = 0x100;
/** The chain id sits in the version's upper 16 bits (Namecoin VERSION_CHAIN_START = 16). */
export function versionChainId(version: number): number {
  return version >>> 16;
}

/**
 * The script search window of the legacy rule: without the magic, the root must start within
 * the first 20 bytes of the scriptSig ("8-12 bytes are enough to encode extraNonce and nBits").
 */
const LEGACY_ROOT_WINDOW = 20;

export interface AuxPowCheck {
  /** Root of the aux chain tree the AuxPoW proves, internal byte order. */
  chainRoot: Buffer;
  size: number;
  nonce: number;
}

/**
 * Fold the chain branch as Namecoin's CheckMerkleBranch does: index -1 means "no branch" (a
 * zero root); otherwise only the index's low bits (one per branch level) are read.
 */
function chainMerkleRoot(auxHash: Buffer, branch: Buffer[], index: number): Buffer {
  if (index === -1) return Buffer.alloc(32);
  const mask = branch.length >= 31 ? 0x7fffffff : 2 ** branch.length - 1;
  return checkMerkleLink(auxHash, { branch, index: (index & mask) >>> 0 });
}

/**
 * CAuxPow::check: `auxpow` proves the aux block `auxHash` (internal order) of chain `chainId`.
 * Throws AuxPowError with Namecoin's reason; returns what it established.
 */
export function checkAuxPow(auxpow: AuxPow, auxHash: Buffer, chainId: number, opts: { strictChainId?: boolean } = {}): AuxPowCheck {
  if (auxpow.coinbaseIndex !== 0) throw new AuxPowError('AuxPow is not a generate');
  if ((opts.strictChainId ?? true) && versionChainId(auxpow.parentHeader.readUInt32LE(0)) === chainId) {
    throw new AuxPowError('Aux POW parent has our chain ID');
  }
  if (auxpow.chainBranch.length > MAX_CHAIN_BRANCH) throw new AuxPowError('Aux POW chain merkle branch too long');

  const chainRoot = chainMerkleRoot(auxHash, auxpow.chainBranch, auxpow.chainIndex);
  // The script holds the root byte-reversed ("correct endian" in Namecoin's words).
  const rootInScript = Buffer.from(chainRoot).reverse();

  const coinbaseTxid = sha256d(auxpow.coinbaseBytes);
  const parentRoot = auxpow.parentHeader.subarray(36, 68);
  if (!checkMerkleLink(coinbaseTxid, { branch: auxpow.coinbaseBranch, index: 0 }).equals(parentRoot)) {
    throw new AuxPowError('Aux POW merkle root incorrect');
  }
  if (auxpow.coinbase.inputs.length === 0) throw new AuxPowError('Aux POW coinbase has no inputs');

  const script = auxpow.coinbase.inputs[0]!.script;
  const head = script.indexOf(MERGED_MINING_MAGIC);
  const pc = script.indexOf(rootInScript);
  if (pc < 0) throw new AuxPowError('Aux POW missing chain merkle root in parent coinbase');
  if (head >= 0) {
    // One merged-mining header only, right before the root: the parent commits to one tree.
    if (script.indexOf(MERGED_MINING_MAGIC, head + 1) >= 0) throw new AuxPowError('Multiple merged mining headers in coinbase');
    if (head + MERGED_MINING_MAGIC.length !== pc) throw new AuxPowError('Merged mining header is not just before chain merkle root');
  } else if (pc > LEGACY_ROOT_WINDOW) {
    // Coinbases from before the magic was introduced: an early root is the only one.
    throw new AuxPowError('Aux POW chain merkle root must start in the first 20 bytes of the parent coinbase');
  }

  const after = pc + rootInScript.length;
  if (script.length - after < 8) throw new AuxPowError('Aux POW missing chain merkle tree size and nonce in parent coinbase');
  const size = script.readUInt32LE(after);
  const nonce = script.readUInt32LE(after + 4);
  const height = auxpow.chainBranch.length;
  if (size !== 2 ** height) throw new AuxPowError('Aux POW merkle branch size does not match parent coinbase');
  if (auxpow.chainIndex !== auxSlot(chainId, nonce, size)) throw new AuxPowError('Aux POW wrong index');
  return { chainRoot, size, nonce };
}

export interface AuxBlockCheckOptions {
  /** The aux chain's id (Namecoin 1). */
  chainId: number;
  /** The parent chain's PoW hash of an 80-byte header (sha256d for a Bitcoin parent). */
  parentPow: (header80: Buffer) => Buffer;
  /** The aux target; defaults to the aux header's own bits. */
  target?: bigint;
  /** Namecoin's fStrictChainId (true on mainnet and testnet). Default true. */
  strictChainId?: boolean;
}

/**
 * CheckAuxPowProofOfWork for an aux header with an AuxPoW: the header's chain id and AuxPoW
 * flag, a parent that is not itself an AuxPoW block, CAuxPow::check, and the parent's PoW
 * against the aux target. The structural check runs before the PoW so a malformed proof is
 * reported as such rather than as "proof of work failed" (both reject).
 */
export function checkAuxBlock(header: Buffer, auxpow: AuxPow, opts: AuxBlockCheckOptions): AuxPowCheck & { auxHash: Buffer; parentPowHash: Buffer } {
  if (header.length !== 80) throw new AuxPowError('aux header is not 80 bytes');
  const version = header.readUInt32LE(0);
  if ((opts.strictChainId ?? true) && versionChainId(version) !== opts.chainId) {
    throw new AuxPowError(`block does not have our chain ID (got ${versionChainId(version)}, expected ${opts.chainId})`);
  }
  if ((version & VERSION_AUXPOW) === 0) throw new AuxPowError('auxpow on block with non-auxpow version');
  if ((auxpow.parentHeader.readUInt32LE(0) & VERSION_AUXPOW) !== 0) throw new AuxPowError('auxpow parent block has auxpow version');
  const auxHash = sha256d(header);
  const result = checkAuxPow(auxpow, auxHash, opts.chainId, opts);
  const target = opts.target ?? bitsToTarget(header.readUInt32LE(72));
  const parentPowHash = opts.parentPow(auxpow.parentHeader);
  if (target <= 0n || hashToBigInt(parentPowHash) > target) throw new AuxPowError('AUX proof of work failed');
  return { ...result, auxHash, parentPowHash };
}
