import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import {
  HEADER_SIZE,
  blockSize,
  decodeBlock,
  decodeBlockWithRaw,
  decodeHeader,
  encodeBlock,
  encodeHeader,
  headerHash,
  readHeader,
  type Block,
  type BlockHeader,
} from '../../src/bitcoin/block.js';
import { ByteReader } from '../../src/bitcoin/bytes.js';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { displayHexToHash, fromHex, hashToDisplayHex, toHex } from '../../src/bitcoin/hex.js';
import { merkleRoot } from '../../src/bitcoin/merkle.js';
import { MAX_MONEY, encodeTransaction, hasWitness, txid, txWeight, wtxid, type Transaction } from '../../src/bitcoin/transaction.js';

const fixture = (rel: string) => new URL(`../fixtures/${rel}`, import.meta.url);
const loadJson = <T>(rel: string): T => JSON.parse(readFileSync(fixture(rel), 'utf8')) as T;

describe('mainnet block 413567 (Bitcoin Core test data, 999,887 bytes)', () => {
  const raw = readFileSync(fixture('bitcoin-core/block413567.raw'));
  const block = decodeBlockWithRaw(raw);

  it('header hash', () => {
    expect(raw.length).toBe(999_887);
    expect(hashToDisplayHex(headerHash(block.header))).toBe('0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069');
    expect(hashToDisplayHex(headerHash(block.headerBytes))).toBe('0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069');
    expect(encodeHeader(block.header)).toEqual(raw.subarray(0, 80));
  });

  it('merkle root from all 1,000+ txids equals the header', () => {
    expect(block.txs.length).toBeGreaterThan(1000);
    const txids = block.txs.map((t) => t.txid);
    expect(new Set(txids.map((h) => h.toString('hex'))).size).toBe(block.txs.length);
    expect(merkleRoot(txids)).toEqual(block.header.merkleRoot);
  });

  it('re-encodes byte for byte, and the plain decoder agrees with the raw one', () => {
    const plain = decodeBlock(raw);
    expect(plain.txs.length).toBe(block.txs.length);
    expect(encodeBlock(plain).equals(raw)).toBe(true);
    expect(blockSize(plain)).toBe(raw.length);
    // Pre-segwit block (2016): no witnesses, so txid == wtxid and weight == 4 * size.
    for (let i = 0; i < plain.txs.length; i += 97) {
      const tx = plain.txs[i]!;
      expect(txid(tx)).toEqual(block.txs[i]!.txid);
      expect(hasWitness(tx)).toBe(false);
      expect(block.txs[i]!.wtxid).toEqual(block.txs[i]!.txid);
      expect(block.txs[i]!.weight).toBe(4 * block.txs[i]!.raw.length);
    }
  });
});

interface GbtTx {
  data: string;
  txid: string;
  hash: string;
  weight: number;
}

describe('regtest block at height 111 (Bitcoin Core 29.99)', () => {
  const raw = fromHex(readFileSync(fixture('bitcoin-core-regtest/block-height111.hex'), 'utf8').trim());
  const block = decodeBlockWithRaw(raw);
  const template = loadJson<{ transactions: GbtTx[]; previousblockhash: string; bits: string }>(
    'bitcoin-core-regtest/gbt-height111-24tx.json',
  );

  it('hash, previous block and bits', () => {
    expect(hashToDisplayHex(headerHash(block.header))).toBe('1a7e5e0c55742a90ee9c0f514010d245805b12657b022093e7070d18872b1e82');
    expect(hashToDisplayHex(block.header.prevBlock)).toBe(template.previousblockhash);
    expect(block.header.bits).toBe(parseInt(template.bits, 16));
  });

  it('merkle root from the txids', () => {
    expect(merkleRoot(block.txs.map((t) => t.txid))).toEqual(block.header.merkleRoot);
  });

  it("holds the template's transactions with Core's txids, wtxids and weights", () => {
    const nonCoinbase = block.txs.slice(1);
    expect(nonCoinbase.length).toBe(template.transactions.length);
    const byTxid = new Map(template.transactions.map((t) => [t.txid, t]));
    for (const t of nonCoinbase) {
      const g = byTxid.get(hashToDisplayHex(t.txid));
      expect(g).toBeDefined();
      expect(hashToDisplayHex(t.wtxid)).toBe(g!.hash);
      expect(t.weight).toBe(g!.weight);
      expect(txWeight(t.tx)).toBe(g!.weight);
      expect(toHex(t.raw)).toBe(g!.data);
    }
  });

  it('weight and vsize are sane (BIP141)', () => {
    const plain = decodeBlock(raw);
    const stripped = encodeBlock(plain, { witness: false });
    const weight = stripped.length * 3 + raw.length;
    expect(blockSize(plain, { witness: false })).toBe(stripped.length);
    expect(stripped.length).toBeLessThan(raw.length);
    // The block's weight is the header and count (4 weight units per byte) plus every tx's weight.
    const countBytes = stripped.length - HEADER_SIZE - plain.txs.reduce((n, t) => n + encodeTransaction(t, { witness: false }).length, 0);
    expect(weight).toBe((HEADER_SIZE + countBytes) * 4 + block.txs.reduce((n, t) => n + t.weight, 0));
    expect(weight).toBeLessThanOrEqual(4_000_000);
    expect(block.txs.filter((t) => hasWitness(t.tx)).length).toBeGreaterThan(1);
    for (const t of block.txs) {
      expect(t.weight).toBeGreaterThanOrEqual(4 * 60);
      // Witness bytes count once, everything else four times (BIP141).
      if (hasWitness(t.tx)) expect(t.weight).toBeLessThan(4 * t.raw.length);
      else expect(t.weight).toBe(4 * t.raw.length);
    }
    expect(encodeBlock(plain).equals(raw)).toBe(true);
  });
});

describe('reference test_header_hash (docs/sharechain.md#test-vectors)', () => {
  const v = loadJson<{
    bitcoin_header_hash: {
      header: { version: number; previous_block: string; merkle_root: string; timestamp: number; bits: number; nonce: number };
      'header_serialized_hex(computed)': string;
      expected_hash: string;
    };
  }>('p2pool-reference/repo_test_vectors.json').bitcoin_header_hash;

  it('serializes the fields and hashes to the expected block hash', () => {
    const h: BlockHeader = {
      version: v.header.version,
      prevBlock: displayHexToHash(v.header.previous_block),
      merkleRoot: displayHexToHash(v.header.merkle_root),
      timestamp: v.header.timestamp,
      bits: v.header.bits,
      nonce: v.header.nonce,
    };
    const bytes = encodeHeader(h);
    expect(toHex(bytes)).toBe(v['header_serialized_hex(computed)']);
    expect(hashToDisplayHex(headerHash(h))).toBe(v.expected_hash);
    expect(hashToDisplayHex(headerHash(bytes))).toBe('000000000000003aaaf7638f9f9c0d0c60e8b0eb817dcdb55fd2b1964efc5175');
    expect(decodeHeader(bytes)).toEqual(h);
  });
});

describe('Litecoin mainnet headers 1-240 (libdohj)', () => {
  const chain = loadJson<{ header_chain_1_240: { headers: { height: number; header_hex: string; block_hash: string }[] } }>(
    'litecoin/litecoin.json',
  ).header_chain_1_240.headers;

  it('each sha256d block hash matches and each header links to the previous one', () => {
    expect(chain).toHaveLength(240);
    let prev: Buffer | null = null;
    for (const entry of chain) {
      const bytes = fromHex(entry.header_hex);
      const h = decodeHeader(bytes);
      expect(encodeHeader(h)).toEqual(bytes);
      const hash = headerHash(h);
      expect(hashToDisplayHex(hash)).toBe(entry.block_hash);
      if (prev) expect(h.prevBlock).toEqual(prev);
      prev = hash;
    }
  });
});

describe('Litecoin pre-MWEB blocks (libdohj, ltcd)', () => {
  const blocks = loadJson<{ blocks: { name: string; block_hex: string | null; txids: string[]; has_hogex: boolean }[] }>(
    'litecoin/litecoin.json',
  ).blocks.filter((b) => b.block_hex && !b.has_hogex);

  it('txids and merkle roots', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const b of blocks) {
      const raw = fromHex(b.block_hex!);
      const block = decodeBlockWithRaw(raw);
      expect(block.txs.map((t) => hashToDisplayHex(t.txid))).toEqual(b.txids);
      expect(merkleRoot(block.txs.map((t) => t.txid))).toEqual(block.header.merkleRoot);
      expect(encodeBlock(decodeBlock(raw))).toEqual(raw);
    }
  });
});

describe('malformed headers and blocks', () => {
  it('a header must be exactly 80 bytes', () => {
    expect(() => decodeHeader(Buffer.alloc(79))).toThrow(DecodeError);
    expect(() => decodeHeader(Buffer.alloc(81))).toThrow(DecodeError);
    expect(() => headerHash(Buffer.alloc(79))).toThrow(RangeError);
  });

  it('a transaction count that cannot fit, and trailing bytes, are rejected', () => {
    const header = Buffer.alloc(80);
    expect(() => decodeBlock(Buffer.concat([header, Buffer.of(0xfd, 0xff, 0xff), Buffer.alloc(500)]))).toThrow(DecodeError);
    const one = loadJson<{ tx_hash: { 'tx_hex(computed serialization of the dict in the test)': string } }>(
      'p2pool-reference/repo_test_vectors.json',
    ).tx_hash['tx_hex(computed serialization of the dict in the test)'];
    const ok = Buffer.concat([header, Buffer.of(1), fromHex(one)]);
    expect(decodeBlock(ok).txs).toHaveLength(1);
    expect(() => decodeBlock(Buffer.concat([ok, Buffer.of(0)]))).toThrow(DecodeError);
  });

  it('readHeader advances the reader by 80 bytes', () => {
    const r = new ByteReader(Buffer.concat([Buffer.alloc(80, 1), Buffer.of(9)]));
    expect(readHeader(r).nonce).toBe(0x01010101);
    expect(r.offset).toBe(80);
    expect(r.readU8()).toBe(9);
  });
});

// Random valid blocks round-trip.
const buf = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max }).map((a) => Buffer.from(a));
const headerArb: fc.Arbitrary<BlockHeader> = fc.record({
  version: fc.nat({ max: 0xffffffff }),
  prevBlock: buf(32, 32),
  merkleRoot: buf(32, 32),
  timestamp: fc.nat({ max: 0xffffffff }),
  bits: fc.nat({ max: 0xffffffff }),
  nonce: fc.nat({ max: 0xffffffff }),
});
const txArb: fc.Arbitrary<Transaction> = fc.record({
  version: fc.nat({ max: 0xffffffff }),
  inputs: fc.array(
    fc.record({
      prevout: fc.record({ hash: buf(32, 32), index: fc.nat({ max: 0xffffffff }) }),
      script: buf(0, 120),
      sequence: fc.nat({ max: 0xffffffff }),
      witness: fc.array(buf(0, 72), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  outputs: fc.array(fc.record({ value: fc.integer({ min: 0, max: MAX_MONEY }), script: buf(0, 60) }), { minLength: 1, maxLength: 3 }),
  locktime: fc.nat({ max: 0xffffffff }),
});

describe('round trips', () => {
  it('headers', () => {
    fc.assert(
      fc.property(headerArb, (h) => {
        const bytes = encodeHeader(h);
        expect(bytes.length).toBe(80);
        expect(decodeHeader(bytes)).toEqual(h);
      }),
    );
  });

  it('blocks (with and without witnesses), and the raw decoder hashes like re-serialization', () => {
    fc.assert(
      fc.property(headerArb, fc.array(txArb, { minLength: 1, maxLength: 6 }), (header, txs) => {
        const block: Block = { header, txs };
        const bytes = encodeBlock(block);
        expect(bytes.length).toBe(blockSize(block));
        expect(decodeBlock(bytes)).toEqual(block);
        const decoded = decodeBlockWithRaw(bytes);
        decoded.txs.forEach((t, i) => {
          expect(t.txid).toEqual(txid(txs[i]!));
          expect(t.wtxid).toEqual(wtxid(txs[i]!));
          expect(t.weight).toBe(txWeight(txs[i]!));
        });
        const stripped = encodeBlock(block, { witness: false });
        expect(decodeBlock(stripped).txs.map((t) => txid(t))).toEqual(txs.map((t) => txid(t)));
      }),
      { numRuns: 60 },
    );
  });
});
