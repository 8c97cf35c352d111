/** Shares (the wrapper and every loadable version) and the share store's rows. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DecodeError } from '../../src/bitcoin/errors.js';
import { InvalidShare } from '../../src/sharechain/invalid-share.js';
import { getP2PoolNetwork, type P2PoolNetwork } from '../../src/sharechain/networks.js';
import { decodeShareWrapper, encodeShareWrapper, LOADABLE_SHARE_VERSIONS } from '../../src/sharechain/share-codec.js';
import { decodeShare, encodeShare } from '../../src/sharechain/share.js';
import { ShareStore } from '../../src/sharechain/store.js';
import type { FuzzTarget } from '../engine.js';
import { shareWrappers } from '../seeds.js';
import { check, decodeOrRefuse, sameBytes, split } from './check.js';

/** The generated chains' networks (test/sharechain/fixtures.ts: MAX_TARGET 2**256//2-1) and real ones. */
const GENERATED_MAX_TARGET = (1n << 256n) / 2n - 1n;
const NETS: P2PoolNetwork[] = [
  { ...getP2PoolNetwork('bitcoin'), maxTarget: GENERATED_MAX_TARGET },
  { ...getP2PoolNetwork('bitcoin'), maxTarget: GENERATED_MAX_TARGET, segwitActivationVersion: 17 },
  getP2PoolNetwork('regtest'),
  getP2PoolNetwork('litecoin'),
];

const VERSION_BYTES = LOADABLE_SHARE_VERSIONS.map((v) => Uint8Array.of(v));

export const share: FuzzTarget = {
  name: 'share',
  covers: ['src/sharechain/share-codec.ts', 'src/sharechain/share.ts'],
  about: 'share wrapper and contents of every loadable version (17, 32-35) on four networks: decodeShare, then encodeShare gives the same bytes',
  seeds: () => shareWrappers().map((s) => Buffer.concat([Uint8Array.of(s.source === 'v17' ? 1 : s.source === 'v35' ? 0 : 2), s.raw])),
  dictionary: VERSION_BYTES,
  maxLen: 2048,
  run(data) {
    const [n, raw] = split(data, NETS.length);
    const net = NETS[n]!;
    const w = decodeOrRefuse(() => decodeShareWrapper(raw), DecodeError);
    if (w) sameBytes('share wrapper', raw, encodeShareWrapper(w.type, w.contents));
    const s = decodeOrRefuse(() => decodeShare(raw, net), DecodeError, InvalidShare);
    if (!s) return;
    check(w !== undefined, 'a share decoded whose wrapper did not');
    check(/^[0-9a-f]{64}$/.test(s.hash), 'share hash is not 64 hex digits');
    sameBytes(`share v${s.version}`, raw, encodeShare(s, net));
  },
};

/**
 * The store's rows, as a damaged or foreign database file could hold them: any type in any
 * column (SQLite is dynamically typed). The row goes in through a second connection, then the
 * store loads it (decoding and re-hashing the share) and must skip what is bad with a log line,
 * never throw, and return only rows whose bytes hash to their hash.
 */
let storeDir: string | null = null;
let store: ShareStore | null = null;
let raw: Database.Database | null = null;
const REGTEST = getP2PoolNetwork('regtest');
const BITCOIN = NETS[0]!;

function openStore(): { store: ShareStore; raw: Database.Database } {
  if (!store || !raw) {
    storeDir = mkdtempSync(join(tmpdir(), 'p2pool-fuzz-store-'));
    const path = join(storeDir, 'shares.sqlite');
    store = ShareStore.open(path);
    raw = new Database(path);
    process.once('exit', () => {
      store?.close();
      raw?.close();
      if (storeDir) rmSync(storeDir, { recursive: true, force: true });
    });
  }
  return { store, raw };
}

/** A column value from the input: NULL, an integer, a real, text or a blob. */
function column(r: { b: Buffer; at: number }): unknown {
  const tag = r.b[r.at++] ?? 0;
  const len = Math.min((r.b[r.at++] ?? 0) | ((r.b[r.at++] ?? 0) << 8), r.b.length - r.at);
  const bytes = r.b.subarray(r.at, r.at + len);
  r.at += len;
  switch (tag % 5) {
    case 0: return null;
    case 1: return bytes.length >= 6 ? bytes.readIntLE(0, 6) : bytes.length;
    case 2: return bytes.length >= 8 ? bytes.readDoubleLE(0) : 0.5;
    case 3: return bytes.toString('latin1');
    default: return Buffer.from(bytes);
  }
}

export const storeRows: FuzzTarget = {
  name: 'store-rows',
  covers: ['src/sharechain/store.ts'],
  about: 'share store rows of any type in every column (hash, prev, raw, verified, time_added) and address-book rows: loadShares/loadPeers skip bad rows, never throw',
  seeds: () => shareWrappers().filter((s) => s.source !== 'capture').slice(0, 4).map((s) => {
    // Columns: tag (0 NULL, 1 integer, 2 real, 3 text, 4 blob), u16 length, bytes. A good row:
    // text hash (the share's own), NULL prev, blob raw, integer verified and time, then a peer.
    const hash = Buffer.from(decodeOrRefuse(() => decodeShare(s.raw, BITCOIN), DecodeError, InvalidShare)?.hash ?? '0'.repeat(64), 'latin1');
    const col = (tag: number, b: Uint8Array): Buffer => Buffer.concat([Uint8Array.of(tag, b.length & 0xff, b.length >> 8), b]);
    const int6 = (v: number): Buffer => { const b = Buffer.alloc(6); b.writeIntLE(v, 0, 6); return b; };
    return Buffer.concat([col(3, hash), col(0, new Uint8Array(0)), col(4, s.raw), col(1, int6(1)), col(1, int6(1_700_000_000_000)),
      col(3, Buffer.from('127.0.0.1')), col(1, int6(9333)), col(3, Buffer.from('1024')), col(1, int6(1_700_000_000)), col(1, int6(1_700_000_100))]);
  }),
  maxLen: 1024,
  run(data) {
    const { store: st, raw: db } = openStore();
    const r = { b: Buffer.from(data), at: 0 };
    const [hash, prev, rawCol, verified, timeAdded] = [column(r), column(r), column(r), column(r), column(r)];
    const [host, port, services, first, last] = [column(r), column(r), column(r), column(r), column(r)];
    db.prepare('DELETE FROM shares').run();
    db.prepare('DELETE FROM peers').run();
    try {
      db.prepare('INSERT INTO shares (net, hash, prev, raw, verified, time_added) VALUES (?, ?, ?, ?, ?, ?)').run('regtest', hash, prev, rawCol, verified, timeAdded);
    } catch (e) {
      // NOT NULL columns refuse NULL: such a row cannot exist in the file.
      if (!(e instanceof Database.SqliteError)) throw e;
    }
    try {
      db.prepare('INSERT INTO peers (net, host, port, services, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?)').run('regtest', host, port, services, first, last);
    } catch (e) {
      if (!(e instanceof Database.SqliteError)) throw e;
    }
    const logs: string[] = [];
    (st as unknown as { log: (m: string) => void }).log = (m) => logs.push(m);
    for (const net of [REGTEST, BITCOIN]) {
      const rows = st.loadShares('regtest', (b) => decodeShare(b, net));
      for (const row of rows) {
        check(row.share.hash === row.hash, 'a loaded row whose bytes hash to another hash');
        check(Buffer.isBuffer(row.raw) && row.raw.length > 0, 'a loaded row without bytes');
      }
    }
    for (const p of st.loadPeers('regtest')) {
      check(typeof p.host === 'string' && p.host.length > 0 && Number.isInteger(p.port) && p.port > 0 && p.port < 65536 && typeof p.services === 'bigint' && p.services < 1n << 64n, `a malformed peer row loaded: ${JSON.stringify({ ...p, services: String(p.services) })}`);
      check(Number.isFinite(p.firstSeen) && Number.isFinite(p.lastSeen), 'a peer row with times that are not numbers');
    }
  },
};
