/**
 * The screens of `p2pool status` (docs/cli.md#p2pool-status): a node's /web/status object as
 * text at most WIDTH columns wide. Pure: the object and the clock come in, lines go out. The
 * object comes from the network, so every field is read defensively: a field that is missing
 * or of the wrong type shows as `?` instead of breaking the screen.
 */

export const WIDTH = 80;

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}
function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Printable ASCII only: a peer's version string or a user name must not move the cursor. */
function clean(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, '?');
}

export function hashRate(hs: number | null): string {
  if (hs === null) return '?';
  const units = ['H/s', 'kH/s', 'MH/s', 'GH/s', 'TH/s', 'PH/s', 'EH/s', 'ZH/s'];
  let v = hs;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(v >= 10 ? 1 : 2)} ${units[i]}`;
}

export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s < 365 * 86400) return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
  return `${(s / (365.25 * 86400)).toFixed(1)} years`;
}

export function percent(p: number | null, digits = 1): string {
  return p === null ? '?' : `${(100 * p).toFixed(digits)}%`;
}

function fit(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, Math.max(0, width - 3))}...`;
}

/** Cut from the middle, so both an address's start and a worker name's end stay readable. */
function elide(s: string, width: number): string {
  if (s.length <= width) return s;
  const tail = Math.floor((width - 2) / 2);
  return `${s.slice(0, width - 2 - tail)}..${s.slice(s.length - tail)}`;
}

/** A hash shortened to fit: first 16 and last 8 digits. */
function shortHash(h: string | null): string {
  if (h === null) return '?';
  const c = clean(h);
  return c.length > 28 ? `${c.slice(0, 16)}..${c.slice(-8)}` : c;
}

function row(label: string, value: string): string {
  return fit(`${label.padEnd(11)}${value}`, WIDTH);
}

/** The main screen. `now`: seconds since the epoch; `url`: what was asked. */
export function renderStatus(status: unknown, url: string, now: number): string[] {
  const s = obj(status);
  const sync = obj(s['sync']);
  const pool = obj(s['pool']);
  const node = obj(s['node']);
  const shares = obj(s['shares']);
  const expected = obj(s['expected']);
  const blocks = obj(s['blocks']);
  const peers = obj(s['peers']);
  const bitcoind = obj(s['bitcoind']);
  const miners = arr(s['miners']).map(obj);
  const warnings = arr(s['warnings']).map((w) => clean(String(w)));
  const clock = new Date(now * 1000).toTimeString().slice(0, 8);

  const head = `p2pool ${clean(str(s['version']) ?? '?')} on ${clean(str(s['network']) ?? '?')} | up ${duration(num(s['uptime']))} | ${clean(url)}`;
  const lines = [`${fit(head, WIDTH - 9).padEnd(WIDTH - 9)} ${clock}`, ''];

  const height = num(sync['height']);
  const chainLength = num(sync['chain_length']);
  const synced = sync['synced'] === true;
  const syncText = synced ? 'synced' : clean(str(sync['state']) ?? 'not synced');
  const tip = num(bitcoind['height']);
  lines.push(
    row('Sync', `${syncText} | sharechain height ${height ?? '?'}${chainLength !== null ? ` (window ${chainLength})` : ''}` +
      ` | bitcoind ${bitcoind['connected'] === false ? 'NOT ANSWERING' : tip !== null ? `at ${tip}` : '?'}`),
  );
  const stale = num(pool['stale_prop']);
  lines.push(row('Pool', `${hashRate(num(pool['hash_rate']))}${stale !== null ? ` | stale ${percent(stale)}` : ''} | a block every ~${duration(num(expected['time_to_block']))}`));
  const nodeRate = num(node['hash_rate']);
  const dead = num(node['dead_hash_rate']);
  lines.push(
    row('This node', `${hashRate(nodeRate)}${dead !== null && nodeRate ? ` (dead ${percent(dead / nodeRate)})` : ''} | a share every ~${nodeRate ? duration(num(expected['time_to_share'])) : '? (no miners)'}`),
  );
  const total = num(shares['total']);
  const orphan = num(shares['orphan']);
  const deadShares = num(shares['dead']);
  const good = total !== null && orphan !== null && deadShares !== null ? total - orphan - deadShares : null;
  const eff = num(s['efficiency']);
  lines.push(row('Shares', `${good ?? '?'} good, ${orphan ?? '?'} orphan, ${deadShares ?? '?'} dead | efficiency ${eff === null ? '- (no shares yet)' : percent(eff)}`));
  const last = s['last_block'] === null ? null : obj(s['last_block']);
  if (last === null) lines.push(row('Last block', 'none in the sharechain window'));
  else {
    const ts = num(last['ts']);
    lines.push(row('Last block', `${num(last['number']) ?? '?'} ${shortHash(str(last['hash']))} ${ts !== null ? `${duration(Math.max(0, now - ts))} ago` : ''}`.trimEnd()));
  }
  lines.push(row('Blocks', `found ${num(blocks['found']) ?? '?'}, accepted ${num(blocks['accepted']) ?? '?'}, rejected ${num(blocks['rejected']) ?? '?'} (since start)`));
  const pin = num(peers['incoming']);
  const pout = num(peers['outgoing']);
  lines.push(row('Peers', `${pin !== null && pout !== null ? pin + pout : '?'} (${pout ?? '?'} out, ${pin ?? '?'} in)`));
  const minerRate = miners.reduce((a, m) => a + (num(m['hash_rate']) ?? 0), 0);
  lines.push(row('Miners', `${miners.length} on this node${miners.length ? `, ${hashRate(minerRate)}` : ''}`));
  if (warnings.length === 0) lines.push(row('Warnings', 'none'));
  else for (const [i, w] of warnings.entries()) lines.push(row(i === 0 ? 'Warnings' : '', `! ${w}`));
  return lines;
}

/** `p2pool status peers`: one row per connected peer. */
export function renderPeers(status: unknown): string[] {
  const list = arr(obj(obj(status)['peers'])['list']).map(obj);
  const lines = [`${'peer'.padEnd(28)}${'dir'.padEnd(5)}${'version'.padEnd(26)}${'ping'.padStart(8)}${'up'.padStart(10)}`];
  for (const p of list) {
    const ping = num(p['ping_ms']);
    lines.push(
      fit(
        `${fit(clean(str(p['address']) ?? '?'), 27).padEnd(28)}${fit(clean(str(p['direction']) ?? '?'), 4).padEnd(5)}${fit(clean(str(p['version']) ?? '?'), 25).padEnd(26)}` +
          `${(ping === null ? '-' : `${Math.round(ping)} ms`).padStart(8)}${duration(num(p['connected'])).padStart(10)}`,
        WIDTH,
      ),
    );
  }
  if (list.length === 0) lines.push('(no peers connected)');
  return lines;
}

/** `p2pool status miners`: one row per miner (user name) on this node. */
export function renderMiners(status: unknown): string[] {
  const list = arr(obj(status)['miners']).map(obj);
  const lines = [`${'miner (user name)'.padEnd(50)}${'hash rate'.padStart(11)}${'dead'.padStart(7)}${'difficulty'.padStart(12)}`];
  for (const m of list) {
    const rate = num(m['hash_rate']);
    const dead = num(m['dead_hash_rate']);
    const diff = num(m['difficulty']);
    lines.push(
      fit(
        `${elide(clean(str(m['username']) ?? '?'), 49).padEnd(50)}${hashRate(rate).padStart(11)}${(rate && dead !== null ? percent(dead / rate) : '-').padStart(7)}` +
          `${(diff === null ? '-' : diff >= 0.01 && diff < 1e6 ? String(Number(diff.toPrecision(4))) : diff.toExponential(2)).padStart(12)}`,
        WIDTH,
      ),
    );
  }
  if (list.length === 0) lines.push('(no miners on this node)');
  return lines;
}
