/** Small judgements several pages make the same way. */
import { h } from './dom';
import { hashValue } from './format';
import type { WalkedShare } from './share-walk';
import type { Snapshot } from './snapshot';

/** This node's hash rate: the sum over its miners (the reference's local rate, docs/api.md). */
export function localRate(s: Snapshot): number {
  return Object.values(s.local.miner_hash_rates).reduce((a, b) => a + b, 0);
}

/** A miner of this node: it mines here now, or it is the node's own payout address. */
export function isOwnMiner(s: Snapshot, address: string): boolean {
  return address in s.local.miner_hash_rates || address in s.local.miner_last_difficulties || s.payoutAddrs.includes(address);
}

/** A share that is also a block: listed by /recent_blocks, or its hash meets the header's target. */
export function isBlockShare(share: WalkedShare, blockShares: Set<string>): boolean {
  if (blockShares.has(share.hash)) return true;
  const target = share.block.header.target;
  return typeof target === 'number' && target > 0 && hashValue(share.hash) <= target;
}

/** stale_info as the reference names it (docs/sharechain.md#stale-accounting): 253 orphan, 254 doa. */
export function staleLabel(v: unknown): string {
  if (v === 'orphan' || v === 253) return 'orphan';
  if (v === 'doa' || v === 254) return 'dead on arrival';
  return String(v);
}

/**
 * A link to the currency's block explorer, when it has one (currency_info, docs/api.md). Regtest's
 * prefix is "#", which would collide with our own hash routes: then the hash is plain text.
 */
export function explorerLink(prefix: string, id: string, label: string): HTMLElement {
  if (/^https?:\/\//i.test(prefix)) return h('a', { href: prefix + id, class: 'hash', target: '_blank', rel: 'noopener noreferrer', title: id }, label);
  return h('span', { class: 'hash', title: id }, label);
}
