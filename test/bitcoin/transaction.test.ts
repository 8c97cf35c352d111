import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { ByteReader, ByteWriter } from '../../src/bitcoin/bytes.js';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { sha256d } from '../../src/bitcoin/hash.js';
import { fromHex, hashToDisplayHex, toHex } from '../../src/bitcoin/hex.js';
import {
  MAX_MONEY,
  decodeTransaction,
  encodeTransaction,
  hasWitness,
  layoutTxid,
  layoutWeight,
  layoutWtxid,
  readTransaction,
  readTransactionLayout,
  txSize,
  txVsize,
  txWeight,
  txid,
  wtxid,
  type Transaction,
} from '../../src/bitcoin/transaction.js';

function loadJson<T>(rel: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${rel}`, import.meta.url), 'utf8')) as T;
}

interface GbtTx {
  data: string;
  txid: string;
  hash: string;
  weight: number;
}
interface Gbt {
  transactions: GbtTx[];
}
interface RepoVectors {
  tx_hash: { 'tx_hex(computed serialization of the dict in the test)': string; expected_txid: string };
  historical_test_node_txs: { txs: { raw_hex: string; gbt_hash: string }[] };
}

const repo = loadJson<RepoVectors>('p2pool-reference/repo_test_vectors.json');
const templates: [string, Gbt][] = [
  ['gbt-height111-24tx.json', loadJson<Gbt>('bitcoin-core-regtest/gbt-height111-24tx.json')],
  ['gbt-height112-chained.json', loadJson<Gbt>('bitcoin-core-regtest/gbt-height112-chained.json')],
];

describe('real transactions', () => {
  it('reference test_tx_hash: the BTC Guild coinbase txid (docs/sharechain.md#test-vectors)', () => {
    const hex = repo.tx_hash['tx_hex(computed serialization of the dict in the test)'];
    const tx = decodeTransaction(fromHex(hex));
    expect(hashToDisplayHex(txid(tx))).toBe(repo.tx_hash.expected_txid);
    expect(hashToDisplayHex(txid(tx))).toBe('b53802b2333e828d6532059f46ecf6b313a42d79f97925e457fbbfda45367e5c');
    expect(tx.inputs).toHaveLength(1);
    expect(tx.outputs[0]!.value).toBe(5003880250);
    expect(toHex(encodeTransaction(tx))).toBe(hex);
    expect(hasWitness(tx)).toBe(false);
    expect(wtxid(tx)).toEqual(txid(tx));
  });

  it('historical mainnet transactions from the reference test_node (GBT hash = txid)', () => {
    const txs = repo.historical_test_node_txs.txs;
    expect(txs).toHaveLength(3);
    for (const t of txs) {
      const bytes = fromHex(t.raw_hex);
      const tx = decodeTransaction(bytes);
      expect(hashToDisplayHex(txid(tx))).toBe(t.gbt_hash);
      expect(encodeTransaction(tx)).toEqual(bytes);
      expect(txWeight(tx)).toBe(bytes.length * 4);
    }
  });

  for (const [name, gbt] of templates) {
    it(`${name}: every txid, wtxid and weight equals Bitcoin Core's`, () => {
      let segwitCount = 0;
      let legacyCount = 0;
      for (const t of gbt.transactions) {
        const bytes = fromHex(t.data);
        const tx = decodeTransaction(bytes);
        expect(hashToDisplayHex(txid(tx))).toBe(t.txid);
        expect(hashToDisplayHex(wtxid(tx))).toBe(t.hash);
        expect(txWeight(tx)).toBe(t.weight);
        expect(txVsize(tx)).toBe(Math.ceil(t.weight / 4));
        expect(txSize(tx)).toBe(bytes.length);
        expect(encodeTransaction(tx)).toEqual(bytes);
        // The layout path (hashing the wire bytes) must agree with re-serialization.
        const { layout } = readTransactionLayout(new ByteReader(bytes));
        expect(hashToDisplayHex(layoutTxid(layout))).toBe(t.txid);
        expect(hashToDisplayHex(layoutWtxid(layout))).toBe(t.hash);
        expect(layoutWeight(layout)).toBe(t.weight);
        if (hasWitness(tx)) segwitCount++;
        else legacyCount++;
        expect(hasWitness(tx)).toBe(t.txid !== t.hash);
      }
      expect(segwitCount + legacyCount).toBe(gbt.transactions.length);
      expect(segwitCount).toBeGreaterThan(0);
    });
  }

  it('the chained template holds legacy-input transactions (txid == hash)', () => {
    const legacy = templates[1]![1].transactions.filter((t) => t.txid === t.hash);
    expect(legacy.length).toBeGreaterThan(0);
    for (const t of legacy) expect(fromHex(t.data)[4]).not.toBe(0);
  });
});

/** A real segwit transaction from Core's template, for the malformed-encoding tests. */
const segwitHex = templates[0]![1].transactions.find((t) => t.txid !== t.hash)!.data;
const segwitTx = decodeTransaction(fromHex(segwitHex));

/** Re-encode with the marker and flag but every witness stack empty. */
function markerWithEmptyWitnesses(tx: Transaction): Buffer {
  const stripped = encodeTransaction(tx, { witness: false });
  const w = new ByteWriter();
  w.writeBytes(stripped.subarray(0, 4)).writeU8(0).writeU8(1);
  w.writeBytes(stripped.subarray(4, stripped.length - 4));
  for (let i = 0; i < tx.inputs.length; i++) w.writeU8(0);
  w.writeBytes(stripped.subarray(stripped.length - 4));
  return w.toBytes();
}

describe('malformed transactions are DecodeErrors', () => {
  it('segwit marker with all-empty witnesses is non-canonical (Core: superfluous witness record)', () => {
    expect(() => decodeTransaction(markerWithEmptyWitnesses(segwitTx))).toThrow(DecodeError);
  });

  it('marker followed by a flag other than 1', () => {
    const bytes = Buffer.from(fromHex(segwitHex));
    expect(bytes[4]).toBe(0);
    expect(bytes[5]).toBe(1);
    bytes[5] = 2;
    expect(() => decodeTransaction(bytes)).toThrow(DecodeError);
  });

  it('trailing bytes', () => {
    expect(() => decodeTransaction(Buffer.concat([fromHex(segwitHex), Buffer.of(0)]))).toThrow(DecodeError);
  });

  const base: Transaction = {
    version: 2,
    inputs: [{ prevout: { hash: Buffer.alloc(32, 7), index: 1 }, script: Buffer.alloc(0), sequence: 0xffffffff, witness: [] }],
    outputs: [{ value: 1000, script: Buffer.from('0014' + '11'.repeat(20), 'hex') }],
    locktime: 0,
  };

  it('scripts up to 10,000 bytes are accepted, longer ones rejected', () => {
    const ok = { ...base, outputs: [{ value: 1, script: Buffer.alloc(10_000, 0x51) }] };
    expect(decodeTransaction(encodeTransaction(ok)).outputs[0]!.script.length).toBe(10_000);
    const longOut = { ...base, outputs: [{ value: 1, script: Buffer.alloc(10_001, 0x51) }] };
    expect(() => decodeTransaction(encodeTransaction(longOut))).toThrow(DecodeError);
    const longIn = { ...base, inputs: [{ ...base.inputs[0]!, script: Buffer.alloc(10_001, 0x51) }] };
    expect(() => decodeTransaction(encodeTransaction(longIn))).toThrow(DecodeError);
  });

  it('output values above 21e14 satoshis are rejected; 21e14 itself is accepted', () => {
    const max = { ...base, outputs: [{ value: MAX_MONEY, script: Buffer.alloc(1) }] };
    const bytes = encodeTransaction(max);
    expect(decodeTransaction(bytes).outputs[0]!.value).toBe(2_100_000_000_000_000);
    const over = Buffer.from(bytes);
    // The value sits after version(4) + count(1) + input(41) + count(1).
    over.writeBigUInt64LE(BigInt(MAX_MONEY) + 1n, 47);
    expect(() => decodeTransaction(over)).toThrow(DecodeError);
    over.writeBigUInt64LE(0xffffffffffffffffn, 47);
    expect(() => decodeTransaction(over)).toThrow(DecodeError);
    expect(() => encodeTransaction({ ...base, outputs: [{ value: -1, script: Buffer.alloc(0) }] })).toThrow(RangeError);
  });

  it('witness data above 4,000,000 bytes per transaction is rejected', () => {
    const big = (n: number): Transaction => ({
      ...base,
      inputs: [{ ...base.inputs[0]!, witness: [Buffer.alloc(n), Buffer.alloc(1_000_000)] }],
    });
    expect(decodeTransaction(encodeTransaction(big(3_000_000))).inputs[0]!.witness[0]!.length).toBe(3_000_000);
    expect(() => decodeTransaction(encodeTransaction(big(3_000_001)))).toThrow(DecodeError);
  });

  it('counts larger than the remaining bytes are rejected before allocating', () => {
    // version, then an input count of 2^32 (canonical 0xff form would be non-canonical; use 0xfe max).
    const bytes = Buffer.concat([Buffer.from('02000000', 'hex'), Buffer.from('feffffffff', 'hex'), Buffer.alloc(100)]);
    expect(() => decodeTransaction(bytes)).toThrow(DecodeError);
  });
});

// Random valid transactions. Zero inputs cannot be serialized unambiguously (BIP144 marker).
const bytesArb = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const txArb = (withWitness: boolean): fc.Arbitrary<Transaction> =>
  fc.record({
    version: fc.nat({ max: 0xffffffff }),
    inputs: fc.array(
      fc.record({
        prevout: fc.record({ hash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a)), index: fc.nat({ max: 0xffffffff }) }),
        script: bytesArb(300),
        sequence: fc.nat({ max: 0xffffffff }),
        witness: withWitness ? fc.array(bytesArb(80), { maxLength: 4 }) : fc.constant([] as Buffer[]),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    outputs: fc.array(fc.record({ value: fc.integer({ min: 0, max: MAX_MONEY }), script: bytesArb(300) }), { maxLength: 4 }),
    locktime: fc.nat({ max: 0xffffffff }),
  });

describe('round trips of random valid transactions', () => {
  for (const withWitness of [false, true]) {
    it(`${withWitness ? 'with' : 'without'} witnesses`, () => {
      fc.assert(
        fc.property(txArb(withWitness), (tx) => {
          const bytes = encodeTransaction(tx);
          expect(bytes.length).toBe(txSize(tx));
          const back = decodeTransaction(bytes);
          expect(back).toEqual(tx);
          expect(encodeTransaction(back)).toEqual(bytes);
          const stripped = encodeTransaction(tx, { witness: false });
          expect(txid(back)).toEqual(sha256d(stripped));
          expect(wtxid(back)).toEqual(sha256d(bytes));
          expect(txWeight(tx)).toBe(stripped.length * 3 + bytes.length);
          const { layout } = readTransactionLayout(new ByteReader(bytes));
          expect(layoutTxid(layout)).toEqual(txid(tx));
          expect(layoutWtxid(layout)).toEqual(wtxid(tx));
          expect(layoutWeight(layout)).toBe(txWeight(tx));
        }),
        { numRuns: 100 },
      );
    });
  }

  it('readTransaction reads consecutive transactions from one reader', () => {
    fc.assert(
      fc.property(fc.array(txArb(true), { minLength: 1, maxLength: 5 }), (txs) => {
        const r = new ByteReader(Buffer.concat(txs.map((t) => encodeTransaction(t))));
        for (const t of txs) expect(readTransaction(r)).toEqual(t);
        r.expectEnd();
      }),
      { numRuns: 50 },
    );
  });
});
