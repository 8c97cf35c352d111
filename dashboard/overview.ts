/**
 * The main page: headline figures, hash-rate charts, current payouts, this node's miners,
 * recent blocks, the best and latest shares, peers and merged mining.
 */
import { isHash, type FairStats, type LocalStats } from './api';
import { ChartPanel } from './chart-panel';
import { pickKey } from './charts';
import { fill, h, minerLink, shareLink, stat, table, type Child } from './dom';
import { ago, coins, difficulty, duration, hashRate, percent, shortAddress, shortHash, targetToDifficulty } from './format';
import { explorerLink, isBlockShare, isOwnMiner, localRate, staleLabel } from './page-helpers';
import type { Snapshot } from './snapshot';

export class OverviewPage {
  private readonly stats = h('div', { class: 'stats', id: 'stats' });
  private readonly payouts = h('div');
  private readonly miners = h('div');
  private readonly blocks = h('div');
  private readonly shares = h('div');
  private readonly peers = h('div');
  private readonly merged = h('section', { class: 'card', id: 'merged', hidden: true });
  /** Fair networks only: recent links and the shares they reference (uncles, sub-shares). */
  private readonly references = h('section', { class: 'card', id: 'references', hidden: true });
  private readonly poolChart = new ChartPanel(
    'Pool hash rate',
    [{ stream: 'pool_rates', as: 'pool' }],
    [
      { label: 'good', color: '#3ddc97', pick: pickKey('pool.good'), fill: true },
      { label: 'dead on arrival', color: '#ff6b6b', pick: pickKey('pool.doa') },
      { label: 'orphaned', color: '#ffb454', pick: pickKey('pool.orphan') },
    ],
    'H/s',
    'pool-chart',
  );
  private readonly localChart = new ChartPanel(
    'This node’s hash rate',
    [
      { stream: 'local_hash_rate', as: 'rate' },
      { stream: 'local_dead_hash_rate', as: 'dead' },
    ],
    [
      { label: 'total', color: '#f7931a', pick: pickKey('rate'), fill: true },
      { label: 'dead', color: '#ff6b6b', pick: pickKey('dead') },
    ],
    'H/s',
    'local-chart',
  );

  mount(root: HTMLElement): void {
    fill(
      root,
      this.stats,
      h('div', { class: 'grid two' }, this.poolChart.el, this.localChart.el),
      h('div', { class: 'grid two' }, h('section', { class: 'card', id: 'payouts' }, h('h2', null, 'Current payouts'), h('p', { class: 'hint' }, 'What each address gets if the pool finds a block now. This node’s miners are highlighted.'), this.payouts), h('section', { class: 'card', id: 'miners' }, h('h2', null, 'Miners on this node'), this.miners)),
      this.references,
      h('div', { class: 'grid two' }, h('section', { class: 'card', id: 'blocks' }, h('h2', null, 'Recent blocks'), this.blocks), h('section', { class: 'card', id: 'shares' }, h('h2', null, 'Share explorer'), this.shares)),
      h('div', { class: 'grid two' }, h('section', { class: 'card', id: 'peers' }, h('h2', null, 'Peers'), this.peers), this.merged),
    );
  }

  async update(s: Snapshot): Promise<void> {
    this.renderStats(s);
    this.renderPayouts(s);
    this.renderMiners(s);
    this.renderBlocks(s);
    this.renderShares(s);
    this.renderPeers(s);
    this.renderMerged(s);
    this.renderReferences(s);
    await Promise.all([this.poolChart.refresh(), this.localChart.refresh()]);
  }

  destroy(): void {
    this.poolChart.destroy();
    this.localChart.destroy();
  }

  private renderStats(s: Snapshot): void {
    const l = s.local;
    const g = s.global;
    const local = localRate(s);
    const pool = g?.pool_hash_rate ?? null;
    const sym = s.currency.symbol;
    const minerCount = Object.keys(l.miner_hash_rates).length;
    const found = l.blocks?.found;
    const fair = l.fair;
    fill(
      this.stats,
      stat('Pool hash rate', hashRate(pool), g ? `${percent(g.pool_stale_prop)} ${fair ? 'uncles (paid)' : 'stale'}` : 'waiting for 10 shares', 'pool-rate'),
      stat('This node', hashRate(local), `${minerCount} miner${minerCount === 1 ? '' : 's'}`, 'local-rate'),
      fair
        ? stat('Share difficulty', `${difficulty(fair.floor_difficulty)} – ${difficulty(fair.link_difficulty)}`, `each miner its own, floor to link${g ? ` · block: ${difficulty(g.network_block_difficulty)}` : ''}`, 'share-difficulty')
        : stat('Share difficulty', difficulty(g?.min_difficulty), g ? `block: ${difficulty(g.network_block_difficulty)}` : undefined, 'share-difficulty'),
      fair ? stat('References', String(fair.references.uncles + fair.references.sub_shares), `${fair.references.sub_shares} sub-shares · ${fair.references.uncles} uncles in ${fair.references.links} links`, 'references-count') : null,
      stat('Time to share', local ? duration(l.attempts_to_share / local) : '–', 'expected, this node', 'time-to-share'),
      stat('Time to block', pool ? duration(l.attempts_to_block / pool) : '–', 'expected, whole pool', 'time-to-block'),
      stat('Block value', coins(l.block_value, sym), `fee ${l.fee}% · donation ${percent(l.donation_proportion)}`, 'block-value'),
      fair
        ? stat('Shares', String(l.shares.total), `${fair.our_shares.paid} paid · ${fair.our_shares.waiting} waiting · ${fair.our_shares.unpaid} unpaid`, 'shares')
        : stat('Shares', String(l.shares.total), `${l.shares.orphan} orphan · ${l.shares.dead} dead · efficiency ${percent(l.efficiency)}`, 'shares'),
      stat('Blocks', String(s.blocks.length), found !== undefined ? blocksDetail(l.blocks!) : 'in the share window', 'blocks-found'),
      stat('Peers', String(l.peers.incoming + l.peers.outgoing), `${l.peers.outgoing} out · ${l.peers.incoming} in`, 'peers'),
    );
  }

  private renderPayouts(s: Snapshot): void {
    const entries = Object.entries(s.payouts).sort((a, b) => b[1] - a[1]);
    const total = entries.reduce((a, [, v]) => a + v, 0);
    fill(
      this.payouts,
      table(
        ['address', 'payout', 'share'],
        entries.map(([addr, v]) => [
          h('span', null, minerLink(addr, shortAddress(addr)), isOwnMiner(s, addr) ? h('span', { class: 'tag' }, 'this node') : null),
          coins(v, s.currency.symbol),
          h('div', { class: 'bar', title: percent(total ? v / total : 0) }, h('div', { class: 'bar-fill', style: `width:${total ? ((v / total) * 100).toFixed(1) : 0}%` }), h('span', null, percent(total ? v / total : 0))),
        ]),
        'No payouts yet: the sharechain is empty.',
        (i) => (isOwnMiner(s, entries[i]![0]) ? 'own' : null),
      ),
    );
  }

  private renderMiners(s: Snapshot): void {
    const l = s.local;
    if (l.fair) return this.renderFairMiners(s, l.fair);
    const addrs = new Set([...Object.keys(l.miner_hash_rates), ...Object.keys(l.miner_last_difficulties)]);
    const rows = [...addrs]
      .sort((a, b) => (l.miner_hash_rates[b] ?? 0) - (l.miner_hash_rates[a] ?? 0))
      .map((a): Child[] => {
        const rate = l.miner_hash_rates[a] ?? 0;
        const dead = l.miner_dead_hash_rates[a] ?? 0;
        return [minerLink(a, shortAddress(a)), hashRate(rate), percent(rate ? dead / rate : 0), difficulty(l.miner_last_difficulties[a])];
      });
    fill(this.miners, table(['address', 'hash rate', 'dead', 'last difficulty'], rows, 'No miner is connected to this node.'));
  }

  /**
   * Fair networks: each miner's own share difficulty and coinbase class, and what it can expect:
   * its payout if a block is found now, per day at its hash rate, and the time to its next share.
   */
  private renderFairMiners(s: Snapshot, fair: FairStats): void {
    const sym = s.currency.symbol;
    const rows = Object.entries(fair.miners)
      .sort((a, b) => b[1].hash_rate - a[1].hash_rate)
      .map(([name, m]): Child[] => [
        minerLink(m.address, shortAddress(name)),
        hashRate(m.hash_rate),
        difficulty(m.share_difficulty),
        String(m.max_outputs),
        coins(m.expected_payout, sym),
        m.expected_payout_per_day === null ? '–' : coins(m.expected_payout_per_day, sym),
        duration(m.expected_time_to_share),
      ]);
    fill(
      this.miners,
      h('p', { class: 'hint' }, 'Each miner mines at its own share difficulty (about 20 shares per window); a payout if the pool finds a block now, and per day at its hash rate.'),
      table(['miner', 'hash rate', 'share difficulty', 'outputs', 'payout now', 'per day', 'next share'], rows, 'No miner is connected to this node.'),
    );
  }

  /** Fair networks: the newest links of the best chain and the uncles and sub-shares each references. */
  private renderReferences(s: Snapshot): void {
    const fair = s.local.fair;
    this.references.hidden = !fair;
    if (!fair) return;
    const rows: Child[][] = [];
    for (const l of fair.recent_links.slice(0, 12)) {
      rows.push([
        shareLink(l.hash, shortHash(l.hash)),
        String(l.height),
        minerLink(l.payout_address, shortAddress(l.payout_address)),
        ago(l.timestamp, s.time),
        h(
          'span',
          { class: 'refs' },
          l.block ? h('span', { class: 'tag block' }, 'block') : null,
          l.references.length === 0 ? '–' : null,
          l.references.map((r) =>
            h('span', { class: 'ref', 'data-kind': r.kind }, shareLink(r.hash, shortHash(r.hash)), h('span', { class: r.kind === 'uncle' ? 'tag warn' : 'tag' }, r.kind), r.payout_address ? ` ${shortAddress(r.payout_address)}` : ''),
          ),
        ),
      ]);
    }
    fill(
      this.references,
      h('h2', null, 'Uncles and sub-shares'),
      h('p', { class: 'hint' }, `Links reference the shares that did not make the chain (uncles: links that lost a race; sub-shares: shares easier than a link) within ${fair.reference_depth} links; referenced work is paid in full. Last hour: ${fair.references.sub_shares} sub-shares and ${fair.references.uncles} uncles in ${fair.references.links} links (${fair.references.per_link.toFixed(2)} per link).`),
      table(['link', 'height', 'miner', 'when', 'references'], rows, 'No links yet.'),
    );
  }

  private renderBlocks(s: Snapshot): void {
    const rows = s.blocks
      .slice()
      .sort((a, b) => b.ts - a.ts)
      .slice(0, 12)
      .map((b): Child[] => [String(b.number), ago(b.ts, s.time), explorerLink(s.currency.block_explorer_url_prefix, b.hash, shortHash(b.hash)), isHash(b.share) ? shareLink(b.share, 'share') : '–']);
    fill(this.blocks, table(['height', 'found', 'block', ''], rows, 'No block found in the share window yet.'));
  }

  private renderShares(s: Snapshot): void {
    const best = s.recentShares[0];
    const blockShares = new Set(s.blocks.map((b) => b.share));
    const rows = s.recentShares.slice(0, 15).map((sh): Child[] => [
      shareLink(sh.hash, shortHash(sh.hash)),
      minerLink(sh.share_data.payout_address, shortAddress(sh.share_data.payout_address)),
      ago(sh.share_data.timestamp, s.time),
      difficulty(targetToDifficulty(sh.share_data.target)),
      h('span', null, isBlockShare(sh, blockShares) ? h('span', { class: 'tag block' }, 'block') : null, sh.share_data.stale_info ? h('span', { class: 'tag warn' }, staleLabel(sh.share_data.stale_info)) : null),
    ]);
    fill(
      this.shares,
      best
        ? h(
            'p',
            { class: 'best' },
            'Best share ',
            shareLink(best.hash, shortHash(best.hash)),
            ` at height ${best.share_data.absheight}, by `,
            minerLink(best.share_data.payout_address, shortAddress(best.share_data.payout_address)),
            `, ${ago(best.share_data.timestamp, s.time)}. Click a share to walk the chain.`,
          )
        : h('p', { class: 'empty' }, 'No shares yet.'),
      rows.length ? table(['share', 'miner', 'when', 'difficulty', ''], rows, '') : null,
    );
  }

  private renderPeers(s: Snapshot): void {
    const addrs = Object.keys(s.peerVersions).sort();
    fill(this.peers, table(['peer', 'version', 'ping'], addrs.map((a): Child[] => [a, s.peerVersions[a] ?? '–', s.pings[a] !== undefined ? `${s.pings[a]!.toFixed(1)} ms` : '–']), 'No peers connected.'));
  }

  private renderMerged(s: Snapshot): void {
    this.merged.hidden = s.merged.length === 0;
    if (!s.merged.length) return;
    fill(
      this.merged,
      h('h2', null, 'Merged mining'),
      table(
        ['chain', 'blocks accepted', 'rejected', 'last error'],
        s.merged.map((m): Child[] => [h('span', { title: String(m.url) }, `chain ${m.chainId}`), String(m.accepted), String(m.rejected), m.lastError ? String(m.lastError) : '–']),
        '',
      ),
    );
  }
}

/**
 * This node's blocks: found, and of them any that lost a same-height race (bitcoind already
 * had a block there: not a rejection) or were rejected.
 */
function blocksDetail(b: NonNullable<LocalStats['blocks']>): string {
  const parts = [`${b.found} found by this node`];
  if (b.lost_race) parts.push(`${b.lost_race} lost a race`);
  if (b.rejected) parts.push(`${b.rejected} rejected`);
  return parts.join(' · ');
}
