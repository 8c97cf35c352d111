/**
 * report.html from `p2pool simulate` in real Chromium (playwright-core driving Debian's
 * /usr/bin/chromium, as the dashboard test does): the page opens from a file with no console
 * error and no request at all (it is self-contained), shows its charts and tables, and the
 * table sorting works. Skipped when Chromium is absent and CI is unset (CI installs it).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM) || !!process.env.CI;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'p2pool-sim-html-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!available)('simulate report.html in Chromium (skipped: no /usr/bin/chromium and CI unset)', () => {
  it('opens with charts, no console errors and no requests', async () => {
    const scenarioFile = join(dir, 'small.json');
    writeFileSync(scenarioFile, JSON.stringify({
      name: 'browser check',
      description: 'A small network for the report page test.',
      rules: { name: 'v35', network: 'regtest', overrides: { sharePeriod: 10, chainLength: 100, realChainLength: 100, targetLookbehind: 100 } },
      duration: '1 h',
      parentChain: { difficulty: 400, blockReward: 50 },
      nodes: { count: 3 },
      links: { latency: { uniform: ['20 ms', '300 ms'] } },
      miners: [{ count: 12, hashrate: { zipf: { min: '10 GH/s', max: '400 GH/s', total: '1 TH/s' } }, restartDelay: { uniform: ['0.1 s', '2 s'] } }],
      report: { period: '10 min', replicates: 500, seriesInterval: '5 min' },
    }));
    const out = join(dir, 'out');
    const sim = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'simulate', scenarioFile, '--out', out, '--quiet'], { cwd: repoRoot, encoding: 'utf8' });
    expect(sim.stderr).toBe('');
    const { html } = JSON.parse(sim.stdout) as { html: string };

    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const url = pathToFileURL(html).href;
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => {
        if (r.url() !== url) problems.push(`request: ${r.url()}`);
      });
      await page.goto(url);
      expect(await page.locator('svg.chart').count()).toBeGreaterThanOrEqual(8);
      expect(await page.locator('svg.chart circle').count()).toBeGreaterThan(12);
      expect(await page.locator('h1').innerText()).toContain('browser check');
      // Sort the miners table by hash rate, descending: the first row is the largest miner.
      const table = page.locator('table.sortable').nth(2);
      const header = table.locator('th', { hasText: 'hash rate' });
      await header.click();
      await header.click();
      expect(await table.locator('tbody tr').first().locator('td').first().innerText()).toBe('0');
      mkdirSync(join(repoRoot, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(repoRoot, 'test-artifacts', 'simulate-report.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
