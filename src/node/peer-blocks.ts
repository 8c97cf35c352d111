/**
 * Blocks that travel with shares: a share from a peer whose PoW meets the block target is
 * rebuilt into a block and submitted to bitcoind when our node can (reference §4/§7), and a
 * block we found is offered to bitcoind again after a few seconds.
 * STUB: being implemented (issue 5).
 */
import type { Bitcoind } from '../chain/bitcoind.js';
import type { BitcoindP2p } from '../chain/bitcoind-p2p.js';
import type { TemplateSource } from '../chain/template-source.js';
import type { P2PNode } from '../p2p/p2p-node.js';
import type { ChainState } from '../sharechain/chain-state.js';
import type { P2PoolNetwork } from '../sharechain/networks.js';
import type { PoolWork } from '../work/pool-work.js';
import type { LogFunction } from './logger.js';

export interface PeerBlockDeps {
  net: P2PoolNetwork;
  chain: ChainState;
  work: PoolWork;
  templates: TemplateSource;
  bitcoind: Bitcoind;
  bitcoindP2p: BitcoindP2p;
  p2p: P2PNode;
  log: LogFunction;
}

/** Start watching; returns a function that stops it. */
export function watchPeerBlocks(_deps: PeerBlockDeps): () => void {
  return () => undefined;
}
