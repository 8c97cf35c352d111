/**
 * Benchmarks of the bitcoin/ layer (docs/architecture.md#budgets: measured here, not asserted
 * in tests). Each figure is the median of several timed runs after a warm-up, measured with
 * process.hrtime.bigint.
 *
 * - sha256d of 80-byte headers through our hash.ts next to a bare node:crypto loop. Without
 *   the native addon hash.ts is a thin wrapper over OpenSSL, so the ratio should stay close
 *   to 1; with it, one native call replaces two crypto.hash calls and the ratio is well above
 *   1. A drop means the wrapper grew a copy or an allocation on the hot path (mining and share
 *   checks hash headers all day).
 * - merkle root of the real block 413567 (1,000+ transactions): decode + txids + root, and
 *   the root alone.
 * - transaction decode rate over that block's transactions.
 * - SHA-256 implementations on Stratum's submit path, µs per operation: the merkle branch climb
 *   (12 levels: a 3,000-transaction template), sha256d64 (one merkle node) and sha256d of an
 *   80-byte header, native addon vs our JavaScript vs node:crypto, plus a 4 KB message (the
 *   longest hash.ts hands to the addon rather than to OpenSSL). Each is the best of several runs with the variants
 *   interleaved run by run, so a load change on the shared machine hits them alike.
 */
import { createHash, hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeBlock } from '../src/bitcoin/block.js';
import { hashWords, jsSha256, sha256d } from '../src/bitcoin/hash.js';
import { nativeSha256, sha256Implementation } from '../src/bitcoin/native-sha256.js';
import { merkleRoot } from '../src/bitcoin/merkle.js';
import { decodeTransaction, encodeTransaction, txid } from '../src/bitcoin/transaction.js';
import { repoPath } from './repo-path.js';

const BLOCK_413567 = 'test/fixtures/bitcoin-core/block413567.raw';


function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median wall time of one call of `fn`, in milliseconds, after `warmup` untimed calls. */
function medianMs(fn: () => void, runs: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(times);
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

/** Headers hashed per timed run: large enough that timer overhead is noise (tens of ms). */
const HEADERS_PER_RUN = 50_000;
const HEADER_RUNS = 9;

function benchHeaderHashing(header: Buffer): Record<string, number> {
  let sink = 0;
  const ours = (): void => {
    for (let i = 0; i < HEADERS_PER_RUN; i++) sink ^= sha256d(header)[0]!;
  };
  const bare = (): void => {
    for (let i = 0; i < HEADERS_PER_RUN; i++) {
      const once = createHash('sha256').update(header).digest();
      sink ^= createHash('sha256').update(once).digest()[0]!;
    }
  };
  // The fastest node:crypto path (one-shot crypto.hash, Node >= 20.12): the ratio against it
  // is our wrapper's overhead alone.
  const bareOneShot = (): void => {
    for (let i = 0; i < HEADERS_PER_RUN; i++) sink ^= hash('sha256', hash('sha256', header, 'buffer'), 'buffer')[0]!;
  };
  // Alternate the loops run by run so that a load change on the machine affects both
  // alike and the ratio stays meaningful.
  const oursMs: number[] = [];
  const bareMs: number[] = [];
  const oneShotMs: number[] = [];
  for (let i = 0; i < HEADER_RUNS; i++) {
    oursMs.push(medianMs(ours, 1, i === 0 ? 2 : 0));
    bareMs.push(medianMs(bare, 1, i === 0 ? 2 : 0));
    oneShotMs.push(medianMs(bareOneShot, 1, i === 0 ? 2 : 0));
  }
  // Keep the result observable so the loops cannot be optimised away.
  if (sink === -1) console.error(sink);
  const oursPerSec = (HEADERS_PER_RUN / median(oursMs)) * 1000;
  const barePerSec = (HEADERS_PER_RUN / median(bareMs)) * 1000;
  return {
    sha256d_header_per_sec: Math.round(oursPerSec),
    node_crypto_sha256d_header_per_sec: Math.round(barePerSec),
    sha256d_vs_node_crypto_ratio: round(oursPerSec / barePerSec, 3),
    node_crypto_oneshot_sha256d_header_per_sec: Math.round((HEADERS_PER_RUN / median(oneShotMs)) * 1000),
    sha256d_vs_node_crypto_oneshot_ratio: round(oursPerSec / ((HEADERS_PER_RUN / median(oneShotMs)) * 1000), 3),
  };
}

function benchBlock413567(raw: Buffer): Record<string, number> {
  const block = decodeBlock(raw);
  const txids = block.txs.map(txid);
  const decodeTxidsRootMs = medianMs(() => void merkleRoot(decodeBlock(raw).txs.map(txid)), 9, 2);
  const rootOnlyMs = medianMs(() => void merkleRoot(txids), 21, 3);

  // Decode rate over the block's own transactions, each from its own buffer.
  const serialized = block.txs.map((tx) => encodeTransaction(tx));
  const decodeAllMs = medianMs(
    () => {
      for (const bytes of serialized) decodeTransaction(bytes);
    },
    9,
    2,
  );
  return {
    block_413567_tx_count: block.txs.length,
    block_413567_decode_txids_merkle_root_ms: round(decodeTxidsRootMs, 3),
    block_413567_merkle_root_only_ms: round(rootOnlyMs, 3),
    tx_decode_per_sec: Math.round((serialized.length / decodeAllMs) * 1000),
  };
}

/** Operations per timed run of the SHA-256 figures, and how many runs each variant gets. */
const SHA_OPS_PER_RUN = 20_000;
const SHA_RUNS = 9;

/** SHA-256 H(0) (FIPS 180-4 §5.3.3): where jsSha256's resume starts a whole message. */
const H0 = Int32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);

/**
 * µs per operation of each variant of each operation, best of SHA_RUNS runs, the variants of
 * one operation run alternately. Variants that are absent (no addon) are left out.
 */
function benchSha256Implementations(header: Buffer): Record<string, number | string> {
  const branch = hashWords(Array.from({ length: 12 }, (_, i) => sha256d(Buffer.of(i))));
  const node = Buffer.concat([header.subarray(4, 36), header.subarray(36, 68)]);
  const message4k = Buffer.alloc(4096, 0x5c);
  const out = Buffer.alloc(32);
  const empty = Buffer.alloc(0);
  let sink = 0;
  type Variants = Record<string, (() => void) | null>;
  const n = nativeSha256;
  const ops: Record<string, Variants> = {
    branch12: {
      native: n && (() => n.sha256dBranch(header, 36, branch, out, 0)),
      js: () => jsSha256.sha256dBranch(header, 36, branch, out, 0),
    },
    sha256d64: {
      native: n && (() => n.sha256d64(node, 0, out, 0)),
      js: () => jsSha256.sha256d64(node, 0, out, 0),
      node_crypto: () => void hash('sha256', hash('sha256', node, 'buffer'), 'buffer').copy(out),
    },
    header_sha256d: {
      native: n && (() => n.sha256d(header, 0, 80, out, 0)),
      js: () => jsSha256.sha256dResume(H0, 0, empty, header, out, 0),
      node_crypto: () => void hash('sha256', hash('sha256', header, 'buffer'), 'buffer').copy(out),
    },
    sha256d_4096B: {
      native: n && (() => n.sha256d(message4k, 0, message4k.length, out, 0)),
      js: () => jsSha256.sha256dResume(H0, 0, empty, message4k, out, 0),
      node_crypto: () => void hash('sha256', hash('sha256', message4k, 'buffer'), 'buffer').copy(out),
    },
  };
  const figures: Record<string, number | string> = { sha256_implementation: sha256Implementation() };
  for (const [op, variants] of Object.entries(ops)) {
    const present = Object.entries(variants).filter((v): v is [string, () => void] => v[1] !== null);
    const best = new Map<string, number>(present.map(([name]) => [name, Infinity]));
    for (let r = 0; r < SHA_RUNS; r++) {
      for (const [name, fn] of present) {
        const ms = medianMs(() => {
          for (let i = 0; i < SHA_OPS_PER_RUN; i++) fn();
          sink ^= out[0]!;
        }, 1, r === 0 ? 1 : 0);
        best.set(name, Math.min(best.get(name)!, ms));
      }
    }
    for (const [name, ms] of best) figures[`${op}_${name}_us`] = round((ms * 1000) / SHA_OPS_PER_RUN, 3);
    const js = best.get('js')!;
    const native = best.get('native');
    if (native !== undefined) figures[`${op}_native_speedup_vs_js`] = round(js / native, 1);
  }
  if (sink === -1) console.error(sink);
  return figures;
}

export function benchBitcoin(): Record<string, number | string> {
  const raw = readFileSync(repoPath(BLOCK_413567));
  // A real 80-byte header: block 413567's own.
  const header = raw.subarray(0, 80);
  return { ...benchHeaderHashing(Buffer.from(header)), ...benchBlock413567(raw), ...benchSha256Implementations(Buffer.from(header)) };
}
