/**
 * A decoder with three planted bugs behind a 4-byte magic, instrumented like src/ (loader.mjs),
 * for the fuzzer's own test (test/fuzz/engine.test.ts): random bytes pass a 4-byte magic once in
 * 2^32 tries, so finding these in seconds shows that the coverage guidance works.
 */
export class ToyError extends Error {}

/**
 * `armed` is the one planted bug that is live in this run (the others return quietly), so that a
 * run finds the bug it was set on and not another one its mutations happen to reach first (which
 * one comes first depends on timing-guided scheduling, so on the machine's load).
 */
export function decodeToy(b: Uint8Array, armed: number): number {
  if (b.length < 6) throw new ToyError('short');
  if (b[0] !== 0x46) throw new ToyError('magic 0');
  if (b[1] !== 0x55) throw new ToyError('magic 1');
  if (b[2] !== 0x5a) throw new ToyError('magic 2');
  if (b[3] !== 0x5a) throw new ToyError('magic 3');
  const kind = b[4]!;
  const n = b[5]!;
  if (kind !== armed) return n;
  if (kind === 1) {
    // Bug: trusts the length byte (an out-of-range read becomes a TypeError).
    return (b[6 + n] as number).toFixed(0).length;
  }
  if (kind === 2) {
    // Bug: allocates from a length field before checking the bytes are there.
    return Buffer.alloc(n * 1024 * 1024).length;
  }
  if (kind === 3 && n > 200) {
    // Bug: a loop that runs for a long time on a large count.
    let x = 0;
    const until = Date.now() + 150;
    while (Date.now() < until) x++;
    return x;
  }
  return n;
}
