/**
 * Child process for test/integration/store-crash.test.ts: stores synthetic share rows in batches
 * into the store at argv[2] forever, printing "stored <hash>" for every share once the batch
 * that holds it has committed. The parent SIGKILLs it mid-stream.
 */
import { createHash } from 'node:crypto';
import { ShareStore } from '../../src/sharechain/store.js';

const path = process.argv[2];
if (!path) throw new Error('usage: store-writer-child.ts DBPATH');
const store = ShareStore.open(path);
let prev: string | null = null;
let i = 0;
for (;;) {
  const batch = [];
  for (let j = 0; j < 1 + (i % 7); j++, i++) {
    const raw = createHash('sha256').update(`raw${i}`).digest();
    const hash = createHash('sha256').update(raw).digest('hex');
    batch.push({ hash, prevHash: prev, raw: Buffer.concat([raw, Buffer.alloc(200, i & 0xff)]) });
    prev = hash;
  }
  store.addShares('regtest', batch);
  // Only now, after the commit, are these shares "reported stored".
  process.stdout.write(batch.map((s) => `stored ${s.hash}\n`).join(''));
}
