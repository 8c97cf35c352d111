/**
 * The legacy getwork encoding (docs/mining.md#connecting, test vectors in repo_test_vectors.json):
 * `data` is the 80-byte header with every 4-byte word byte-swapped, followed by SHA-256 padding
 * for an 80-byte message (48 bytes, so 128 bytes in all); `midstate` is the SHA-256 state after
 * the first 64 header bytes, also word-swapped; `target` is the 256-bit target as little-endian
 * hex; `hash1` is the fixed padding block of a 32-byte message.
 */
import { sha256Midstate } from '../bitcoin/hash.js';
import { DecodeError } from '../bitcoin/errors.js';
import { bigIntToBytesLE, swapWords32 } from '../bitcoin/hex.js';

const DATA_PADDING = Buffer.from('000000800000000000000000000000000000000000000000000000000000000000000000000000000000000080020000', 'hex');
export const HASH1 = '00000000000000000000000000000000000000000000000000000000000000000000008000000000000000000000000000000000000000000000000000010000';


export interface GetworkFields {
  data: string;
  midstate: string;
  hash1: string;
  target: string;
}

export function encodeGetwork(header80: Uint8Array, target: bigint): GetworkFields {
  if (header80.length !== 80) throw new RangeError('header must be 80 bytes');
  const { midstate } = sha256Midstate(header80.subarray(0, 64));
  return {
    data: Buffer.concat([swapWords32(header80), DATA_PADDING]).toString('hex'),
    midstate: swapWords32(midstate.state).toString('hex'),
    hash1: HASH1,
    target: bigIntToBytesLE(target, 32).toString('hex'),
  };
}

/** The 80-byte header from a submitted `data` string (the padding, if present, is ignored). */
export function decodeGetworkData(data: unknown): Buffer {
  if (typeof data !== 'string' || !/^[0-9a-fA-F]+$/.test(data) || (data.length !== 160 && data.length !== 256)) {
    throw new DecodeError('getwork data must be 80 or 128 bytes of hex');
  }
  return swapWords32(Buffer.from(data.slice(0, 160), 'hex'));
}
