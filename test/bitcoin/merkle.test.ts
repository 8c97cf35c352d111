import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { sha256d } from '../../src/bitcoin/hash.js';
import { displayHexToHash, hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { calculateMerkleLink, checkMerkleLink, merkleRoot } from '../../src/bitcoin/merkle.js';

const loadJson = <T>(rel: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/${rel}`, import.meta.url), 'utf8')) as T;

/**
 * The 30 txids of mainnet block 000000000000003aaaf7638f9f9c0d0c60e8b0eb817dcdb55fd2b1964efc5175
 * (2011-12-13), from the reference's own test: p2pool/p2pool 53c438b (and jtoomim/p2pool 6dac42e),
 * p2pool/test/bitcoin/test_data.py::test_merkle_hash. They are Python integers there, so the few
 * with leading zero nibbles are padded back to 64 hex digits here. repo_test_vectors.json keeps
 * only the expected root, not the list.
 */
const TEST_MERKLE_HASH_TXIDS = [
  'b53802b2333e828d6532059f46ecf6b313a42d79f97925e457fbbfda45367e5c',
  '326dfe222def9cf571af37a511ccda282d83bedcc01dabf8aa2340d342398cf0',
  '5d2e0541c0f735bac85fa84bfd3367100a3907b939a0c13e558d28c6ffd1aea4',
  '8443faf58aa0079760750afe7f08b759091118046fe42794d3aca2aa0ff69da2',
  '4d8d1c65ede6c8eab843212e05c7b380acb82914eef7c7376a214a109dc91b9d',
  '1d750bc0fa276f89db7e6ed16eb1cf26986795121f67c03712210143b0cb0125',
  '5179349931d714d3102dfc004400f52ef1fed3b116280187ca85d1d638a80176',
  'a8b3f6d2d566a9239c9ad9ae2ed5178dee4a11560a8dd1d9b608fd6bf8c1e75',
  'ab4d07cd97f9c0c4129cff332873a44efdcd33bdbfc7574fe094df1d379e772f',
  'f54a7514b1de8b5d9c2a114d95fba1e694b6e3e4a771fda3f0333515477d685b',
  '894e972d8a2fc6c486da33469b14137a7f89004ae07b95e63923a3032df32089',
  '86cdde1704f53fce33ab2d4f5bc40c029782011866d0e07316d695c41e32b1a0',
  'f7cf4eae5e497be8215778204a86f1db790d9c27fe6a5b9f745df5f3862f8a85',
  '2e72f7ddf157d64f538ec72562a820e90150e8c54afc4d55e0d6e3dbd8ca50a',
  '9f27471dfbc6ce3cbfcf1c8b25d44b8d1b9d89ea5255e9d6109e0f9fd662f75c',
  '995f4c9f78c5b75a0c19f0a32387e9fa75adaa3d62fba041790e06e02ae9d86d',
  'b11ec2ad2049aa32b4760d458ee9effddf7100d73c4752ea497e54e2c58ba727',
  'a439f288fbc5a3b08e5ffd2c4e2d87c19ac2d5e4dfc19fabfa33c7416819e1ec',
  '3aa33f886f1357b4bbe81784ec1cf05873b7c5930ab912ee684cc6e4f06e4c34',
  'cab9a1213037922d94b6dcd9c567aa132f16360e213c202ee59f16dde3642ac7',
  'a2d7a3d2715eb6b094946c6e3e46a88acfb37068546cabe40dbf6cd01a625640',
  '3d02764f24816aaa441a8d472f58e0f8314a70d5b44f8a6f88cc8c7af373b24e',
  'cc5adf077c969ebd78acebc3eb4416474aff61a828368113d27f72ad823214d0',
  'f2d8049d1971f02575eb37d3a732d46927b6be59a18f1bd0c7f8ed123e8a58a',
  '94ffe8d46a1accd797351894f1774995ed7df3982c9a5222765f44d9c3151dbb',
  '82268fa74a878636261815d4b8b1b01298a8bffc87336c0d6f13ef6f0373f1f0',
  '73f441f8763dd1869fe5c2e9d298b88dc62dc8c75af709fccb3622a4c69e2d55',
  'eb78fc63d4ebcdd27ed618fd5025dc61de6575f39b2d98e3be3eb482b210c0a0',
  '13375a426de15631af9afdf00c490e87cc5aab823c327b9856004d0b198d72db',
  '67d76a64fa9b6c5d39fde87356282ef507b3dec1eead4b54e739c74e02e81db4',
].map((h) => h.padStart(64, '0'));

describe('merkleRoot on real data', () => {
  const repo = loadJson<{ merkle_hash: { expected_root: string }; tx_hash: { expected_txid: string } }>(
    'p2pool-reference/repo_test_vectors.json',
  );

  it('reference test_merkle_hash: 30 txids hash to the header merkle root', () => {
    expect(TEST_MERKLE_HASH_TXIDS).toHaveLength(30);
    // The first txid is the coinbase of test_tx_hash, the last level-0 pairing is even but
    // levels above are odd (30 -> 15 -> 8), so duplication is exercised.
    expect(TEST_MERKLE_HASH_TXIDS[0]).toBe(repo.tx_hash.expected_txid);
    const root = merkleRoot(TEST_MERKLE_HASH_TXIDS.map(displayHexToHash));
    expect(hashToDisplayHex(root)).toBe(repo.merkle_hash.expected_root);
    expect(hashToDisplayHex(root)).toBe('37a43a3b812e4eb665975f46393b4360008824aab180f27d642de8c28073bc44');
  });

  it('every link of the 30-txid tree folds back to the same root', () => {
    const leaves = TEST_MERKLE_HASH_TXIDS.map(displayHexToHash);
    const root = merkleRoot(leaves);
    leaves.forEach((leaf, i) => {
      const link = calculateMerkleLink(leaves, i);
      expect(link.branch).toHaveLength(5);
      expect(checkMerkleLink(leaf, link)).toEqual(root);
    });
  });

  it('a single hash is its own root; an empty list is an error', () => {
    const h = displayHexToHash(TEST_MERKLE_HASH_TXIDS[0]!);
    expect(merkleRoot([h])).toEqual(h);
    expect(() => merkleRoot([])).toThrow(RangeError);
    expect(() => merkleRoot([Buffer.alloc(31)])).toThrow(RangeError);
  });

  it('two leaves: sha256d(left || right)', () => {
    const [a, b] = TEST_MERKLE_HASH_TXIDS.slice(0, 2).map(displayHexToHash);
    expect(merkleRoot([a!, b!])).toEqual(sha256d(Buffer.concat([a!, b!])));
    // Odd count: the last is paired with itself.
    expect(merkleRoot([a!, b!, a!])).toEqual(
      sha256d(Buffer.concat([sha256d(Buffer.concat([a!, b!])), sha256d(Buffer.concat([a!, a!]))])),
    );
  });
});

describe('JT IntegrationTests merkle-link vectors (jtoomim/p2pool 6dac42e)', () => {
  // Hashes there are Python integers rendered as %064x, i.e. display hex; null is the coinbase slot.
  const vectors = loadJson<{ vectors: Record<string, unknown> }>('p2pool-reference/jt_test_data_integration_vectors.json').vectors;
  const ids = Object.keys(vectors)
    .filter((k) => k.startsWith('merkle_links'))
    .map((k) => k.slice('merkle_links'.length));

  it('has every vector, including the 2,837-element one', () => {
    expect(ids.sort()).toEqual(['1', '10', '2', '3', '4', '5', '6']);
    expect((vectors['merkle_links10'] as unknown[]).length).toBe(2837);
  });

  for (const id of ['1', '2', '3', '4', '5', '6', '10']) {
    it(`vector ${id}: calculateMerkleLink gives the recorded branch, checkMerkleLink folds to the root`, () => {
      const hashes = (vectors[`merkle_links${id}`] as (string | null)[]).map((h) => (h === null ? null : displayHexToHash(h)));
      const expected = vectors[`merkle_result${id}`] as { branch: string[]; index: number };
      const link = calculateMerkleLink(hashes, expected.index);
      expect(link.index).toBe(expected.index);
      expect(link.branch.map(hashToDisplayHex)).toEqual(expected.branch);

      // The root is only defined when the linked leaf is known; for a null slot, put any leaf
      // there (the coinbase txid of test_tx_hash) and fold the branch over it.
      const leaf = hashes[expected.index] ?? displayHexToHash(TEST_MERKLE_HASH_TXIDS[0]!);
      const filled = hashes.map((h, i) => (i === expected.index ? leaf : h!));
      expect(checkMerkleLink(leaf, link)).toEqual(merkleRoot(filled));
    });
  }
});

describe('merkle links: properties and errors', () => {
  const leavesArb = fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a)), {
    minLength: 1,
    maxLength: 70,
  });

  it('for every leaf, its link folds to merkleRoot; a null leaf at index 0 gives the same branch', () => {
    fc.assert(
      fc.property(leavesArb, fc.nat(), (leaves, k) => {
        const index = k % leaves.length;
        const root = merkleRoot(leaves);
        const link = calculateMerkleLink(leaves, index);
        expect(link.branch.length).toBe(Math.ceil(Math.log2(leaves.length)));
        expect(checkMerkleLink(leaves[index]!, link)).toEqual(root);
        const withNull = calculateMerkleLink([null, ...leaves.slice(1)], 0);
        expect(withNull).toEqual(calculateMerkleLink(leaves, 0));
      }),
      { numRuns: 150 },
    );
  });

  it('checkMerkleLink rejects an index that does not fit the branch (DecodeError)', () => {
    const branch = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    const leaf = Buffer.alloc(32, 3);
    expect(() => checkMerkleLink(leaf, { branch, index: 3 })).not.toThrow();
    expect(() => checkMerkleLink(leaf, { branch, index: 4 })).toThrow(DecodeError);
    expect(() => checkMerkleLink(leaf, { branch: [], index: 1 })).toThrow(DecodeError);
    expect(() => checkMerkleLink(leaf, { branch, index: -1 })).toThrow(DecodeError);
    expect(checkMerkleLink(leaf, { branch: [], index: 0 })).toEqual(leaf);
    // Bit i of the index says the branch hash sits on the left at level i.
    expect(checkMerkleLink(leaf, { branch: [branch[0]!], index: 1 })).toEqual(sha256d(Buffer.concat([branch[0]!, leaf])));
    expect(checkMerkleLink(leaf, { branch: [branch[0]!], index: 0 })).toEqual(sha256d(Buffer.concat([leaf, branch[0]!])));
  });

  it('calculateMerkleLink rejects bad indexes and nulls away from the index', () => {
    const h = Buffer.alloc(32, 1);
    expect(() => calculateMerkleLink([h, h], 2)).toThrow(RangeError);
    expect(() => calculateMerkleLink([h, null], 0)).toThrow(RangeError);
    // A null leaf that would have to be paired with itself (odd level) cannot be linked.
    expect(() => calculateMerkleLink([h, h, null], 2)).toThrow(RangeError);
  });
});
