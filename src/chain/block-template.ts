/**
 * getblocktemplate (BIP22/BIP23, BIP9 rules, BIP145 segwit fields) parsed into a typed, validated
 * BlockTemplate. The node is trusted to build valid blocks, but not to be bug-free or to be the
 * node we think it is: every field is type- and range-checked, so a bad answer becomes one
 * TemplateError line instead of a crash or a block nobody accepts.
 *
 * Field meanings: Core src/rpc/mining.cpp getblocktemplate help; docs/bitcoind.md (which fields P2Pool uses).
 */
import { DecodeError } from '../bitcoin/errors.js';
import { displayHexToHash, fromHex } from '../bitcoin/hex.js';
import { mwebSuffixFromTemplateBlock } from '../bitcoin/mweb.js';
import { decodeTransaction, TX_FLAG_MWEB } from '../bitcoin/transaction.js';
import { TemplateError } from './errors.js';

export interface TemplateTransaction {
  /** Serialized transaction (with witness when it has one). */
  data: Buffer;
  /** Internal (little-endian) byte order. */
  txid: Buffer;
  /** wtxid, internal byte order (equals txid for a transaction without witness). */
  wtxid: Buffer;
  /** Satoshis this transaction pays in fees. */
  fee: number;
  /** Indexes (1-based, as in the template) of transactions this one spends from. */
  depends: number[];
  /** BIP141 weight, or null if the node did not say. */
  weight: number | null;
  /** Sigop cost, or null if the node did not say. */
  sigops: number | null;
}

export interface BlockTemplate {
  /** Block version the node proposes (BIP9 signalling bits included), as an unsigned 32-bit value. */
  version: number;
  /** Internal byte order. */
  previousBlockHash: Buffer;
  transactions: TemplateTransaction[];
  /** Subsidy + fees of all transactions, satoshis: what the coinbase may pay in total. */
  coinbaseValue: number;
  /** Compact target (the header's bits field). */
  bits: number;
  /** The node's current time for the header. */
  curtime: number;
  /** Smallest allowed header time (median time past + 1); curtime when the node omits it. */
  mintime: number;
  /** Height of the block being built (BIP34 coinbase height). */
  height: number;
  /** BIP9 rules in force; a leading '!' means a client must understand it to use the template. */
  rules: string[];
  /** The BIP141 commitment output script, for the template's own transactions; null before segwit. */
  defaultWitnessCommitment: Buffer | null;
  /** Bytes the node asks to put in the coinbase scriptSig (coinbaseaux values, concatenated). */
  coinbaseAux: Buffer;
  /** What the client may change (BIP23): 'time', 'transactions', 'prevblock', ... */
  mutable: string[];
  sigopLimit: number | null;
  sizeLimit: number | null;
  weightLimit: number | null;
  /** For BIP22 long polling; null if the node does not offer it. */
  longPollId: string | null;
  /** BIP9 deployments the client may signal for: name -> bit. */
  vbAvailable: Record<string, number>;
  /** Bits the client must set. */
  vbRequired: number;
  /** Sum of `fee` over the transactions. */
  totalFees: number;
  /**
   * Bytes a block built on this template carries after its transactions, exactly: Litecoin
   * Core's `mweb` field as 0x01 + MWEB block (the last transaction is then the HogEx), empty
   * for every other template. Use bitcoin/block.ts assembleBlock to build the block.
   */
  mwebSuffix: Buffer;
}

/** Litecoin's 84e6 coins in satoshis, the largest MAX_MONEY among our chains; < 2**53. */
const MAX_MONEY = 84_000_000 * 100_000_000;
/** A block holds at most 4,000,000 weight units and a transaction weighs at least 240 (60 bytes). */
const MAX_TEMPLATE_TXS = Math.floor(4_000_000 / 240);
/** Serialized block limit (BIP141: weight 4M => at most 4 MB of bytes); Litecoin MWEB adds a little. */
const MAX_TX_BYTES = 4_000_000;
/** The coinbase scriptSig may be at most 100 bytes (consensus), so its flags must fit in less. */
const MAX_COINBASE_AUX_BYTES = 100;
const MAX_RULES = 64;
const MAX_NAME_LENGTH = 64;
const MAX_LONGPOLLID_LENGTH = 256;
/**
 * Bound on the `mweb` field. Litecoin caps an MWEB block at 200,000 MWEB weight units (LIP-0003
 * mw::MAX_BLOCK_WEIGHT); an output weighs 18 of them and carries a ~675-byte range proof plus
 * ~200 bytes more, so about 11,111 outputs or ~10 MB. 16 MB leaves room and still bounds it.
 */
const MAX_MWEB_BYTES = 16 * 1024 * 1024;

/** Parse and validate a getblocktemplate result. Throws TemplateError naming the bad field. */
export function parseBlockTemplate(raw: unknown): BlockTemplate {
  const o = asObject(raw, 'template');
  const version = int(o, 'version', -0x80000000, 0xffffffff) >>> 0;
  const previousBlockHash = hash(o, 'previousblockhash');
  const rawTxs = field(o, 'transactions');
  if (!Array.isArray(rawTxs)) throw bad('transactions', 'is not an array');
  if (rawTxs.length > MAX_TEMPLATE_TXS) throw bad('transactions', `has ${rawTxs.length} entries, more than a block can hold`);
  let totalFees = 0;
  let totalBytes = 0;
  const transactions = rawTxs.map((t: unknown, i: number): TemplateTransaction => {
    const tx = parseTransaction(t, i, rawTxs.length);
    totalFees += tx.fee;
    totalBytes += tx.data.length;
    return tx;
  });
  if (totalBytes > MAX_TX_BYTES) throw bad('transactions', `total ${totalBytes} bytes, more than a block can hold`);
  if (totalFees > MAX_MONEY) throw bad('transactions', 'fees add up to more than all money');

  const coinbaseValue = int(o, 'coinbasevalue', 0, MAX_MONEY);
  // coinbasevalue is the subsidy plus every listed fee (plus Litecoin's MWEB fees): less than
  // the fees is a node we misread, and a block leaving transactions out would pay below zero.
  if (coinbaseValue < totalFees) throw bad('coinbasevalue', `is ${coinbaseValue}, less than the ${totalFees} sat of fees its transactions pay`);
  const bitsHex = str(o, 'bits', 8);
  if (!/^[0-9a-fA-F]{8}$/.test(bitsHex)) throw bad('bits', `is not 8 hex digits: ${JSON.stringify(bitsHex)}`);
  const bits = parseInt(bitsHex, 16);
  const curtime = int(o, 'curtime', 0, 0xffffffff);
  const mintime = o['mintime'] === undefined ? curtime : int(o, 'mintime', 0, 0xffffffff);
  const height = int(o, 'height', 0, 0x7fffffff);
  const rules = strArray(o, 'rules', MAX_RULES, true);
  const mutable = o['mutable'] === undefined ? [] : strArray(o, 'mutable', MAX_RULES, false);

  let defaultWitnessCommitment: Buffer | null = null;
  if (o['default_witness_commitment'] !== undefined) {
    // OP_RETURN, push 36, aa21a9ed, 32-byte commitment (BIP141).
    defaultWitnessCommitment = hexField(o, 'default_witness_commitment', 38);
    if (!defaultWitnessCommitment.subarray(0, 6).equals(Buffer.from('6a24aa21a9ed', 'hex'))) {
      throw bad('default_witness_commitment', 'is not a BIP141 commitment script (6a24aa21a9ed...)');
    }
  }

  const aux = o['coinbaseaux'] === undefined ? {} : asObject(o['coinbaseaux'], 'coinbaseaux');
  const auxParts: Buffer[] = [];
  for (const [k, v] of Object.entries(aux)) {
    if (typeof v !== 'string') throw bad(`coinbaseaux.${k}`, 'is not a hex string');
    auxParts.push(hexValue(v, `coinbaseaux.${k}`, MAX_COINBASE_AUX_BYTES));
  }
  const coinbaseAux = Buffer.concat(auxParts);
  if (coinbaseAux.length > MAX_COINBASE_AUX_BYTES) throw bad('coinbaseaux', `is ${coinbaseAux.length} bytes, more than a coinbase scriptSig can hold`);

  let longPollId: string | null = null;
  if (o['longpollid'] !== undefined) longPollId = str(o, 'longpollid', MAX_LONGPOLLID_LENGTH);

  const vbAvailable: Record<string, number> = {};
  if (o['vbavailable'] !== undefined) {
    const vb = asObject(o['vbavailable'], 'vbavailable');
    const names = Object.keys(vb);
    if (names.length > MAX_RULES) throw bad('vbavailable', 'has too many entries');
    for (const name of names) vbAvailable[name] = int(vb, name, 0, 31, 'vbavailable.');
  }

  const mwebSuffix = parseMweb(o, transactions);

  return {
    version,
    previousBlockHash,
    transactions,
    coinbaseValue,
    bits,
    curtime,
    mintime,
    height,
    rules,
    defaultWitnessCommitment,
    coinbaseAux,
    mutable,
    sigopLimit: optionalInt(o, 'sigoplimit'),
    sizeLimit: optionalInt(o, 'sizelimit'),
    weightLimit: optionalInt(o, 'weightlimit'),
    longPollId,
    vbAvailable,
    vbRequired: o['vbrequired'] === undefined ? 0 : int(o, 'vbrequired', 0, 0xffffffff),
    totalFees,
    mwebSuffix,
  };
}

/**
 * Litecoin Core (0.21.2+, rules ["mweb","segwit"]) lists the HogEx as the template's last
 * transaction and gives the MWEB block as hex `mweb`; the block must carry 0x01 + those bytes
 * after its transactions (Core's CBlock serialization). Both halves must be there: a block with
 * one and not the other is invalid, so such a template is refused with a clear message.
 */
function parseMweb(o: Record<string, unknown>, transactions: readonly TemplateTransaction[]): Buffer {
  const last = transactions[transactions.length - 1];
  if (o['mweb'] === undefined) {
    // A HogEx is marker 0x00 then a flag with the MWEB bit, right after the 4-byte version.
    if (last !== undefined && last.data[4] === 0x00 && ((last.data[5] ?? 0) & TX_FLAG_MWEB) !== 0) {
      throw bad('mweb', `is missing but the last transaction is a HogEx: the MWEB block the node must give is not there`);
    }
    return Buffer.alloc(0);
  }
  const mweb = hexField(o, 'mweb', undefined, MAX_MWEB_BYTES);
  let suffix: Buffer;
  try {
    suffix = mwebSuffixFromTemplateBlock(mweb);
  } catch (e) {
    if (e instanceof DecodeError) throw bad('mweb', `is not an MWEB block: ${e.message}`);
    throw e;
  }
  let hogEx = false;
  try {
    hogEx = last !== undefined && decodeTransaction(last.data, { mweb: true }).hogEx === true;
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
  if (!hogEx) throw bad('mweb', 'is given but the last transaction is not the HogEx: the block could not carry it');
  return suffix;
}

/**
 * BIP9: a rule with a leading '!' changes the block format, so a client that does not know it
 * must not use the template. Rules without '!' may be ignored (bcoin lists `testdummy` that way).
 * Throws TemplateError naming every unknown required rule.
 */
export function checkTemplateRules(template: Pick<BlockTemplate, 'rules'>, knownRules: readonly string[]): void {
  const known = new Set(knownRules);
  const unknown = template.rules.filter((r) => r.startsWith('!') && !known.has(r.slice(1)));
  if (unknown.length > 0) {
    throw new TemplateError(
      `bitcoind's block template requires rules this node does not understand: ${unknown.map((r) => r.slice(1)).join(', ')} ` +
      '(BIP9 "!" rules change the block format; mining on it would make invalid blocks). Upgrade p2pool or use an older node.',
    );
  }
}

function parseTransaction(raw: unknown, i: number, count: number): TemplateTransaction {
  const where = `transactions[${i}]`;
  const o = asObject(raw, where);
  const data = hexField(o, 'data', undefined, MAX_TX_BYTES, `${where}.`);
  if (data.length < 10) throw bad(`${where}.data`, 'is too short to be a transaction');
  const txid = hash(o, 'txid', `${where}.`);
  const wtxid = hash(o, 'hash', `${where}.`);
  const fee = int(o, 'fee', 0, MAX_MONEY, `${where}.`);
  const depsRaw = o['depends'] === undefined ? [] : field(o, 'depends', `${where}.`);
  if (!Array.isArray(depsRaw)) throw bad(`${where}.depends`, 'is not an array');
  // Template indexes are 1-based and a parent always comes before its child (Core's ordering).
  const depends = depsRaw.map((d: unknown) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > i || d > count) {
      throw bad(`${where}.depends`, `has ${JSON.stringify(d)}, not the index of an earlier transaction`);
    }
    return d;
  });
  return {
    data,
    txid,
    wtxid,
    fee,
    depends,
    weight: optionalInt(o, 'weight', `${where}.`),
    sigops: optionalInt(o, 'sigops', `${where}.`),
  };
}

// --- small typed readers; each error names the field --------------------------------------

function bad(name: string, what: string): TemplateError {
  return new TemplateError(`invalid block template from bitcoind: ${name} ${what}`);
}

function asObject(v: unknown, name: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(name, 'is not an object');
  return v as Record<string, unknown>;
}

function field(o: Record<string, unknown>, name: string, prefix = ''): unknown {
  if (!(name in o) || o[name] === undefined || o[name] === null) throw bad(prefix + name, 'is missing');
  return o[name];
}

function int(o: Record<string, unknown>, name: string, min: number, max: number, prefix = ''): number {
  const v = field(o, name, prefix);
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(prefix + name, `is not an integer: ${JSON.stringify(v)}`);
  if (v < min || v > max) throw bad(prefix + name, `is ${v}, outside ${min}..${max}`);
  return v;
}

function optionalInt(o: Record<string, unknown>, name: string, prefix = ''): number | null {
  return o[name] === undefined ? null : int(o, name, 0, 0xffffffff, prefix);
}

function str(o: Record<string, unknown>, name: string, maxLength: number, prefix = ''): string {
  const v = field(o, name, prefix);
  if (typeof v !== 'string') throw bad(prefix + name, 'is not a string');
  if (v.length > maxLength) throw bad(prefix + name, `is longer than ${maxLength} characters`);
  return v;
}

function strArray(o: Record<string, unknown>, name: string, maxCount: number, required: boolean): string[] {
  const v = required ? field(o, name) : o[name];
  if (!Array.isArray(v)) throw bad(name, 'is not an array');
  if (v.length > maxCount) throw bad(name, `has more than ${maxCount} entries`);
  return v.map((s: unknown) => {
    if (typeof s !== 'string' || s.length === 0 || s.length > MAX_NAME_LENGTH) throw bad(name, `has an invalid entry ${JSON.stringify(s)}`);
    return s;
  });
}

function hexValue(v: string, name: string, maxBytes: number, exactBytes?: number): Buffer {
  if (v.length > maxBytes * 2) throw bad(name, `is longer than ${maxBytes} bytes`);
  try {
    return fromHex(v, exactBytes);
  } catch (e) {
    if (e instanceof DecodeError) throw bad(name, `is not valid hex: ${e.message}`);
    throw e;
  }
}

function hexField(o: Record<string, unknown>, name: string, exactBytes?: number, maxBytes = exactBytes ?? 0, prefix = ''): Buffer {
  const v = str(o, name, maxBytes * 2, prefix);
  return hexValue(v, prefix + name, maxBytes, exactBytes);
}

/** A display-hex hash (as RPC shows it) to internal byte order. */
function hash(o: Record<string, unknown>, name: string, prefix = ''): Buffer {
  const v = str(o, name, 64, prefix);
  try {
    return displayHexToHash(v);
  } catch {
    throw bad(prefix + name, `is not a 64-digit hex hash: ${JSON.stringify(v)}`);
  }
}
