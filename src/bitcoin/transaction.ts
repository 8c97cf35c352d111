/**
 * Transactions, legacy and segwit (BIP141/BIP144 serialization).
 * STUB: types are final; bodies are being implemented.
 */
import { ByteReader } from './bytes.js';

export interface OutPoint {
  /** txid of the spent output, internal (little-endian) byte order. */
  hash: Buffer;
  index: number;
}

export interface TxIn {
  prevout: OutPoint;
  script: Buffer;
  sequence: number;
  /** Witness stack items; empty when the input has none. */
  witness: Buffer[];
}

export interface TxOut {
  /** Satoshis. */
  value: number;
  script: Buffer;
}

export interface Transaction {
  version: number;
  inputs: TxIn[];
  outputs: TxOut[];
  locktime: number;
}

/** Read one transaction (with or without witness data) from the reader. */
export function readTransaction(_r: ByteReader): Transaction {
  throw new Error('not implemented');
}

/** Decode exactly one transaction; trailing bytes are a DecodeError. */
export function decodeTransaction(_bytes: Uint8Array): Transaction {
  throw new Error('not implemented');
}

/** Serialize; with `witness` (default true) segwit transactions get marker, flag and witnesses. */
export function encodeTransaction(_tx: Transaction, _opts?: { witness?: boolean }): Buffer {
  throw new Error('not implemented');
}

export function hasWitness(_tx: Transaction): boolean {
  throw new Error('not implemented');
}

/** sha256d of the serialization without witness, internal byte order. */
export function txid(_tx: Transaction): Buffer {
  throw new Error('not implemented');
}

/** sha256d of the serialization with witness (equals txid when there is none). */
export function wtxid(_tx: Transaction): Buffer {
  throw new Error('not implemented');
}

/** BIP141 weight: stripped size * 3 + total size. */
export function txWeight(_tx: Transaction): number {
  throw new Error('not implemented');
}

/** ceil(weight / 4). */
export function txVsize(_tx: Transaction): number {
  throw new Error('not implemented');
}
