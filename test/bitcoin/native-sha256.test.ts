import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { hashWords, jsSha256, sha256, sha256d, sha256d64, sha256dBranch, Sha256dPrefix, sha256Midstate, sha256Resume } from '../../src/bitcoin/hash.js';
import { hashToDisplayHex } from '../../src/bitcoin/hex.js';
import { describeWith, nativeAddonNeed } from '../support/external.js';
import { NATIVE_ADDON, nativeSha256, sha256Implementation, type NativeBackend, type NativeSha256, type Sha256Ops } from '../../src/bitcoin/native-sha256.js';

// Expected values come from node:crypto (OpenSSL), which shares no code with either of ours, and
// from published vectors.
const opensslSha256 = (d: Uint8Array): Buffer => createHash('sha256').update(d).digest();
const opensslSha256d = (d: Uint8Array): Buffer => opensslSha256(opensslSha256(d));

const root = fileURLToPath(new URL('../../', import.meta.url));

/** SHA-256 H(0) (FIPS 180-4 §5.3.3), as the int32 state words our code keeps. */
const h0 = (): Int32Array => Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);

/** Message lengths that put the padding at every boundary (55/56/63/64 bytes in the last block), and any length up to 300. */
const messageLength = fc.oneof(fc.constantFrom(0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 183, 184, 191, 192), fc.nat(300));

/** `data` placed at a random offset inside a larger buffer: the offset handling is under test too. */
const placed = (data: Uint8Array, at: number): Buffer => {
  const buf = Buffer.alloc(at + data.length + 7, 0xee);
  buf.set(data, at);
  return buf;
};

describe('the native addon is present where it must be', () => {
  it('CI builds the addon, so there it must load (fail, not skip)', () => {
    if (process.env.CI) expect(nativeSha256, sha256Implementation()).not.toBeNull();
    expect(sha256Implementation()).toMatch(nativeSha256 === null ? /^JavaScript \(.+\)$/ : /^native, (SHA-NI|portable C)$/);
  });

  it('P2POOL_NATIVE=0 makes a fresh process use JavaScript, and says why', () => {
    const code = "import('./src/bitcoin/native-sha256.ts').then((m) => console.log(m.sha256Implementation(), m.nativeSha256 === null))";
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], {
      cwd: root,
      env: { ...process.env, P2POOL_NATIVE: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stdout.trim(), run.stderr).toBe('JavaScript (P2POOL_NATIVE=0) true');
  }, 90_000);
});

describeWith(nativeAddonNeed, 'native SHA-256 against JavaScript and OpenSSL', () => {
  const native = nativeSha256 as NativeSha256;
  const initial = native?.backend();
  // Both compressions are checked on a SHA-NI machine (the portable one is what other CPUs run).
  const backends: NativeBackend[] = initial === 'SHA-NI' ? ['SHA-NI', 'portable C'] : ['portable C'];
  afterEach(() => native.useBackend(initial!));

  const nativeHash = (fn: 'sha256' | 'sha256d', data: Uint8Array): Buffer => {
    const out = Buffer.alloc(32);
    native[fn](data, 0, data.length, out, 0);
    return out;
  };

  describe.each(backends)('%s', (backend) => {
    const use = (): void => native.useBackend(backend);

    it('FIPS 180-4 / NIST CSRC example vectors', () => {
      use();
      expect(native.backend()).toBe(backend);
      const vectors: [string | Buffer, string][] = [
        ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
        ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
        ['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1'],
        [
          'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
          'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
        ],
        [Buffer.alloc(1_000_000, 'a'), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
      ];
      for (const [msg, digest] of vectors) expect(nativeHash('sha256', Buffer.from(msg)).toString('hex')).toBe(digest);
    });

    it("Bitcoin's genesis header: sha256d, the header resumed from its first 64 bytes, and its merkle root as a 0-level branch", () => {
      use();
      const header = Buffer.from(
        '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c',
        'hex',
      );
      const genesis = '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f';
      expect(hashToDisplayHex(nativeHash('sha256d', header))).toBe(genesis);
      const state = h0();
      native.compress(state, header, 0, 1);
      const out = Buffer.alloc(32);
      native.sha256dResume(state, 64, header.subarray(64, 70), header.subarray(70), out, 0);
      expect(hashToDisplayHex(out)).toBe(genesis);
      // One transaction: the root is the coinbase txid itself.
      native.sha256dBranch(header, 36, new Int32Array(0), out, 0);
      expect(hashToDisplayHex(out)).toBe('4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b');
    });

    it('sha256 and sha256d of any message at any offset equal OpenSSL', () => {
      use();
      fc.assert(
        fc.property(messageLength, fc.nat(70), fc.nat(40), fc.integer(), (len, at, outAt, seed) => {
          const msg = Buffer.alloc(len);
          for (let i = 0; i < len; i++) msg[i] = (seed + i * 131) >>> 3;
          const buf = placed(msg, at);
          const out = Buffer.alloc(outAt + 32);
          native.sha256(buf, at, len, out, outAt);
          expect(out.subarray(outAt).toString('hex')).toBe(opensslSha256(msg).toString('hex'));
          native.sha256d(buf, at, len, out, outAt);
          expect(out.subarray(outAt).toString('hex')).toBe(opensslSha256d(msg).toString('hex'));
          // In place: the digest overwrites the start of its own message.
          if (len >= 32) {
            native.sha256d(buf, at, len, buf, at);
            expect(buf.subarray(at, at + 32).toString('hex')).toBe(opensslSha256d(msg).toString('hex'));
          }
        }),
        { numRuns: 300 },
      );
    });

    it('sha256d64 equals the JavaScript one and OpenSSL, also written over its input', () => {
      use();
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.nat(50), (node, at) => {
          const expected = opensslSha256d(node).toString('hex');
          const buf = placed(node, at);
          const nat = Buffer.alloc(32);
          const js = Buffer.alloc(32);
          native.sha256d64(buf, at, nat, 0);
          jsSha256.sha256d64(buf, at, js, 0);
          expect(nat.toString('hex')).toBe(expected);
          expect(js.toString('hex')).toBe(expected);
          native.sha256d64(buf, at, buf, at + 16);
          expect(buf.subarray(at + 16, at + 48).toString('hex')).toBe(expected);
        }),
      );
    });

    it('the merkle branch climb (0..20 levels) equals the JavaScript one and OpenSSL level by level', () => {
      use();
      const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
      fc.assert(
        fc.property(hash32, fc.array(hash32, { maxLength: 20 }), fc.nat(40), fc.nat(40), (leaf, branch, at, outAt) => {
          let expected: Buffer = Buffer.from(leaf);
          for (const h of branch) expected = opensslSha256d(Buffer.concat([expected, h]));
          const words = hashWords(branch);
          const buf = placed(leaf, at);
          for (const ops of [native, jsSha256] as Sha256Ops[]) {
            const out = Buffer.alloc(outAt + 32);
            ops.sha256dBranch(buf, at, words, out, outAt);
            expect(out.subarray(outAt).toString('hex')).toBe(expected.toString('hex'));
          }
        }),
      );
    });

    it('the merkle link climb with any index (each level\'s side from its bit) equals the JavaScript one and OpenSSL, also written over its leaf', () => {
      use();
      const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
      fc.assert(
        fc.property(hash32, fc.array(hash32, { maxLength: 20 }), fc.nat(), fc.nat(40), (leaf, branch, seed, at) => {
          // Any index that fits the branch, up to 2**20 - 1: every mix of left and right.
          const index = branch.length === 0 ? 0 : seed % 2 ** branch.length;
          let expected: Buffer = Buffer.from(leaf);
          branch.forEach((h, level) => {
            const left = Math.floor(index / 2 ** level) % 2 === 1;
            expected = opensslSha256d(Buffer.concat(left ? [h, expected] : [expected, h]));
          });
          const words = hashWords(branch);
          for (const ops of [native, jsSha256] as Sha256Ops[]) {
            const buf = placed(leaf, at);
            const out = Buffer.alloc(32);
            ops.sha256dBranch(buf, at, words, out, 0, index);
            expect(out.toString('hex')).toBe(expected.toString('hex'));
            ops.sha256dBranch(buf, at, words, buf, at, index);
            expect(buf.subarray(at, at + 32).toString('hex')).toBe(expected.toString('hex'));
          }
        }),
      );
      // An index past 32 bits: the level 40 bit decides level 40 (no 32-bit truncation).
      const branch = Array.from({ length: 41 }, (_, i) => Buffer.alloc(32, i + 1));
      const leaf = Buffer.alloc(32, 0xee);
      const index = 2 ** 40 + 5;
      let expected: Buffer = leaf;
      branch.forEach((h, level) => {
        const left = Math.floor(index / 2 ** level) % 2 === 1;
        expected = opensslSha256d(Buffer.concat(left ? [h, expected] : [expected, h]));
      });
      for (const ops of [native, jsSha256] as Sha256Ops[]) {
        const out = Buffer.alloc(32);
        ops.sha256dBranch(leaf, 0, hashWords(branch), out, 0, index);
        expect(out.equals(expected)).toBe(true);
      }
    });

    it('compress + resume (Sha256dPrefix) equals the JavaScript one and OpenSSL for any split', () => {
      use();
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 140 }), fc.nat(30), (prefix, suffix, at) => {
          const expected = opensslSha256d(Buffer.concat([prefix, suffix])).toString('hex');
          const blocks = Math.floor(prefix.length / 64);
          const buf = placed(prefix, at);
          for (const ops of [native, jsSha256] as Sha256Ops[]) {
            const state = h0();
            ops.compress(state, buf, at, blocks);
            const out = Buffer.alloc(32);
            ops.sha256dResume(state, blocks * 64, prefix.subarray(blocks * 64), suffix, out, 0);
            expect(out.toString('hex')).toBe(expected);
          }
        }),
      );
    });

    it('compress takes Int32Array and Uint32Array states alike, like the JavaScript one', () => {
      use();
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 192, maxLength: 192 }), fc.array(fc.integer(), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 3 }), (data, words, blocks) => {
          const a = Int32Array.from(words);
          const b = Uint32Array.from(words.map((w) => w >>> 0));
          const c = Int32Array.from(words);
          native.compress(a, data, 0, blocks);
          native.compress(b, data, 0, blocks);
          jsSha256.compress(c, data, 0, blocks);
          expect(Array.from(a)).toEqual(Array.from(c));
          expect(Array.from(b, (w) => w | 0)).toEqual(Array.from(c));
        }),
      );
    });
  });

  it("hash.ts's exported functions agree with OpenSSL on both sides of the native/OpenSSL length cut", () => {
    for (const len of [0, 32, 64, 80, 255, 256, 257, 4095, 4096, 4097, 9000]) {
      const msg = Buffer.alloc(len, len & 0xff);
      expect(sha256(msg)).toEqual(opensslSha256(msg));
      expect(sha256d(msg)).toEqual(opensslSha256d(msg));
      const { midstate, tail } = sha256Midstate(msg);
      expect(sha256Resume(midstate, tail)).toEqual(opensslSha256(msg));
      const out = Buffer.alloc(32);
      new Sha256dPrefix(msg).digestInto(Buffer.from('nonce'), out);
      expect(out).toEqual(opensslSha256d(Buffer.concat([msg, Buffer.from('nonce')])));
    }
    const node = Buffer.alloc(64, 9);
    const out = Buffer.alloc(32);
    sha256d64(node, 0, out, 0);
    expect(out).toEqual(opensslSha256d(node));
    sha256dBranch(node, 0, hashWords([node.subarray(32)]), out, 0);
    expect(out).toEqual(opensslSha256d(node));
  });

  describe('argument validation: a bad call throws and touches nothing', () => {
    const SENTINEL = 0x5a;
    const out = (n = 32): Buffer => Buffer.alloc(n, SENTINEL);
    const untouched = (b: Buffer): boolean => b.every((x) => x === SENTINEL);
    const bytes = Buffer.alloc(100, 1);
    const call = (f: () => void): unknown => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return null;
    };
    const anyNative = native as unknown as Record<string, (...args: unknown[]) => unknown>;

    it('wrong types are TypeErrors', () => {
      const o = out();
      const cases: [string, unknown[]][] = [
        ['sha256d64', ['not bytes', 0, o, 0]],
        ['sha256d64', [new Int32Array(16), 0, o, 0]],
        ['sha256d64', [new Float64Array(8), 0, o, 0]],
        ['sha256d64', [bytes, '0', o, 0]],
        ['sha256d64', [bytes, 0, o]],
        ['sha256d64', [bytes, 0, [0, 0, 0], 0]],
        ['sha256d64', [bytes, 0, new DataView(o.buffer, o.byteOffset, 32), 0]],
        ['sha256dBranch', [bytes, 0, bytes, o, 0]],
        ['sha256dBranch', [bytes, 0, [1, 2, 3, 4, 5, 6, 7, 8], o, 0]],
        ['sha256dBranch', [bytes, 0, new Int32Array(8), o, 0, '1']],
        ['sha256dBranch', [bytes, 0, new Int32Array(8), o, 0, null]],
        ['sha256', [bytes, 0, 10n, o, 0]],
        ['sha256d', [null, 0, 0, o, 0]],
        ['sha256dResume', [new Uint8Array(32), 0, bytes, bytes, o, 0]],
        ['sha256dResume', [h0(), 0, 'tail', bytes, o, 0]],
        ['compress', [h0(), bytes, 0]],
        ['compress', [{ length: 8 }, bytes, 0, 1]],
        ['useBackend', [42]],
      ];
      for (const [fn, args] of cases) {
        const e = call(() => anyNative[fn]!(...args));
        expect(e, `${fn}(${args.map(String).join(', ')})`).toBeInstanceOf(TypeError);
      }
      expect(untouched(o)).toBe(true);
    });

    it('short buffers and offsets or lengths past the end are RangeErrors', () => {
      const o = out();
      const cases: [string, unknown[]][] = [
        ['sha256d64', [Buffer.alloc(63), 0, o, 0]],
        ['sha256d64', [bytes, 37, o, 0]],
        ['sha256d64', [bytes, -1, o, 0]],
        ['sha256d64', [bytes, 0.5, o, 0]],
        ['sha256d64', [bytes, NaN, o, 0]],
        ['sha256d64', [bytes, Infinity, o, 0]],
        ['sha256d64', [bytes, 2 ** 64, o, 0]],
        ['sha256d64', [bytes, 0, Buffer.alloc(31), 0]],
        ['sha256d64', [bytes, 0, o, 1]],
        ['sha256dBranch', [bytes, 69, new Int32Array(8), o, 0]],
        ['sha256dBranch', [bytes, 0, new Int32Array(7), o, 0]],
        ['sha256dBranch', [bytes, 0, new Int32Array(8), o, 33]],
        ['sha256dBranch', [bytes, 0, new Int32Array(8), o, 0, -1]],
        ['sha256dBranch', [bytes, 0, new Int32Array(8), o, 0, 0.5]],
        ['sha256dBranch', [bytes, 0, new Int32Array(8), o, 0, 2 ** 53]],
        ['sha256', [bytes, 101, 0, o, 0]],
        ['sha256', [bytes, 50, 51, o, 0]],
        ['sha256d', [bytes, 0, 101, o, 0]],
        ['sha256d', [bytes, 0, -1, o, 0]],
        ['sha256dResume', [new Int32Array(7), 0, bytes, bytes, o, 0]],
        ['sha256dResume', [h0(), 63, bytes, bytes, o, 0]],
        ['sha256dResume', [h0(), -64, bytes, bytes, o, 0]],
        ['sha256dResume', [h0(), 2 ** 60, bytes, bytes, o, 0]],
        ['sha256dResume', [h0(), 0, bytes, bytes, o, 2]],
        ['compress', [new Int32Array(9), bytes, 0, 1]],
        ['compress', [h0(), bytes, 0, 2]],
        ['compress', [h0(), bytes, 37, 1]],
        ['compress', [h0(), bytes, 101, 0]],
        ['useBackend', ['AVX2']],
      ];
      for (const [fn, args] of cases) {
        const e = call(() => anyNative[fn]!(...args));
        expect(e, `${fn}(${args.map(String).join(', ')})`).toBeInstanceOf(RangeError);
      }
      expect(untouched(o)).toBe(true);
    });

    it('arbitrary arguments either hash into bounds or throw a TypeError/RangeError', () => {
      const arg = fc.oneof(
        fc.integer({ min: -2, max: 140 }),
        fc.double(),
        fc.constantFrom(undefined, null, 'x', 1n, {}),
        fc.nat(140).map((n) => Buffer.alloc(n, SENTINEL)),
        fc.nat(20).map((n) => new Int32Array(n)),
      );
      const fns = ['compress', 'sha256d64', 'sha256dBranch', 'sha256', 'sha256d', 'sha256dResume'];
      fc.assert(
        fc.property(fc.constantFrom(...fns), fc.array(arg, { maxLength: 7 }), (fn, args) => {
          const e = call(() => anyNative[fn]!(...args));
          if (e !== null) expect(e instanceof TypeError || e instanceof RangeError, String(e)).toBe(true);
        }),
        { numRuns: 2000 },
      );
    });
  });

  it('loads in a worker thread too, each thread with its own backend choice', async () => {
    native.useBackend('portable C');
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const addon = require(${JSON.stringify(`${root}${NATIVE_ADDON}`)});
       const out = Buffer.alloc(32);
       addon.sha256d(Buffer.from('abc'), 0, 3, out, 0);
       parentPort.postMessage([addon.backend(), out.toString('hex')]);`,
      { eval: true },
    );
    try {
      const [backend, digest] = await new Promise<[string, string]>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      expect(backend).toBe(initial);
      expect(digest).toBe(opensslSha256d(Buffer.from('abc')).toString('hex'));
      expect(native.backend()).toBe('portable C');
    } finally {
      await worker.terminate();
    }
  });
});
