/**
 * The headers a job has been submitted with (mining.submit's duplicate check,
 * docs/mining.md#miningsubmit-answers): the four 32-bit fields that make one header of a job
 * different from another (extranonce2, ntime, nonce, version), held as a set over typed arrays
 * with open addressing. A Set of strings made a string per submit (eight 16-bit code units) and
 * grew a hash table of them: a third of a microsecond and ~40 bytes of garbage a submit, on the
 * path that answers every pseudoshare (bench/mining.ts).
 *
 * The slot a header lands in is a keyed hash of its fields, the keys drawn once per process:
 * the fields are the miner's to choose, and with a known hash a miner could send headers that
 * all land on one slot, so that each check walks every header before it.
 */
import { randomFillSync } from 'node:crypto';

const KEYS = randomFillSync(new Uint32Array(5));
/** Odd multipliers, so that each keeps every bit of its field. */
const M0 = KEYS[0]! | 1;
const M1 = KEYS[1]! | 1;
const M2 = KEYS[2]! | 1;
const M3 = KEYS[3]! | 1;
const K4 = KEYS[4]!;

/** Slots a new set starts with (8 headers before it grows). */
const INITIAL_SLOTS = 16;

export class SeenHeaders {
  /** Four words a slot: extranonce2, ntime, nonce, version. */
  private words: Uint32Array;
  /** 1 where a slot holds a header. */
  private used: Uint8Array;
  private count = 0;

  constructor() {
    this.words = new Uint32Array(INITIAL_SLOTS * 4);
    this.used = new Uint8Array(INITIAL_SLOTS);
  }

  /** Headers held. */
  get size(): number {
    return this.count;
  }

  /** Slots, held or free (what the set's memory grows with). */
  get slots(): number {
    return this.used.length;
  }

  /**
   * Add a header's fields (each a 32-bit unsigned integer); false when the set held them
   * already (a duplicate), true when they are new.
   */
  add(extranonce2: number, ntime: number, nonce: number, version: number): boolean {
    const mask = this.used.length - 1;
    let slot = slotOf(extranonce2, ntime, nonce, version) & mask;
    const words = this.words;
    const used = this.used;
    while (used[slot] === 1) {
      const w = slot * 4;
      if (words[w] === extranonce2 && words[w + 1] === ntime && words[w + 2] === nonce && words[w + 3] === version) return false;
      slot = (slot + 1) & mask;
    }
    used[slot] = 1;
    const w = slot * 4;
    words[w] = extranonce2;
    words[w + 1] = ntime;
    words[w + 2] = nonce;
    words[w + 3] = version;
    // At most half the slots held, so that a search ends within a few slots.
    if (++this.count * 2 > used.length) this.grow();
    return true;
  }

  /** Forget every header (the job's slot takes another job), keeping the memory. */
  clear(): void {
    if (this.count === 0) return;
    this.used.fill(0);
    this.count = 0;
  }

  private grow(): void {
    const oldWords = this.words;
    const oldUsed = this.used;
    const slots = oldUsed.length * 2;
    const mask = slots - 1;
    const words = new Uint32Array(slots * 4);
    const used = new Uint8Array(slots);
    for (let s = 0; s < oldUsed.length; s++) {
      if (oldUsed[s] !== 1) continue;
      const w = s * 4;
      const a = oldWords[w]!;
      const b = oldWords[w + 1]!;
      const c = oldWords[w + 2]!;
      const d = oldWords[w + 3]!;
      let slot = slotOf(a, b, c, d) & mask;
      while (used[slot] === 1) slot = (slot + 1) & mask;
      used[slot] = 1;
      // Word by word: a subarray to copy from was an object per header moved (~100 bytes of
      // garbage a submit in the bench's flood of 120 submits a job, 2026-12-07).
      const to = slot * 4;
      words[to] = a;
      words[to + 1] = b;
      words[to + 2] = c;
      words[to + 3] = d;
    }
    this.words = words;
    this.used = used;
  }
}

/** The keyed hash of a header's fields, all 32 bits (the caller masks it). */
function slotOf(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a, M0) ^ Math.imul(b, M1) ^ Math.imul(c, M2) ^ Math.imul(d, M3) ^ K4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}
