/**
 * The discrete-event queue on the virtual clock (docs/simulate.md#clock): a binary min-heap
 * ordered by (time, insertion sequence), so events at the same instant run in the order they
 * were scheduled and a run never depends on heap internals. Times are virtual milliseconds.
 */

interface Entry<T> {
  time: number;
  seq: number;
  event: T;
}

export class EventQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(time: number, event: T): void {
    if (!Number.isFinite(time)) throw new RangeError(`event time must be finite, got ${time}`);
    const e: Entry<T> = { time, seq: this.seq++, event };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  /** Time of the next event, or Infinity when empty. */
  peekTime(): number {
    return this.heap.length ? this.heap[0]!.time : Infinity;
  }

  /** Remove and return the next event with its time. */
  pop(): { time: number; event: T } | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && before(h[r]!, h[l]!) ? r : l;
        if (!before(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return { time: top.time, event: top.event };
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
