/**
 * The start-up load's second thread (ChainState.loadInParallel, docs/operations.md#startup-time).
 *
 * The node decodes every stored share and verifies the top CHAIN_LENGTH of them before it serves
 * work (docs/sharechain.md#the-tracker). Verifying a share needs only the chain below it, not
 * the verification of that chain, so the lower part of that window can be verified by another
 * thread while the main thread decodes: this worker opens the store read-only, decodes the rows
 * below the top `skipTop` (in insertion order, which is chain order for a store written as the
 * chain grew), and verifies `verify` shares down from its own top, with the same code and the
 * same `now` as the main thread. It answers which shares passed, with each one's height and
 * missing parent in its tracker: the main thread takes a share's result only if its own tracker
 * has the same chain below it (same height, same missing parent), and verifies every other
 * share itself. A store with more than one chain tip in that part, or any error here, gives an
 * empty answer: the main thread then verifies everything, as load() does.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { getP2PoolNetwork, type P2PoolNetwork } from './networks.js';
import { decodeShare } from './share.js';
import { scanShareRows } from './store.js';
import { ShareTracker } from './tracker.js';
import type { ShareHash } from './types.js';
import { verifyShare } from './verify.js';

/** Scalar fields of a network that differ from the named one (a test network's raised MAX_TARGET). */
export type NetOverrides = Record<string, bigint | number | string | boolean>;

export interface LoadTask {
  /** The store's file. */
  path: string;
  /** Network name (getP2PoolNetwork) and the scalar fields that differ from it. */
  net: string;
  overrides: NetOverrides;
  /** Seconds since the epoch: the verification's clock (shares more than 600 s ahead fail). */
  now: number;
  /** Rows to decode, oldest first. */
  rows: number;
  /** Shares to verify, down from the top of what was decoded. */
  verify: number;
}

export interface LoadResult {
  /** Shares that passed, each with its height and missing parent (null: rooted) in this worker's tracker. */
  hashes: ShareHash[];
  heights: number[];
  lasts: Array<ShareHash | null>;
}

/**
 * The network as a task names it: its name and the scalar fields that differ (a worker cannot
 * receive a network object: Buffers arrive as plain Uint8Arrays, functions not at all). Null
 * when some other field differs (the simulator's networks): no worker then.
 */
export function netOverrides(net: P2PoolNetwork): NetOverrides | null {
  let base: P2PoolNetwork;
  try {
    base = getP2PoolNetwork(net.name);
  } catch {
    return null;
  }
  const out: NetOverrides = {};
  for (const [k, v] of Object.entries(net)) {
    if (v === (base as unknown as Record<string, unknown>)[k]) continue;
    if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else return null;
  }
  return out;
}

/** Decode and verify as `task` says (also runs in the calling thread, for tests). */
export function runLoadTask(task: LoadTask): LoadResult {
  const net = { ...getP2PoolNetwork(task.net), ...task.overrides } as P2PoolNetwork;
  const out: LoadResult = { hashes: [], heights: [], lasts: [] };
  const db = new Database(task.path, { readonly: true, fileMustExist: true });
  try {
    // One pass over the table: a page cache would only stay behind in this thread's memory
    // (better-sqlite3's default is 16 MB; see store.ts).
    db.pragma('cache_size = -256');
    const tracker = new ShareTracker({ chainLength: net.chainLength }, (share, chain) => verifyShare(share, chain, net, { now: task.now }));
    scanShareRows(db, net.name, () => {}, (row) => {
      try {
        const share = decodeShare(row.raw, net, 0);
        if (share.hash === row.hash) tracker.add(share);
      } catch {
        // The main thread logs and skips the same row.
      }
    }, task.rows);
    const heads = [...tracker.all.heads().keys()];
    if (heads.length !== 1) return out;
    for (const share of tracker.all.chain(heads[0], task.verify)) {
      if (!tracker.attemptVerify(share.hash).ok) continue;
      out.hashes.push(share.hash);
      out.heights.push(tracker.getHeight(share.hash));
      out.lasts.push(tracker.getLast(share.hash));
    }
    return out;
  } finally {
    db.close();
  }
}

const data = workerData as { loadTask?: LoadTask } | null;
if (parentPort && data?.loadTask) parentPort.postMessage(runLoadTask(data.loadTask));
