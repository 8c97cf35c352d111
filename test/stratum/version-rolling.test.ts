import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyVersionBits, bitCount, negotiateVersionMask, POOL_VERSION_MASK } from '../../src/stratum/version-rolling.js';

describe('BIP310 version rolling', () => {
  it('negotiates the pool mask AND the miner mask (the reference answers 1fffe000 to ffffffff)', () => {
    expect(negotiateVersionMask(0xffffffff)).toBe(0x1fffe000);
    expect(negotiateVersionMask(0x00ffff00)).toBe(0x00ffe000);
    expect(bitCount(POOL_VERSION_MASK)).toBe(16);
  });

  it('applies (job & ~mask) | (bits & mask), keeping job bits inside the mask when bits clear them', () => {
    // Regtest signals with 0x30000000 from height 144: bit 28 is inside the mask.
    const job = 0x30000000;
    const mask = 0x1fffe000;
    expect(applyVersionBits(job, 0x00002000, mask)).toBe(0x20002000);
    expect(applyVersionBits(job, 0x10000000, mask)).toBe(0x30000000);
  });

  it('rejects bits outside the mask', () => {
    expect(applyVersionBits(0x20000000, 0x00001000, 0x1fffe000)).toBeNull();
    expect(applyVersionBits(0x20000000, 0x40000000, 0x1fffe000)).toBeNull();
  });

  it('never changes bits outside the mask', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), (job, bits) => {
        const v = applyVersionBits(job, bits & POOL_VERSION_MASK, POOL_VERSION_MASK);
        expect(v).not.toBeNull();
        expect((v! & ~POOL_VERSION_MASK) >>> 0).toBe((job & ~POOL_VERSION_MASK) >>> 0);
        expect((v! & POOL_VERSION_MASK) >>> 0).toBe((bits & POOL_VERSION_MASK) >>> 0);
      }),
    );
  });
});
