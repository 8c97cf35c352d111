/**
 * The optional native SHA-256 addon (native/, built by scripts/build-native.mjs during
 * `npm install`; docs/operations.md "Native SHA-256"). Stratum's submit path spends most of its
 * JavaScript time in SHA-256 compressions (coinbase midstate, merkle branch, header): the
 * addon does each in one call, with the CPU's SHA extensions where it has them. Like bcoin's
 * bcrypto, it is a backend, not a requirement: when it is missing, fails to load, fails its
 * self-test, or `P2POOL_NATIVE=0` is set, `nativeSha256` is null and hash.ts keeps its
 * JavaScript code.
 */
import { hash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { findPackageRoot } from './package-root.js';

/**
 * What hash.ts hands to either implementation (native, or its own JavaScript). Buffers are
 * caller-given, outputs are 32 bytes at `out[outOffset..]` and may overlap any input; state and
 * branch words are big-endian SHA-256 words held as int32 (hashWords).
 */
export interface Sha256Ops {
  /** Compress `blocks` 64-byte blocks at `data[offset..]` into `state` (8 words, in place). */
  compress(state: Int32Array | Uint32Array, data: Uint8Array, offset: number, blocks: number): void;
  /** sha256d of the 64 bytes at `src[srcOffset..]` (one merkle node). */
  sha256d64(src: Uint8Array, srcOffset: number, out: Uint8Array, outOffset: number): void;
  /**
   * Merkle branch climb (hash.ts sha256dBranch, sha256dLink): bit i of `index` set puts level
   * i's branch hash on the left; without an index the running hash stays on the left.
   */
  sha256dBranch(leaf: Uint8Array, leafOffset: number, branch: Int32Array, out: Uint8Array, outOffset: number, index?: number): void;
  /** sha256d of (the `done` bytes in `state`) ‖ tail ‖ suffix; `done` is a multiple of 64. */
  sha256dResume(state: Int32Array, done: number, tail: Uint8Array, suffix: Uint8Array, out: Uint8Array, outOffset: number): void;
}

export type NativeBackend = 'SHA-NI' | 'portable C';

/** The addon's exports (native/binding.c). */
export interface NativeSha256 extends Sha256Ops {
  sha256(data: Uint8Array, offset: number, length: number, out: Uint8Array, outOffset: number): void;
  sha256d(data: Uint8Array, offset: number, length: number, out: Uint8Array, outOffset: number): void;
  /** The compression in use in this thread. */
  backend(): NativeBackend;
  /** Switch this thread's compression (tests cover both on a SHA-NI machine). */
  useBackend(name: NativeBackend): void;
}

/** Where the build puts the addon, relative to the package root (native/binding.gyp's target). */
export const NATIVE_ADDON = join('native', 'build', 'Release', 'p2pool_sha256.node');

const FUNCTIONS = ['compress', 'sha256d64', 'sha256dBranch', 'sha256', 'sha256d', 'sha256dResume', 'backend', 'useBackend'] as const;

/**
 * A known answer before first use, like OpenSSL's power-on self-test: sha256d of 64 bytes and
 * of an 80-byte header, a resumed header, and a two-level merkle link with its branch hash on
 * the left at the second level, against node:crypto. A miscompiled or foreign addon is refused,
 * not trusted with every share; so is one built before sha256dBranch took an index (it would
 * ignore it).
 */
function selfTest(addon: NativeSha256): boolean {
  const oneShot = (d: Uint8Array): Buffer => hash('sha256', hash('sha256', d, 'buffer'), 'buffer');
  const data = Buffer.alloc(144);
  for (let i = 0; i < data.length; i++) data[i] = (i * 73 + 11) & 0xff;
  const out = Buffer.alloc(32);
  addon.sha256d64(data, 0, out, 0);
  if (!out.equals(oneShot(data.subarray(0, 64)))) return false;
  addon.sha256d(data, 1, 80, out, 0);
  if (!out.equals(oneShot(data.subarray(1, 81)))) return false;
  // H(0), FIPS 180-4 §5.3.3 (hash.ts, which holds it, imports this file).
  const state = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
  addon.compress(state, data, 0, 1);
  addon.sha256dResume(state, 64, data.subarray(64, 70), data.subarray(70, 80), out, 0);
  if (!out.equals(oneShot(data.subarray(0, 80)))) return false;
  // Leaf data[0..32), branch data[32..64) then data[64..96), index 2: sha256d(b1 || sha256d(leaf || b0)).
  const words = new Int32Array(16);
  for (let i = 0; i < 16; i++) words[i] = data.readInt32BE(32 + 4 * i);
  addon.sha256dBranch(data, 0, words, out, 0, 2);
  const level0 = oneShot(data.subarray(0, 64));
  return out.equals(oneShot(Buffer.concat([data.subarray(64, 96), level0])));
}

function load(): { addon: NativeSha256 | null; why: string } {
  if (process.env.P2POOL_NATIVE === '0') return { addon: null, why: 'P2POOL_NATIVE=0' };
  const root = findPackageRoot()?.dir ?? null;
  const file = root === null ? null : join(root, NATIVE_ADDON);
  if (file === null || !existsSync(file)) return { addon: null, why: `${NATIVE_ADDON} not built` };
  try {
    const addon = createRequire(import.meta.url)(file) as Partial<NativeSha256> | null;
    if (addon === null || typeof addon !== 'object' || FUNCTIONS.some((f) => typeof addon[f] !== 'function')) {
      return { addon: null, why: `${NATIVE_ADDON} is not this project's addon` };
    }
    if (!selfTest(addon as NativeSha256)) return { addon: null, why: `${NATIVE_ADDON} failed its self-test (built from older or broken sources: rebuild it with \`node scripts/build-native.mjs\`)` };
    return { addon: addon as NativeSha256, why: '' };
  } catch (e) {
    return { addon: null, why: `${NATIVE_ADDON} does not load: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}` };
  }
}

const loaded = load();

/** The addon, or null when the node runs on JavaScript SHA-256 (see sha256Implementation). */
export const nativeSha256: NativeSha256 | null = loaded.addon;

/**
 * One line for the startup log: "native, SHA-NI", "native, portable C", or "JavaScript (why)".
 * A function, not a constant: tests switch the native backend.
 */
export function sha256Implementation(): string {
  return nativeSha256 !== null ? `native, ${nativeSha256.backend()}` : `JavaScript (${loaded.why})`;
}
