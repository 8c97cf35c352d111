/**
 * WAL checkpoints for the share store, on a thread of their own.
 *
 * With journal_mode=WAL and synchronous=NORMAL (store.ts) a commit is a write() and nothing
 * more; the one fsync left is the checkpoint, which copies the WAL back into the database file.
 * SQLite runs it inside whichever commit pushes the WAL past wal_autocheckpoint (1,000 pages),
 * on the committing thread: on the budgets' VM that was a ~30 ms stall every ~1,000 shares,
 * right after a relay and before the next share could be read (bench/p2p.ts). So the store
 * turns autocheckpoint off and this worker thread, with its own connection to the same file,
 * runs PASSIVE checkpoints (they never block the writer or readers; SQLite allows a checkpoint
 * from another connection) once a second. The worker sleeps in Atomics.wait so that `stop`,
 * which the store's synchronous close() calls, can wake it and wait for its connection to be
 * closed before the store closes its own.
 *
 * If the worker cannot start (no worker threads, the native module refuses to load twice),
 * `onFailure` is called and the store goes back to SQLite's automatic checkpoints.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Slots of the shared Int32Array: [stop requested, worker done]. */
const STOP = 0;
const DONE = 1;
/** How long close() waits for the worker's connection to close before going on without it. */
const STOP_WAIT_MS = 5_000;

// CommonJS, run by `new Worker(..., { eval: true })`: it needs only better-sqlite3, resolved
// by the parent (the worker has no module context of its own to resolve it from).
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const flags = new Int32Array(workerData.flags);
let db = null;
try {
  db = new Database(workerData.path);
  db.pragma('busy_timeout = 0');
  while (Atomics.load(flags, ${STOP}) === 0) {
    Atomics.wait(flags, ${STOP}, 0, workerData.intervalMs);
    if (Atomics.load(flags, ${STOP}) !== 0) break;
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next round retries */ }
  }
} finally {
  if (db) db.close();
  Atomics.store(flags, ${DONE}, 1);
  Atomics.notify(flags, ${DONE});
}
`;

export interface WalCheckpointerOptions {
  /** Time between checkpoints. */
  intervalMs?: number;
  /** The worker failed (to start or later): the caller falls back to automatic checkpoints. */
  onFailure?: (err: Error) => void;
}

export class WalCheckpointer {
  private readonly flags = new Int32Array(new SharedArrayBuffer(8));
  private readonly worker: Worker;
  private stopped = false;

  constructor(path: string, opts: WalCheckpointerOptions = {}) {
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module, path, intervalMs: opts.intervalMs ?? 1_000, flags: this.flags.buffer },
    });
    this.worker.unref();
    this.worker.on('error', (err) => {
      if (!this.stopped) opts.onFailure?.(err);
    });
  }

  /** Wake the worker, let it close its connection, and wait (bounded) until it has. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.flags, STOP, 1);
    Atomics.notify(this.flags, STOP);
    // A worker that never started (or died) never sets DONE: the wait is bounded.
    if (this.worker.threadId !== -1) Atomics.wait(this.flags, DONE, 0, STOP_WAIT_MS);
  }
}
