/**
 * The fair share's wire format (docs/fair-sharechain.md#wire-format): round trips of arbitrary
 * contents, the hard limits, and the intrinsic rules of #validation (steps 1-12), each accepted
 * and rejected with its reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../../src/bitcoin/errors.js';
import { decodeFairContents, encodeFairContents, encodeFairShareInfo } from '../../../src/sharechain/fair/codec.js';
import { getFairNetwork } from '../../../src/sharechain/fair/networks.js';
import { decodeFairShare, encodeFairShare, fairShareFromContents, InvalidShare } from '../../../src/sharechain/fair/share.js';
import type { FairShareContents } from '../../../src/sharechain/fair/types.js';
import { encodeShareWrapper } from '../../../src/sharechain/share-codec.js';
import { FairTestChain, testScript } from '../../support/fair-chain-builder.js';

const net = getFairNetwork('regtest-fair');
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => Buffer.from(a));
const nonZeroHash = hash32.filter((h) => h.some((b) => b !== 0));
const u32 = fc.integer({ min: 0, max: 0xffffffff });

const contentsArb: fc.Arbitrary<FairShareContents> = fc.record({
  header: fc.record({ version: u32, prevBlock: hash32, timestamp: u32, bits: u32, nonce: u32 }),
  info: fc.record({
    prevShare: fc.option(nonZeroHash, { nil: null }),
    coinbase: fc.uint8Array({ maxLength: 255 }).map((a) => Buffer.from(a)),
    payoutScript: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    subsidy: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    timestamp: u32, shareBits: u32, linkBits: u32, floorBits: u32, height: u32,
    maxOutputs: fc.integer({ min: 0, max: 0xffff }),
    refs: fc.array(hash32, { maxLength: 70 }),
    wtxidRoot: hash32,
  }),
  merkleBranch: fc.array(hash32, { maxLength: 32 }),
  lastTxoutNonce: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  hashLink: fc.record({
    state: hash32,
    extraData: fc.uint8Array({ maxLength: 63 }).map((a) => Buffer.from(a)),
    length: fc.integer({ min: 0, max: 1_000_000 }),
  }),
});

describe('fair share codec', () => {
  it('decode(encode(x)) = x and encode(decode(b)) = b for arbitrary contents', () => {
    fc.assert(
      fc.property(contentsArb, (c) => {
        const bytes = encodeFairContents(c);
        const { contents, infoBytes } = decodeFairContents(bytes);
        expect(contents).toEqual(c);
        expect(infoBytes.equals(encodeFairShareInfo(c.info))).toBe(true);
        expect(encodeFairContents(contents).equals(bytes)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects truncation, trailing bytes, oversize lists and non-canonical sizes with DecodeError', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1);
    const raw = g.raw;
    const contents = raw.subarray(2); // type 64 (1 byte) + length (1 byte: < 253)
    expect(() => decodeFairContents(contents.subarray(0, contents.length - 1))).toThrow(DecodeError);
    expect(() => decodeFairContents(Buffer.concat([contents, Buffer.of(0)]))).toThrow(/trailing/);
    const { contents: c } = decodeFairContents(contents);
    // 256 refs: above the decode limit, refused from the count.
    const many = encodeFairContents({ ...c, info: { ...c.info, refs: [] } });
    const at = 48 + 32 + 1 + c.info.coinbase.length + 1 + c.info.payoutScript.length + 8 + 20 + 2; // refs count offset (after the u16 max_outputs)
    expect(many[at]).toBe(0);
    const bad = Buffer.concat([many.subarray(0, at), Buffer.from('fd0001', 'hex'), many.subarray(at + 1)]);
    expect(() => decodeFairContents(bad)).toThrow(/exceeds limit 255/);
    const nonCanonical = Buffer.concat([many.subarray(0, at), Buffer.from('fd0000', 'hex'), many.subarray(at + 1)]);
    expect(() => decodeFairContents(nonCanonical)).toThrow(/non-canonical/);
  });

  it('a decoded share re-encodes to its bytes; the wrapper type must be the network version', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1);
    const d = decodeFairShare(g.raw, net);
    expect(d.hash).toBe(g.hash);
    expect(encodeFairShare(d, net).equals(g.raw)).toBe(true);
    expect(() => decodeFairShare(encodeShareWrapper(35, g.raw.subarray(2)), net)).toThrow(/share version 35 is not regtest-fair's version 64/);
  });
});

describe('intrinsic rules (docs/fair-sharechain.md#validation, steps 2-12)', () => {
  const chain = new FairTestChain(net);
  const genesis = chain.link(null, 1);
  const link = chain.link(genesis.hash, 2);
  const sub = chain.sub(link.hash, 3);
  const base = decodeFairShare(sub.raw, net);
  const mutate = (f: (c: FairShareContents) => void): FairShareContents => {
    const c: FairShareContents = structuredClone({ header: base.header, info: base.info, merkleBranch: base.merkleBranch, lastTxoutNonce: base.lastTxoutNonce, hashLink: base.hashLink });
    for (const k of ['prevBlock'] as const) c.header[k] = Buffer.from(c.header[k]);
    c.info = { ...c.info, prevShare: base.info.prevShare, coinbase: base.info.coinbase, payoutScript: base.info.payoutScript, refs: [...base.info.refs], wtxidRoot: base.info.wtxidRoot };
    c.hashLink = { ...base.hashLink };
    f(c);
    return c;
  };
  const reason = (c: FairShareContents): string => {
    try {
      fairShareFromContents(c, net);
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidShare);
      return (e as InvalidShare).reason;
    }
    return 'accepted';
  };

  it('the unchanged share passes; a taproot payee is payable', () => {
    expect(reason(mutate(() => {}))).toBe('accepted');
    expect(base.info.payoutScript.subarray(0, 2).toString('hex')).toBe('0014');
    const tr = chain.add({ parent: link.hash, payoutScript: testScript(9, 'p2tr'), kind: 'sub-share' });
    expect(tr.payee.startsWith('5120')).toBe(true);
  });

  it.each<[string, (c: FairShareContents) => void, RegExp]>([
    ['coinbase of 1 byte', (c) => (c.info.coinbase = Buffer.of(1)), /bad coinbase size: 1 bytes/],
    ['coinbase of 101 bytes', (c) => (c.info.coinbase = Buffer.alloc(101, 1)), /bad coinbase size: 101/],
    ['bare multisig payee', (c) => (c.info.payoutScript = Buffer.from('5121' + '02'.repeat(33) + '51ae', 'hex')), /is nonstandard/],
    ['P2PK payee', (c) => (c.info.payoutScript = Buffer.from('21' + '02'.repeat(33) + 'ac', 'hex')), /is p2pk, not one of/],
    ['witness v2 payee', (c) => (c.info.payoutScript = Buffer.from('5220' + '11'.repeat(32), 'hex')), /witness_unknown/],
    ['subsidy above 21M coins', (c) => (c.info.subsidy = 21_000_000 * 100_000_000 + 1), /above 21,000,000 coins/],
    ['max_outputs not a class', (c) => (c.info.maxOutputs = 12), /max_outputs 12 is not one of 11, 46, 145, 200, 1000/],
    ['61 refs', (c) => (c.info.refs = Array.from({ length: 61 }, (_, i) => Buffer.alloc(32, i + 1))), /61 refs, more than 60/],
    ['refs out of order', (c) => (c.info.refs = [Buffer.alloc(32, 2), Buffer.alloc(32, 1)]), /not strictly ascending at 1/],
    ['a duplicate ref', (c) => (c.info.refs = [Buffer.alloc(32, 2), Buffer.alloc(32, 2)]), /not strictly ascending/],
    ['the zero hash as ref', (c) => (c.info.refs = [Buffer.alloc(32)]), /ref 0 is the zero hash/],
    ['the parent as ref', (c) => (c.info.refs = [Buffer.from(c.info.prevShare!)]), /the parent is also a ref/],
    ['non-canonical share_bits', (c) => (c.info.shareBits = 0x21000100), /share_bits 21000100 is not a canonical/],
    ['zero link_bits', (c) => (c.info.linkBits = 0), /link_bits 00000000 is not a canonical/],
    ['link target above the maximum', (c) => (c.info.linkBits = 0x2100ffff), /link target above the network maximum/],
    ['own target harder than the link', (c) => (c.info.shareBits = 0x1f00ffff), /share target harder than the link target/],
    ['own target easier than the floor', (c) => (c.info.floorBits = 0x2000ffff), /easier than the floor target/],
    ['height 0', (c) => (c.info.height = 0), /height 0 impossible/],
    ['a first share at height 2', (c) => ((c.info.prevShare = null), (c.info.height = 2)), /must be 1/],
    ['hash_link extra_data of the wrong length', (c) => (c.hashLink.extraData = Buffer.alloc(c.hashLink.extraData.length + 1)), /bad hash_link/],
    ['hash_link shorter than its constant', (c) => ((c.hashLink.length = 5), (c.hashLink.extraData = Buffer.alloc(0))), /bad hash_link/],
  ])('rejects %s', (_what, f, re) => {
    expect(reason(mutate(f))).toMatch(re);
  });

  it('PoW above the own target is refused (a nonce that misses it)', () => {
    for (let n = 0; n < 200; n++) {
      const c = mutate((x) => {
        x.header.nonce = n;
        x.info.shareBits = 0x1f0fffff; // one hash in ~4096 meets it
        x.info.linkBits = 0x1f0fffff;
      });
      const r = reason(c);
      if (r !== 'accepted') {
        expect(r).toMatch(/share PoW invalid/);
        return;
      }
    }
    throw new Error('no nonce missed a 1/4096 target in 200 tries');
  });
});
