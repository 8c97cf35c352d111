/**
 * `p2pool inspect auxpow HEX`: decode an aux block header with its AuxPoW and check it with
 * Namecoin's rules (auxpow-check.ts) against the aux header's own target (its bits) and chain
 * id. Never throws: bad input is a report with `valid: false` and the reason.
 */
import { sha256d } from '../bitcoin/hash.js';
import { fromHex, hashToDisplayHex } from '../bitcoin/hex.js';
import { DecodeError } from '../bitcoin/errors.js';
import { decodeAuxBlockHeader } from './auxpow.js';
import { AuxPowError, checkAuxBlock, versionChainId } from './auxpow-check.js';
import { checkMerkleLink } from '../bitcoin/merkle.js';

export interface AuxpowReport {
  valid: boolean;
  reason?: string;
  /** Parent header hash, display hex ('' when the input does not decode). */
  parent_hash: string;
  /** Chain id from the aux header's version (-1 when there is no header). */
  chain_id: number;
  /** Aux block hash, display hex. */
  aux_hash: string;
  /** Parent coinbase txid, display hex. */
  coinbase_txid: string;
  /** Root of the aux chain tree the AuxPoW proves (as the coinbase holds it: display order). */
  aux_root: string;
}

/**
 * `parentPow` is the parent chain's PoW: sha256d (Bitcoin parents, as for Namecoin) unless told
 * otherwise (scrypt for a Litecoin parent of Dogecoin).
 */
export function inspectAuxpow(hex: string, opts: { parentPow?: (header80: Buffer) => Buffer } = {}): AuxpowReport {
  const report: AuxpowReport = { valid: false, parent_hash: '', chain_id: -1, aux_hash: '', coinbase_txid: '', aux_root: '' };
  let bytes: Buffer;
  try {
    bytes = fromHex(hex.trim());
  } catch (e) {
    return { ...report, reason: `not hex: ${(e as Error).message}` };
  }
  if (bytes.length >= 80) {
    report.chain_id = versionChainId(bytes.readUInt32LE(0));
    report.aux_hash = hashToDisplayHex(sha256d(bytes.subarray(0, 80)));
  }
  let decoded: ReturnType<typeof decodeAuxBlockHeader>;
  try {
    decoded = decodeAuxBlockHeader(bytes);
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { ...report, reason: `not an aux block header with AuxPoW: ${e.message}` };
  }
  const { header, auxpow } = decoded;
  report.parent_hash = hashToDisplayHex(sha256d(auxpow.parentHeader));
  report.coinbase_txid = hashToDisplayHex(sha256d(auxpow.coinbaseBytes));
  const index = auxpow.chainIndex;
  // The root the branch leads to, shown even when the proof fails (then it helps see why).
  if (index >= 0 && (auxpow.chainBranch.length >= 31 || index < 2 ** auxpow.chainBranch.length)) {
    report.aux_root = hashToDisplayHex(checkMerkleLink(sha256d(header), { branch: auxpow.chainBranch, index }));
  }
  try {
    const r = checkAuxBlock(header, auxpow, { chainId: report.chain_id, parentPow: opts.parentPow ?? sha256d });
    report.aux_root = hashToDisplayHex(r.chainRoot);
    report.valid = true;
    return report;
  } catch (e) {
    if (!(e instanceof AuxPowError)) throw e;
    return { ...report, reason: e.reason };
  }
}
