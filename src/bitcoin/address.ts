/**
 * Addresses <-> output scripts: base58check (P2PKH, P2SH), bech32 (segwit v0) and bech32m
 * (v1+, BIP350), per network, using @scure/base.
 *
 * Rules (Bitcoin Core key_io.cpp DecodeDestination, BIP173, BIP350):
 * - base58check: 21-byte payload, version = the chain's P2PKH or P2SH version.
 * - segwit: HRP = the chain's; witness version 0..16; v0 uses the bech32 checksum with a 20- or
 *   32-byte program; v1+ use bech32m with a 2..40-byte program; no mixed case; <= 90 chars.
 * Errors are AddressError with one line saying why, naming the address's network when it is
 * recognisably another one of ours.
 */
import { bech32, bech32m, createBase58check } from '@scure/base';
import { CHAIN_NAMES, getChainParams, type ChainParams } from './chain-params.js';
import { AddressError } from './errors.js';
import { sha256 } from './hash.js';
import { classifyScript, p2pkhScript, p2shScript, witnessScript } from './script.js';

export type AddressType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr' | 'witness_unknown';

export interface DecodedAddress {
  type: AddressType;
  script: Buffer;
  /** hash160 for base58 types; the witness program for segwit types. */
  hash: Buffer;
  witnessVersion?: number;
}

/** BIP173: a segwit address is at most 90 characters; base58 ones are far shorter. */
const MAX_ADDRESS_LENGTH = 90;

const base58check = createBase58check(sha256);

const BECH32_DATA_RE = /^[qpzry9x8gf2tvdw0s3jn54khce6mua7l]+$/;
const BASE58_RE = /^[1-9A-HJ-NP-Za-km-z]+$/;

/** The address shown in error messages, shortened so a message stays one readable line. */
function show(address: string): string {
  return JSON.stringify(address.length > 100 ? `${address.slice(0, 97)}...` : address);
}

/** Names of our networks for which `matches` holds, joined for a message (e.g. "testnet/signet"). */
function networksWhere(matches: (p: ChainParams) => boolean): string | null {
  const names = CHAIN_NAMES.filter((n) => matches(getChainParams(n)));
  return names.length > 0 ? names.join('/') : null;
}

function wrongNetwork(address: string, other: string | null, chain: ChainParams, what: string): AddressError {
  if (other) return new AddressError(`address ${show(address)} is for network ${other}, not ${chain.name}`);
  return new AddressError(`address ${show(address)} has ${what}, which network ${chain.name} does not use`);
}

function decodeBase58(address: string, chain: ChainParams): DecodedAddress {
  let payload: Uint8Array;
  try {
    payload = base58check.decode(address);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new AddressError(`address ${show(address)} is not valid base58check (${why.split('\n')[0]})`);
  }
  if (payload.length !== 21) {
    throw new AddressError(`address ${show(address)} has a ${payload.length}-byte base58 payload, expected 21`);
  }
  const version = payload[0]!;
  const hash = Buffer.from(payload.subarray(1));
  if (version === chain.pubkeyHashVersion) return { type: 'p2pkh', script: p2pkhScript(hash), hash };
  if (version === chain.scriptHashVersion) return { type: 'p2sh', script: p2shScript(hash), hash };
  if (chain.coin === 'litecoin' && version === 5) {
    throw new AddressError(
      `address ${show(address)} uses the deprecated P2SH version 5 ('3...'); use the ${chain.name} 'M'/'Q' form of the same script`,
    );
  }
  const other = networksWhere((p) => p.pubkeyHashVersion === version || p.scriptHashVersion === version);
  throw wrongNetwork(address, other, chain, `base58 version ${version}`);
}

function decodeSegwit(address: string, chain: ChainParams): DecodedAddress {
  if (address !== address.toLowerCase() && address !== address.toUpperCase()) {
    throw new AddressError(`address ${show(address)} mixes upper and lower case (BIP173)`);
  }
  const lower = address.toLowerCase();
  const hrp = lower.slice(0, lower.lastIndexOf('1'));
  if (hrp !== chain.bech32Hrp) {
    if (chain.bech32Hrp === null) {
      throw new AddressError(`network ${chain.name} has no segwit addresses (got ${show(address)})`);
    }
    // Only name the other network if the address is actually valid there; otherwise say why not.
    const owner = CHAIN_NAMES.map((n) => getChainParams(n)).find((p) => p.bech32Hrp === hrp);
    if (owner) decodeSegwit(address, owner);
    throw wrongNetwork(address, networksWhere((p) => p.bech32Hrp === hrp), chain, `prefix '${hrp}'`);
  }
  // Which checksum holds tells the encoding; BIP350 ties it to the witness version below.
  let words: number[];
  let isBech32m: boolean;
  const asBech32 = bech32.decodeUnsafe(lower, MAX_ADDRESS_LENGTH);
  if (asBech32) {
    words = asBech32.words;
    isBech32m = false;
  } else {
    const asBech32m = bech32m.decodeUnsafe(lower, MAX_ADDRESS_LENGTH);
    if (!asBech32m) throw new AddressError(`address ${show(address)} has an invalid bech32/bech32m checksum or characters`);
    words = asBech32m.words;
    isBech32m = true;
  }
  if (words.length === 0) throw new AddressError(`address ${show(address)} has no witness version`);
  const version = words[0]!;
  if (version > 16) throw new AddressError(`address ${show(address)} has witness version ${version}; the maximum is 16`);
  if (version === 0 && isBech32m) {
    throw new AddressError(`address ${show(address)} is segwit v0 but uses the bech32m checksum (BIP350 requires bech32)`);
  }
  if (version !== 0 && !isBech32m) {
    throw new AddressError(`address ${show(address)} is segwit v${version} but uses the bech32 checksum (BIP350 requires bech32m)`);
  }
  const program = bech32.fromWordsUnsafe(words.slice(1));
  if (!program) throw new AddressError(`address ${show(address)} has invalid padding in its witness program`);
  const prog = Buffer.from(program);
  if (prog.length < 2 || prog.length > 40) {
    throw new AddressError(`address ${show(address)} has a ${prog.length}-byte witness program; BIP141 allows 2..40`);
  }
  if (version === 0 && prog.length !== 20 && prog.length !== 32) {
    throw new AddressError(`address ${show(address)} has a ${prog.length}-byte v0 witness program; it must be 20 or 32`);
  }
  const script = witnessScript(version, prog);
  const type: AddressType =
    version === 0 ? (prog.length === 20 ? 'p2wpkh' : 'p2wsh') : version === 1 && prog.length === 32 ? 'p2tr' : 'witness_unknown';
  return { type, script, hash: prog, witnessVersion: version };
}

/**
 * Whether `address` should be read as bech32: the part after its last '1' is bech32 data, and
 * either the part before is one of our HRPs or the string is not base58 at all (so a bech32
 * address of an unknown network gets a bech32 error, not "invalid base58").
 */
function looksSegwit(address: string): boolean {
  const sep = address.lastIndexOf('1');
  if (sep <= 0) return false;
  if (!BECH32_DATA_RE.test(address.slice(sep + 1).toLowerCase())) return false;
  const hrp = address.slice(0, sep).toLowerCase();
  return networksWhere((p) => p.bech32Hrp === hrp) !== null || !BASE58_RE.test(address);
}

/** Parse and validate an address for `chain`; throws AddressError with a one-line reason. */
export function decodeAddress(address: string, chain: ChainParams): DecodedAddress {
  if (typeof address !== 'string' || address.length === 0) throw new AddressError('address is empty');
  if (address.length > MAX_ADDRESS_LENGTH) {
    throw new AddressError(`address ${show(address)} is ${address.length} characters; the maximum is ${MAX_ADDRESS_LENGTH}`);
  }
  if (looksSegwit(address)) return decodeSegwit(address, chain);
  try {
    return decodeBase58(address, chain);
  } catch (err) {
    // Bech32-shaped but with a prefix none of our networks uses (e.g. 'tc1...'): say so.
    const sep = address.lastIndexOf('1');
    if (sep > 0 && BECH32_DATA_RE.test(address.slice(sep + 1).toLowerCase()) && (err as Error).message.includes('base58check')) {
      throw new AddressError(
        `address ${show(address)} is not valid base58check, nor segwit with a known prefix ('${address.slice(0, sep).toLowerCase()}' is not ${chain.bech32Hrp ?? 'used'} on ${chain.name})`,
      );
    }
    throw err;
  }
}

/** Shorthand for decodeAddress(...).script. */
export function addressToScript(address: string, chain: ChainParams): Buffer {
  return decodeAddress(address, chain).script;
}

/** The address of a standard output script on `chain`, or null (P2PK, OP_RETURN, non-standard). */
export function scriptToAddress(script: Uint8Array, chain: ChainParams): string | null {
  const c = classifyScript(script);
  switch (c.type) {
    case 'p2pkh':
      return base58check.encode(Buffer.concat([Buffer.of(chain.pubkeyHashVersion), c.data!]));
    case 'p2sh':
      return base58check.encode(Buffer.concat([Buffer.of(chain.scriptHashVersion), c.data!]));
    case 'p2wpkh':
    case 'p2wsh':
    case 'p2tr':
    case 'witness_unknown': {
      if (chain.bech32Hrp === null) return null;
      const words = [c.witnessVersion!, ...bech32.toWords(c.data!)];
      return c.witnessVersion === 0 ? bech32.encode(chain.bech32Hrp, words) : bech32m.encode(chain.bech32Hrp, words);
    }
    default:
      return null;
  }
}
