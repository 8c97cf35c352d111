/**
 * The P2P layer on the fair rules (docs/protocol.md#on-the-fair-networks), over real TCP on
 * loopback with real fair chains (test/support/fair-chain-builder.ts): a node that joins late
 * downloads the links and every sub-share and uncle they reference (missing references are
 * `desired` like missing parents) and ends on the same best link; a new sub-share is relayed at
 * once although the best link does not change, and the next link referencing it follows; a peer
 * that sends an invalid fair share is disconnected as misbehaving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FairChainState } from '../../src/sharechain/fair/chain-state.js';
import { getFairNetwork } from '../../src/sharechain/fair/networks.js';
import { FairSharechain } from '../../src/sharechain/fair/node-chain.js';
import { P2PNode, type P2PNet } from '../../src/p2p/p2p-node.js';
import { PROTOCOL_VERSION } from '../../src/p2p/peer.js';
import { FairTestChain, forgeFair, testScript } from '../support/fair-chain-builder.js';
import { waitFor } from '../support/wait.js';
import { RawPeer } from './p2p-support.js';

const net = getFairNetwork('regtest-fair');
const p2pNet: P2PNet = { ...net, minimumProtocolVersion: PROTOCOL_VERSION, chainLength: net.windowLinks };

interface FairNode {
  state: FairChainState;
  p2p: P2PNode;
  logs: string[];
}

const started: FairNode[] = [];

async function fairNode(src: FairTestChain, connect: string[] = []): Promise<FairNode> {
  const state = new FairChainState({ net, now: () => (src.clock + 60) * 1000 });
  const logs: string[] = [];
  const p2p = new P2PNode({
    net: p2pNet,
    chain: new FairSharechain(state, net),
    port: 0,
    host: '127.0.0.1',
    connect,
    subVersion: 'test',
    dialIntervalMs: 50,
    log: (level, msg) => logs.push(`${level}: ${msg}`),
  });
  await p2p.start();
  const n = { state, p2p, logs };
  started.push(n);
  return n;
}

afterEach(async () => {
  for (const n of started.splice(0)) await n.p2p.stop();
});

describe('P2P on the fair rules', () => {
  it('a late node downloads links and their references, and gets new sub-shares and links as they come', async () => {
    const src = new FairTestChain(net);
    let top = src.grow(null, 12, 2);
    // An uncle: a second link on top's parent, referenced by the next link.
    const uncle = src.add({ parent: top.prevHash, payoutScript: testScript(40), kind: 'link', nonceStart: 777_777 });
    top = src.link(top.hash, 41);
    expect(top.refHashes).toContain(uncle.hash);
    const all = [...src.tracker.links.items()].flatMap((l) => [l.share, ...[...src.tracker.childrenOf(l.share.hash)].filter((c) => !c.isLink)]);
    const a = await fairNode(src);
    a.state.addShares(all);
    expect(a.state.best).toBe(top.hash);

    const b = await fairNode(src, [`127.0.0.1:${a.p2p.port}`]);
    await waitFor('b on a\'s best link', () => b.state.best === top.hash, 10_000);
    expect(b.state.tracker.verifiedCount).toBe(a.state.tracker.verifiedCount);
    expect(b.state.tracker.subShareCount).toBeGreaterThan(10);
    expect(b.state.classify(uncle.hash)).toMatchObject({ status: 'referenced', kind: 'uncle' });

    // A sub-share: the best link stays, yet it reaches b at once.
    const sub = src.sub(top.hash, 50);
    a.state.addShares([sub]);
    await waitFor('the sub-share on b', () => b.state.tracker.isVerified(sub.hash), 2_000);
    expect(b.state.best).toBe(top.hash);
    const next = src.link(top.hash, 51);
    expect(next.refHashes).toContain(sub.hash);
    a.state.addShares([next]);
    await waitFor('the next link on b', () => b.state.best === next.hash, 2_000);
    expect(b.state.classify(sub.hash)).toMatchObject({ status: 'referenced', by: next.hash });
  });

  it('disconnects a peer that sends an invalid fair share', async () => {
    const src = new FairTestChain(net);
    const g = src.link(null, 1);
    const a = await fairNode(src);
    a.state.addShares([g]);
    const bad = forgeFair(net, src.tracker, { parent: g.hash, payoutScript: testScript(5), timestamp: src.clock + 1, kind: 'link' }, (i) => (i.subsidy -= 7));
    const peer = await RawPeer.open(a.p2p.port, '127.0.0.1', net.prefix);
    peer.sendVersion(0x77n, g.hashBytes);
    await waitFor('a\'s answer', () => peer.commands().includes('version'), 5_000);
    peer.send({ command: 'shares', shares: [{ type: bad.version, raw: bad.raw }] });
    await peer.closed;
    expect(a.logs.join('\n')).toMatch(/misbehaved \(sent an invalid share: coinbase doesn't match hash_link/);
    expect(a.state.best).toBe(g.hash);
  });
});
