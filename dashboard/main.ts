/**
 * The dashboard's entry point: hash routes (#/, #/miner/<address>, #/share/<hash>), a poll of
 * the node every few seconds (paused while the tab is hidden), the status line and warnings.
 * Everything it loads comes from the node that served it: no external requests.
 */
import { fill, h } from './dom';
import { hashRate, duration } from './format';
import { MinerPage } from './miner-page';
import { OverviewPage } from './overview';
import { localRate } from './page-helpers';
import { SharePage } from './share-page';
import { Poller, warnings, type Snapshot } from './snapshot';

/** Poll period: the reference's graphs add a point every 5 s (docs/api.md), so faster shows nothing new. */
const POLL_MS = 5_000;

interface Page {
  mount(root: HTMLElement): void;
  update(s: Snapshot, poller: Poller): Promise<void>;
  destroy(): void;
}

const poller = new Poller();
const root = document.getElementById('page')!;
const statusEl = document.getElementById('status')!;
const warningsEl = document.getElementById('warnings')!;
const footerEl = document.getElementById('footer-info')!;
const toastEl = document.getElementById('toast')!;

let page: Page | null = null;
let last: Snapshot | null = null;
let timer: number | undefined;
let inFlight = false;
let again = false;
let lastOk = 0;
const seenBlocks = new Set<string>();

function route(): Page {
  const hash = location.hash.replace(/^#\/?/, '');
  const [kind, arg] = [hash.split('/')[0] ?? '', decodeURIComponent(hash.split('/').slice(1).join('/'))];
  if (kind === 'miner' && arg) return new MinerPage(arg.slice(0, 128));
  if (kind === 'share' && arg) return new SharePage(arg.slice(0, 64));
  return new OverviewPage();
}

function navigate(): void {
  page?.destroy();
  page = route();
  page.mount(root);
  window.scrollTo(0, 0);
  document.querySelectorAll('nav a').forEach((a) => a.classList.toggle('on', a.getAttribute('href') === (location.hash || '#/')));
  if (last) void page.update(last, poller).catch(() => undefined);
  void tick();
}

async function tick(): Promise<void> {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  window.clearTimeout(timer);
  try {
    const s = await poller.poll();
    last = s;
    lastOk = Date.now();
    showWarnings(s);
    showFooter(s);
    celebrate(s);
    document.title = `${hashRate(s.global?.pool_hash_rate ?? localRate(s))} · P2Pool`;
    await page?.update(s, poller);
    setStatus('live', 'live');
  } catch {
    setStatus('offline', lastOk ? `node unreachable · last update ${duration((Date.now() - lastOk) / 1000)} ago` : 'node unreachable');
  } finally {
    inFlight = false;
    schedule();
    if (again) {
      again = false;
      void tick();
    }
  }
}

function schedule(): void {
  window.clearTimeout(timer);
  if (document.hidden) {
    setStatus('paused', 'paused while hidden');
    return;
  }
  timer = window.setTimeout(() => void tick(), POLL_MS);
}

function setStatus(kind: 'live' | 'paused' | 'offline', text: string): void {
  statusEl.className = `status ${kind}`;
  statusEl.textContent = text;
}

function showWarnings(s: Snapshot): void {
  const list = warnings(s);
  warningsEl.hidden = list.length === 0;
  fill(warningsEl, list.map((w) => h('div', { class: 'warning', role: 'alert' }, w)));
}

function showFooter(s: Snapshot): void {
  fill(footerEl, `node ${s.local.version} · protocol ${s.local.protocol_version} · up ${duration(s.local.uptime)}${s.currency.symbol ? ` · ${s.currency.symbol}` : ''}`);
}

/** A new block in /recent_blocks after the first load: a short toast. Finding one is the fun part. */
let blocksPrimed = false;
function celebrate(s: Snapshot): void {
  const fresh = s.blocks.filter((b) => !seenBlocks.has(b.hash));
  for (const b of fresh) seenBlocks.add(b.hash);
  if (!blocksPrimed) {
    blocksPrimed = true;
    return;
  }
  const newest = fresh.sort((a, b) => b.ts - a.ts)[0];
  if (!newest) return;
  fill(toastEl, `Block ${newest.number} found!`);
  toastEl.classList.add('show');
  window.setTimeout(() => toastEl.classList.remove('show'), 6_000);
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) schedule();
  else void tick();
});
window.addEventListener('hashchange', navigate);
// The search box: a share hash opens the explorer, anything else is taken as an address.
document.getElementById('lookup')!.addEventListener('submit', (e) => {
  e.preventDefault();
  const input = document.getElementById('lookup-input') as HTMLInputElement;
  const q = input.value.trim();
  if (!q) return;
  location.hash = /^[0-9a-f]{64}$/i.test(q) ? `#/share/${q.toLowerCase()}` : `#/miner/${encodeURIComponent(q)}`;
  input.value = '';
});
navigate();
