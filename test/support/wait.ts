/** Poll `fn` every 20 ms until it returns something truthy; reject naming `what` after `ms`. */
export async function waitFor<T>(what: string, fn: () => T | null | undefined | false, ms = 30_000): Promise<NonNullable<T>> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
