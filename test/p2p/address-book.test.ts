import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AddressBook, MAX_ADDRESSES, type AddressBackend } from '../../src/p2p/address-book.js';
import { ShareStore } from '../../src/sharechain/store.js';

/** random() = 1 - 1/e makes expovariate(1) exactly 1, so the order is the reference's key alone. */
const UNIT_EXPO = 1 - Math.exp(-1);

describe('AddressBook', () => {
  it('records addresses like got_addr: last_seen only moves forward', () => {
    const book = new AddressBook({ now: () => 5000 });
    book.gotAddr({ host: '::ffff:1.2.3.4', port: 9333 }, 0n, 1000);
    book.gotAddr({ host: '1.2.3.4', port: 9333 }, 1n, 900);
    expect(book.get({ host: '1.2.3.4', port: 9333 })).toEqual({ host: '1.2.3.4', port: 9333, services: 1n, firstSeen: 1000, lastSeen: 1000 });
    book.gotAddr({ host: '1.2.3.4', port: 9333 }, 1n, 2000);
    expect(book.get({ host: '1.2.3.4', port: 9333 })!.lastSeen).toBe(2000);
    expect(book.size).toBe(1);
  });

  it('stops adding at 10,000 entries', () => {
    const book = new AddressBook();
    for (let i = 0; i < MAX_ADDRESSES + 5; i++) book.gotAddr({ host: `10.${i >> 8 & 255}.${i & 255}.1`, port: 9333 + (i >> 16) }, 0n, 1);
    expect(book.size).toBe(10_000);
  });

  it('prefers long-known, recently seen peers (get_good_peers key)', () => {
    const now = 1_000_000;
    const book = new AddressBook({ now: () => now, random: () => UNIT_EXPO });
    // key = -ln(max(3600, last-first)) / ln(max(3600, now-last)):
    book.gotAddr({ host: '1.0.0.1', port: 1 }, 0n, now - 10); // new, seen now: -ln3600/ln3600 = -1
    book.gotAddr({ host: '1.0.0.2', port: 1 }, 0n, now - 500_000); // known for 500k s, seen 100 s ago
    book.gotAddr({ host: '1.0.0.2', port: 1 }, 0n, now - 100); // key -ln(499900)/ln(3600) = -1.60
    book.gotAddr({ host: '1.0.0.3', port: 1 }, 0n, now - 900_000); // known 100k s, not seen for 800k s
    book.gotAddr({ host: '1.0.0.3', port: 1 }, 0n, now - 800_000); // key -ln(100000)/ln(800000) = -0.85
    expect(book.goodPeers(10).map((e) => e.host)).toEqual(['1.0.0.2', '1.0.0.1', '1.0.0.3']);
    expect(book.goodPeers(1).map((e) => e.host)).toEqual(['1.0.0.2']);
  });

  it('persists in the share store and reloads after a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'p2p-book-'));
    try {
      const path = join(dir, 'shares.sqlite');
      const backend = (store: ShareStore, net: string): AddressBackend => ({
        loadPeers: () => store.loadPeers(net),
        savePeers: (e) => store.savePeers(net, e),
      });
      let store = ShareStore.open(path);
      const book = new AddressBook({ backend: backend(store, 'regtest') });
      book.gotAddr({ host: '1.2.3.4', port: 19444 }, 0xffffffffffffffffn, 1700000000);
      book.gotAddr({ host: '2001:db8::1', port: 19444 }, 0n, 1700000001);
      book.save();
      store.close();
      store = ShareStore.open(path);
      const again = new AddressBook({ backend: backend(store, 'regtest') });
      expect(again.all().sort((a, b) => a.host.localeCompare(b.host))).toEqual([
        { host: '1.2.3.4', port: 19444, services: 0xffffffffffffffffn, firstSeen: 1700000000, lastSeen: 1700000000 },
        { host: '2001:db8::1', port: 19444, services: 0n, firstSeen: 1700000001, lastSeen: 1700000001 },
      ]);
      expect(new AddressBook({ backend: backend(store, 'bitcoin') }).size).toBe(0);
      again.remove({ host: '1.2.3.4', port: 19444 });
      again.save();
      expect(store.loadPeers('regtest').map((p) => p.host)).toEqual(['2001:db8::1']);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
