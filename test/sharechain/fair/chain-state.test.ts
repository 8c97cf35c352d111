/**
 * The fair chain state (docs/fair-sharechain.md#chain-choice, #classification): shares arriving
 * out of order, invalid ones and what builds on them, the heaviest chain with references
 * counted, first-seen ties, where each share stands, pruning, and reloading from the store.
 */
import { describe, expect, it } from 'vitest';
import { FairChainState } from '../../../src/sharechain/fair/chain-state.js';
import { getFairNetwork, withFairRules } from '../../../src/sharechain/fair/networks.js';
import { ShareStore } from '../../../src/sharechain/store.js';
import { FairTestChain, forgeFair, testScript } from '../../support/fair-chain-builder.js';

const net = getFairNetwork('regtest-fair');

describe('fair chain state', () => {
  it('verifies a share once its parent and references arrive, in any order, and asks for them', () => {
    const src = new FairTestChain(net);
    const g = src.link(null, 1);
    const s1 = src.sub(g.hash, 2);
    const l1 = src.link(g.hash, 3);
    expect(l1.refHashes).toEqual([s1.hash]);
    const l2 = src.link(l1.hash, 4);

    const dst = new FairChainState({ net, now: () => (src.clock + 60) * 1000 });
    const events: Array<string | null> = [];
    dst.on('best', (b) => events.push(b));
    dst.addShares([l2, l1], 'peerA');
    expect(dst.best).toBe(null);
    expect(dst.desired.map((d) => d.hash).sort()).toEqual([g.hash, s1.hash].sort());
    expect(dst.desired.every((d) => d.peer === 'peerA')).toBe(true);
    dst.addShares([g], 'peerB');
    expect(dst.best).toBe(g.hash); // l1 still waits for its reference
    dst.addShares([s1], 'peerB');
    expect(dst.best).toBe(l2.hash);
    expect(events).toEqual([g.hash, l2.hash]);
    expect(dst.tracker.verifiedCount).toBe(4);
    expect(dst.desired).toEqual([]);
  });

  it('drops an invalid share, and every share built on it or referencing it, naming the peer', () => {
    const src = new FairTestChain(net);
    const g = src.link(null, 1);
    const bad = forgeFair(net, src.tracker, { parent: g.hash, payoutScript: testScript(5), timestamp: src.clock + 1, kind: 'link' }, (i) => (i.subsidy -= 7));
    const dst = new FairChainState({ net, now: () => (src.clock + 60) * 1000 });
    dst.addShares([g]);
    const bads: Array<[string, string]> = [];
    dst.on('bad', (peer, reason) => bads.push([peer, reason]));
    // A child of the bad share arrives first (it waits), then the bad share.
    const child = forgeFair(net, src.tracker, { parent: g.hash, payoutScript: testScript(6), timestamp: src.clock + 2, kind: 'link', refs: [] }, (i) => {
      i.prevShare = Buffer.from(bad.hashBytes);
      i.height = 3;
    });
    dst.addShares([child], 'peerX');
    dst.addShares([bad], 'peerY');
    expect(bads[0]![0]).toBe('peerY');
    expect(bads[0]![1]).toMatch(/coinbase doesn't match hash_link/);
    expect(bads[1]).toEqual(['peerX', `depends on invalid share ${bad.hash} (${bads[0]![1]})`]);
    expect(dst.best).toBe(g.hash);
    // Sent again: refused at once, not verified again.
    expect(dst.addShares([bad], 'peerY')).toEqual([]);
  });

  it('chooses the chain with the most work, references included (GHOST-like), then the first seen', () => {
    const src = new FairTestChain(net);
    const g = src.link(null, 1);
    // Two competing links on g: A references nothing, B references four sub-shares (more weight).
    const subs = [src.sub(g.hash, 10), src.sub(g.hash, 11), src.sub(g.hash, 12), src.sub(g.hash, 13)];
    const a = src.mine({ parent: g.hash, payoutScript: testScript(2), kind: 'link', refs: [] }).share;
    const b = src.mine({ parent: g.hash, payoutScript: testScript(3), kind: 'link' }).share;
    expect(b.refHashes).toHaveLength(4);
    const dst = new FairChainState({ net, now: () => (src.clock + 60) * 1000 });
    dst.addShares([g, ...subs]);
    dst.addShares([a]);
    expect(dst.best).toBe(a.hash);
    dst.addShares([b]);
    expect(dst.best).toBe(b.hash);
    // Two links on A without references still weigh less than B with its four references
    // when the sub-shares carry more work than a link: check with the tracker's weights.
    const w = (h: string): bigint => dst.tracker.links.getWork(h);
    expect(w(b.hash)).toBe(w(g.hash) + b.work + subs.reduce((s, x) => s + x.work, 0n));
    // Equal weight: the first seen stays best.
    src.state.addShares([a, b]);
    const c1 = src.mine({ parent: b.hash, payoutScript: testScript(4), kind: 'link', refs: [], desiredTarget: b.linkTarget }).share;
    const c2 = src.mine({ parent: b.hash, payoutScript: testScript(4), kind: 'link', refs: [], desiredTarget: b.linkTarget, nonceStart: 100_000 }).share;
    expect(c1.work).toBe(c2.work);
    // Seen a second apart (dst's clock follows src's): with the same clock the lower hash decides.
    dst.addShares([c2]);
    src.clock += 1;
    dst.addShares([c1]);
    expect(dst.best).toBe(c2.hash);
  });

  it('classifies shares: on chain, referenced uncle and sub-share, referenceable, orphaned, pending, unknown', () => {
    const chain = new FairTestChain(net);
    const g = chain.link(null, 1);
    const l1 = chain.link(g.hash, 2);
    const uncle = chain.add({ parent: g.hash, payoutScript: testScript(3), kind: 'link', nonceStart: 9999 });
    const sub = chain.sub(l1.hash, 4);
    let top = chain.link(l1.hash, 5);
    chain.state.update();
    expect(chain.state.best).toBe(top.hash);
    expect(top.refHashes.sort()).toEqual([uncle.hash, sub.hash].sort());
    expect(chain.state.classify(l1.hash)).toEqual({ status: 'chain', kind: 'link' });
    expect(chain.state.classify(uncle.hash)).toEqual({ status: 'referenced', kind: 'uncle', by: top.hash });
    expect(chain.state.classify(sub.hash)).toEqual({ status: 'referenced', kind: 'sub-share', by: top.hash });
    // A sub-share on top, not referenced yet: referenceable until 4 links pass.
    const fresh = chain.sub(top.hash, 6);
    const pending = chain.mine({ parent: top.hash, payoutScript: testScript(7), kind: 'link' }).share;
    expect(chain.state.classify(fresh.hash)).toEqual({ status: 'referenceable', kind: 'sub-share' });
    for (let i = 0; i < 4; i++) top = chain.link(top.hash, 8, { refs: [] });
    expect(chain.state.classify(fresh.hash)).toEqual({ status: 'orphaned', kind: 'sub-share' });
    const withoutParent = new FairChainState({ net, now: () => (chain.clock + 60) * 1000 });
    withoutParent.addShares([pending]);
    expect(withoutParent.classify(pending.hash)).toEqual({ status: 'pending' });
    expect(chain.state.classify('00'.repeat(32))).toEqual({ status: 'unknown' });
  });

  it('prunes links far below the best one with their sub-shares, and tells the store', () => {
    const small = withFairRules(net, { windowLinks: 6, linkLookbehind: 4, floorLookbehind: 4 });
    const chain = new FairTestChain(small);
    const gone: string[] = [];
    chain.tracker.onRemove = (h) => gone.push(...h);
    const first = chain.link(null, 0);
    const firstSub = chain.sub(first.hash, 9);
    const top = chain.grow(first.hash, 30, 1);
    expect(chain.tracker.prune(top.hash, 10)).toBeGreaterThan(0);
    expect(gone).toContain(first.hash);
    expect(gone).toContain(firstSub.hash);
    expect(chain.tracker.links.size).toBeLessThanOrEqual(11);
    // Building on the best keeps working after the prune (windows are rebuilt).
    chain.link(top.hash, 3);
  });

  it('reloads and re-verifies its shares from the store', () => {
    const store = ShareStore.open(':memory:');
    const src = new FairTestChain(net);
    const a = new FairChainState({ net, store, now: () => (src.clock + 60) * 1000 });
    const g = src.link(null, 1);
    const s = src.sub(g.hash, 2);
    const l = src.link(g.hash, 3);
    a.addShares([g, s, l]);
    const b = new FairChainState({ net, store, now: () => (src.clock + 60) * 1000 });
    expect(b.load()).toBe(3);
    expect(b.best).toBe(l.hash);
    expect(b.tracker.verifiedCount).toBe(3);
    store.close();
  });

  it('starts from a sync base when the chain below the shares it holds is gone (a pruned peer, a pruned store)', () => {
    const small = withFairRules(net, { windowLinks: 6, linkLookbehind: 4, floorLookbehind: 4 });
    const store = ShareStore.open(':memory:');
    const src = new FairTestChain(small);
    const top = src.grow(null, 30, 1);
    const old = src.tracker.link(src.tracker.nthLink(top.hash, 14))!;
    // The source keeps 14 links (>= window 6 + H 4 + 1), like a peer that pruned its history.
    src.tracker.prune(top.hash, 13);
    const held = [...src.tracker.links.items()].map((i) => i.share);
    const subs = held.flatMap((l) => [...src.tracker.childrenOf(l.hash)].filter((c) => !c.isLink));
    const bottom = held.reduce((a, b) => (a.info.height < b.info.height ? a : b));
    const logs: string[] = [];
    const dst = new FairChainState({ net: small, store, now: () => (src.clock + 60) * 1000, log: (_l, m) => logs.push(m) });
    const checked: string[] = [];
    dst.on('verified', (v) => checked.push(...v.map((x) => x.hash)));
    // Newest first, as a download delivers them; the bottom's parent is asked for and never comes.
    dst.addShares([...held, ...subs].sort((a, b) => b.info.height - a.info.height), 'peer');
    expect(dst.syncBase).toEqual({ bottom: bottom.hash, height: bottom.info.height });
    expect(logs.join('\n')).toMatch(/^sync base: link [0-9a-f]{64} at height \d+/m);
    expect(dst.best).toBe(top.hash);
    // Everything from bottom + 6 + 4 up was verified, not assumed: the windows are exact.
    expect(checked).toContain(top.hash);
    expect(checked).not.toContain(bottom.hash);
    expect(dst.desired).toEqual([]);
    expect(dst.addShares([old])).toEqual([]);
    // A share the source builds next verifies on the destination, and older history is refused.
    const next = src.link(top.hash, 7);
    dst.addShares([next]);
    expect(dst.best).toBe(next.hash);
    // Restarted from its store (which never held the chain's bottom): the same base, the same best.
    const again = new FairChainState({ net: small, store, now: () => (src.clock + 60) * 1000 });
    again.load();
    expect(again.best).toBe(next.hash);
    store.close();
  });
});
