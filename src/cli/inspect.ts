/**
 * `p2pool inspect`: an operator's debugging view of blocks, transactions and addresses.
 *
 * Pure functions from input bytes/strings to the JSON object the command prints; the output
 * contract is in docs/cli.md. Hashes are display hex (big-endian, as Bitcoin Core's RPC
 * shows them), values integer satoshis. Bad input surfaces as the bitcoin layer's typed
 * errors (DecodeError, AddressError) for the command to report in one line.
 */
import { decodeAddress, scriptToAddress, type AddressType } from '../bitcoin/address.js';
import { decodeBlockWithRaw, headerHash } from '../bitcoin/block.js';
import { getChainParams, powHash, type ChainParams } from '../bitcoin/chain-params.js';
import { DecodeError } from '../bitcoin/errors.js';
import { bytesEqual, fromHex, hashToDisplayHex, toHex } from '../bitcoin/hex.js';
import { merkleRoot } from '../bitcoin/merkle.js';
import type { MwebBlock } from '../bitcoin/mweb.js';
import { readBip34Height } from '../bitcoin/script.js';
import {
  decodeTransaction,
  encodeTransaction,
  hasWitness,
  txid,
  txVsize,
  txWeight,
  wtxid,
  type Transaction,
} from '../bitcoin/transaction.js';
import { findWitnessCommitment, witnessCommitment, witnessMerkleRoot } from '../bitcoin/witness.js';

export interface BlockTxSummary {
  txid: string;
  wtxid: string;
  weight: number;
}

/** Litecoin's MWEB block after the HogEx (raw byte order for its hashes, as Litecoin Core prints them). */
export interface MwebInspection {
  height: number;
  output_root: string;
  kernel_root: string;
  leafset_root: string;
  kernel_offset: string;
  stealth_offset: string;
  output_mmr_size: number;
  kernel_mmr_size: number;
  /** Bytes of the MWEB header and of the (opaque) MWEB body. */
  header_size: number;
  body_size: number;
}

export interface BlockInspection {
  hash: string;
  /** Proof-of-work hash of the header: scrypt(1024,1,1) on Litecoin networks, sha256d elsewhere. */
  pow_hash: string;
  /** BIP34 height from the coinbase scriptSig, or null when it does not start with one. */
  height: number | null;
  /** The header's merkle root. */
  merkle_root: string;
  /** The merkle root recomputed from the txids equals the header's. */
  merkle_root_ok: boolean;
  /** BIP141 commitment checks out; null when no transaction carries witness data. */
  witness_commitment_ok: boolean | null;
  tx_count: number;
  txs: BlockTxSummary[];
  /** Litecoin: the MWEB block after the HogEx; null when the block has none. */
  mweb: MwebInspection | null;
}

export interface TxOutputSummary {
  value: number;
  script: string;
  /** The output's address on the chosen network, or null (P2PK, OP_RETURN, non-standard). */
  address: string | null;
}

export interface TxInspection {
  txid: string;
  wtxid: string;
  /** Bytes of the full serialization (with witness). */
  size: number;
  vsize: number;
  weight: number;
  /** Number of inputs. */
  inputs: number;
  outputs: TxOutputSummary[];
}

export interface AddressInspection {
  script: string;
  type: AddressType;
}

/** The witness reserved value is exactly one 32-byte item on the coinbase input (BIP141). */
const WITNESS_RESERVED_VALUE_LENGTH = 32;

/**
 * Hex text or raw bytes? A file given as `@FILE` may hold either. Hex text decodes strictly
 * (whitespace, e.g. a trailing newline, is dropped); anything else is taken as the raw bytes.
 * Raw serializations of blocks and transactions always contain bytes outside [0-9a-fA-F\s]
 * (a version field is mostly zero bytes), so the two cannot be confused in practice.
 */
export function bytesFromFileContent(content: Uint8Array): Buffer {
  const buf = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  const text = buf.toString('latin1');
  if (/^[0-9a-fA-F\s]+$/.test(text) && /[0-9a-fA-F]/.test(text)) return bytesFromHexArgument(text);
  return Buffer.from(buf);
}

/** Hex from the command line (or a hex file): whitespace ignored, otherwise strict. */
export function bytesFromHexArgument(text: string): Buffer {
  const hex = text.replace(/\s+/g, '');
  if (hex.length === 0) throw new DecodeError('empty input: expected hex');
  return fromHex(hex);
}

/**
 * BIP141: a block with witness data must commit to its wtxids in the coinbase's last
 * `6a24aa21a9ed` output, as sha256d(witness merkle root || reserved value), the reserved
 * value being the coinbase input's single 32-byte witness item.
 */
function checkWitnessCommitment(txs: readonly Transaction[]): boolean | null {
  if (!txs.some(hasWitness)) return null;
  const coinbase = txs[0];
  if (coinbase === undefined) return false;
  const committed = findWitnessCommitment(coinbase);
  const stack = coinbase.inputs[0]?.witness ?? [];
  const reserved = stack[0];
  if (committed === null || stack.length !== 1 || reserved === undefined) return false;
  if (reserved.length !== WITNESS_RESERVED_VALUE_LENGTH) return false;
  const root = witnessMerkleRoot(txs.slice(1).map(wtxid));
  return bytesEqual(witnessCommitment(root, reserved), committed);
}

function inspectMweb(m: MwebBlock | null): MwebInspection | null {
  if (m === null) return null;
  const h = m.header;
  return {
    height: h.height,
    output_root: toHex(h.outputRoot),
    kernel_root: toHex(h.kernelRoot),
    leafset_root: toHex(h.leafsetRoot),
    kernel_offset: toHex(h.kernelOffset),
    stealth_offset: toHex(h.stealthOffset),
    output_mmr_size: h.outputMmrSize,
    kernel_mmr_size: h.kernelMmrSize,
    header_size: m.headerBytes.length,
    body_size: m.body.length,
  };
}

/**
 * Decode a whole block and check its merkle root and witness commitment. `chain` (default
 * bitcoin) picks the PoW function and, on Litecoin networks, accepts the HogEx and MWEB block.
 */
export function inspectBlock(bytes: Uint8Array, chain: ChainParams = getChainParams('bitcoin')): BlockInspection {
  const decoded = decodeBlockWithRaw(bytes, { mweb: chain.coin === 'litecoin' });
  const block = { header: decoded.header, txs: decoded.txs.map((t) => t.tx) };
  const txids = decoded.txs.map((t) => t.txid);
  const coinbaseScript = block.txs[0]?.inputs[0]?.script;
  return {
    hash: hashToDisplayHex(headerHash(decoded.headerBytes)),
    pow_hash: hashToDisplayHex(powHash(chain, decoded.headerBytes)),
    height: coinbaseScript === undefined ? null : readBip34Height(coinbaseScript),
    merkle_root: hashToDisplayHex(block.header.merkleRoot),
    // A block always has a coinbase; an empty list has no root, so it cannot match.
    merkle_root_ok: txids.length > 0 && bytesEqual(merkleRoot(txids), block.header.merkleRoot),
    witness_commitment_ok: checkWitnessCommitment(block.txs),
    tx_count: block.txs.length,
    txs: decoded.txs.map((t, i) => ({
      txid: hashToDisplayHex(txids[i]!),
      wtxid: hashToDisplayHex(t.wtxid),
      weight: t.weight,
    })),
    mweb: inspectMweb(decoded.mweb),
  };
}

/** Decode one transaction; output addresses are rendered for `chain` (a Litecoin HogEx parses on Litecoin). */
export function inspectTx(bytes: Uint8Array, chain: ChainParams): TxInspection {
  const tx = decodeTransaction(bytes, { mweb: chain.coin === 'litecoin' });
  return {
    txid: hashToDisplayHex(txid(tx)),
    wtxid: hashToDisplayHex(wtxid(tx)),
    size: encodeTransaction(tx, { witness: true }).length,
    vsize: txVsize(tx),
    weight: txWeight(tx),
    inputs: tx.inputs.length,
    outputs: tx.outputs.map((out) => ({
      value: out.value,
      script: toHex(out.script),
      address: scriptToAddress(out.script, chain),
    })),
  };
}

/** The output script an address pays to; an invalid or foreign address throws AddressError. */
export function inspectAddress(address: string, chain: ChainParams): AddressInspection {
  const decoded = decodeAddress(address, chain);
  return { script: toHex(decoded.script), type: decoded.type };
}
