import { describe, expect, it } from 'vitest';
import { BanList } from '../../src/p2p/bans.js';

const HOUR = 3_600_000;

describe('BanList', () => {
  it('doubles the ban per offence and lets offences decay after the ban', () => {
    let now = 1_000_000;
    const bans = new BanList({ baseMs: HOUR, decayMs: 6 * HOUR, now: () => now });
    expect(bans.ban('10.0.0.1', 'bad checksum')).toEqual({ banned: true, durationMs: HOUR, offences: 1 });
    expect(bans.isBanned('10.0.0.1')).toBe(true);
    expect(bans.isBanned('::ffff:10.0.0.1')).toBe(true);
    expect(bans.isBanned('10.0.0.2')).toBe(false);
    expect(bans.banOf('10.0.0.1')).toEqual({ until: now + HOUR, reason: 'bad checksum', offences: 1 });
    now += HOUR;
    expect(bans.isBanned('10.0.0.1')).toBe(false);
    expect(bans.ban('10.0.0.1', 'invalid share').durationMs).toBe(2 * HOUR);
    now += 2 * HOUR;
    expect(bans.ban('10.0.0.1', 'invalid share').durationMs).toBe(4 * HOUR);
    // 4 h ban, then 12 h quiet forgives two of the three offences: the next ban is the 2nd step.
    now += 4 * HOUR + 12 * HOUR;
    expect(bans.offences('10.0.0.1')).toBe(1);
    expect(bans.ban('10.0.0.1', 'flood')).toEqual({ banned: true, durationMs: 2 * HOUR, offences: 2 });
  });

  it('caps the ban length', () => {
    let now = 0;
    const bans = new BanList({ baseMs: HOUR, maxMs: 5 * HOUR, now: () => now });
    for (let i = 0; i < 10; i++) {
      const r = bans.ban('8.8.8.8', 'x');
      now += r.durationMs;
    }
    expect(bans.ban('8.8.8.8', 'x').durationMs).toBe(5 * HOUR);
  });

  it('never bans loopback unless asked to', () => {
    const bans = new BanList();
    expect(bans.ban('127.0.0.1', 'bad checksum').banned).toBe(false);
    expect(bans.isBanned('127.0.0.1')).toBe(false);
    const strict = new BanList({ banLoopback: true });
    expect(strict.ban('127.0.0.2', 'bad checksum').banned).toBe(true);
    expect(strict.isBanned('127.0.0.2')).toBe(true);
    expect(strict.isBanned('127.0.0.1')).toBe(false);
  });

  it('prunes records that are over and forgiven', () => {
    let now = 0;
    const bans = new BanList({ baseMs: 10, decayMs: 10, now: () => now });
    bans.ban('1.1.1.1', 'x');
    bans.prune();
    expect(bans.size).toBe(1);
    now = 10 + 10;
    bans.prune();
    expect(bans.size).toBe(0);
  });
});
