/**
 * Addresses <-> output scripts: base58check (P2PKH, P2SH), bech32 (segwit v0) and bech32m
 * (v1+, BIP350), per network, using @scure/base.
 * STUB: signatures are final; bodies are being implemented.
 */
import type { ChainParams } from './chain-params.js';

export type AddressType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr' | 'witness_unknown';

export interface DecodedAddress {
  type: AddressType;
  script: Buffer;
  /** hash160 for base58 types; the witness program for segwit types. */
  hash: Buffer;
  witnessVersion?: number;
}

/** Parse and validate an address for `chain`; throws AddressError with a one-line reason. */
export function decodeAddress(_address: string, _chain: ChainParams): DecodedAddress {
  throw new Error('not implemented');
}

/** Shorthand for decodeAddress(...).script. */
export function addressToScript(_address: string, _chain: ChainParams): Buffer {
  throw new Error('not implemented');
}

/** The address of a standard output script on `chain`, or null (P2PK, OP_RETURN, non-standard). */
export function scriptToAddress(_script: Uint8Array, _chain: ChainParams): string | null {
  throw new Error('not implemented');
}
