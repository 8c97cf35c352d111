/**
 * The transactions a work generation's jobs carry: the template's, fitted to the block limits
 * around the generation's largest coinbase (tx-selection.ts, docs/mining.md#block-limits), and
 * what a share and a block need from that choice:
 * - the subsidy: the template's coinbase value less the fees of what was left out (the v35
 *   rule for share_data.subsidy, docs/sharechain.md#block-transactions-and-the-subsidy);
 * - the segwit data: txid merkle link and wtxid root over the kept transactions;
 * - the block body: the kept transactions in template order, then the template's MWEB suffix.
 *
 * Cheap per job: a template's transaction costs are measured once (decoded from the bytes the
 * node gave), the choice is made once per generation and share target, and kept per template
 * for the coinbase sizes seen (rounded up, so a window that gains or loses a payee reuses it).
 */
import { ByteReader } from '../bitcoin/bytes.js';
import type { BlockBody } from '../bitcoin/block.js';
import { DecodeError } from '../bitcoin/errors.js';
import { calculateMerkleLink, merkleRoot } from '../bitcoin/merkle.js';
import { sigopCostUpperBound } from '../bitcoin/sigops.js';
import { layoutWeight, readTransactionLayout } from '../bitcoin/transaction.js';
import type { BlockTemplate, TemplateTransaction } from '../chain/block-template.js';
import type { SegwitData } from '../sharechain/types.js';
import { blockLimitsFor, blockOverhead, templateSigopScale, type BlockLimits, type CoinbaseSize } from './block-limits.js';
import { selectTransactions, type TxCost } from './tx-selection.js';

export interface JobTransactions {
  template: BlockTemplate;
  /** The kept transactions, in template order. */
  transactions: readonly TemplateTransaction[];
  /** For assembleBlock: the kept transactions and the template's MWEB suffix. */
  body: BlockBody;
  /** share_data.subsidy and what the coinbase pays: coinbase value - droppedFees. */
  subsidy: number;
  droppedCount: number;
  /** Satoshis. */
  droppedFees: number;
  segwitData: SegwitData;
  limits: BlockLimits;
  /** Header, transaction count and coinbase it was fitted around (coinbase sizes rounded up). */
  reserved: BlockLimits;
  /** Totals of the kept transactions. */
  weight: number;
  strippedSize: number;
  sigopCost: number;
  /** False when not even the mandatory transactions (Litecoin's HogEx) fit: no valid block possible. */
  fits: boolean;
  /** Sigop cost of one of the template's transactions (by txid, internal order) as counted here, or null. */
  sigopCostOf(txid: Buffer): number | null;
}

/** Coinbase sizes are rounded up to these steps for the cache (100 bytes is ~3 payees). */
const STRIPPED_STEP = 100;
const WEIGHT_STEP = 400;
const SIGOP_STEP = 40;
/** Fits kept per template (one per distinct rounded coinbase size). */
const MAX_FITS_PER_TEMPLATE = 8;

const roundUp = (x: number, step: number): number => Math.ceil(x / step) * step;
const NO_COINBASE: CoinbaseSize = { strippedSize: 0, totalSize: 0, sigopCost: 0, payees: 0 };

interface TemplateAnalysis {
  template: BlockTemplate;
  costs: TxCost[];
  mandatory: number[];
  limits: BlockLimits;
  weight: number;
  strippedSize: number;
  sigopCost: number;
  all: JobTransactions | null;
  fits: Map<string, JobTransactions>;
  sigopByTxid: Map<string, number> | null;
}

/**
 * Measure a template's transactions from their bytes: weight and size without witness (both
 * without Litecoin's MWEB bytes), the node's sigop cost (or an upper bound without one), fee,
 * and parents (`depends`). A transaction that does not decode counts at its worst (4 weight
 * and 1 byte per byte, the most sigops a block may have), so it is the first left out.
 */
export function templateCosts(template: BlockTemplate, opts: { mweb: boolean }): TxCost[] {
  const scale = templateSigopScale(template);
  const limits = blockLimitsFor(template);
  return template.transactions.map((t) => {
    const parents = t.depends.map((d) => d - 1);
    const quick = t.sigops === null ? null : sizesFromTemplate(t);
    if (quick !== null) return { weight: quick.weight, strippedSize: quick.strippedSize, sigopCost: t.sigops! * scale, fee: t.fee, parents };
    let weight: number;
    let strippedSize: number;
    let bound: number;
    try {
      const { tx, layout } = readTransactionLayout(new ByteReader(t.data), { mweb: opts.mweb });
      weight = layoutWeight(layout);
      strippedSize = layout.bodyStart === 4 ? layout.raw.length : 8 + layout.witnessStart - layout.bodyStart;
      bound = t.sigops === null ? sigopCostUpperBound(tx) : 0;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      weight = t.data.length * 4;
      strippedSize = t.data.length;
      bound = limits.sigopCost;
    }
    return { weight, strippedSize, sigopCost: t.sigops === null ? bound : t.sigops * scale, fee: t.fee, parents };
  });
}

/**
 * Weight and stripped size from the node's `weight` without decoding: weight = 3 x stripped +
 * total, so stripped = (weight - bytes) / 3, accepted only when that is consistent with the
 * bytes (a whole number; equal to the length for a transaction without a segwit marker, less
 * for one with marker 0 and flag 1). Anything else (no weight given, Litecoin's MWEB flag, a
 * number that does not add up) is decoded instead. The found block is measured again from
 * its bytes before it is submitted (block-limits.ts checkBlock).
 */
function sizesFromTemplate(t: TemplateTransaction): { weight: number; strippedSize: number } | null {
  if (t.weight === null) return null;
  const total = t.data.length;
  const extra = t.weight - total;
  if (extra < 0 || extra % 3 !== 0) return null;
  const strippedSize = extra / 3;
  const segwit = total >= 6 && t.data[4] === 0x00 && t.data[5] === 0x01;
  if (segwit ? strippedSize >= total : strippedSize !== total) return null;
  return { weight: t.weight, strippedSize };
}

export class TransactionFitter {
  private current: TemplateAnalysis | null = null;

  /**
   * `mweb`: the chain is Litecoin's (templates may end with the HogEx). `fit: false` (tests
   * only) keeps every template transaction, as before block fitting existed.
   */
  constructor(private readonly opts: { mweb: boolean; fit?: boolean }) {}

  /** Whether every transaction of `template` fits beside a coinbase of `coinbase` (or fitting is off). */
  fitsAll(template: BlockTemplate, coinbase: CoinbaseSize): boolean {
    if (this.opts.fit === false) return true;
    const a = this.analysis(template);
    const exact = blockOverhead(template.transactions.length, coinbase);
    return a.weight + exact.weight <= a.limits.weight && a.strippedSize + exact.strippedSize <= a.limits.strippedSize
      && a.sigopCost + exact.sigopCost <= a.limits.sigopCost;
  }

  /** Every transaction of the template (made once per template). */
  all(template: BlockTemplate): JobTransactions {
    const a = this.analysis(template);
    a.all ??= this.build(a, template.transactions.map(() => true), blockOverhead(template.transactions.length, NO_COINBASE), true);
    return a.all;
  }

  /** The transactions for jobs on `template` whose coinbase is at most `coinbase`. */
  forCoinbase(template: BlockTemplate, coinbase: CoinbaseSize): JobTransactions {
    const a = this.analysis(template);
    if (this.fitsAll(template, coinbase)) return this.all(template);
    const reserved = blockOverhead(template.transactions.length, {
      strippedSize: roundUp(coinbase.strippedSize, STRIPPED_STEP),
      totalSize: roundUp(coinbase.totalSize, STRIPPED_STEP),
      sigopCost: roundUp(coinbase.sigopCost, SIGOP_STEP),
      payees: coinbase.payees,
    });
    reserved.weight = roundUp(reserved.weight, WEIGHT_STEP);
    const key = `${reserved.weight}/${reserved.strippedSize}/${reserved.sigopCost}`;
    let fit = a.fits.get(key);
    if (!fit) {
      const room = { weight: a.limits.weight - reserved.weight, strippedSize: a.limits.strippedSize - reserved.strippedSize, sigopCost: a.limits.sigopCost - reserved.sigopCost };
      const mandatory = template.mwebSuffix.length > 0 ? [template.transactions.length - 1] : [];
      const s = selectTransactions(a.costs, room, mandatory);
      fit = this.build(a, s.keep, reserved, s.fits);
      if (a.fits.size >= MAX_FITS_PER_TEMPLATE) a.fits.delete(a.fits.keys().next().value!);
      a.fits.set(key, fit);
    }
    return fit;
  }

  private analysis(template: BlockTemplate): TemplateAnalysis {
    if (this.current?.template !== template) {
      const costs = templateCosts(template, { mweb: this.opts.mweb });
      let weight = 0;
      let strippedSize = 0;
      let sigopCost = 0;
      for (const c of costs) {
        weight += c.weight;
        strippedSize += c.strippedSize;
        sigopCost += c.sigopCost;
      }
      const mandatory = template.mwebSuffix.length > 0 ? [template.transactions.length - 1] : [];
      this.current = { template, costs, mandatory, limits: blockLimitsFor(template), weight, strippedSize, sigopCost, all: null, fits: new Map(), sigopByTxid: null };
    }
    return this.current;
  }

  private build(a: TemplateAnalysis, keep: readonly boolean[], reserved: BlockLimits, fits: boolean): JobTransactions {
    const template = a.template;
    const transactions: TemplateTransaction[] = [];
    let droppedFees = 0;
    let weight = 0;
    let strippedSize = 0;
    let sigopCost = 0;
    template.transactions.forEach((t, i) => {
      if (keep[i]) {
        transactions.push(t);
        weight += a.costs[i]!.weight;
        strippedSize += a.costs[i]!.strippedSize;
        sigopCost += a.costs[i]!.sigopCost;
      } else {
        droppedFees += t.fee;
      }
    });
    return {
      template,
      transactions,
      body: { transactions, mwebSuffix: template.mwebSuffix },
      subsidy: template.coinbaseValue - droppedFees,
      droppedCount: template.transactions.length - transactions.length,
      droppedFees,
      segwitData: {
        txidMerkleLink: calculateMerkleLink([null, ...transactions.map((t) => t.txid)], 0),
        wtxidMerkleRoot: merkleRoot([Buffer.alloc(32), ...transactions.map((t) => t.wtxid)]),
      },
      limits: a.limits,
      reserved,
      weight,
      strippedSize,
      sigopCost,
      fits,
      sigopCostOf: (txid) => {
        if (a.sigopByTxid === null) {
          a.sigopByTxid = new Map();
          template.transactions.forEach((t, i) => a.sigopByTxid!.set(t.txid.toString('hex'), a.costs[i]!.sigopCost));
        }
        return a.sigopByTxid.get(txid.toString('hex')) ?? null;
      },
    };
  }
}
