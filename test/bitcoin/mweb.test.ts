/**
 * Litecoin MWEB-era blocks (fixture litecoin/litecoin.json: ltcd's testnet4 blocks and mainnet
 * blocks 2383207/2383209 rebuilt from Litecoin Core's getblock): parsed with their HogEx and
 * MWEB block, every hash checked against the fixture, and re-encoded byte for byte.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { assembleBlock, decodeBlock, decodeBlockWithRaw, encodeBlock, headerHash, blockSize } from '../../src/bitcoin/block.js';
import { ByteReader } from '../../src/bitcoin/bytes.js';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { merkleRoot } from '../../src/bitcoin/merkle.js';
import { decodeMwebBlock, decodeMwebSuffix, mwebSuffixFromTemplateBlock, readVarInt } from '../../src/bitcoin/mweb.js';
import { decodeTransaction, encodeTransaction, txid, txSize, txWeight, wtxid } from '../../src/bitcoin/transaction.js';

interface MwebInfo {
  header_raw: string;
  height: number;
  output_root: string;
  kernel_root: string;
  leafset_root: string;
  kernel_offset: string;
  stealth_offset: string;
  output_mmr_size: number;
  kernel_mmr_size: number;
  body_length: number;
  body_offset_in_block: number;
  header_offset_in_block: number;
  body_is_empty: boolean;
}
interface LtcBlock {
  name: string;
  block_hex?: string | null;
  size_bytes: number;
  tx_count: number;
  txids: string[];
  wtxids: string[];
  merkle_root_from_txids: string;
  has_hogex: boolean;
  header: { block_hash: string; merkle_root: string };
  hogex?: { tx_hex: string; txid: string; flag_byte: number };
  mweb?: MwebInfo;
  test_expectations: { block_hash?: string; tx_count: number; last_txid?: string };
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/litecoin/litecoin.json', import.meta.url), 'utf8')) as { blocks: LtcBlock[] };
const withBytes = fixture.blocks.filter((b) => typeof b.block_hex === 'string');
const mwebBlocks = withBytes.filter((b) => b.has_hogex);
const preMweb = withBytes.filter((b) => !b.has_hogex);
const bytesOf = (b: LtcBlock): Buffer => Buffer.from(b.block_hex!, 'hex');
const MWEB = { mweb: true };

describe('Litecoin MWEB-era blocks', () => {
  it('the fixture has MWEB blocks from testnet4 and mainnet, with and without an MWEB body', () => {
    expect(mwebBlocks.map((b) => b.name)).toEqual([
      'litecoin_testnet4_block_2215584',
      'litecoin_testnet4_block_2215586',
      'litecoin_testnet4_block_2321749',
      'litecoin_testnet4_block_2319633',
      'litecoin_mainnet_block_2383207',
      'litecoin_mainnet_block_2383209',
    ]);
    expect(new Set(mwebBlocks.map((b) => b.mweb!.body_is_empty))).toEqual(new Set([true, false]));
  });

  for (const b of mwebBlocks) {
    describe(b.name, () => {
      const raw = bytesOf(b);
      const block = decodeBlockWithRaw(raw, MWEB);
      const mweb = b.mweb!;

      it('block hash, tx count, every txid and wtxid, merkle root', () => {
        expect(raw.length).toBe(b.size_bytes);
        expect(hashToDisplayHex(headerHash(block.headerBytes))).toBe(b.header.block_hash);
        expect(b.test_expectations.block_hash).toBe(b.header.block_hash);
        expect(block.txs.length).toBe(b.tx_count);
        expect(block.txs.map((t) => hashToDisplayHex(t.txid))).toEqual(b.txids);
        expect(block.txs.map((t) => hashToDisplayHex(t.wtxid))).toEqual(b.wtxids);
        expect(hashToDisplayHex(merkleRoot(block.txs.map((t) => t.txid)))).toBe(b.header.merkle_root);
        expect(hashToDisplayHex(block.header.merkleRoot)).toBe(b.header.merkle_root);
      });

      it('the last transaction is the HogEx: flag 0x08, txid over the legacy form, wtxid = txid', () => {
        const last = block.txs[block.txs.length - 1]!;
        expect(last.tx.hogEx).toBe(true);
        expect(last.layout.flags).toBe(b.hogex!.flag_byte);
        expect(last.raw.toString('hex')).toBe(b.hogex!.tx_hex);
        expect(hashToDisplayHex(last.txid)).toBe(b.hogex!.txid);
        expect(last.wtxid).toEqual(last.txid);
        // The object-level functions agree with the layout ones.
        const tx = decodeTransaction(last.raw, MWEB);
        expect(encodeTransaction(tx).toString('hex')).toBe(b.hogex!.tx_hex);
        expect(hashToDisplayHex(txid(tx))).toBe(b.hogex!.txid);
        expect(wtxid(tx)).toEqual(txid(tx));
        expect(txSize(tx)).toBe(last.raw.length);
        // Litecoin weighs the HogEx without its MWEB bytes (marker, flag, empty MWEB tx).
        expect(txWeight(tx)).toBe(4 * encodeTransaction(tx, { witness: false }).length);
        expect(last.weight).toBe(txWeight(tx));
        for (const t of block.txs.slice(0, -1)) {
          expect(t.tx.hogEx).toBeUndefined();
          expect(txWeight(t.tx)).toBe(t.weight);
        }
      });

      it('the MWEB block after the HogEx is kept exactly and its header decodes', () => {
        expect(block.mwebSuffix[0]).toBe(0x01);
        expect(raw.length - block.mwebSuffix.length).toBe(mweb.header_offset_in_block - 1);
        expect(block.mwebSuffix.equals(raw.subarray(mweb.header_offset_in_block - 1))).toBe(true);
        const m = block.mweb!;
        expect(m.headerBytes.toString('hex')).toBe(mweb.header_raw);
        expect(m.body.length).toBe(mweb.body_length);
        expect(m.body.equals(raw.subarray(mweb.body_offset_in_block))).toBe(true);
        expect(m.header.height).toBe(mweb.height);
        // MWEB hashes are shown in raw byte order (fixture conventions).
        expect(m.header.outputRoot.toString('hex')).toBe(mweb.output_root);
        expect(m.header.kernelRoot.toString('hex')).toBe(mweb.kernel_root);
        expect(m.header.leafsetRoot.toString('hex')).toBe(mweb.leafset_root);
        expect(m.header.kernelOffset.toString('hex')).toBe(mweb.kernel_offset);
        expect(m.header.stealthOffset.toString('hex')).toBe(mweb.stealth_offset);
        expect(m.header.outputMmrSize).toBe(mweb.output_mmr_size);
        expect(m.header.kernelMmrSize).toBe(mweb.kernel_mmr_size);
        expect(decodeMwebSuffix(block.mwebSuffix)!.headerBytes.equals(m.headerBytes)).toBe(true);
      });

      it('re-encodes byte for byte', () => {
        const plain = decodeBlock(raw, MWEB);
        expect(encodeBlock(plain).equals(raw)).toBe(true);
        expect(blockSize(plain)).toBe(raw.length);
      });

      it('re-assembles from header + coinbase + template-like parts (0x01 + getblocktemplate mweb)', () => {
        const templateMweb = block.mwebSuffix.subarray(1);
        const body = { transactions: block.txs.slice(1).map((t) => ({ data: t.raw })), mwebSuffix: mwebSuffixFromTemplateBlock(templateMweb) };
        expect(assembleBlock(block.headerBytes, block.txs[0]!.raw, body).equals(raw)).toBe(true);
      });

      it('is refused where MWEB is not allowed (Bitcoin), with a message naming the MWEB flag', () => {
        expect(() => decodeBlock(raw)).toThrow(/MWEB bit \(0x08\)/);
      });
    });
  }

  for (const b of preMweb) {
    it(`${b.name} (before MWEB) decodes the same with and without MWEB support`, () => {
      const raw = bytesOf(b);
      const block = decodeBlockWithRaw(raw, MWEB);
      expect(hashToDisplayHex(headerHash(block.headerBytes))).toBe(b.header.block_hash);
      expect(block.txs.map((t) => hashToDisplayHex(t.txid))).toEqual(b.txids);
      expect(block.txs.map((t) => hashToDisplayHex(t.wtxid))).toEqual(b.wtxids);
      expect(block.mwebSuffix.length).toBe(0);
      expect(block.mweb).toBeNull();
      expect(encodeBlock(decodeBlock(raw)).equals(raw)).toBe(true);
    });
  }
});

describe('MWEB decoding is strict', () => {
  const b = mwebBlocks[0]!;
  const raw = bytesOf(b);
  const block = decodeBlockWithRaw(raw, MWEB);

  it('refuses a missing, unknown or truncated MWEB block after the HogEx', () => {
    const noSuffix = raw.subarray(0, raw.length - block.mwebSuffix.length);
    expect(() => decodeBlock(noSuffix, MWEB)).toThrow(/missing MWEB block marker/);
    const badMarker = Buffer.from(raw);
    badMarker[raw.length - block.mwebSuffix.length] = 0x02;
    expect(() => decodeBlock(badMarker, MWEB)).toThrow(/invalid MWEB block marker 2/);
    const headerOnly = raw.subarray(0, b.mweb!.body_offset_in_block + 2);
    expect(() => decodeBlock(headerOnly, MWEB)).toThrow(/shorter than three empty vectors/);
    expect(() => decodeBlock(raw.subarray(0, b.mweb!.header_offset_in_block + 40), MWEB)).toThrow(DecodeError);
  });

  it('an empty MWEB marker (0x00) must end the block', () => {
    const none = Buffer.concat([raw.subarray(0, raw.length - block.mwebSuffix.length), Buffer.of(0x00)]);
    const decoded = decodeBlockWithRaw(none, MWEB);
    expect(decoded.mweb).toBeNull();
    expect(decoded.mwebSuffix.equals(Buffer.of(0))).toBe(true);
    expect(encodeBlock(decodeBlock(none, MWEB)).equals(none)).toBe(true);
    expect(() => decodeBlock(Buffer.concat([none, Buffer.of(0)]), MWEB)).toThrow(/trailing bytes/);
  });

  it('refuses a HogEx that is not last, or is the coinbase', () => {
    // Swap the HogEx in front of the transaction before it (tx count unchanged).
    const txs = block.txs.map((t) => t.raw);
    const swapped = Buffer.concat([raw.subarray(0, 81), ...txs.slice(0, -2), txs[txs.length - 1]!, txs[txs.length - 2]!, block.mwebSuffix]);
    expect(() => decodeBlock(swapped, MWEB)).toThrow(/HogEx transaction at position/);
    const alone = Buffer.concat([raw.subarray(0, 80), Buffer.of(1), txs[txs.length - 1]!, block.mwebSuffix]);
    expect(() => decodeBlock(alone, MWEB)).toThrow(/HogEx transaction at position 0 of 1/);
  });

  it('refuses MWEB transaction data, a HogEx without outputs and unknown flags', () => {
    const hogex = Buffer.from(block.txs[block.txs.length - 1]!.raw);
    const withMwebTx = Buffer.from(hogex);
    withMwebTx[hogex.length - 5] = 0x01;
    expect(() => decodeTransaction(withMwebTx, MWEB)).toThrow(/MWEB data are not supported/);
    const flag = Buffer.from(hogex);
    flag[5] = 0x0a;
    expect(() => decodeTransaction(flag, MWEB)).toThrow(/unknown transaction flag 10/);
    flag[5] = 0x02;
    expect(() => decodeTransaction(flag)).toThrow(/unknown transaction flag 2/);
    // version | 00 08 | 1 input | 0 outputs | 00 | locktime
    const input = hogex.subarray(7, 7 + 41);
    const noOutputs = Buffer.concat([hogex.subarray(0, 6), Buffer.of(1), input, Buffer.of(0), Buffer.of(0), Buffer.alloc(4)]);
    expect(() => decodeTransaction(noOutputs, MWEB)).toThrow(/HogEx transaction without outputs/);
  });

  it('never throws anything but DecodeError on truncations and byte flips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: raw.length - 1 }), fc.integer({ min: 0, max: 255 }), fc.boolean(), (pos, value, truncate) => {
        const bytes = truncate ? raw.subarray(0, pos) : Buffer.from(raw);
        if (!truncate) bytes[pos] = value;
        try {
          decodeBlock(bytes, MWEB);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
        }
      }),
      { numRuns: 400 },
    );
  });
});

describe('VarInt (Core serialize.h) and the MWEB header', () => {
  it('reads the canonical base-128 form with the +1 per continuation', () => {
    const read = (hex: string): number => readVarInt(new ByteReader(Buffer.from(hex, 'hex')));
    // Core's serialize_tests varint vectors: 0 -> 00, 127 -> 7f, 128 -> 8000, 16511 -> ff7f, 16512 -> 808000.
    expect(read('00')).toBe(0);
    expect(read('7f')).toBe(127);
    expect(read('8000')).toBe(128);
    expect(read('ff7f')).toBe(16511);
    expect(read('808000')).toBe(16512);
    expect(read('80869c20')).toBe(2215584); // fixture MWEB height of testnet4 block 2215584
    expect(() => read('80')).toThrow(DecodeError);
    expect(() => read('ffffffffffffffffff7f')).toThrow(/VarInt too large/);
  });

  it("decodes getblocktemplate's mweb form and refuses a body too short", () => {
    const m = mwebBlocks[2]!;
    const suffix = bytesOf(m).subarray(m.mweb!.header_offset_in_block);
    expect(decodeMwebBlock(suffix).header.height).toBe(m.mweb!.height);
    expect(() => mwebSuffixFromTemplateBlock(suffix.subarray(0, suffix.length - 1))).toThrow(/shorter than three empty vectors/);
  });
});
