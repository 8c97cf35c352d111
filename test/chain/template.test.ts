import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { blockSubsidy, getChainParams } from '../../src/bitcoin/chain-params.js';
import { assembleBlock, decodeBlockWithRaw } from '../../src/bitcoin/block.js';
import { fromHex, hashToDisplayHex, toHex } from '../../src/bitcoin/hex.js';
import { decodeTransaction, txid, wtxid } from '../../src/bitcoin/transaction.js';
import { witnessCommitment, witnessCommitmentScript, witnessMerkleRoot } from '../../src/bitcoin/witness.js';
import { checkTemplateRules, parseBlockTemplate } from '../../src/chain/block-template.js';
import { TemplateError } from '../../src/chain/errors.js';

const fixture = (rel: string) => new URL(`../fixtures/${rel}`, import.meta.url);
type Json = Record<string, unknown>;
const loadGbt = (name: string): Json => JSON.parse(readFileSync(fixture(`bitcoin-core-regtest/${name}`), 'utf8')) as Json;
const regtest = getChainParams('regtest');

describe("Bitcoin Core's getblocktemplate answers parse into a BlockTemplate", () => {
  it('height 111, 24 segwit transactions: header fields as Core gave them', () => {
    const raw = loadGbt('gbt-height111-24tx.json');
    const t = parseBlockTemplate(raw);
    expect(t.version).toBe(0x20000000);
    expect(t.height).toBe(111);
    expect(t.bits).toBe(0x207fffff);
    expect(hashToDisplayHex(t.previousBlockHash)).toBe(raw['previousblockhash']);
    expect(t.curtime).toBe(raw['curtime']);
    expect(t.mintime).toBe(raw['mintime']);
    expect(t.rules).toEqual(['csv', '!segwit', 'taproot']);
    expect(t.mutable).toEqual(['time', 'transactions', 'prevblock']);
    expect(t.longPollId).toBe(raw['longpollid']);
    expect(t.weightLimit).toBe(4_000_000);
    expect(t.sigopLimit).toBe(80_000);
    expect(t.coinbaseAux.length).toBe(0);
    expect(t.transactions).toHaveLength(24);
    expect(toHex(t.defaultWitnessCommitment!)).toBe(raw['default_witness_commitment']);
  });

  it('coinbasevalue = regtest subsidy at the height + the sum of the transactions\' fees', () => {
    for (const name of ['gbt-height111-24tx.json', 'gbt-height112-chained.json']) {
      const t = parseBlockTemplate(loadGbt(name));
      expect(t.coinbaseValue).toBe(blockSubsidy(regtest, t.height) + t.totalFees);
    }
  });

  it('txid and wtxid of each entry are the hashes of its data, in internal byte order', () => {
    for (const name of ['gbt-height111-24tx.json', 'gbt-height112-chained.json']) {
      const t = parseBlockTemplate(loadGbt(name));
      for (const tx of t.transactions) {
        const decoded = decodeTransaction(tx.data);
        expect(tx.txid).toEqual(txid(decoded));
        expect(tx.wtxid).toEqual(wtxid(decoded));
      }
      // The wtxids as parsed reproduce Core's own commitment.
      const commitment = witnessCommitment(witnessMerkleRoot(t.transactions.map((x) => x.wtxid)), Buffer.alloc(32));
      expect(witnessCommitmentScript(commitment)).toEqual(t.defaultWitnessCommitment);
    }
  });

  it('the template Core mined block 111 from has exactly that block\'s transactions', () => {
    const t = parseBlockTemplate(loadGbt('gbt-height111-24tx.json'));
    const block = decodeBlockWithRaw(fromHex(readFileSync(fixture('bitcoin-core-regtest/block-height111.hex'), 'utf8').trim()));
    expect(block.header.prevBlock).toEqual(t.previousBlockHash);
    expect(block.header.bits).toBe(t.bits);
    expect(block.txs.slice(1).map((x) => x.txid.toString('hex'))).toEqual(t.transactions.map((x) => x.txid.toString('hex')));
  });

  it('height 112: chains of unconfirmed parents keep their depends, legacy transactions have txid == wtxid', () => {
    const raw = loadGbt('gbt-height112-chained.json');
    const t = parseBlockTemplate(raw);
    const rawTxs = raw['transactions'] as { depends: number[]; txid: string; hash: string }[];
    expect(t.transactions.map((x) => x.depends)).toEqual(rawTxs.map((x) => x.depends));
    expect(t.transactions.some((x) => x.depends.length > 0)).toBe(true);
    const legacy = t.transactions.filter((x) => x.txid.equals(x.wtxid));
    expect(legacy.length).toBeGreaterThan(0);
    expect(legacy.length).toBe(rawTxs.filter((x) => x.txid === x.hash).length);
  });
});

describe('BIP9 rules', () => {
  const t = parseBlockTemplate(loadGbt('gbt-height111-24tx.json'));

  it("Core's rules (csv, !segwit, taproot) are understood on regtest", () => {
    expect(() => checkTemplateRules(t, regtest.knownRules)).not.toThrow();
  });

  it('an unknown rule with "!" is refused with its name', () => {
    const rules = [...t.rules, '!mweb', '!futurefork', 'signalonly'];
    expect(() => checkTemplateRules({ rules }, regtest.knownRules)).toThrow(TemplateError);
    expect(() => checkTemplateRules({ rules }, regtest.knownRules)).toThrow(/mweb, futurefork/);
    try {
      checkTemplateRules({ rules }, regtest.knownRules);
    } catch (e) {
      expect((e as Error).message).not.toContain('signalonly');
    }
  });

  it('rules without "!" may be unknown (bcoin lists testdummy)', () => {
    expect(() => checkTemplateRules({ rules: ['csv', '!segwit', 'testdummy'] }, regtest.knownRules)).not.toThrow();
  });
});

describe('templates with missing or invalid fields are refused, naming the field', () => {
  const base = loadGbt('gbt-height112-chained.json');
  const withField = (name: string, value: unknown): Json => {
    const copy = structuredClone(base);
    if (value === undefined) delete copy[name];
    else copy[name] = value;
    return copy;
  };
  const withTx = (i: number, name: string, value: unknown): Json => {
    const copy = structuredClone(base);
    const txs = copy['transactions'] as Json[];
    if (value === undefined) delete txs[i]![name];
    else txs[i]![name] = value;
    return copy;
  };
  const refused = (raw: unknown, field: string) => {
    expect(() => parseBlockTemplate(raw)).toThrow(TemplateError);
    expect(() => parseBlockTemplate(raw)).toThrow(field);
  };

  it('required fields missing', () => {
    for (const f of ['version', 'previousblockhash', 'transactions', 'coinbasevalue', 'bits', 'curtime', 'height', 'rules']) {
      refused(withField(f, undefined), f);
    }
  });

  it('wrong types and ranges', () => {
    refused(withField('version', '536870912'), 'version');
    refused(withField('version', 2 ** 32), 'version');
    refused(withField('previousblockhash', 'zz'.repeat(32)), 'previousblockhash');
    refused(withField('previousblockhash', 'ab'.repeat(31)), 'previousblockhash');
    refused(withField('coinbasevalue', -1), 'coinbasevalue');
    refused(withField('coinbasevalue', 1.5), 'coinbasevalue');
    refused(withField('coinbasevalue', 84_000_000 * 1e8 + 1), 'coinbasevalue');
    // Less than its own transactions' fees (331,660 sat here): a block leaving some out would pay below zero.
    const fees = (base['transactions'] as { fee: number }[]).reduce((f, t) => f + t.fee, 0);
    refused(withField('coinbasevalue', fees - 1), 'coinbasevalue is');
    expect(parseBlockTemplate(withField('coinbasevalue', fees)).coinbaseValue).toBe(fees);
    refused(withField('bits', '207fff'), 'bits');
    refused(withField('bits', 0x207fffff), 'bits');
    refused(withField('height', -1), 'height');
    refused(withField('curtime', 2 ** 32), 'curtime');
    refused(withField('rules', 'segwit'), 'rules');
    refused(withField('rules', [42]), 'rules');
    refused(withField('transactions', {}), 'transactions');
    refused(withField('default_witness_commitment', '6a24aa21a9ee' + '00'.repeat(32)), 'default_witness_commitment');
    refused(withField('default_witness_commitment', '6a24aa21a9ed' + '00'.repeat(31)), 'default_witness_commitment');
    refused(withField('coinbaseaux', { flags: 'xyz' }), 'coinbaseaux.flags');
    refused(withField('coinbaseaux', { flags: '00'.repeat(101) }), 'coinbaseaux');
    refused(withField('longpollid', 'x'.repeat(257)), 'longpollid');
    refused(withField('vbavailable', { fork: 32 }), 'vbavailable.fork');
    refused(null, 'template');
    refused([], 'template');
  });

  it('bad transaction entries', () => {
    refused(withTx(0, 'data', undefined), 'transactions[0].data');
    refused(withTx(0, 'data', '0g'), 'transactions[0].data');
    refused(withTx(0, 'data', '0102'), 'transactions[0].data');
    refused(withTx(1, 'txid', undefined), 'transactions[1].txid');
    refused(withTx(1, 'hash', 'ab'), 'transactions[1].hash');
    refused(withTx(2, 'fee', -5), 'transactions[2].fee');
    refused(withTx(2, 'fee', '5'), 'transactions[2].fee');
    // depends must name an earlier transaction (1-based), never itself or a later one.
    refused(withTx(0, 'depends', [1]), 'transactions[0].depends');
    refused(withTx(3, 'depends', [0]), 'transactions[3].depends');
    refused(withTx(3, 'depends', [5]), 'transactions[3].depends');
    refused(withTx(3, 'depends', 'none'), 'transactions[3].depends');
  });

  it('more transactions than a block can hold', () => {
    const copy = structuredClone(base);
    copy['transactions'] = new Array(16_667 + 1).fill(null);
    refused(copy, 'transactions');
  });

  it('arbitrary JSON never throws anything but TemplateError', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      try {
        parseBlockTemplate(v);
      } catch (e) {
        expect(e).toBeInstanceOf(TemplateError);
      }
    }), { numRuns: 300 });
    // Mutations of a real template: every field replaced by arbitrary JSON.
    const keys = Object.keys(base);
    fc.assert(fc.property(fc.constantFrom(...keys), fc.jsonValue(), (k, v) => {
      try {
        parseBlockTemplate(withField(k, v));
      } catch (e) {
        expect(e).toBeInstanceOf(TemplateError);
      }
    }), { numRuns: 300 });
  });
});

describe("Litecoin Core's mweb template field (a fixture MWEB block split into a template)", () => {
  interface LtcBlock { name: string; block_hex?: string | null; height: number; header: { bits: string; timestamp: number } }
  const ltc = JSON.parse(readFileSync(fixture('litecoin/litecoin.json'), 'utf8')) as { blocks: LtcBlock[] };
  const MWEB = { mweb: true };
  const litecoin = getChainParams('litecoin-testnet');

  /**
   * What Litecoin Core's getblocktemplate would have answered for the block: its transactions
   * after the coinbase (the HogEx last) and `mweb` = the MWEB block without the 0x01 marker.
   */
  function splitIntoTemplate(name: string): { raw: Buffer; gbt: Json } {
    const b = ltc.blocks.find((x) => x.name === name)!;
    const raw = Buffer.from(b.block_hex!, 'hex');
    const block = decodeBlockWithRaw(raw, MWEB);
    const gbt: Json = {
      version: block.header.version,
      previousblockhash: hashToDisplayHex(block.header.prevBlock),
      transactions: block.txs.slice(1).map((t) => ({ data: toHex(t.raw), txid: hashToDisplayHex(t.txid), hash: hashToDisplayHex(t.wtxid), fee: 0, depends: [] })),
      coinbasevalue: 0,
      bits: block.header.bits.toString(16).padStart(8, '0'),
      curtime: block.header.timestamp,
      height: b.height,
      rules: ['csv', '!segwit', 'taproot', '!mweb'],
      mweb: toHex(block.mwebSuffix.subarray(1)),
    };
    return { raw, gbt };
  }

  for (const name of ['litecoin_testnet4_block_2215586', 'litecoin_mainnet_block_2383209']) {
    it(`${name}: the template keeps 0x01 + mweb, and header + coinbase + template re-assemble the block byte for byte`, () => {
      const { raw, gbt } = splitIntoTemplate(name);
      const t = parseBlockTemplate(gbt);
      checkTemplateRules(t, litecoin.knownRules);
      const block = decodeBlockWithRaw(raw, MWEB);
      expect(t.mwebSuffix.equals(block.mwebSuffix)).toBe(true);
      expect(t.mwebSuffix[0]).toBe(1);
      expect(t.transactions.map((x) => x.txid)).toEqual(block.txs.slice(1).map((x) => x.txid));
      expect(t.transactions.map((x) => x.wtxid)).toEqual(block.txs.slice(1).map((x) => x.wtxid));
      const rebuilt = assembleBlock(block.headerBytes, block.txs[0]!.raw, t);
      expect(rebuilt.equals(raw)).toBe(true);
    });
  }

  it('Bitcoin templates carry no suffix, and assembleBlock then builds the plain block', () => {
    const t = parseBlockTemplate(loadGbt('gbt-height111-24tx.json'));
    expect(t.mwebSuffix.length).toBe(0);
    const raw = Buffer.from(readFileSync(fixture('bitcoin-core-regtest/block-height111.hex'), 'utf8').trim(), 'hex');
    const block = decodeBlockWithRaw(raw);
    expect(assembleBlock(block.headerBytes, block.txs[0]!.raw, t).equals(raw)).toBe(true);
  });

  it('refuses a HogEx without mweb, mweb without a HogEx last, and an mweb that is not an MWEB block', () => {
    const { gbt } = splitIntoTemplate('litecoin_testnet4_block_2215584');
    const without = { ...gbt };
    delete without['mweb'];
    expect(() => parseBlockTemplate(without)).toThrow(/mweb is missing but the last transaction is a HogEx/);
    const txs = gbt['transactions'] as Json[];
    const notLast = { ...gbt, transactions: txs.slice(0, -1) };
    expect(() => parseBlockTemplate(notLast)).toThrow(/mweb is given but the last transaction is not the HogEx/);
    expect(() => parseBlockTemplate({ ...gbt, transactions: [] })).toThrow(/last transaction is not the HogEx/);
    expect(() => parseBlockTemplate({ ...gbt, mweb: '80' })).toThrow(/mweb is not an MWEB block/);
    expect(() => parseBlockTemplate({ ...gbt, mweb: 'zz' })).toThrow(TemplateError);
    expect(() => parseBlockTemplate({ ...gbt, mweb: 7 })).toThrow(/mweb is not a string/);
  });
});
