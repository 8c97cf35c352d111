/**
 * A peer vanishes mid-download (issue 17's fault drills): node D syncs a chain of 8,640 shares
 * (a day of 10 s shares, bitcoin's CHAIN_LENGTH) from its only peer A; halfway through A goes
 * away without a word (its sockets destroyed). Another peer, C, holding the same chain, then
 * connects. D must go on from where it was, asking C only for what it does not have: shares it
 * already holds are not downloaded again, and it ends on the chain's tip with every share verified. Real shares (the chain builder), real
 * sockets, our P2P nodes in this process.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ChainState } from '../../src/sharechain/chain-state.js';
import type { P2PoolNetwork } from '../../src/sharechain/networks.js';
import { P2PNode } from '../../src/p2p/p2p-node.js';
import { buildChain, emptyTemplate, type ShareSpec } from '../support/chain-builder.js';
import { ADDRESSES, net as regtest } from '../p2p/p2p-support.js';
import { waitFor } from '../support/wait.js';

/** Regtest's shares (CPU-minable) with bitcoin's chain length, so the download is 8,640 deep. */
const CHAIN_LENGTH = 8640;
const net: P2PoolNetwork = { ...regtest, chainLength: CHAIN_LENGTH };
const BATCH = 500;

const nodes: P2PNode[] = [];
afterAll(async () => {
  for (const n of nodes) await n.stop();
});

async function start(chain: ChainState, connect: string[] = []): Promise<P2PNode> {
  const p2p = new P2PNode({ net, chain, port: 0, host: '127.0.0.1', subVersion: 'test', dialIntervalMs: 50, connect, syncBatch: BATCH, log: () => undefined });
  await p2p.start();
  nodes.push(p2p);
  return p2p;
}

describe('a peer vanishes mid-download', () => {
  it('resumes from another peer without downloading again what it already has', async () => {
    const t0 = Date.now();
    const specs: ShareSpec[] = [];
    const tStart = Math.floor(Date.now() / 1000) - CHAIN_LENGTH * 10 - 600;
    for (let i = 0; i < CHAIN_LENGTH; i++) specs.push({ address: ADDRESSES[i % 2]!, timestamp: tStart + i * 10 });
    const { shares } = buildChain(net, emptyTemplate(), specs);
    const tip = shares.at(-1)!.hash;
    console.log(`built ${shares.length} shares in ${Date.now() - t0} ms`);

    const chainA = new ChainState({ net });
    chainA.addShares(shares);
    const chainC = new ChainState({ net });
    chainC.addShares(shares);
    expect(chainA.best).toBe(tip);
    const a = await start(chainA);

    const chainD = new ChainState({ net });
    const d = await start(chainD, [`127.0.0.1:${a.port}`]);
    const tDownload = Date.now();
    await waitFor('D halfway', () => chainD.tracker.size >= CHAIN_LENGTH / 2, 120_000);
    // A vanishes: no goodbye, its sockets just go.
    await a.stop();
    const haveAtLoss = chainD.tracker.size;
    const receivedAtLoss = d.sync.received;
    expect(haveAtLoss).toBeLessThan(CHAIN_LENGTH);
    await waitFor('D without peers', () => d.readyPeers().length === 0, 10_000);

    // C comes (it dials D: D's only peer was A).
    await start(chainC, [`127.0.0.1:${d.port}`]);
    await waitFor('D on the tip with the whole chain', () => chainD.best === tip && chainD.tracker.size === CHAIN_LENGTH, 120_000);
    const fromC = d.sync.received - receivedAtLoss;
    const fresh = CHAIN_LENGTH - haveAtLoss;
    console.log(`D had ${haveAtLoss} shares when A vanished; then received ${fromC} from C for ${fresh} it lacked; whole download ${Date.now() - tDownload} ms`);
    // Nothing D held was sent again: C walked from D's lowest missing parent down.
    expect(fromC - fresh).toBeLessThanOrEqual(0);
    expect(fromC).toBeGreaterThanOrEqual(fresh);
    let verified = 0;
    for (const s of shares) if (chainD.tracker.isVerified(s.hash)) verified++;
    expect(verified).toBe(CHAIN_LENGTH);
  }, 240_000);
});
