import { describe, expect, it } from 'vitest';
import { ShareTracker } from '../../src/sharechain/tracker.js';
import { desiredVersionCounts } from '../../src/sharechain/version-switch.js';
import {
  VoteCounter,
  shouldGenerateSuccessor,
  shouldRaiseMinProtocol,
  switchAccepted,
  switchWindowCounts,
  switchoverImminent,
  unsupportedMajorityWarning,
} from '../../src/sharechain/votes.js';
import { makeChain } from '../support/synthetic-shares.js';

describe('desired_version vote counts', () => {
  it('equal the walking count for every window along a chain with forks', () => {
    const t = new ShareTracker({ chainLength: 50 }, () => 1);
    const votes = new VoteCounter(t);
    const chain = makeChain(300, null, (i) => ({ work: BigInt(1 + (i % 5)), desiredVersion: i % 3 === 0 ? 36 : 35 }));
    const fork = makeChain(20, chain[250]!.hash, (i) => ({ desiredVersion: 36, salt: `f${i}` }));
    for (const s of [...chain, ...fork]) t.add(s);
    for (const s of [...chain, ...fork, chain[260]!]) {
      for (const dist of [5, 30]) expect(votes.counts(s.hash, dist)).toEqual(desiredVersionCounts(t, s.hash, dist));
    }
  });

  it('applies the 60% / 65% / 95% thresholds on work', () => {
    const c = new Map([[35, 40n], [36, 60n]]);
    expect(switchAccepted(c, 36)).toBe(true);
    expect(switchAccepted(new Map([[35, 41n], [36, 59n]]), 36)).toBe(false);
    expect(switchoverImminent(c, 36)).toBe(false);
    expect(switchoverImminent(new Map([[35, 34n], [36, 66n]]), 36)).toBe(true);
    expect(shouldGenerateSuccessor(new Map([[35, 5n], [36, 95n]]), 36)).toBe(false); // needs > 95%
    expect(shouldGenerateSuccessor(new Map([[35, 4n], [36, 96n]]), 36)).toBe(true);
    expect(shouldRaiseMinProtocol(new Map([[35, 5n], [36, 95n]]), 36)).toBe(true); // >= 95%
  });

  it('reads the validation window from the oldest tenth of CHAIN_LENGTH', () => {
    const L = 100;
    const t = new ShareTracker({ chainLength: L }, () => 1);
    const votes = new VoteCounter(t);
    // Oldest 10 of the 100 below the tip vote 36 with weight 3, the rest 35.
    const chain = makeChain(101, null, (i) => ({ work: i >= 1 && i <= 10 ? 3n : 1n, desiredVersion: i >= 1 && i <= 10 ? 36 : 35 }));
    for (const s of chain) t.add(s);
    const prev = chain[100]!.hash;
    expect(switchWindowCounts(t, votes, prev, L)).toEqual(new Map([[36, 30n]]));
    expect(switchWindowCounts(t, votes, chain[50]!.hash, L)).toBeNull();
  });

  it('warns when the majority of recent work votes for a version we do not support', () => {
    const t = new ShareTracker({ chainLength: 100 }, () => 1);
    const votes = new VoteCounter(t);
    const chain = makeChain(120, null, (i) => ({ desiredVersion: i >= 60 ? 99 : 35 }));
    for (const s of chain) t.add(s);
    const net = { chainLength: 100, sharePeriod: 30 }; // window min(100, 3600//30=120, height)
    const w = unsupportedMajorityWarning(votes, t, chain[119]!.hash, net, [35]);
    expect(w).toMatchObject({ version: 99, percent: 60 });
    expect(w!.message).toMatch(/A MAJORITY OF SHARES CONTAIN A VOTE FOR AN UNSUPPORTED SHARE IMPLEMENTATION! \(v99 with 60% support\)/);
    expect(unsupportedMajorityWarning(votes, t, chain[119]!.hash, net, [35, 99])).toBeNull();
    expect(unsupportedMajorityWarning(votes, t, chain[80]!.hash, net, [35])).toBeNull(); // 21 of 81
  });
});
