import { describe, expect, it } from 'vitest';
import { LogRing, MAX_MESSAGE_LENGTH } from '../../src/web/log-ring.js';

describe('log ring', () => {
  it('keeps the newest lines, oldest first, and never more than its capacity', () => {
    let t = 0;
    const ring = new LogRing(3, () => ++t);
    ring.push('info', 'a');
    ring.push('warn', 'b');
    expect(ring.entries()).toEqual([{ time: 1, level: 'info', msg: 'a' }, { time: 2, level: 'warn', msg: 'b' }]);
    for (const m of ['c', 'd', 'e', 'f', 'g']) ring.push('info', m);
    expect(ring.entries().map((e) => e.msg)).toEqual(['e', 'f', 'g']);
    expect(ring.entries().map((e) => e.time)).toEqual([5, 6, 7]);
  });

  it('cuts very long lines and refuses a nonsensical capacity', () => {
    const ring = new LogRing(2);
    ring.push('info', 'x'.repeat(MAX_MESSAGE_LENGTH * 3));
    expect(ring.entries()[0]!.msg.length).toBe(MAX_MESSAGE_LENGTH + 1);
    expect(() => new LogRing(0)).toThrow(RangeError);
  });
});
