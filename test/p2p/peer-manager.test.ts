import { describe, expect, it } from 'vitest';
import { AddressBook } from '../../src/p2p/address-book.js';
import { BanList } from '../../src/p2p/bans.js';
import { PeerManager } from '../../src/p2p/peer-manager.js';

function setup(opts: { outgoingConns?: number; maxConns?: number; persistent?: Array<{ host: string; port: number }> } = {}) {
  let now = 1_000_000;
  const book = new AddressBook({ now: () => Math.floor(now / 1000), random: () => 0.5 });
  const bans = new BanList({ now: () => now });
  const m = new PeerManager({ book, bans, persistent: opts.persistent ?? [], outgoingConns: opts.outgoingConns ?? 6, maxConns: opts.maxConns ?? 40, now: () => now });
  return { m, book, bans, advance: (ms: number) => (now += ms) };
}

describe('PeerManager', () => {
  it('dials one address per /16, skipping banned and busy ones, up to --outgoing-conns', () => {
    const { m, book, bans } = setup({ outgoingConns: 3 });
    for (const h of ['10.1.0.1', '10.1.0.2', '10.2.0.1', '10.3.0.1', '10.4.0.1', '10.5.0.1']) book.gotAddr({ host: h, port: 9333 }, 0n, 1000);
    bans.ban('10.3.0.1', 'test');
    const dials = m.nextDials([{ host: '10.4.0.9', port: 9333, incoming: false }], new Set(['10.5.0.1:9333']));
    // Room: 3 - 1 connected - 1 dialling = 1, and never 10.4/16 again.
    expect(dials).toHaveLength(1);
    const groups = dials.map((d) => d.host.split('.').slice(0, 2).join('.'));
    expect(groups).not.toContain('10.4');
    expect(dials.map((d) => d.host)).not.toContain('10.3.0.1');
    const more = m.nextDials([], new Set());
    expect(new Set(more.map((d) => d.host.split('.').slice(0, 2).join('.'))).size).toBe(3);
  });

  it('always redials -n peers, with a doubling backoff that resets after a handshake', () => {
    const n = { host: '192.0.2.1', port: 19444 };
    const { m, advance } = setup({ outgoingConns: 0, persistent: [n] });
    expect(m.nextDials([], new Set())).toEqual([n]);
    expect(m.failed(n)).toBe(1_000);
    expect(m.nextDials([], new Set())).toEqual([]);
    advance(1_000);
    expect(m.nextDials([], new Set())).toEqual([n]);
    expect(m.failed(n)).toBe(2_000);
    expect(m.failed(n)).toBe(4_000);
    m.succeeded(n);
    expect(m.nextDials([], new Set())).toEqual([n]);
    expect(m.nextDials([{ ...n, incoming: false }], new Set())).toEqual([]);
  });

  it('refuses incoming connections over --max-conns, over 3 per /16, and from banned hosts', () => {
    const { m, bans } = setup({ maxConns: 4 });
    const conns = [
      { host: '10.1.0.1', port: 1, incoming: true },
      { host: '10.1.0.2', port: 1, incoming: true },
      { host: '10.1.0.3', port: 1, incoming: true },
    ];
    expect(m.refuseIncoming('10.1.9.9', conns)).toMatch(/3 connections from 10\.1\.0\.0\/16/);
    expect(m.refuseIncoming('10.2.0.1', conns)).toBeNull();
    expect(m.refuseIncoming('127.0.0.1', [...conns, { host: '127.0.0.1', port: 2, incoming: true }])).toMatch(/incoming limit \(4\)/);
    bans.ban('10.9.0.1', 'x');
    expect(m.refuseIncoming('10.9.0.1', [])).toBe('banned');
  });
});
