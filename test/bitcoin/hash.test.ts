import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { sha256, sha256d, sha256Midstate, sha256Resume } from '../../src/bitcoin/hash.js';

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
