/**
 * A peer's transaction bookkeeping (docs/protocol.md#messages; the reference's have_tx / losing_tx / remember_tx /
 * forget_tx). Share v35 carries no transactions, so we never use them; we only keep the
 * reference's limits so a peer cannot make us hold unbounded memory:
 * - have_tx adds to the peer's known set, capped at 10,000 entries (oldest dropped);
 * - losing_tx removes from it;
 * - remember_tx costs 100 + size per transaction against 25,000,000 bytes (JT); over that is
 *   misbehaviour; a transaction remembered twice, or a hash we do not know, disconnects;
 * - forget_tx frees what remember_tx took.
 * We keep sizes, not transactions.
 */
import { hashToDisplayHex } from '../bitcoin/hex.js';
import { txid, txSize, type Transaction } from '../bitcoin/transaction.js';

export const MAX_REMOTE_TX_HASHES = 10_000;
/** JT max_remembered_txs_size. */
export const MAX_REMEMBERED_TXS_SIZE = 25_000_000;
const PER_TX_OVERHEAD = 100;

export type TxVerdict = { ok: true } | { ok: false; reason: string; misbehaved: boolean };

export class PeerTxs {
  private readonly remoteHashes = new Set<string>();
  private readonly remembered = new Map<string, number>();
  private rememberedSize = 0;

  get knownCount(): number {
    return this.remoteHashes.size;
  }

  get rememberedBytes(): number {
    return this.rememberedSize;
  }

  haveTx(hashes: readonly Buffer[]): void {
    for (const h of hashes) {
      const k = h.toString('hex');
      this.remoteHashes.delete(k);
      this.remoteHashes.add(k);
      if (this.remoteHashes.size > MAX_REMOTE_TX_HASHES) this.remoteHashes.delete(this.remoteHashes.values().next().value!);
    }
  }

  losingTx(hashes: readonly Buffer[]): void {
    for (const h of hashes) this.remoteHashes.delete(h.toString('hex'));
  }

  rememberTx(hashes: readonly Buffer[], txs: readonly Transaction[]): TxVerdict {
    // We know no transactions (no v<34 shares are built here), so any hash-only reference is
    // one we cannot resolve: the reference disconnects on "unknown transaction".
    if (hashes.length > 0) return { ok: false, reason: `remember_tx referenced unknown transaction ${hashToDisplayHex(hashes[0]!)}`, misbehaved: false };
    for (const tx of txs) {
      const k = txid(tx).toString('hex');
      if (this.remembered.has(k)) return { ok: false, reason: 'remember_tx referenced a transaction twice', misbehaved: false };
      const cost = PER_TX_OVERHEAD + txSize(tx);
      this.remembered.set(k, cost);
      this.rememberedSize += cost;
      if (this.rememberedSize > MAX_REMEMBERED_TXS_SIZE) {
        return { ok: false, reason: `remember_tx over the ${MAX_REMEMBERED_TXS_SIZE}-byte limit`, misbehaved: true };
      }
    }
    return { ok: true };
  }

  forgetTx(hashes: readonly Buffer[]): void {
    for (const h of hashes) {
      const k = h.toString('hex');
      const cost = this.remembered.get(k);
      if (cost === undefined) continue;
      this.remembered.delete(k);
      this.rememberedSize -= cost;
    }
  }
}
