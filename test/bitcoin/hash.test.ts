import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hashWords, scryptPow, sha256, sha256d, sha256d64, sha256dBranch, Sha256dPrefix, sha256Midstate, sha256Resume } from '../../src/bitcoin/hash.js';
import { displayHexToHash, hashToBigInt, hashToDisplayHex, swapWords32 } from '../../src/bitcoin/hex.js';

describe('sha256 midstate', () => {
  it('resuming from any split point equals one-shot SHA-256', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
        const { midstate, tail } = sha256Midstate(a);
        const resumed = sha256Resume(midstate, Buffer.concat([tail, b]));
        expect(resumed.toString('hex')).toBe(createHash('sha256').update(a).update(b).digest('hex'));
      }),
    );
  });

  it('matches the FIPS 180-2 "abc" vector', () => {
    const { midstate, tail } = sha256Midstate(Buffer.from('abc'));
    expect(midstate.length).toBe(0);
    expect(sha256Resume(midstate, tail).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('sha256d is sha256 twice', () => {
    const x = Buffer.from('hello');
    expect(sha256d(x)).toEqual(sha256(sha256(x)));
  });
});

describe('sha256d fast paths (Stratum submit)', () => {
  // Checked against node:crypto (OpenSSL), which is independent of our compression function.
  const opensslSha256d = (data: Uint8Array): Buffer => createHash('sha256').update(createHash('sha256').update(data).digest()).digest();

  it('sha256d64 of a 64-byte merkle node equals OpenSSL sha256d, also written in place', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.nat(40), (node, at) => {
        const buf = Buffer.alloc(at + 64);
        buf.set(node, at);
        const out = Buffer.alloc(32);
        sha256d64(buf, at, out, 0);
        expect(out.toString('hex')).toBe(opensslSha256d(node).toString('hex'));
        sha256d64(buf, at, buf, at); // out overlapping the input, as the merkle loop uses it
        expect(buf.subarray(at, at + 32).toString('hex')).toBe(opensslSha256d(node).toString('hex'));
      }),
    );
  });

  it('sha256dBranch climbs a branch with the leaf on the left, like OpenSSL level by level', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 14 }), (leaf, branch) => {
        let expected: Buffer = Buffer.from(leaf);
        for (const h of branch) expected = opensslSha256d(Buffer.concat([expected, h]));
        const out = Buffer.alloc(36);
        sha256dBranch(Buffer.concat([Buffer.alloc(3), leaf]), 3, hashWords(branch), out, 4);
        expect(out.subarray(4).toString('hex')).toBe(expected.toString('hex'));
      }),
    );
    expect(() => hashWords([Buffer.alloc(31)])).toThrow(RangeError);
  });

  it('Sha256dPrefix resumes any prefix with any suffix, repeatedly, like OpenSSL sha256d', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.uint8Array({ maxLength: 140 }), { minLength: 1, maxLength: 4 }), (prefix, suffixes) => {
        const p = new Sha256dPrefix(prefix);
        for (const suffix of suffixes) {
          const out = Buffer.alloc(40);
          p.digestInto(suffix, out, 8);
          expect(out.subarray(8).toString('hex')).toBe(opensslSha256d(Buffer.concat([prefix, suffix])).toString('hex'));
        }
      }),
    );
  });

  it('Sha256dPrefix at every tail length around the padding boundary (55/56/63/64 bytes used)', () => {
    for (let len = 40; len <= 140; len++) {
      const prefix = Buffer.alloc(len, 0xa5);
      const suffix = Buffer.from('0102030405060708deadbeef', 'hex');
      const out = Buffer.alloc(32);
      new Sha256dPrefix(prefix).digestInto(suffix, out);
      expect(out).toEqual(opensslSha256d(Buffer.concat([prefix, suffix])));
    }
  });

  it('a real block header: sha256d64 of its first 64 bytes is not the block hash, Sha256dPrefix of all 80 is', () => {
    // Bitcoin genesis block header (its hash is well known: 000000000019d6...e26f).
    const header = Buffer.from(
      '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c',
      'hex',
    );
    const out = Buffer.alloc(32);
    new Sha256dPrefix(header.subarray(0, 64)).digestInto(header.subarray(64), out);
    expect(hashToDisplayHex(out)).toBe('000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f');
  });
});

// ---------------------------------------------------------------------------------------------
// Real vectors: getwork midstates, Litecoin scrypt proof of work.

const loadJson = <T>(rel: string): T =>
  JSON.parse(readFileSync(new URL(`../fixtures/${rel}`, import.meta.url), 'utf8')) as T;

/** getwork's byte order: every 4-byte word reversed (docs/mining.md#connecting; the reference's `swap4`). */
const swap4 = swapWords32;

describe('getwork midstate (reference test_getwork.py, two real 2011 mainnet templates)', () => {
  const cases = loadJson<{ getwork_cases: { cases: { data: string; midstate: string; hash1: string }[] } }>(
    'p2pool-reference/repo_test_vectors.json',
  ).getwork_cases.cases;

  it('midstate = swap4(SHA-256 state after the first 64 header bytes)', () => {
    expect(cases).toHaveLength(2);
    for (const c of cases) {
      const data = Buffer.from(c.data, 'hex');
      expect(data.length).toBe(128);
      const header = swap4(data.subarray(0, 80));
      // The rest of `data` is SHA-256's own padding for an 80-byte message (0x80 .. length 640 bits).
      expect(swap4(data.subarray(80)).toString('hex')).toBe('80' + '00'.repeat(45) + '0280');
      const { midstate, tail } = sha256Midstate(header.subarray(0, 64));
      expect(midstate.length).toBe(64);
      expect(tail.length).toBe(0);
      expect(swap4(midstate.state).toString('hex')).toBe(c.midstate);
      // Resuming from it finishes the header's SHA-256 like a one-shot hash.
      expect(sha256Resume(midstate, header.subarray(64))).toEqual(sha256(header));
    }
  });
});

describe('Litecoin scrypt(1024,1,1) proof of work', () => {
  it('reference test_header_hash_litecoin (value computed independently, docs/sharechain.md#test-vectors)', () => {
    const v = loadJson<{
      litecoin_scrypt_header: {
        header: { version: number; previous_block: string; merkle_root: string; timestamp: number; bits: string; nonce: number };
        'header_serialized_hex(computed)': string;
        'scrypt_pow_hash(computed by this report, not in repo)': string;
      };
    }>('p2pool-reference/repo_test_vectors.json').litecoin_scrypt_header;
    const h = v.header;
    const header = Buffer.alloc(80);
    header.writeUInt32LE(h.version, 0);
    displayHexToHash(h.previous_block).copy(header, 4);
    displayHexToHash(h.merkle_root).copy(header, 36);
    header.writeUInt32LE(h.timestamp, 68);
    header.writeUInt32LE(parseInt(h.bits, 16), 72);
    header.writeUInt32LE(h.nonce, 76);
    expect(header.toString('hex')).toBe(v['header_serialized_hex(computed)']);
    const pow = scryptPow(header);
    expect(hashToDisplayHex(pow)).toBe(v['scrypt_pow_hash(computed by this report, not in repo)']);
    expect(hashToDisplayHex(pow)).toBe('00000001312dc20ce5aa3ee622f5562dfb2593ec51436aab739ef0d02189e18f');
    // The reference test's own assertion: POW < 2**256 // 2**30.
    expect(hashToBigInt(pow) < 2n ** 256n / 2n ** 30n).toBe(true);
  });

  it("Litecoin Core's scrypt_tests.cpp vectors and mainnet headers (litecoin.json headers[])", () => {
    const headers = loadJson<{ headers: { name: string; header_hex: string; block_hash: string; scrypt_pow_hash: string }[] }>(
      'litecoin/litecoin.json',
    ).headers;
    expect(headers.filter((h) => h.name.startsWith('litecoin_core_scrypt_test_'))).toHaveLength(5);
    for (const h of headers) {
      const bytes = Buffer.from(h.header_hex, 'hex');
      expect(bytes.length).toBe(80);
      expect(hashToDisplayHex(scryptPow(bytes))).toBe(h.scrypt_pow_hash);
      expect(hashToDisplayHex(sha256d(bytes))).toBe(h.block_hash);
    }
  });
});
