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
import { decodeTransaction, type Transaction, type TxOut } from '../../bitcoin/transaction.js';
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
  /** Serialization without witness: txid = sha256d(stripped). */
  stripped: Buffer;
  txid: Buffer;
  /** The transaction with its witness (the reserved value), decoded from `stripped` on first use. */
  readonly gentx: Transaction;
}

/** Serialized payout outputs and their count (payouts.ts payoutOutputs), or plain outputs. */
export type FairPayoutOutputs = { bytes: Buffer; count: number } | readonly TxOut[];

function serializeOutputs(outputs: readonly TxOut[]): { bytes: Buffer; count: number } {
  const w = new ByteWriter(64 * outputs.length + 16);
  for (const o of outputs) w.writeU64LE(o.value).writeVarBytes(o.script);
  return { bytes: w.toBytes(), count: outputs.length };
}

/** The generation transaction around the payouts (see the module comment). */
export function buildFairGentx(p: {
  coinbase: Buffer;
  payouts: FairPayoutOutputs;
  wtxidRoot: Buffer;
  refHash: Buffer;
  lastTxoutNonce: bigint;
}): BuiltFairGentx {
  const payouts = Array.isArray(p.payouts) ? serializeOutputs(p.payouts as readonly TxOut[]) : (p.payouts as { bytes: Buffer; count: number });
  const commitment = fairCommitmentScript(p.wtxidRoot);
  const w = new ByteWriter(200 + p.coinbase.length + payouts.bytes.length);
  w.writeU32LE(1).writeCompactSize(1).writeBytes(NULL_PREVOUT.hash).writeU32LE(NULL_PREVOUT.index);
  w.writeVarBytes(p.coinbase).writeU32LE(0xffffffff);
  w.writeCompactSize(payouts.count + 2);
  w.writeU64LE(0n).writeVarBytes(commitment);
  w.writeBytes(payouts.bytes);
  w.writeU64LE(0n).writeVarBytes(refOutputScript(p.refHash, p.lastTxoutNonce));
  w.writeU32LE(0);
  const stripped = w.toBytes();
  let tx: Transaction | undefined;
  return {
    stripped,
    txid: sha256d(stripped),
    get gentx(): Transaction {
      if (tx === undefined) {
        tx = decodeTransaction(stripped);
        tx.inputs[0]!.witness = [WITNESS_RESERVED_VALUE];
      }
      return tx;
    },
  };
}
