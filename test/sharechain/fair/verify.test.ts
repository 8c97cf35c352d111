/**
 * The chain rules of docs/fair-sharechain.md#validation (steps 13-20), each accepted and
 * rejected with its reason, on shares mined with real hashing on regtest-fair.
 */
import { describe, expect, it } from 'vitest';
import { getFairNetwork } from '../../../src/sharechain/fair/networks.js';
import { InvalidShare, verifyFairShare } from '../../../src/sharechain/fair/verify.js';
import type { FairShare } from '../../../src/sharechain/fair/types.js';
import { FairTestChain, forgeFair, testScript } from '../../support/fair-chain-builder.js';

const net = getFairNetwork('regtest-fair');

function reasonOf(chain: FairTestChain, share: FairShare, now = chain.clock + 60): string {
  try {
    verifyFairShare(share, chain.tracker, net, { now });
    return 'valid';
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidShare);
    return (e as InvalidShare).reason;
  }
}

describe('fair verification: chain rules', () => {
  const chain = new FairTestChain(net);
  const g = chain.link(null, 1);
  const l: FairShare[] = [g];
  for (let i = 0; i < 6; i++) {
    if (i === 1) chain.sub(l[l.length - 1]!.hash, 40);
    // Six more payees, so that the window of a share on l[6] has more than K - 1 = 10.
    if (i === 5) for (let j = 0; j < 6; j++) chain.sub(l[l.length - 1]!.hash, 80 + j);
    l.push(chain.link(l[l.length - 1]!.hash, 2 + i));
  }
  // heights: g=1, l[1]=2 ... l[6]=7; l[2] (height 3) references the sub-share mined on l[1].
  const referenced = l[2]!.refHashes[0]!;
  // A sub-share on l[1] (height 2) that nobody has referenced yet.
  const late = chain.mine({ parent: l[1]!.hash, payoutScript: testScript(50), kind: 'sub-share' }).share;
  chain.state.addShares([late]);
  const spec = (parent: FairShare, extra: Record<string, unknown> = {}) => ({ parent: parent.hash, payoutScript: testScript(60), timestamp: chain.clock + 1, kind: 'link' as const, ...extra });

  it('an honest link and an honest sub-share verify', () => {
    expect(reasonOf(chain, chain.mine({ parent: l[6]!.hash, payoutScript: testScript(7), kind: 'link' }).share)).toBe('valid');
    expect(reasonOf(chain, chain.mine({ parent: l[6]!.hash, payoutScript: testScript(7, 'p2tr'), kind: 'sub-share' }).share)).toBe('valid');
    expect(referenced).toBeDefined();
  });

  it('13: a timestamp more than 300 s ahead of the clock', () => {
    const s = chain.mine({ parent: l[6]!.hash, payoutScript: testScript(7), kind: 'link', timestamp: chain.clock + 1000 }).share;
    const ts = s.info.timestamp;
    expect(reasonOf(chain, s, ts - 300)).toBe('valid');
    expect(reasonOf(chain, s, ts - 301)).toBe('share timestamp is 301 seconds in the future');
  });

  it('14: a first share must be a link; a parent must be a known link', () => {
    const firstSub = new FairTestChain(net).mine({ parent: null, payoutScript: testScript(1), kind: 'sub-share', desiredTarget: net.maxTarget });
    expect(reasonOf(chain, firstSub.share)).toBe('a first share must be a link');
    const orphanParent = new FairTestChain(net, chain.clock).grow(null, 2);
    const elsewhere = new FairTestChain(net, chain.clock);
    elsewhere.state.addShares([]);
    expect(reasonOf(elsewhere, orphanParent)).toMatch(/^previous share [0-9a-f]{64} unknown$/);
    const sub = chain.sub(l[6]!.hash, 70);
    const onSub = forgeFair(net, chain.tracker, spec(l[6]!, { refs: [] }), (i) => (i.prevShare = Buffer.from(sub.hashBytes)));
    expect(reasonOf(chain, onSub)).toBe(`parent ${sub.hash} is a sub-share`);
  });

  it('15-16: height follows the parent; the timestamp is after the parent\'s', () => {
    expect(reasonOf(chain, forgeFair(net, chain.tracker, spec(l[6]!), (i) => (i.height = 9)))).toBe('height 9, expected 8');
    const ts = l[6]!.info.timestamp;
    expect(reasonOf(chain, forgeFair(net, chain.tracker, spec(l[6]!), (i) => (i.timestamp = ts)))).toBe(`timestamp ${ts} not after the parent's ${ts}`);
  });

  it('17: link_bits and floor_bits are the derived ones', () => {
    const link = forgeFair(net, chain.tracker, { ...spec(l[6]!), desiredTarget: 1n << 240n }, (i) => (i.linkBits = 0x1f7fffff));
    expect(reasonOf(chain, link)).toBe('link_bits mismatch: expected 200fffff, got 1f7fffff');
    const floor = forgeFair(net, chain.tracker, { ...spec(l[6]!), desiredTarget: 1n << 240n }, (i) => (i.floorBits = 0x2100ff00));
    expect(reasonOf(chain, floor)).toBe('floor_bits mismatch: expected 2100ffff, got 2100ff00');
  });

  it('18: a reference must be known, off the chain, fork at most H = 4 links below, and not referenced yet', () => {
    const unknown = Buffer.alloc(32, 0x55);
    expect(reasonOf(chain, forgeFair(net, chain.tracker, spec(l[6]!), (i) => (i.refs = [unknown]))))
      .toBe(`ref ${Buffer.from(unknown).reverse().toString('hex')} unknown`);
    expect(reasonOf(chain, forgeFair(net, chain.tracker, spec(l[6]!, { refs: [l[5]!.hashBytes] }), () => {}))).toBe(`ref ${l[5]!.hash} is on the link's own chain`);
    // `late` forks at l[1] (height 2): a link on l[4] has height 6 (6 - 2 = 4, allowed), on l[5] height 7 (too deep).
    expect(reasonOf(chain, forgeFair(net, chain.tracker, spec(l[4]!, { refs: [late.hashBytes] }), () => {}))).toBe('valid');
    expect(reasonOf(chain, forgeFair(net, chain.tracker, spec(l[5]!, { refs: [late.hashBytes] }), () => {})))
      .toBe(`ref ${late.hash} forks from the chain more than 4 links below`);
    const dup = Buffer.from(referenced, 'hex').reverse();
    expect(reasonOf(chain, forgeFair(net, chain.tracker, spec(l[2]!, { refs: [dup] }), () => {}))).toBe(`ref ${referenced} already referenced by ${l[2]!.hash}`);
    // l[4]'s chain includes l[2] within H - 1 = 3 links too.
    expect(reasonOf(chain, forgeFair(net, chain.tracker, spec(l[4]!, { refs: [dup] }), () => {}))).toBe(`ref ${referenced} already referenced by ${l[2]!.hash}`);
  });

  it('18: a sub-share\'s references are not looked up', () => {
    const sub = forgeFair(net, chain.tracker, { ...spec(l[6]!), kind: 'sub-share', refs: [Buffer.alloc(32, 0x66)] }, () => {});
    expect(sub.isLink).toBe(false);
    // Its own refs are only checked in form; its coinbase is what counts.
    expect(reasonOf(chain, sub)).toBe('valid');
  });

  it('19-20: a coinbase that is not the one the chain gives', () => {
    expect(chain.tracker.payoutBase(l[6]!.hash, 1n << 255n).payees.length).toBeGreaterThan(10);
    for (const mutate of [
      (i: { subsidy: number }) => (i.subsidy -= 1),
      (i: { maxOutputs: number }) => (i.maxOutputs = 11),
    ]) {
      const s = forgeFair(net, chain.tracker, spec(l[6]!), mutate as never);
      expect(reasonOf(chain, s)).toMatch(/^coinbase doesn't match hash_link: the payouts rebuilt from the chain differ/);
    }
    // With no finder bonus, a share's own payee enters its coinbase only through the floors'
    // dust, which goes to the first output when the payee has none: another payee new to the
    // window gives the same payouts, so the share is still valid.
    expect(reasonOf(chain, forgeFair(net, chain.tracker, spec(l[6]!), ((i: { payoutScript: Buffer }) => (i.payoutScript = testScript(61))) as never))).toBe('valid');
  });
});
