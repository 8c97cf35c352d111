/**
 * The fair share's generation transaction (docs/fair-sharechain.md#coinbase):
 *
 *   version 1 ‖ 1 input (null prevout, scriptSig = share_info.coinbase, sequence 0xffffffff) ‖
 *   outputs: [0] value 0, BIP141 witness commitment 6a24aa21a9ed ‖ sha256d(wtxid_root ‖ reserved)
 *            [1..] the payouts (payouts.ts), in their canonical order
 *            [last] value 0, OP_RETURN push 40: ref_hash ‖ u64 last_txout_nonce
 *   ‖ locktime 0; witness: one item, the reserved value '[P2Pool]' x 4.
 *
 * No donation output (v35's P2PK output is gone). The hash_link prefix is the stripped
 * serialization up to and including `6a 28`; its last 11 bytes are the constant
 * FAIR_GENTX_CONST_ENDING, and the bytes of the prefix's partial SHA-256 block before them
 * travel in hash_link.extra_data.
 */
import { ByteWriter } from '../../bitcoin/bytes.js';
import { sha256d } from '../../bitcoin/hash.js';
import { encodeTransaction, type Transaction, type TxOut } from '../../bitcoin/transaction.js';
import { witnessCommitment, witnessCommitmentScript } from '../../bitcoin/witness.js';
import { WITNESS_RESERVED_VALUE, refOutputScript } from '../coinbase-layout.js';

/** u64 0 (the ref output's value) ‖ 0x2a (script length 42) ‖ OP_RETURN ‖ push 40. */
export const FAIR_GENTX_CONST_ENDING = Buffer.from('00000000000000002a6a28', 'hex');

/** Bytes after the hash_link prefix: ref_hash (32) ‖ last_txout_nonce (8) ‖ locktime (4). */
export const FAIR_GENTX_SUFFIX_LENGTH = 44;

const NULL_PREVOUT = { hash: Buffer.alloc(32), index: 0xffffffff };

/** The 44 bytes hashed after the prefix. */
export function fairGentxSuffix(refHash: Buffer, lastTxoutNonce: bigint): Buffer {
  return new ByteWriter(44).writeBytes(refHash).writeU64LE(lastTxoutNonce).writeU32LE(0).toBytes();
}

let lastCommitment: { root: Buffer; script: Buffer } | null = null;

/** The witness commitment output's script for a wtxid root (the last one is remembered). */
export function fairCommitmentScript(wtxidRoot: Buffer): Buffer {
  if (lastCommitment === null || !lastCommitment.root.equals(wtxidRoot)) {
    lastCommitment = {
      root: Buffer.from(wtxidRoot),
      script: witnessCommitmentScript(witnessCommitment(wtxidRoot, WITNESS_RESERVED_VALUE)),
    };
  }
  return lastCommitment.script;
}

export interface BuiltFairGentx {
  gentx: Transaction;
  /** Serialization without witness: txid = sha256d(stripped). */
  stripped: Buffer;
  txid: Buffer;
}

/** The generation transaction around `payouts` (see the module comment). */
export function buildFairGentx(p: {
  coinbase: Buffer;
  payouts: readonly TxOut[];
  wtxidRoot: Buffer;
  refHash: Buffer;
  lastTxoutNonce: bigint;
}): BuiltFairGentx {
  const outputs: TxOut[] = [{ value: 0, script: fairCommitmentScript(p.wtxidRoot) }];
  for (const o of p.payouts) outputs.push(o);
  outputs.push({ value: 0, script: refOutputScript(p.refHash, p.lastTxoutNonce) });
  const gentx: Transaction = {
    version: 1,
    inputs: [{ prevout: NULL_PREVOUT, script: p.coinbase, sequence: 0xffffffff, witness: [WITNESS_RESERVED_VALUE] }],
    outputs,
    locktime: 0,
  };
  const stripped = encodeTransaction(gentx, { witness: false });
  return { gentx, stripped, txid: sha256d(stripped) };
}
