/**
 * Output scripts and the BIP34 coinbase height push.
 * STUB: signatures are final; bodies are being implemented.
 */

export type ScriptType =
  | 'p2pkh'
  | 'p2sh'
  | 'p2wpkh'
  | 'p2wsh'
  | 'p2tr'
  | 'witness_unknown'
  | 'p2pk'
  | 'nulldata'
  | 'nonstandard';

export interface ClassifiedScript {
  type: ScriptType;
  /** hash160 / witness program / pubkey / pushed data, when the type has one. */
  data?: Buffer;
  /** Witness version for segwit types. */
  witnessVersion?: number;
}

export function classifyScript(_script: Uint8Array): ClassifiedScript {
  throw new Error('not implemented');
}
export function p2pkhScript(_hash160: Uint8Array): Buffer {
  throw new Error('not implemented');
}
export function p2shScript(_hash160: Uint8Array): Buffer {
  throw new Error('not implemented');
}
/** OP_n <program>: P2WPKH (v0, 20 bytes), P2WSH (v0, 32), P2TR (v1, 32), others. */
export function witnessScript(_version: number, _program: Uint8Array): Buffer {
  throw new Error('not implemented');
}
/** OP_RETURN followed by one push of `data`. */
export function nullDataScript(_data: Uint8Array): Buffer {
  throw new Error('not implemented');
}
/** Minimal push of an arbitrary byte string (OP_0 / direct / PUSHDATA1/2/4). */
export function pushData(_data: Uint8Array): Buffer {
  throw new Error('not implemented');
}
/** BIP34: the coinbase scriptSig's first push, the height as a minimal CScriptNum. */
export function bip34HeightPush(_height: number): Buffer {
  throw new Error('not implemented');
}
/** The BIP34 height at the start of a coinbase scriptSig, or null if it does not start with one. */
export function readBip34Height(_scriptSig: Uint8Array): number | null {
  throw new Error('not implemented');
}
