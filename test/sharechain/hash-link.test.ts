import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sha256d } from '../../src/bitcoin/hash.js';
import { toHex } from '../../src/bitcoin/hex.js';
import { GENTX_BEFORE_REFHASH } from '../../src/sharechain/coinbase-layout.js';
import { checkHashLink, prefixToHashLink } from '../../src/sharechain/hash-link.js';
import { loadFixture } from './fixtures.js';

describe('hash_link', () => {
  it("the ORIG v17 shares' hash_links are the midstates of their gentx prefixes", () => {
    for (const f of loadFixture('orig_v17_generated.json').shares) {
      const stripped = Buffer.from(f.gentx_stripped_hex, 'hex');
      const link = prefixToHashLink(stripped.subarray(0, stripped.length - 44), GENTX_BEFORE_REFHASH);
      expect(link.length).toBe(f.hash_link!.length);
      expect(toHex(link.state)).toBe(f.hash_link!.state);
      expect(link.extraData.length).toBe(0);
      expect(checkHashLink(link, stripped.subarray(stripped.length - 44), GENTX_BEFORE_REFHASH).equals(sha256d(stripped))).toBe(true);
    }
  });

  it('resuming gives sha256d of the whole message, with and without a constant ending', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 100 }), fc.nat(90), (body, data, endLen) => {
        const prefix = Buffer.from(body);
        const ending = prefix.subarray(Math.max(0, prefix.length - endLen));
        const link = prefixToHashLink(prefix, ending);
        const whole = Buffer.concat([prefix, data]);
        expect(checkHashLink(link, data, ending).equals(sha256d(whole))).toBe(true);
        expect(checkHashLink(prefixToHashLink(prefix), data).equals(sha256d(whole))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('a prefix that does not end with the constant is refused', () => {
    expect(() => prefixToHashLink(Buffer.from('0102', 'hex'), Buffer.from('03', 'hex'))).toThrow(RangeError);
  });
});
