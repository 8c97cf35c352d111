/**
 * The startup progress (src/node/sync-progress.ts): while the sharechain downloads, a status
 * line redrawn in place on a terminal or a log line every 15 s otherwise, with the rate and the
 * time left from the last 30 s; then, once, the line saying where to point miners.
 */
import { describe, expect, it } from 'vitest';
import { formatDuration, minerUrls, PERIODIC_LOG_MS, SyncProgress, type SyncSnapshot } from '../../src/node/sync-progress.js';

function harness(tty: boolean) {
  let now = 1_000_000;
  let snap: SyncSnapshot | null = { downloaded: 0, target: 8640, peers: 3 };
  let ready = false;
  const status: Array<string | null> = [];
  const logs: string[] = [];
  const p = new SyncProgress({
    progress: () => snap,
    ready: () => ready,
    status: tty ? (l) => status.push(l) : null,
    log: (_level, msg) => logs.push(msg),
    readyLine: 'ready: point miners at stratum+tcp://10.0.0.2:9332',
    now: () => now,
  });
  return {
    p, status, logs,
    step(ms: number, downloaded: number | null, isReady = false) {
      now += ms;
      snap = downloaded === null ? null : { downloaded, target: 8640, peers: 3 };
      ready = isReady;
      p.tick();
    },
  };
}

describe('sync progress', () => {
  it('on a terminal: a line per second with rate and time left, cleared when ready, then the ready line once', () => {
    const h = harness(true);
    h.p.tick();
    expect(h.status).toEqual(['downloading the sharechain: 0 of 8640 shares (0%), measuring rate, 3 peers']);
    h.step(1000, 100);
    h.step(1000, 200);
    h.step(1000, 300);
    // 300 shares in 3 s: 100/s, 8340 left: 1m23s.
    expect(h.status.at(-1)).toBe('downloading the sharechain: 300 of 8640 shares (3%), 100 shares/s, 1m23s left, 3 peers');
    expect(h.logs).toEqual([]);
    h.step(1000, null, true);
    h.step(1000, null, true);
    expect(h.status.at(-1)).toBeNull();
    expect(h.logs).toEqual(['ready: point miners at stratum+tcp://10.0.0.2:9332']);
  });

  it('without a terminal: one log line every 15 s, the rate over the last 30 s', () => {
    const h = harness(false);
    h.p.tick();
    for (let s = 1; s <= 40; s++) h.step(1000, s * 50);
    expect(h.logs).toHaveLength(1 + Math.floor(40_000 / PERIODIC_LOG_MS));
    expect(h.logs[0]).toBe('downloading the sharechain: 0 of 8640 shares (0%), measuring rate, 3 peers');
    expect(h.logs.at(-1)).toBe('downloading the sharechain: 1500 of 8640 shares (17%), 50 shares/s, 2m23s left, 3 peers');
    expect(h.status).toEqual([]);
  });

  it('durations and the miner URL', () => {
    expect([formatDuration(5), formatDuration(83), formatDuration(7322), formatDuration(-1)]).toEqual(['5s', '1m23s', '2h02m', '?']);
    expect(minerUrls('127.0.0.1', 9332)).toEqual({ stratum: 'stratum+tcp://127.0.0.1:9332', dashboard: 'http://127.0.0.1:9332/' });
    expect(minerUrls('::1', 9332).stratum).toBe('stratum+tcp://[::1]:9332');
    expect(minerUrls('0.0.0.0', 9332).stratum).toMatch(/^stratum\+tcp:\/\/\d+\.\d+\.\d+\.\d+:9332$/);
  });
});
