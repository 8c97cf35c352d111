/**
 * A node that joins late holds the chain it downloads as pending until it is deep enough for a
 * sync base (docs/fair-sharechain.md#sync-base). On bitcoin-fair that is a whole window of links
 * and their sub-shares (~27,000 shares in the simulated network): the pending cap must hold it,
 * and still be a bound.
 */
import { describe, expect, it } from 'vitest';
import { getFairNetwork } from '../../../src/sharechain/fair/networks.js';
import { FairTracker } from '../../../src/sharechain/fair/tracker.js';
import type { FairShare } from '../../../src/sharechain/fair/types.js';

/** Only what the tracker reads of a share it queues: its hash and what it waits for. */
function waitingShare(i: number): FairShare {
  return { hash: `share-${i}`, prevHash: `share-${i + 1}`, refHashes: [] } as unknown as FairShare;
}

describe('the fair tracker\'s pending shares', () => {
  it('hold a downloaded bitcoin-fair chain deep enough for a sync base, and stay bounded', () => {
    const net = getFairNetwork('bitcoin-fair');
    const tracker = new FairTracker(net, () => {
      throw new Error('nothing here is verified: every share waits for its parent');
    });
    // From the tip down, as a download goes: three shares per link over the depth a sync base needs.
    const needed = (net.windowLinks + net.refDepth + 1) * 3;
    for (let i = 0; i < needed; i++) expect(tracker.add(waitingShare(i))).toBe(true);
    expect(tracker.pendingCount).toBe(needed);
    expect(tracker.has('share-0')).toBe(true);
    // A flood past the cap drops the oldest, so the count stops growing.
    for (let i = needed; i < needed * 3; i++) tracker.add(waitingShare(i));
    const cap = tracker.pendingCount;
    expect(cap).toBeLessThan(needed * 3);
    tracker.add(waitingShare(needed * 3));
    expect(tracker.pendingCount).toBe(cap);
    expect(tracker.has('share-0')).toBe(false);
  });
});
