/**
 * The dashboard in real Chromium (playwright-core driving Debian's chromium; test/support/browser.ts
 * finds it, and without one the test is skipped with one line, or fails under CI) during a
 * live regtest run: bcoin, two of our nodes peered on loopback and a CPU Stratum miner on each
 * (the demo's own setup, demo/demo.ts). The page must show hash rate and share counts that
 * appear and change, open a share in the explorer and walk to its parent, open a miner's page,
 * and do all that without one console error, failed request or request off the node's origin.
 * Screenshots go to test-artifacts/ (gitignored).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../demo/demo.js';
import { describeWithBrowser, launchBrowser } from '../support/browser.js';
import { waitFor } from '../support/wait.js';

const root = join(import.meta.dirname, '..', '..');
const artifacts = join(root, 'test-artifacts');

/** Build dist/dashboard when it is missing or older than any source in dashboard/. */
function ensureBundle(): void {
  const built = join(root, 'dist', 'dashboard', 'app.js');
  const newest = Math.max(...readdirSync(join(root, 'dashboard')).map((f) => statSync(join(root, 'dashboard', f)).mtimeMs), statSync(join(root, 'scripts', 'build-dashboard.mjs')).mtimeMs);
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  execFileSync(process.execPath, [join(root, 'scripts', 'build-dashboard.mjs')], { cwd: root, stdio: 'inherit' });
}

let demo: Demo;
let browser: Browser;
let page: Page;
/** The nodes' own origins: the only places the page may fetch from. */
let origins: string[];
/** Everything that went wrong in the page: console errors, page errors, failed or off-origin requests, HTTP errors. */
const problems: string[] = [];

async function poll<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}; page problems: ${problems.join(' | ') || 'none'}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const statText = (id: string): Promise<string> => page.locator(`[data-stat="${id}"] .stat-value`).innerText();

describeWithBrowser('the dashboard in Chromium during a live regtest run (v35)', () => {
  beforeAll(async () => {
    ensureBundle();
    mkdirSync(artifacts, { recursive: true });
    demo = await startDemo({ log: () => undefined, share: () => undefined, block: () => undefined }, { rules: 'v35' });
    origins = demo.nodes.map((n) => new URL(n.dashboardUrl).origin);
    await waitFor('the nodes peered', () => demo.nodes.every((n) => n.pool.node.p2p!.readyPeers().length === 1), 20_000);
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      // ERR_ABORTED is Chromium cancelling the old page's polls when a test navigates (page.goto)
      // while they are in flight: the test's doing, not the page's (the dashboard never aborts a
      // request itself). Every other failure is a problem.
      const error = r.failure()?.errorText ?? '';
      if (error !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${error}`);
    });
    page.on('request', (r) => {
      if (!origins.includes(new URL(r.url()).origin)) problems.push(`request off the node's origin: ${r.url()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
  }, 180_000);

  afterAll(async () => {
    // The browser first: with the nodes gone its polls would fail.
    await browser?.close();
    await demo?.stop();
  });

  it('shows hash rate and share counts that appear and change', async () => {
    await page.goto(demo.nodes[0]!.dashboardUrl);
    await page.locator('#stats [data-stat]').first().waitFor({ timeout: 30_000 });
    const firstShares = await poll('shares on the page', async () => {
      const n = Number(await statText('shares'));
      return n > 0 ? n : null;
    });
    await poll('a local hash rate', async () => /H\/s$/.test(await statText('local-rate')) && (await statText('local-rate')) !== '0.00 H/s');
    // Both miners' shares reach node A and both are paid. On regtest a block's expected work is
    // 2 hashes, so the PPLNS window is about one share: current payouts go to whoever mined
    // last, and over a few polls both miners show up.
    const paid = new Set<string>();
    await poll('payouts to both miners', async () => {
      const text = await page.locator('#payouts').innerText();
      for (const n of demo.nodes) if (text.includes(n.minerAddress.slice(0, 12))) paid.add(n.name);
      return paid.size === demo.nodes.length;
    });
    await poll('a found block listed', async () => (await page.locator('#blocks tbody tr').count()) > 0);
    await poll('the share count to change', async () => Number(await statText('shares')) > firstShares);
    // Live: the status line says so, and the charts have drawn.
    expect(await page.locator('#status').innerText()).toBe('live');
    expect(await page.locator('#pool-chart canvas').count()).toBeGreaterThan(0);
    // The node's own miner is in the current payouts whenever it mined last (see above): wait
    // for such a poll rather than expecting it at this instant.
    await poll('a payout row for the own miner', async () => (await page.locator('#payouts tr.own').count()) > 0);
    await page.screenshot({ path: join(artifacts, 'dashboard-overview.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 120_000);

  it('opens a share in the explorer and walks to its parent', async () => {
    const hash = (await page.locator('#shares tbody a.hash').nth(1).getAttribute('title'))!;
    // Click the link of that share, not "the second row": the table re-renders on every poll and
    // shifts as shares arrive, so nth(1) may be another share by the time of the click.
    await page.locator(`#shares tbody a.hash[title="${hash}"]`).first().click();
    await poll('the explorer route', async () => page.url().endsWith(`#/share/${hash}`));
    await page.locator('#share-page .share-title').waitFor({ timeout: 20_000 });
    expect(await page.locator('#share-page .full-hash').innerText()).toBe(hash);
    const parent = page.locator('#parent-link');
    await parent.waitFor();
    const parentHash = (await parent.getAttribute('href'))!.replace('#/share/', '');
    expect(parentHash).toMatch(/^[0-9a-f]{64}$/);
    await page.screenshot({ path: join(artifacts, 'dashboard-share.png'), fullPage: true });
    await parent.click();
    await poll('the parent share shown', async () => (await page.locator('#share-page .full-hash').innerText().catch(() => '')) === parentHash);
    // The parent lists the share we came from among its children.
    await poll('the child link back', async () => (await page.locator(`#share-page a.child-link[href="#/share/${hash}"]`).count()) === 1);
    expect(problems).toEqual([]);
  }, 60_000);

  it("opens a miner's page with its hash rate, payout and shares", async () => {
    const address = demo.nodes[0]!.minerAddress;
    await page.goto(`${demo.nodes[0]!.dashboardUrl}#/`);
    await page.locator(`#miners a[title="${address}"]`).first().click();
    await poll("the miner's route", async () => page.url().endsWith(`#/miner/${address}`));
    await poll("the miner's shares", async () => Number((await page.locator('#miner-shares .hint').getAttribute('data-count').catch(() => null)) ?? 0) > 0);
    expect(await page.locator('.miner-address').innerText()).toContain(address);
    expect(await page.locator('[data-stat="miner-rate"] .stat-value').innerText()).toMatch(/H\/s$/);
    expect(await page.locator('[data-stat="miner-payout"] .stat-value').innerText()).toMatch(/rBTC$/);
    await page.screenshot({ path: join(artifacts, 'dashboard-miner.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);

  it('is readable on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(demo.nodes[1]!.dashboardUrl);
    await poll('shares on node B', async () => Number(await statText('shares').catch(() => '0')) > 0);
    // One column: no horizontal scrolling of the page itself (wide tables scroll in their box).
    // (A string: the root tsconfig has no DOM types; this runs in the page.)
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await page.screenshot({ path: join(artifacts, 'dashboard-phone.png'), fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);
});

/**
 * The same dashboard on the fair network (the demo's default): the references of recent links
 * (uncles and sub-shares) are listed, and each miner shows its own share difficulty, its
 * coinbase class, its payout if a block is found now and per day, and the time to its next
 * share; a link's page names its references.
 */
describeWithBrowser('the dashboard in Chromium on the fair network', () => {
  let fairDemo: Demo;
  let fairBrowser: Browser;
  let fairPage: Page;
  const fairProblems: string[] = [];

  beforeAll(async () => {
    ensureBundle();
    mkdirSync(artifacts, { recursive: true });
    fairDemo = await startDemo({ log: () => undefined, share: () => undefined, block: () => undefined });
    const allowed = fairDemo.nodes.map((n) => new URL(n.dashboardUrl).origin);
    fairBrowser = await launchBrowser();
    fairPage = await (await fairBrowser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    fairPage.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') fairProblems.push(`console ${m.type()}: ${m.text()}`);
    });
    fairPage.on('pageerror', (e) => fairProblems.push(`page error: ${e.message}`));
    fairPage.on('requestfailed', (r) => {
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') fairProblems.push(`request failed: ${r.url()}`);
    });
    fairPage.on('request', (r) => {
      if (!allowed.includes(new URL(r.url()).origin)) fairProblems.push(`request off the node's origin: ${r.url()}`);
    });
    fairPage.on('response', (r) => {
      if (r.status() >= 400) fairProblems.push(`HTTP ${r.status()} for ${r.url()}`);
    });
  }, 180_000);

  afterAll(async () => {
    await fairBrowser?.close();
    await fairDemo?.stop();
  });

  it('lists uncles and sub-shares, and each miner\'s share difficulty, payout and time to its next share', async () => {
    const a = fairDemo.nodes[0]!;
    const b = fairDemo.nodes[1]!;
    await fairPage.goto(a.dashboardUrl);
    const refs = fairPage.locator('#references');
    await refs.locator('.ref').first().waitFor({ timeout: 90_000 });
    const kinds = await refs.locator('.ref').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds.every((k) => k === 'uncle' || k === 'sub-share')).toBe(true);
    expect(await fairPage.locator('[data-stat="references-count"] .stat-value').innerText()).toMatch(/^[1-9]\d*$/);
    // Node B's miner (the small one, with its own share difficulty) in B's miners table.
    await fairPage.goto(b.dashboardUrl);
    const row = fairPage.locator('#miners tbody tr', { has: fairPage.locator(`a[title="${b.minerAddress}"]`) });
    await row.first().waitFor({ timeout: 30_000 });
    const cells = await row.first().locator('td').allInnerTexts();
    // miner, hash rate, share difficulty, outputs, payout now, per day, next share
    expect(cells).toHaveLength(7);
    expect(cells[1]).toMatch(/H\/s$/);
    expect(Number(cells[2])).toBeGreaterThan(0);
    expect(cells[3]).toBe('200');
    await poll('a payout for the small miner', async () => {
      const t = await row.first().locator('td').allInnerTexts();
      return /rBTC$/.test(t[4]!) && Number(t[4]!.split(' ')[0]) > 0;
    });
    expect(cells[6]).toMatch(/\d+(\.\d+)? (s|min|h)$/);
    await fairPage.screenshot({ path: join(artifacts, 'dashboard-fair.png'), fullPage: true });
    // A link with references: its page names them.
    const link = (await fairPage.locator('#references tbody tr', { has: fairPage.locator('.ref') }).first().locator('a.hash').first().getAttribute('title'))!;
    await fairPage.goto(`${b.dashboardUrl}#/share/${link}`);
    const kv = fairPage.locator('#share-page');
    await kv.locator('.share-title').waitFor({ timeout: 20_000 });
    await poll('the share page rows', async () => /kind\s+link/.test(await kv.innerText()));
    expect(await kv.innerText()).toMatch(/references\s+[0-9a-f]{10}…/);
    expect(fairProblems).toEqual([]);
  }, 150_000);
});
