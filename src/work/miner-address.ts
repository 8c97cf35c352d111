/**
 * Which payout addresses a v35 share can carry. The reference's share format stores the payee
 * as an address string and rebuilds its script its own way (docs/sharechain.md#payout-addresses): only base58 P2PKH/P2SH and
 * segwit v0 work; taproot (bech32m) addresses make every reference node reject the share, and
 * a P2WSH program that starts with zero bytes is rebuilt as a different (shortened) script, so
 * the coins would go to a script nobody controls. Both are refused at login instead.
 */
import { AddressError } from '../bitcoin/errors.js';
import { decodeAddress } from '../bitcoin/address.js';
import type { ChainParams } from '../bitcoin/chain-params.js';
import { payoutScriptProblem } from '../sharechain/fair/share.js';
import { payoutScriptForAddress, PayoutAddressError } from '../sharechain/payout-script.js';

export const PAYABLE_TYPES_TEXT = 'use a P2PKH (1…/m…), P2SH (3…/2…) or segwit v0 (bc1q…/tb1q…/bcrt1q…) address';
/** The address forms a fair share can pay (docs/fair-sharechain.md#validation, rule 3). */
export const FAIR_PAYABLE_TYPES_TEXT = 'use a P2PKH (1…/m…), P2SH (3…/2…), segwit v0 (bc1q…) or taproot (bc1p…) address';

/**
 * Share versions from this one on carry the payee as an output script (the fair rules, share
 * version 64, docs/fair-sharechain.md#wire-format); the v35 family (17-36) carries an address
 * string that every node rebuilds its own way.
 */
export const FIRST_SCRIPT_PAYEE_VERSION = 64;

export type AddressCheck =
  | { ok: true; address: string }
  | { ok: false; invalid: true; reason: string }
  | { ok: false; invalid: false; reason: string };

/**
 * `invalid: true` means the string is not an address of this chain at all (the node then mines
 * to its own address, as the reference does); `invalid: false` means a real address that a
 * share cannot pay (the miner must be told).
 */
export function checkPayoutAddress(address: string, chain: ChainParams, shareVersion: number): AddressCheck {
  let decoded;
  try {
    decoded = decodeAddress(address, chain);
  } catch (e) {
    if (e instanceof AddressError) return { ok: false, invalid: true, reason: e.message };
    throw e;
  }
  if (shareVersion >= FIRST_SCRIPT_PAYEE_VERSION) {
    // The share pays the address's own script: any of the five standard forms, taproot included.
    const problem = payoutScriptProblem(decoded.script);
    return problem === null ? { ok: true, address } : { ok: false, invalid: false, reason: `${decoded.type} addresses cannot be paid by fair shares; ${FAIR_PAYABLE_TYPES_TEXT}` };
  }
  if (decoded.type === 'p2tr' || decoded.type === 'witness_unknown') {
    return {
      ok: false,
      invalid: false,
      reason: `${decoded.type === 'p2tr' ? 'taproot' : `segwit v${decoded.witnessVersion}`} addresses cannot be paid by P2Pool share v35 (peers reject such shares); ${PAYABLE_TYPES_TEXT}`,
    };
  }
  let script: Buffer;
  try {
    script = payoutScriptForAddress(address, chain, shareVersion);
  } catch (e) {
    if (e instanceof PayoutAddressError) return { ok: false, invalid: false, reason: `${e.message}; ${PAYABLE_TYPES_TEXT}` };
    throw e;
  }
  if (!script.equals(decoded.script)) {
    return {
      ok: false,
      invalid: false,
      reason: `share v${shareVersion} would pay this address's program with its leading zero bytes dropped (a script nobody controls); ${PAYABLE_TYPES_TEXT}`,
    };
  }
  return { ok: true, address };
}
