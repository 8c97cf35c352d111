/** xorshift32: a small repeatable generator for tests, seeded (0 counts as 1); each call a 32-bit unsigned integer. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
