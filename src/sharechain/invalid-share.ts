/**
 * InvalidShare: a share that must be rejected, with a one-line reason naming what is wrong.
 * Kept in its own module so the share identity code (share.ts) and verification (verify.ts,
 * which re-exports it as part of its contract) can both throw it without an import cycle.
 */
export class InvalidShare extends Error {
  override readonly name = 'InvalidShare';
  constructor(readonly reason: string, readonly shareHash?: string) {
    super(shareHash ? `share ${shareHash}: ${reason}` : reason);
  }
}
