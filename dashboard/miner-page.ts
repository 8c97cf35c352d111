/**
 * One address's page (#/miner/<address>): its hash rate, its part of the PPLNS window, its
 * expected payout if a block is found now, and its shares among the recent ones.
 */
import { ChartPanel } from './chart-panel';
import { pickKey } from './charts';
import { fill, h, shareLink, stat, table, type Child } from './dom';
import { ago, coins, difficulty, duration, hashRate, percent, shortHash, targetToDifficulty } from './format';
import { explorerLink, isBlockShare, isOwnMiner, staleLabel } from './page-helpers';
import type { Poller, Snapshot } from './snapshot';

/** How far back the page walks the chain for this miner's shares (one request per new share). */
const WALK = 300;

export class MinerPage {
  private readonly head = h('div', { class: 'page-head' });
  private readonly stats = h('div', { class: 'stats', id: 'miner-stats' });
  private readonly shares = h('section', { class: 'card', id: 'miner-shares' });
  private readonly chart: ChartPanel;

  constructor(private readonly address: string) {
    this.chart = new ChartPanel(
      'Hash rate on this node',
      [
        { stream: 'miner_hash_rates', as: 'rate' },
        { stream: 'miner_dead_hash_rates', as: 'dead' },
      ],
      [
        { label: 'total', color: '#f7931a', pick: pickKey(`rate.${address}`), fill: true },
        { label: 'dead', color: '#ff6b6b', pick: pickKey(`dead.${address}`) },
      ],
      'H/s',
      'miner-chart',
    );
  }

  mount(root: HTMLElement): void {
    fill(root, h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← overview')), this.head, this.stats, this.chart.el, this.shares);
  }

  async update(s: Snapshot, poller: Poller): Promise<void> {
    const a = this.address;
    const own = isOwnMiner(s, a);
    const localRate = s.local.miner_hash_rates[a];
    const weight = s.users[a];
    const poolRate = s.global?.pool_nonstale_hash_rate ?? null;
    // A miner on another node: its part of the window's work times the pool's rate.
    const estimated = localRate === undefined && weight !== undefined && poolRate !== null ? weight * poolRate : null;
    const rate = localRate ?? estimated;
    const dead = s.local.miner_dead_hash_rates[a] ?? 0;
    // Fair networks: this address's miners on this node, with their own share difficulty.
    const fairMiners = Object.values(s.local.fair?.miners ?? {}).filter((m) => m.address === a);
    const fairDifficulty = fairMiners.length ? Math.min(...fairMiners.map((m) => m.share_difficulty)) : null;
    const perDay = fairMiners.reduce((x, m) => x + (m.expected_payout_per_day ?? 0), 0);
    fill(
      this.head,
      h('h1', { class: 'miner-address' }, h('span', { class: 'mono' }, a), own ? h('span', { class: 'tag' }, 'this node') : null),
      /^https?:\/\//i.test(s.currency.address_explorer_url_prefix) ? h('p', null, explorerLink(s.currency.address_explorer_url_prefix, a, 'view in the block explorer')) : null,
    );
    fill(
      this.stats,
      stat('Hash rate', hashRate(rate), localRate !== undefined ? `${percent(localRate ? dead / localRate : 0)} dead` : estimated !== null ? 'estimated from its share of the window' : 'not mining on this node', 'miner-rate'),
      stat('Expected payout', coins(s.payouts[a] ?? 0, s.currency.symbol), 'if the pool finds a block now', 'miner-payout'),
      stat('Share of the window', percent(weight ?? 0, 2), 'of the PPLNS work', 'miner-weight'),
      stat('Stale rate', percent(s.userStales[a] ?? null), 'over the whole chain', 'miner-stales'),
      s.local.fair
        ? stat('Share difficulty', difficulty(fairDifficulty), fairMiners.length ? `its own target · ${fairMiners[0]!.max_outputs} coinbase outputs` : 'not mining on this node', 'miner-share-difficulty')
        : null,
      s.local.fair && fairMiners.length ? stat('Payout per day', coins(perDay, s.currency.symbol), 'expected at its hash rate', 'miner-per-day') : null,
      stat('Last difficulty', difficulty(s.local.miner_last_difficulties[a]), own ? 'last job sent' : undefined, 'miner-difficulty'),
      stat(
        'Time to share',
        fairMiners.length ? duration(Math.min(...fairMiners.map((m) => m.expected_time_to_share ?? Infinity))) : rate ? duration(s.local.attempts_to_share / rate) : '–',
        'expected',
        'miner-time-to-share',
      ),
    );
    const chain = await poller.shares.chain(s.best, WALK).catch(() => []);
    const mine = chain.filter((x) => x.share_data.payout_address === a);
    const blockShares = new Set(s.blocks.map((b) => b.share));
    const rows = mine.slice(0, 50).map((x): Child[] => [
      shareLink(x.hash, shortHash(x.hash)),
      String(x.share_data.absheight),
      ago(x.share_data.timestamp, s.time),
      difficulty(targetToDifficulty(x.share_data.target)),
      h('span', null, isBlockShare(x, blockShares) ? h('span', { class: 'tag block' }, 'block') : null, x.share_data.stale_info ? h('span', { class: 'tag warn' }, staleLabel(x.share_data.stale_info)) : null),
    ]);
    fill(
      this.shares,
      h('h2', null, 'Shares in the window'),
      h('p', { class: 'hint', 'data-count': mine.length }, `${mine.length} of the last ${chain.length} shares are this miner’s.`),
      table(['share', 'height', 'when', 'difficulty', ''], rows, 'No shares from this address among the recent ones.'),
    );
    await this.chart.refresh();
  }

  destroy(): void {
    this.chart.destroy();
  }
}
