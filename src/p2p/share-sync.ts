/**
 * Share download (docs/protocol.md#messages, `download_shares`): while the tracker wants
 * missing parents (the sharechain's `desired`; for the fair rules also missing references), ask a peer for them with `sharereq`, in bounded
 * batches, until the chain is complete. The peer that sent the child is asked first (it has
 * the parents), else a random peer; `stops` are our chain heads and their 10th parents (first
 * 100) so the peer stops where we already have shares.
 *
 * Differences from the reference, on purpose: the batch is a fixed size (default 500) instead
 * of random.randrange(500), a few requests may be in flight at once (different hashes), and a
 * peer that answered with nothing for a hash is not asked for it again for a while.
 */
import { displayHexToHash } from '../bitcoin/hex.js';
import type { WantedShare } from '../sharechain/node-chain.js';
import type { WireShare } from './messages.js';
import type { Peer } from './peer.js';

export interface SyncSource {
  desired(): readonly WantedShare[];
  /** Current heads of every chain in the tracker. */
  heads(): string[];
  getHeight(hash: string): number;
  getNthParent(hash: string, n: number): string | null;
}

export interface ShareSyncOptions {
  source: SyncSource;
  /** Peers that finished the handshake. */
  peers: () => Peer[];
  peerByKey: (key: string) => Peer | undefined;
  /** Decode and add the shares a peer sent; false when the peer was dropped for them. */
  receive: (peer: Peer, shares: WireShare[]) => boolean;
  /** Ancestors asked for per request (parents); capped at 999 (reference 1000 // 1 - 1). */
  batch?: number;
  maxInFlight?: number;
  /** A peer that had nothing for a hash is not asked again for this long. */
  retryMs?: number;
  random?: () => number;
  log?: (level: 'debug' | 'info' | 'warn', msg: string) => void;
}

const MAX_STOPS = 100;

export class ShareSync {
  private readonly inFlight = new Set<string>();
  /** `${peer}|${hash}` -> ms until which not to ask that peer for that hash. */
  private readonly emptyFrom = new Map<string, number>();
  private stopped = false;
  requests = 0;
  received = 0;

  constructor(private readonly opts: ShareSyncOptions) {}

  stop(): void {
    this.stopped = true;
  }

  /** Request what is missing now (call when shares arrive, peers connect, or on a timer). */
  kick(): void {
    if (this.stopped) return;
    const max = this.opts.maxInFlight ?? 2;
    const random = this.opts.random ?? Math.random;
    const now = Date.now();
    for (const [k, until] of this.emptyFrom) if (until <= now) this.emptyFrom.delete(k);
    const wanted = this.opts.source.desired().filter((d) => !this.inFlight.has(d.hash));
    // Random order, as the reference picks a random desired entry.
    for (let i = wanted.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [wanted[i], wanted[j]] = [wanted[j]!, wanted[i]!];
    }
    for (const d of wanted) {
      if (this.inFlight.size >= max) return;
      const peer = this.pickPeer(d, random);
      if (!peer) continue;
      this.request(peer, d.hash);
    }
  }

  private pickPeer(d: WantedShare, random: () => number): Peer | undefined {
    const usable = (p: Peer | undefined): p is Peer =>
      p !== undefined && p.isReady && !p.isClosed && !this.emptyFrom.has(`${p.key}|${d.hash}`);
    const sender = d.peer !== undefined ? this.opts.peerByKey(d.peer) : undefined;
    if (usable(sender)) return sender;
    const peers = this.opts.peers().filter(usable);
    return peers.length ? peers[Math.floor(random() * peers.length)] : undefined;
  }

  private stops(): Buffer[] {
    const src = this.opts.source;
    const set = new Set<string>();
    for (const head of src.heads()) {
      set.add(head);
      const tenth = src.getNthParent(head, Math.min(Math.max(0, src.getHeight(head) - 1), 10));
      if (tenth !== null) set.add(tenth);
    }
    return [...set].slice(0, MAX_STOPS).map(displayHexToHash);
  }

  private request(peer: Peer, hash: string): void {
    this.inFlight.add(hash);
    this.requests++;
    const parents = Math.min(999, Math.max(0, (this.opts.batch ?? 500) - 1));
    peer
      .requestShares([displayHexToHash(hash)], parents, this.stops())
      .then((reply) => {
        this.inFlight.delete(hash);
        if (reply.shares.length === 0) {
          this.emptyFrom.set(`${peer.key}|${hash}`, Date.now() + (this.opts.retryMs ?? 10_000));
        } else {
          this.received += reply.shares.length;
          if (!this.opts.receive(peer, reply.shares)) return;
        }
        this.kick();
      })
      .catch((e: unknown) => {
        this.inFlight.delete(hash);
        this.opts.log?.('debug', `share download from ${peer.key} failed: ${e instanceof Error ? e.message : String(e)}`);
        this.kick();
      });
  }
}
