/**
 * The status screens (src/cli/status-screen.ts) on objects a node might send: complete ones fit
 * 80 columns; missing or mistyped fields show as `?` instead of breaking the screen; text from
 * the network cannot move the cursor (no control characters reach the terminal).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duration, hashRate, renderMiners, renderPeers, renderStatus, WIDTH } from '../../src/cli/status-screen.js';

const NOW = 1_796_557_900;

describe('status screens', () => {
  it('units: hash rates with SI prefixes, durations in the two largest units', () => {
    expect([hashRate(0.02), hashRate(54.7), hashRate(123_456), hashRate(1.5e15), hashRate(null)]).toEqual(['0.02 H/s', '54.7 H/s', '123 kH/s', '1.50 PH/s', '?']);
    expect([duration(59), duration(61), duration(3 * 3600 + 61), duration(2 * 86400 + 7200), duration(null)]).toEqual(['59s', '1m01s', '3h01m', '2d02h', '?']);
  });

  it('a node that answers nothing useful still gives a whole screen of question marks', () => {
    for (const junk of [null, 42, 'x', [], { sync: 'no', pool: [], miners: {}, peers: { list: 'x' } }]) {
      const lines = renderStatus(junk, 'http://127.0.0.1:9332/', NOW);
      expect(lines.find((l) => l.startsWith('Sync'))).toBe('Sync       not synced | sharechain height ? | bitcoind ?');
      expect(lines.find((l) => l.startsWith('Peers'))).toBe('Peers      ? (? out, ? in)');
      expect(renderPeers(junk).at(-1)).toBe('(no peers connected)');
      expect(renderMiners(junk).at(-1)).toBe('(no miners on this node)');
    }
  });

  it('any object: at most 80 columns, no control characters', () => {
    const text = fc.string({ maxLength: 200, unit: 'binary' });
    const value = fc.oneof(text, fc.double(), fc.constant(null), fc.integer());
    const status = fc.record({
      version: value, network: value, uptime: value,
      sync: fc.record({ synced: fc.boolean(), state: value, height: value, chain_length: value }),
      pool: fc.record({ hash_rate: value, stale_prop: value }),
      node: fc.record({ hash_rate: value, dead_hash_rate: value }),
      shares: fc.record({ total: value, orphan: value, dead: value }),
      last_block: fc.option(fc.record({ hash: value, number: value, ts: value })),
      peers: fc.record({ incoming: value, outgoing: value, list: fc.array(fc.record({ address: value, direction: value, version: value, ping_ms: value, connected: value }), { maxLength: 5 }) }),
      miners: fc.array(fc.record({ username: value, hash_rate: value, dead_hash_rate: value, difficulty: value }), { maxLength: 5 }),
      warnings: fc.array(text, { maxLength: 3 }),
    });
    fc.assert(
      fc.property(status, text, (s, url) => {
        for (const l of [...renderStatus(s, url, NOW), ...renderPeers(s), ...renderMiners(s)]) {
          expect(l.length).toBeLessThanOrEqual(WIDTH);
          // eslint-disable-next-line no-control-regex -- control characters are what must not appear
          expect(l).not.toMatch(/[\u0000-\u001f\u007f-\uffff]/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
