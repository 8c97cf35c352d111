/**
 * The share explorer (#/share/<hash>): one share as /web/share/<hash> gives it (docs/api.md), with links
 * to its parent, its children and its miner, so a user can walk the sharechain by clicking.
 */
import { getOptional, isShareHash, type ShareInfo } from './api';
import { fill, h, kvTable, minerLink, shareLink, type Child } from './dom';
import { ago, coins, difficulty, hashValue, shortHash, targetToDifficulty } from './format';
import { explorerLink, staleLabel } from './page-helpers';
import type { Poller, Snapshot } from './snapshot';

export class SharePage {
  private readonly body = h('div', { id: 'share-page' });
  private shown = false;

  constructor(private readonly hash: string) {}

  mount(root: HTMLElement): void {
    fill(root, h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← overview')), this.body);
  }

  async update(s: Snapshot, _poller: Poller): Promise<void> {
    // A share never changes, but its children do: refetch on each poll (one small request).
    // The reference answers an unknown share with 200 null; a 404 means the same.
    const info = isShareHash(this.hash) ? await getOptional<ShareInfo | null>(`/web/share/${this.hash}`, null) : null;
    if (!info || typeof info !== 'object' || !info.share_data || !info.block) {
      if (!this.shown) fill(this.body, h('h1', null, 'Share not found'), h('p', { class: 'empty' }, `This node does not know share ${this.hash.slice(0, 64)}: it is older than the window (pruned) or was never seen.`));
      return;
    }
    this.shown = true;
    this.render(info, s);
  }

  private render(x: ShareInfo, s: Snapshot): void {
    const d = x.share_data;
    const b = x.block;
    const sym = s.currency.symbol;
    const isBlock = s.blocks.some((r) => r.share === this.hash) || (b.header.target > 0 && hashValue(this.hash) <= b.header.target);
    const isBest = s.best === this.hash;
    const nav = h(
      'div',
      { class: 'share-nav' },
      isShareHash(x.parent) ? h('a', { href: `#/share/${x.parent}`, class: 'button', id: 'parent-link' }, '← parent') : h('span', { class: 'button disabled' }, 'first share known'),
      ...(x.children ?? []).filter(isShareHash).map((c) => h('a', { href: `#/share/${c}`, class: 'button child-link' }, `child ${shortHash(c)} →`)),
    );
    const rows: Array<[string, Child]> = [
      ['height', String(d.absheight)],
      ['miner', minerLink(d.payout_address)],
      ['time', `${new Date(d.timestamp * 1000).toLocaleString()} (${ago(d.timestamp, s.time)})`],
      ['difficulty', `${difficulty(targetToDifficulty(d.target))} (minimum ${difficulty(targetToDifficulty(d.max_target))})`],
      ['stale', d.stale_info ? staleLabel(d.stale_info) : 'no'],
      ['votes for share version', String(d.desired_version)],
      ['donation', `${(d.donation * 100).toFixed(2)}%`],
      ['first seen', x.local?.time_first_seen ? `${ago(x.local.time_first_seen, s.time)}${x.local.peer_first_received_from ? ` from ${x.local.peer_first_received_from}` : ' (found here)'}` : '–'],
      ['verified', x.local?.verified ? 'yes' : 'no'],
      ['far parent', isShareHash(x.far_parent) ? shareLink(x.far_parent, shortHash(x.far_parent)) : '–'],
    ];
    // Fair networks: link or sub-share, where it stands, and the references either way.
    if (x.kind !== undefined) {
      const links = (hashes: string[] | undefined): Child => {
        const list = (hashes ?? []).filter(isShareHash);
        return list.length ? h('span', { class: 'refs' }, list.map((r) => shareLink(r, shortHash(r)))) : 'none';
      };
      rows.splice(1, 0, ['kind', `${x.kind}${x.status ? ` (${x.status})` : ''}`]);
      rows.push(['references', links(x.references)], ['referenced by', links(x.referenced_by)]);
    }
    const blockRows: Array<[string, Child]> = [
      ['block hash', explorerLink(s.currency.block_explorer_url_prefix, b.hash, b.hash)],
      ['previous block', h('span', { class: 'hash' }, b.header.previous_block)],
      ['merkle root', h('span', { class: 'hash' }, b.header.merkle_root)],
      ['version', `0x${(b.header.version >>> 0).toString(16)}`],
      ['nonce', String(b.header.nonce)],
      ['block difficulty', difficulty(targetToDifficulty(b.header.target))],
      ['coinbase value', coins(b.gentx.value, sym)],
      ['coinbase script', h('span', { class: 'hash' }, b.gentx.coinbase)],
      ['generation tx', explorerLink(s.currency.tx_explorer_url_prefix, b.gentx.hash, b.gentx.hash)],
      ['other transactions', String(b.other_transaction_hashes?.length ?? 0)],
    ];
    fill(
      this.body,
      h(
        'h1',
        { class: 'share-title' },
        'Share ',
        h('span', { class: 'mono', title: this.hash }, shortHash(this.hash)),
        h('span', { class: 'tag' }, x.type_name),
        isBlock ? h('span', { class: 'tag block' }, 'block') : null,
        isBest ? h('span', { class: 'tag' }, 'best') : null,
      ),
      h('p', { class: 'hash full-hash' }, this.hash),
      nav,
      h('div', { class: 'grid two' }, h('section', { class: 'card' }, h('h2', null, 'Share'), kvTable(rows)), h('section', { class: 'card' }, h('h2', null, 'Block header and coinbase'), kvTable(blockRows))),
      b.gentx.raw && b.gentx.raw !== 'unknown' ? h('details', { class: 'card' }, h('summary', null, 'Raw generation transaction'), h('pre', { class: 'raw' }, b.gentx.raw)) : null,
    );
  }

  destroy(): void {}
}
