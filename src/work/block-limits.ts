/**
 * Bitcoin's block limits and the check every found block passes before it is submitted
 * (docs/mining.md#block-limits).
 *
 * Consensus (Bitcoin Core consensus/consensus.h, validation.cpp CheckBlock; the same numbers
 * in Litecoin Core):
 * - weight <= 4,000,000 (BIP141: 3 x size without witness + size with witness);
 * - size without witness x 4 <= 4,000,000, i.e. <= 1,000,000 bytes ("bad-blk-length"). Weight
 *   >= 4 x that size, so the weight limit implies it; the v35 reference still checks it on its
 *   own (BLOCK_MAX_SIZE = 1,000,000), and so do we, against a node that reports a smaller one;
 * - sigop cost <= 80,000, the coinbase's own outputs included (bitcoin/sigops.ts).
 * Litecoin with MWEB: weight and size are of the block without its MWEB parts (the HogEx
 * without its MWEB flag and byte, no MWEB block after the transactions: Litecoin Core
 * GetBlockWeight with SERIALIZE_NO_MWEB). The MWEB block has a limit of its own (200,000 MWEB
 * weight) that only Litecoin Core's template decides: we carry it as given.
 */
import { compactSizeLength } from '../bitcoin/bytes.js';
import { decodeBlockWithRaw, HEADER_SIZE } from '../bitcoin/block.js';
import { DecodeError } from '../bitcoin/errors.js';
import { coinbaseSigopCost, sigopCostUpperBound, WITNESS_SCALE_FACTOR } from '../bitcoin/sigops.js';
import type { BlockTemplate } from '../chain/block-template.js';

export interface BlockLimits {
  weight: number;
  strippedSize: number;
  sigopCost: number;
}

/** Core MAX_BLOCK_WEIGHT, MAX_BLOCK_WEIGHT / WITNESS_SCALE_FACTOR, MAX_BLOCK_SIGOPS_COST. */
export const CONSENSUS_BLOCK_LIMITS: Readonly<BlockLimits> = { weight: 4_000_000, strippedSize: 1_000_000, sigopCost: 80_000 };

/** A template whose rules include segwit gives sigops as cost; before segwit, in legacy units (BIP145). */
export function templateSigopScale(template: Pick<BlockTemplate, 'rules'>): number {
  return template.rules.some((r) => r === 'segwit' || r === '!segwit') ? 1 : WITNESS_SCALE_FACTOR;
}

/**
 * The limits a block on `template` must meet: consensus, or less where the node reports less
 * (getblocktemplate `weightlimit`, `sigoplimit`; its `sizelimit` is the total serialized size,
 * which the weight limit already bounds).
 */
export function blockLimitsFor(template: Pick<BlockTemplate, 'weightLimit' | 'sigopLimit' | 'rules'>): BlockLimits {
  const l = { ...CONSENSUS_BLOCK_LIMITS };
  if (template.weightLimit !== null && template.weightLimit > 0) {
    l.weight = Math.min(l.weight, template.weightLimit);
    l.strippedSize = Math.min(l.strippedSize, Math.floor(template.weightLimit / WITNESS_SCALE_FACTOR));
  }
  if (template.sigopLimit !== null && template.sigopLimit > 0) l.sigopCost = Math.min(l.sigopCost, template.sigopLimit * templateSigopScale(template));
  return l;
}

/** A coinbase's size and sigops: the largest any job of a work generation can have. */
export interface CoinbaseSize {
  /** Serialized without witness: what miners hash (coinb1 + extranonce + coinb2). */
  strippedSize: number;
  /** Serialized with witness. */
  totalSize: number;
  sigopCost: number;
  /** Outputs paying someone: PPLNS payees, the finder when new to the window, the donation. */
  payees: number;
}

export function coinbaseWeight(c: Pick<CoinbaseSize, 'strippedSize' | 'totalSize'>): number {
  return c.strippedSize * (WITNESS_SCALE_FACTOR - 1) + c.totalSize;
}

/** Header, transaction count and coinbase: what a block holds besides the template's transactions. */
export function blockOverhead(templateTxCount: number, coinbase: CoinbaseSize): BlockLimits {
  const fixed = HEADER_SIZE + compactSizeLength(1 + templateTxCount);
  return {
    weight: fixed * WITNESS_SCALE_FACTOR + coinbaseWeight(coinbase),
    strippedSize: fixed + coinbase.strippedSize,
    sigopCost: coinbase.sigopCost,
  };
}

export interface BlockCheck {
  weight: number;
  strippedSize: number;
  sigopCost: number;
  /** Satoshis the coinbase pays. */
  coinbaseValue: number;
  transactions: number;
  /** One line per broken limit; empty when the block is within every limit. */
  problems: string[];
}

export interface BlockCheckOptions {
  limits: BlockLimits;
  /** Litecoin: the block may carry the HogEx and an MWEB block. */
  mweb: boolean;
  /** Sigop cost of a template transaction by txid (internal order), as the node gave it; null if unknown. */
  sigopCostOf: (txid: Buffer) => number | null;
  /** Satoshis the coinbase may pay: the template's coinbase value less the fees of what was left out. */
  maxCoinbaseValue: number;
}

/**
 * Measure a whole block from its bytes, independently of how it was put together, and name
 * every limit it breaks. Template transactions count the sigop cost the node gave for them
 * (a block cannot be measured better without the outputs they spend) or, without one, an
 * upper bound (bitcoin/sigops.ts).
 */
export function checkBlock(block: Uint8Array, opts: BlockCheckOptions): BlockCheck {
  let decoded;
  try {
    decoded = decodeBlockWithRaw(block, { mweb: opts.mweb });
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    return { weight: 0, strippedSize: 0, sigopCost: 0, coinbaseValue: 0, transactions: 0, problems: [`the block does not decode: ${e.message}`] };
  }
  const n = decoded.txs.length;
  const fixed = HEADER_SIZE + compactSizeLength(n);
  let weight = fixed * WITNESS_SCALE_FACTOR;
  let strippedSize = fixed;
  let sigopCost = 0;
  let coinbaseValue = 0;
  decoded.txs.forEach((t, i) => {
    weight += t.weight;
    strippedSize += strippedOf(t.layout);
    if (i === 0) {
      sigopCost += coinbaseSigopCost(t.tx);
      for (const o of t.tx.outputs) coinbaseValue += o.value;
    } else {
      sigopCost += opts.sigopCostOf(t.txid) ?? sigopCostUpperBound(t.tx);
    }
  });
  const problems: string[] = [];
  const { limits } = opts;
  if (weight > limits.weight) problems.push(`weight ${weight} is over the limit of ${limits.weight}`);
  if (strippedSize > limits.strippedSize) problems.push(`size without witness ${strippedSize} bytes is over the limit of ${limits.strippedSize}`);
  if (sigopCost > limits.sigopCost) problems.push(`sigop cost ${sigopCost} is over the limit of ${limits.sigopCost}`);
  if (coinbaseValue > opts.maxCoinbaseValue) problems.push(`the coinbase pays ${coinbaseValue} sat, more than the ${opts.maxCoinbaseValue} sat the block may (subsidy + fees of its transactions)`);
  if (n === 0) problems.push('the block has no transactions');
  return { weight, strippedSize, sigopCost, coinbaseValue, transactions: n, problems };
}

/** Size of a parsed transaction without witness and without MWEB bytes (BIP144 layout). */
function strippedOf(layout: { raw: Buffer; bodyStart: number; witnessStart: number }): number {
  return layout.bodyStart === 4 ? layout.raw.length : 4 + (layout.witnessStart - layout.bodyStart) + 4;
}
