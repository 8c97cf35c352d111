/**
 * Blocks that travel with shares (docs/sharechain.md#shares-that-are-blocks, docs/protocol.md#messages "Blocks are re-broadcast after 5 s",
 * docs/bitcoind.md; the reference's submit_block).
 *
 * - A share from a peer whose PoW meets its block target is rebuilt into a block
 *   (sharechain/share-block.ts) and handed to bitcoind, both ways as our own blocks are (P2P
 *   announce + RPC submitblock), once the share is verified (ORIG submits verified peer blocks;
 *   JT only logs them). It is rebuildable when its template had no transactions or when one
 *   of our recent templates has exactly its merkle link. As the reference's spread(), only a
 *   block on the tip bitcoind gave us is worth it; one bitcoind already has is left alone.
 * - A block our own miners found (PoolWork submits it at once) is offered to bitcoind again
 *   after 5 s unless bitcoind has it by then: a submission lost to a restart or a dropped link
 *   is not a lost block.
 */
import type { Bitcoind } from '../chain/bitcoind.js';
import type { BitcoindP2p } from '../chain/bitcoind-p2p.js';
import type { BlockTemplate } from '../chain/block-template.js';
import type { TemplateSource } from '../chain/template-source.js';
import type { P2PNode } from '../p2p/p2p-node.js';
import type { ChainShare, NodeSharechain } from '../sharechain/node-chain.js';
import type { ShareHash } from '../sharechain/types.js';
import type { NodeWork } from '../work/work-source.js';
import type { LogFunction } from './logger.js';

export interface PeerBlockDeps {
  /** The sharechain, v35 or fair (it rebuilds its shares' blocks). */
  chain: NodeSharechain;
  work: NodeWork;
  templates: TemplateSource;
  bitcoind: Bitcoind;
  bitcoindP2p: BitcoindP2p;
  p2p: P2PNode;
  log: LogFunction;
  /** Delay before our own block is offered again (reference 5 s). */
  resubmitMs?: number;
}

/** Reference: found blocks are spread again after 5 s. */
const RESUBMIT_MS = 5_000;
/** Templates kept to match a peer block's merkle link (the tip changes, fees refresh). */
const TEMPLATES_KEPT = 4;
/** Peer block shares waiting to be verified; older or more are dropped. */
const MAX_PENDING = 64;
const PENDING_MS = 10 * 60_000;

/** Start watching; returns a function that stops it. */
export function watchPeerBlocks(deps: PeerBlockDeps): () => void {
  const { chain, templates, p2p, work, log } = deps;
  const recent: BlockTemplate[] = [];
  /** Peer block shares not yet verified: hash -> when first seen. */
  const pending = new Map<ShareHash, number>();
  const handled = new Set<ShareHash>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const remember = (t: BlockTemplate | null): void => {
    if (!t || recent[0] === t) return;
    recent.unshift(t);
    recent.length = Math.min(recent.length, TEMPLATES_KEPT);
  };
  remember(templates.current);

  // A share's hash is its header's sha256d: the block hash too.
  const describe = (s: ChainShare): string => s.hash;

  /** Rebuild and hand to bitcoind; resolves with bitcoind's answer (null = accepted) or why not. */
  const submit = async (share: ChainShare, what: string): Promise<void> => {
    // Our own work's transaction sets too: a block of ours that left transactions out matches no template.
    const built = chain.rebuildBlock(share, [...recent, ...work.recentBodies()], Math.floor(Date.now() / 1000));
    if (!built.ok) {
      log('warn', `${what} ${describe(share)} cannot be rebuilt, not submitted: ${built.reason}`);
      return;
    }
    deps.bitcoindP2p.announceBlock(built.block);
    try {
      const answer = await deps.bitcoind.submitBlock(built.block);
      // BIP22 "duplicate": bitcoind had it already (often through the P2P announce just made).
      if (answer === null || answer === 'duplicate') log('info', `${what} ${describe(share)} accepted by bitcoind${answer ? ' (it had it already)' : ''}`);
      else log('warn', `${what} ${describe(share)} refused by bitcoind: ${answer}`);
    } catch (e) {
      log('warn', `${what} ${describe(share)} could not be submitted: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const tryPeerBlock = (hash: ShareHash): void => {
    const share = chain.get(hash);
    if (!share) {
      // Not held (yet): a fair share waiting for its parent or references is not served by get().
      if (!chain.has(hash)) pending.delete(hash);
      return;
    }
    if (!chain.isVerified(hash)) return;
    pending.delete(hash);
    handled.add(hash);
    const tip = templates.current?.previousBlockHash;
    const from = chain.peerOf(hash) ?? 'a peer';
    if (tip && share.hashBytes.equals(tip)) {
      log('info', `GOT BLOCK FROM PEER ${from}: share ${describe(share)}, already bitcoind's tip`);
      return;
    }
    if (tip && !chain.prevBlockOf(share).equals(tip)) {
      log('info', `GOT BLOCK FROM PEER ${from}: share ${describe(share)} on an older block; not submitted`);
      return;
    }
    log('info', `GOT BLOCK FROM PEER ${from}! Passing to bitcoind: share ${describe(share)}`);
    void submit(share, 'peer block');
  };

  const onShares = (shares: ChainShare[]): void => {
    const now = Date.now();
    for (const s of shares) {
      if (handled.has(s.hash) || pending.has(s.hash) || !chain.isBlock(s)) continue;
      pending.set(s.hash, now);
      if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value!);
    }
    for (const h of [...pending.keys()]) tryPeerBlock(h);
  };

  /** Shares are verified as their ancestors arrive: look again whenever the best share moves. */
  const onBest = (): void => {
    const now = Date.now();
    for (const [h, t] of [...pending]) {
      if (now - t > PENDING_MS) pending.delete(h);
      else tryPeerBlock(h);
    }
    if (handled.size > 4 * MAX_PENDING) handled.clear();
  };

  /** Our own share that is a block: PoolWork submitted it; look again in 5 s. */
  const onOwnShare = (share: ChainShare): void => {
    if (!chain.isBlock(share)) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (stopped) return;
      void (async () => {
        try {
          if ((await deps.bitcoind.getBlockHeader(share.hashBytes)) !== null) return;
        } catch {
          // bitcoind unreachable: offering the block is all we can do (the P2P link keeps it).
        }
        if (!stopped) await submit(share, 'our block, offered again after 5 s:');
      })();
    }, deps.resubmitMs ?? RESUBMIT_MS);
    timers.add(timer);
  };

  const onTemplate = (): void => remember(templates.current);
  templates.on('template', onTemplate);
  p2p.on('shares', onShares);
  chain.on('best', onBest);
  work.on('share', onOwnShare);
  return () => {
    stopped = true;
    templates.off('template', onTemplate);
    p2p.off('shares', onShares);
    chain.off('best', onBest);
    work.off('share', onOwnShare);
    for (const t of timers) clearTimeout(t);
  };
}
