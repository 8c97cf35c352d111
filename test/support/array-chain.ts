/**
 * A naive, obviously-correct ChainView over a Map: every query walks the chain share by share.
 * Linear per call, so only for tests (and for cross-checking the tracker's fast structures).
 * Semantics follow the reference forest (docs/sharechain.md#the-tracker) and the ChainView contract in types.ts.
 */
import type { ChainView, CumulativeWeights, Share, ShareHash } from '../../src/sharechain/types.js';

export class ArrayChain implements ChainView {
  readonly shares = new Map<ShareHash, Share>();

  constructor(shares: Iterable<Share> = []) {
    for (const s of shares) this.add(s);
  }

  add(share: Share): this {
    this.shares.set(share.hash, share);
    return this;
  }

  remove(hash: ShareHash): void {
    this.shares.delete(hash);
  }

  get(hash: ShareHash): Share | undefined {
    return this.shares.get(hash);
  }

  /** The shares from `hash` down (hash first), while they are known. */
  *walk(hash: ShareHash | null): Generator<Share> {
    let h = hash;
    while (h !== null) {
      const s = this.shares.get(h);
      if (!s) return;
      yield s;
      h = s.prevHash;
    }
  }

  getHeight(hash: ShareHash | null): number {
    let n = 0;
    for (const _ of this.walk(hash)) n++;
    return n;
  }

  /**
   * null when the chain below `hash` ends at a share without a parent (rooted); otherwise the
   * hash of the first missing share (as the reference's get_height_and_last).
   */
  getLast(hash: ShareHash | null): ShareHash | null {
    let h = hash;
    while (h !== null) {
      const s = this.shares.get(h);
      if (!s) return h;
      h = s.prevHash;
    }
    return null;
  }

  getNthParent(hash: ShareHash | null, n: number): ShareHash | null {
    let h = hash;
    for (let i = 0; i < n; i++) {
      if (h === null) return null;
      const s = this.shares.get(h);
      if (!s) return null;
      h = s.prevHash;
    }
    return h;
  }

  sumMinWork(hash: ShareHash, count: number): bigint {
    let sum = 0n;
    let i = 0;
    for (const s of this.walk(hash)) {
      if (i++ >= count) break;
      sum += s.minWork;
    }
    return sum;
  }

  /** Reference WeightsSkipList semantics, one share at a time (docs/sharechain.md#pplns). */
  cumulativeWeights(start: ShareHash | null, maxShares: number, desiredWeight: bigint): CumulativeWeights {
    const weights = new Map<string, bigint>();
    let total = 0n;
    let donation = 0n;
    let count = 0;
    const add = (payee: string, w: bigint): void => {
      const v = (weights.get(payee) ?? 0n) + w;
      if (v === 0n) weights.delete(payee);
      else weights.set(payee, v);
    };
    for (const s of this.walk(start)) {
      if (count >= maxShares || total >= desiredWeight) break;
      const d = BigInt(s.shareInfo.shareData.donation);
      const w = s.work * (65535n - d);
      const tw = s.work * 65535n;
      const dw = s.work * d;
      count++;
      if (total + tw > desiredWeight) {
        // The last share counts only for the part of its work that fits (pro-rated).
        const room = (desiredWeight - total) / 65535n;
        add(s.payee, (room * w) / (tw / 65535n));
        donation += (room * dw) / (tw / 65535n);
        total = desiredWeight;
        break;
      }
      add(s.payee, w);
      total += tw;
      donation += dw;
    }
    return { weights, totalWeight: total, donationWeight: donation };
  }
}
