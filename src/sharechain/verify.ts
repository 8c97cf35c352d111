/**
 * Full share verification against the chain below it (reference §1.6, JT rules for v34/v35).
 * STUB: signatures are final; bodies are being implemented.
 */
import type { Transaction } from '../bitcoin/transaction.js';
import type { P2PoolNetwork } from './networks.js';
import type { ChainView, Share } from './types.js';

/** A share that must be rejected; `reason` names what is wrong in one line. */
export class InvalidShare extends Error {
  override readonly name = 'InvalidShare';
  constructor(readonly reason: string, readonly shareHash?: string) {
    super(shareHash ? `share ${shareHash}: ${reason}` : reason);
  }
}

export interface VerifyOptions {
  /** Current time, seconds since epoch (shares more than 600 s in the future are rejected). */
  now: number;
}

/**
 * Rebuild the share's generation transaction and share_info from the chain below it and check
 * them against what the share claims. Returns the rebuilt gentx (with witness) on success;
 * throws InvalidShare otherwise. The share's parent must be in `chain` unless it has none.
 */
export function verifyShare(_share: Share, _chain: ChainView, _net: P2PoolNetwork, _opts: VerifyOptions): Transaction {
  throw new Error('not implemented');
}
