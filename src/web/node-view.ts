/**
 * What the web layer reads from the node: the parts of P2PoolNode (src/node/node.ts) the API,
 * the graphs and /metrics look at, as a structural type so the node satisfies it as it is and
 * tests can hand in the real node. The sharechain is read only through `stats`, whichever
 * rules it runs. Read-only by convention: nothing in src/web changes state.
 */
import type { ChainParams } from '../bitcoin/chain-params.js';
import type { AuxChainStats } from '../merged/merged-mining.js';
import type { PeerInfo } from '../p2p/p2p-node.js';
import type { StratumStats } from '../stratum/server.js';
import type { NodeWork } from '../work/work-source.js';
import type { ChainStats } from './chain-stats.js';

export interface NodeView {
  /** ms since epoch. */
  readonly startedAt: number;
  readonly payoutAddress: string;
  readonly config: { net: { name: string; parent: ChainParams; p2pPort: number }; feePercent: number; donationPercent: number; version: string };
  /** The sharechain's figures, for the rules it runs (v35-stats.ts or fair-stats.ts). */
  readonly stats: ChainStats;
  readonly work: NodeWork;
  readonly templates: {
    current: { coinbaseValue: number; bits: number; height: number } | null;
    stale: boolean;
    /** A new template arrived (the node's TemplateSource event). */
    on(event: 'template', listener: () => void): unknown;
    off(event: 'template', listener: () => void): unknown;
  };
  readonly stratum: {
    readonly sessions: ReadonlyArray<{ readonly miner: { username: string; address: string } | null; readonly difficulty: number }>;
    readonly stats: StratumStats;
  };
  readonly p2p: {
    peerInfo(): PeerInfo[];
    syncState(): string | null;
    syncProgress(): { downloaded: number; target: number; peers: number } | null;
    /** Bytes in and out over P2P since start (src/p2p/peer.ts P2PTraffic). */
    readonly traffic: { readonly bytesIn: number; readonly bytesOut: number };
    /** Early relay's counters (docs/protocol.md#early-relay). */
    readonly earlyRelay: { readonly shares: number; readonly sends: number; readonly failedVerification: number; readonly notBanned: number };
  } | null;
  readonly merged: { stats(): AuxChainStats[] } | null;
}
