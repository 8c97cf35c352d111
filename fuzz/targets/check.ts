/** What every target checks, in the same words (docs/testing.md#fuzzing). */

/** A property violation: thrown out of a target, it is a finding. */
export class PropertyViolation extends Error {
  override readonly name = 'PropertyViolation';
}

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Run `fn`; the decoder's own typed errors (`allowed`) mean "input refused" (undefined comes
 * back); anything else is thrown on as a crash.
 */
export function decodeOrRefuse<T>(fn: () => T, ...allowed: ErrorClass[]): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (allowed.some((c) => e instanceof c)) return undefined;
    throw e;
  }
}

export async function decodeOrRefuseAsync<T>(fn: () => Promise<T>, ...allowed: ErrorClass[]): Promise<T | undefined> {
  try {
    return await fn();
  } catch (e) {
    if (allowed.some((c) => e instanceof c)) return undefined;
    throw e;
  }
}

/** decode -> encode must give the input back where the format is canonical. */
export function sameBytes(what: string, input: Uint8Array, encoded: Uint8Array): void {
  if (Buffer.compare(Buffer.from(input.buffer, input.byteOffset, input.byteLength), Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength)) !== 0) {
    throw new PropertyViolation(`${what}: decode -> encode changed the bytes\n in  ${Buffer.from(input).toString('hex').slice(0, 400)}\n out ${Buffer.from(encoded).toString('hex').slice(0, 400)}`);
  }
}

export function check(cond: boolean, what: string): void {
  if (!cond) throw new PropertyViolation(what);
}

/** First byte picks among `n` choices; the rest is the payload. */
export function split(data: Uint8Array, n: number): [number, Buffer] {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return b.length === 0 ? [0, b] : [b[0]! % n, b.subarray(1)];
}
