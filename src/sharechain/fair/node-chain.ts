/**
 * The fair rules behind the node's sharechain interface (src/sharechain/node-chain.ts): calls go
 * to FairChainState and its tracker. Heights, heads and ancestors are the links' (sub-shares hang
 * off links and are never a parent). Besides the best link, the P2P layer relays every share
 * verified within the reference horizon (`fresh`): sub-shares and uncles are paid only once a
 * link references them, so every node must see them in time (docs/fair-sharechain.md#references).
 */
import { EventEmitter } from 'node:events';
import type { ChainShare, NodeSharechain, NodeSharechainEvents, ShareBlock, ShareBlockBody, WantedShare } from '../node-chain.js';
import type { FairChainState } from './chain-state.js';
import type { FairNetwork } from './networks.js';
import { decodeFairShare } from './share.js';
import { isFairBlock, rebuildFairShareBlock } from './share-block.js';
import type { FairShare, ShareHash } from './types.js';

type Listener<K extends keyof NodeSharechainEvents> = (...args: NodeSharechainEvents[K]) => void;

/** The peer each share came from is remembered for this many shares (logs, the explorer). */
const MAX_PEERS_KEPT = 20_000;

export class FairSharechain implements NodeSharechain {
  readonly rules = 'fair' as const;
  private readonly relay = new EventEmitter<{ fresh: [shares: ChainShare[]] }>();
  private readonly peers = new Map<ShareHash, string>();

  constructor(readonly state: FairChainState, readonly net: FairNetwork) {
    state.on('verified', (shares) => {
      const fresh = this.withinHorizon(shares);
      if (fresh.length > 0) this.relay.emit('fresh', fresh);
    });
  }

  get best(): ShareHash | null {
    return this.state.best;
  }

  get desired(): readonly WantedShare[] {
    return this.state.desired;
  }

  load(): number {
    return this.state.load();
  }

  decode(raw: Uint8Array, nowMs: number): FairShare {
    return decodeFairShare(raw, this.net, nowMs);
  }

  addShares(shares: readonly ChainShare[], peer?: string): FairShare[] {
    const fresh = this.state.addShares(shares as readonly FairShare[], peer);
    if (peer !== undefined) {
      for (const s of fresh) {
        this.peers.set(s.hash, peer);
        if (this.peers.size > MAX_PEERS_KEPT) this.peers.delete(this.peers.keys().next().value!);
      }
    }
    return fresh;
  }

  has(hash: ShareHash): boolean {
    return this.state.tracker.has(hash);
  }

  isVerified(hash: ShareHash): boolean {
    return this.state.tracker.isVerified(hash);
  }

  get(hash: ShareHash): FairShare | undefined {
    return this.state.tracker.share(hash);
  }

  height(hash: ShareHash | null): number {
    return this.state.tracker.linkDepth(hash);
  }

  heads(): ShareHash[] {
    return [...this.state.tracker.links.heads().keys()];
  }

  nthParent(hash: ShareHash, n: number): ShareHash | null {
    return this.state.tracker.nthLink(hash, n);
  }

  isAncestor(ancestor: ShareHash, hash: ShareHash): boolean {
    const links = this.state.tracker.links;
    return links.has(ancestor) && links.has(hash) && links.isAncestor(ancestor, hash);
  }

  peerOf(hash: ShareHash): string | undefined {
    return this.peers.get(hash);
  }

  isBlock(share: ChainShare): boolean {
    return isFairBlock(share as FairShare);
  }

  prevBlockOf(share: ChainShare): Buffer {
    return (share as FairShare).header.prevBlock;
  }

  rebuildBlock(share: ChainShare, bodies: readonly ShareBlockBody[], nowSeconds: number): ShareBlock {
    return rebuildFairShareBlock(share as FairShare, this.state.tracker, this.net, bodies, nowSeconds);
  }

  /**
   * Shares a link built on the best one (or just below it) may still reference: a share whose
   * height is within H of the best link's. Older ones (a download's history) are not relayed.
   */
  private withinHorizon(shares: readonly FairShare[]): FairShare[] {
    const best = this.state.bestShare;
    if (!best) return [...shares];
    const lowest = best.info.height - this.net.refDepth;
    return shares.filter((s) => s.info.height > lowest);
  }

  on<K extends keyof NodeSharechainEvents>(event: K, listener: Listener<K>): this {
    if (event === 'fresh') this.relay.on('fresh', listener as Listener<'fresh'>);
    else this.state.on(event as 'best', listener as Listener<'best'>);
    return this;
  }

  prependListener<K extends keyof NodeSharechainEvents>(event: K, listener: Listener<K>): this {
    if (event === 'fresh') this.relay.prependListener('fresh', listener as Listener<'fresh'>);
    else this.state.prependListener(event as 'best', listener as Listener<'best'>);
    return this;
  }

  off<K extends keyof NodeSharechainEvents>(event: K, listener: Listener<K>): this {
    if (event === 'fresh') this.relay.off('fresh', listener as Listener<'fresh'>);
    else this.state.off(event as 'best', listener as Listener<'best'>);
    return this;
  }
}
