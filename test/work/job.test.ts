/**
 * buildHeader on real blocks: a job cut from a block's own coinbase and transactions must give
 * back the block's real 80-byte header (Bitcoin Core regtest block 111 with 24 segwit
 * transactions; mainnet block 413567 with 1,000+ transactions, an 11-level merkle branch).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeBlock, type Block } from '../../src/bitcoin/block.js';
import { calculateMerkleLink } from '../../src/bitcoin/merkle.js';
import { encodeTransaction, txid } from '../../src/bitcoin/transaction.js';
import { buildHeader, hashExceedsTarget, onlyPseudoshare, targetToHashBytes, type Job } from '../../src/work/job.js';

const fixture = (p: string): Buffer => readFileSync(new URL(`../fixtures/${p}`, import.meta.url));
const blocks: Array<[string, Buffer]> = [
  ['regtest block 111', Buffer.from(fixture('bitcoin-core-regtest/block-height111.hex').toString('utf8').trim(), 'hex')],
  ['mainnet block 413567', fixture('bitcoin-core/block413567.raw')],
];

/** A job whose coinb1 || nonce area || coinb2 is the block's stripped coinbase, cut `tail` bytes from its end. */
function jobOf(block: Block, tail: number): { job: Job; nonceArea: Buffer; coinbase: Buffer } {
  const coinbase = encodeTransaction(block.txs[0]!, { witness: false });
  const cut = coinbase.length - tail;
  const h = block.header;
  const job: Job = {
    id: '1', prevBlock: h.prevBlock, coinb1: coinbase.subarray(0, cut), coinb2: coinbase.subarray(cut + 8),
    merkleBranch: calculateMerkleLink(block.txs.map((t) => txid(t)), 0).branch,
    version: h.version, bits: h.bits, ntime: h.timestamp, minTime: 0, blockTarget: 0n, shareTarget: 0n, createdAt: 0, context: null,
  };
  return { job, nonceArea: Buffer.from(coinbase.subarray(cut, cut + 8)), coinbase };
}

describe('buildHeader', () => {
  for (const [name, raw] of blocks) {
    it(`gives back the real header of ${name}, and its coinbase on demand`, () => {
      const block = decodeBlock(raw);
      // The P2Pool layout (the nonce area 4 bytes before the end) and two other cuts.
      for (const tail of [12, 40, coinbaseLength(block) - 8]) {
        const { job, nonceArea, coinbase } = jobOf(block, tail);
        const built = buildHeader(job, nonceArea, block.header.timestamp, block.header.nonce, block.header.version);
        // The caller may reuse its nonce area at once (the Stratum session does).
        const given = Buffer.from(nonceArea);
        nonceArea.fill(0xee);
        expect(built.header.toString('hex'), `${name}, cut ${tail}`).toBe(raw.subarray(0, 80).toString('hex'));
        expect(built.coinbase.equals(coinbase)).toBe(true);
        expect(built.coinbase).toBe(built.coinbase); // made once
        expect(built.nonceArea.equals(given)).toBe(true);
      }
    });
  }

  it('compares hashes with targets as the integers they are (little-endian bytes)', () => {
    const hash = Buffer.alloc(32);
    hash[31] = 0x01; // 2**248
    expect(hashExceedsTarget(hash, targetToHashBytes(1n << 248n))).toBe(false);
    expect(hashExceedsTarget(hash, targetToHashBytes((1n << 248n) - 1n))).toBe(true);
    expect(hashExceedsTarget(hash, targetToHashBytes(1n << 300n))).toBe(false);
  });

  it('calls a hash only a pseudoshare when it is above the block, share and aux targets as integers, whichever aux target comes', () => {
    // Hashes and targets around one another: equal, one apart, apart in the top or the bottom
    // byte; aux targets changing from call to call (the bytes are remembered per target).
    const le = (n: bigint): Buffer => {
      const b = Buffer.alloc(32);
      for (let i = 0; i < 32; i++) b[i] = Number((n >> BigInt(8 * i)) & 0xffn);
      return b;
    };
    const values = [0n, 1n, 255n, 256n, (1n << 200n) - 1n, 1n << 200n, (1n << 200n) + 1n, (1n << 248n) + 5n, (1n << 256n) - 1n];
    const auxes: Array<bigint | null> = [null, 0n, 1n << 200n, (1n << 200n) - 1n, 1n << 255n, (1n << 256n) - 1n, 1n << 300n];
    let n = 0;
    for (const h of values) {
      for (const block of [1n << 100n, 1n << 200n]) {
        for (const share of [1n << 200n, (1n << 248n) + 5n]) {
          const targets = { block: targetToHashBytes(block), share: targetToHashBytes(share) };
          for (const aux of auxes) {
            const expected = h > block && h > share && (aux === null || h > aux);
            expect(onlyPseudoshare(le(h), targets, aux)).toBe(expected);
            n++;
          }
        }
      }
    }
    expect(n).toBe(values.length * 2 * 2 * auxes.length);
  });
});

function coinbaseLength(block: Block): number {
  return encodeTransaction(block.txs[0]!, { witness: false }).length;
}
