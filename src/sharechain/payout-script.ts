/**
 * Payout scripts the reference's way (JT address_to_script2, docs/sharechain.md#payout-addresses), including the
 * witness-program padding bug that share versions 34 and 35 must reproduce byte for byte.
 *
 * JT turns a bech32 address's witness program into an integer and back into bytes through a
 * hex string: '{:x}' in v34 mode, '{:040x}' in v35 mode ("padding bugfix"). So
 * - v34: leading zero bytes vanish, and an odd number of hex digits crashes the reference
 *   (binascii 'Odd-length string'): such an address cannot be paid;
 * - v35: the program is padded back to 20 bytes, which fixes P2WPKH, but a 32-byte P2WSH
 *   program with leading zero bytes is still shortened (BIP173's tb1qqqqqp399… becomes the
 *   31-byte script 001dc4a5…), and an odd digit count above 40 still crashes.
 * The script is always OP_0 <push of the resulting bytes>, whatever the witness version.
 * JT (2020) predates bech32m, so it cannot decode v1+ (taproot) addresses: we refuse them too.
 *
 * Base58 addresses give the usual P2PKH / P2SH scripts.
 */
import { decodeAddress, scriptToAddress } from '../bitcoin/address.js';
import type { ChainParams } from '../bitcoin/chain-params.js';
import { toHex } from '../bitcoin/hex.js';
import { p2pkhScript, p2shScript } from '../bitcoin/script.js';

/** The address cannot be paid by a share of this version (the reference would refuse or crash). */
export class PayoutAddressError extends Error {
  override readonly name = 'PayoutAddressError';
}

/** Share versions >= 35 pad witness programs to 20 bytes (JT PaddingBugfixShare). */
export function usesPaddingBugfix(version: number): boolean {
  return version >= 35;
}

/**
 * OP_0 <program> as JT rebuilds it from the program's integer value. Throws PayoutAddressError
 * where JT crashes (odd number of hex digits).
 */
export function jtWitnessScript(program: Uint8Array, paddingBugfix: boolean): Buffer {
  const value = program.length === 0 ? 0n : BigInt('0x' + toHex(program));
  let digits = value.toString(16);
  if (paddingBugfix) digits = digits.padStart(40, '0');
  if (digits.length % 2 === 1) {
    throw new PayoutAddressError(
      `witness program ${toHex(program)} has an odd number of hex digits in ${paddingBugfix ? 'v35' : 'v34'} mode (the reference crashes on it)`,
    );
  }
  const bytes = Buffer.from(digits, 'hex');
  return Buffer.concat([Buffer.from([0x00, bytes.length]), bytes]);
}

/**
 * Scripts per address, one map per (parent chain, padding mode): every share's payee and every
 * PPLNS payee of every verified share comes through here, so the lookup must not build a key
 * string. Unpayable addresses are not cached (they throw each time).
 */
const caches = new Map<string, Map<string, Buffer>>();
const CACHE_LIMIT = 100_000;

function cacheFor(parent: ChainParams, bugfix: boolean): Map<string, Buffer> {
  const name = bugfix ? parent.name + '|1' : parent.name + '|0';
  let m = caches.get(name);
  if (m === undefined) caches.set(name, (m = new Map()));
  return m;
}

let lastParent: ChainParams | undefined;
let lastV34: Map<string, Buffer> | undefined;
let lastV35: Map<string, Buffer> | undefined;

/**
 * The output script paying `address` in a share of `version` on `parent` (JT
 * address_to_script2 with padding_bugfix = version >= 35). Throws PayoutAddressError.
 */
export function payoutScriptForAddress(address: string, parent: ChainParams, version: number): Buffer {
  const bugfix = usesPaddingBugfix(version);
  if (parent !== lastParent) {
    lastParent = parent;
    lastV34 = cacheFor(parent, false);
    lastV35 = cacheFor(parent, true);
  }
  const cache = bugfix ? lastV35! : lastV34!;
  const hit = cache.get(address);
  if (hit !== undefined) return hit;
  const script = computeScript(address, parent, bugfix);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(address, script);
  return script;
}

function computeScript(address: string, parent: ChainParams, bugfix: boolean): Buffer {
  let decoded;
  try {
    decoded = decodeAddress(address, parent);
  } catch (e) {
    throw new PayoutAddressError(`invalid payout address '${printable(address)}': ${(e as Error).message}`);
  }
  switch (decoded.type) {
    case 'p2pkh':
      return p2pkhScript(decoded.hash);
    case 'p2sh':
      return p2shScript(decoded.hash);
    default:
      if (decoded.witnessVersion !== 0) {
        throw new PayoutAddressError(
          `payout address '${address}' has witness version ${decoded.witnessVersion ?? '?'}: share versions 34/35 only pay base58 and segwit v0 addresses`,
        );
      }
      return jtWitnessScript(decoded.hash, bugfix);
  }
}

/** The PPLNS key of a pre-v34 share's payee: the P2PKH address of its pubkey_hash (JT). */
export function pubkeyHashPayee(pubkeyHash: Uint8Array, parent: ChainParams): string {
  const addr = scriptToAddress(p2pkhScript(pubkeyHash), parent);
  if (addr === null) throw new Error(`no P2PKH address form on ${parent.name}`);
  return addr;
}

function printable(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}
