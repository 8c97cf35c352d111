/**
 * 80-byte block headers and whole blocks.
 * STUB: types are final; bodies are being implemented.
 */
import { ByteReader } from './bytes.js';
import type { Transaction } from './transaction.js';

export interface BlockHeader {
  version: number;
  /** Internal byte order. */
  prevBlock: Buffer;
  /** Internal byte order. */
  merkleRoot: Buffer;
  timestamp: number;
  /** Compact target. */
  bits: number;
  nonce: number;
}

export interface Block {
  header: BlockHeader;
  txs: Transaction[];
}

export function readHeader(_r: ByteReader): BlockHeader {
  throw new Error('not implemented');
}
export function decodeHeader(_bytes: Uint8Array): BlockHeader {
  throw new Error('not implemented');
}
export function encodeHeader(_h: BlockHeader): Buffer {
  throw new Error('not implemented');
}
/** sha256d of the 80-byte header, internal byte order. */
export function headerHash(_h: BlockHeader | Uint8Array): Buffer {
  throw new Error('not implemented');
}
export function decodeBlock(_bytes: Uint8Array): Block {
  throw new Error('not implemented');
}
export function encodeBlock(_b: Block, _opts?: { witness?: boolean }): Buffer {
  throw new Error('not implemented');
}
