/**
 * References (docs/fair-sharechain.md#references): what an honest link references, the R_MAX
 * cap and its priority, and references a link omits rolling over to the next links.
 */
import { describe, expect, it } from 'vitest';
import { getFairNetwork } from '../../../src/sharechain/fair/networks.js';
import { selectRefs } from '../../../src/sharechain/fair/refs.js';
import { FairTestChain, testScript } from '../../support/fair-chain-builder.js';

const net = getFairNetwork('regtest-fair');

describe('fair references', () => {
  it('an honest link references every admissible share: sub-shares within H, uncles and their sub-shares, not what is referenced or on the chain', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1);
    const l1 = chain.link(g.hash, 2);
    const uncle = chain.add({ parent: g.hash, payoutScript: testScript(3), kind: 'link', nonceStart: 7777 });
    const onUncle = chain.sub(uncle.hash, 4);
    const onG = chain.sub(g.hash, 5);
    const onL1 = chain.sub(l1.hash, 6);
    const l2 = chain.link(l1.hash, 7);
    expect(new Set(l2.refHashes)).toEqual(new Set([uncle.hash, onUncle.hash, onG.hash, onL1.hash]));
    // Wire order: ascending bytes.
    const bytes = l2.info.refs.map((b) => b.toString('hex'));
    expect([...bytes].sort()).toEqual(bytes);
    // The next link has nothing left to reference.
    expect(selectRefs(chain.tracker, net, l2.hash)).toEqual([]);
    // A sub-share on g is admissible from links up to height 1 + 4 = 5, not 6.
    const lateOnG = chain.mine({ parent: g.hash, payoutScript: testScript(8), kind: 'sub-share' }).share;
    const l3 = chain.link(l2.hash, 9); // height 4
    chain.state.addShares([lateOnG]);
    expect(selectRefs(chain.tracker, net, l3.hash).map((b) => Buffer.from(b).reverse().toString('hex'))).toEqual([lateOnG.hash]);
    const l4 = chain.link(l3.hash, 10, { refs: [] }); // height 5, omits it
    expect(selectRefs(chain.tracker, net, l4.hash)).toEqual([]); // a link at height 6 may not
  });

  it('at most R_MAX = 60: the lowest fork point first, then the most work', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1);
    const l1 = chain.link(g.hash, 2);
    const old = chain.sub(g.hash, 3); // fork point g: expires first
    const heavy = [0, 1, 2, 3, 4].map((i) => chain.sub(l1.hash, 10 + i, { desiredTarget: l1.linkTarget << 2n }));
    const spam = Array.from({ length: 70 }, (_, i) => chain.sub(l1.hash, 100 + i));
    const refs = selectRefs(chain.tracker, net, l1.hash).map((b) => Buffer.from(b).reverse().toString('hex'));
    expect(refs).toHaveLength(60);
    expect(refs).toContain(old.hash);
    for (const h of heavy) expect(refs).toContain(h.hash);
    expect(spam.filter((s) => refs.includes(s.hash))).toHaveLength(54);
    // The next link takes the 16 left over.
    const l2 = chain.link(l1.hash, 5);
    expect(l2.refHashes).toHaveLength(60);
    const l3 = chain.link(l2.hash, 6);
    expect(l3.refHashes).toHaveLength(16);
  });

  it('a reference a link omits rolls over to the next link, which gets the includer bonus', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1);
    const s = chain.sub(g.hash, 2);
    const l1 = chain.link(g.hash, 3, { refs: [] });
    const l2 = chain.link(l1.hash, 4);
    expect(l2.refHashes).toEqual([s.hash]);
    const w = chain.tracker.windowWeights(l2.hash, 1n << 300n).weights;
    expect(w.get(s.payee)).toBe(10n * s.work);
    expect(w.get(l2.payee)).toBe(10n * l2.work + s.work);
    expect(w.get(l1.payee)).toBe(10n * l1.work);
  });
});
