/**
 * The browser for tests that drive a real page (playwright-core, which downloads no browser of
 * its own). Where none is found the tests are skipped with one line saying how to get one;
 * under CI a missing browser fails (test/support/external.ts has the rule).
 *
 *   import { describeWithBrowser, launchBrowser } from '../support/browser.js';
 *   describeWithBrowser('the report in Chromium', () => {
 *     let browser: Browser;
 *     beforeAll(async () => { browser = await launchBrowser(); });
 *     ...
 *   });
 *
 * Lookup order (`findBrowser`): the environment variable P2POOL_TEST_BROWSER (a Chromium or
 * Chrome executable; the tests fail if it names a file that does not exist), then Debian's
 * /usr/bin/chromium, then chromium-browser, google-chrome and google-chrome-stable on PATH.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';
import { describeWith, missingReason, type ExternalNeed } from './external.js';

/** The environment variable that names a browser executable. */
export const BROWSER_ENV = 'P2POOL_TEST_BROWSER';

const CANDIDATES = ['/usr/bin/chromium', 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (executable(p)) return p;
  }
  return null;
}

/** Result of the lookup: the executable, or why there is none. */
export function lookupBrowser(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: string } {
  const named = env[BROWSER_ENV];
  if (named) {
    if (!existsSync(named)) return { missing: `${BROWSER_ENV}=${named} does not exist` };
    if (!executable(named)) return { missing: `${BROWSER_ENV}=${named} is not executable` };
    return { path: named };
  }
  for (const c of CANDIDATES) {
    const p = c.startsWith('/') ? (executable(c) ? c : null) : onPath(c, env);
    if (p) return { path: p };
  }
  return { missing: 'no Chromium found (/usr/bin/chromium, chromium, chromium-browser or google-chrome on PATH)' };
}

/** The browser executable, or null when there is none. */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): string | null {
  const r = lookupBrowser(env);
  return 'path' in r ? r.path : null;
}

export const browserNeed: ExternalNeed = {
  name: 'a browser',
  skips: 'the browser tests (dashboard, reports in Chromium)',
  missing() {
    const r = lookupBrowser();
    return 'missing' in r ? r.missing : null;
  },
  enable: `apt-get install chromium, or set ${BROWSER_ENV}=/path/to/chromium-or-chrome`,
  demanded: () => Boolean(process.env[BROWSER_ENV]),
};

/** A `describe` that needs a browser: skipped without one (one line), a failure under CI. */
export function describeWithBrowser(name: string, body: () => void): void {
  describeWith(browserNeed, name, body);
}

/** The flags every test launches with: headless, no sandbox (root in CI), nothing off-machine. */
export const BROWSER_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launch the found browser with playwright-core (call inside describeWithBrowser). */
export async function launchBrowser(opts: LaunchOptions = {}): Promise<Browser> {
  const reason = missingReason(browserNeed);
  if (reason !== null) throw new Error(`no browser: ${reason}`);
  return chromium.launch({ executablePath: findBrowser()!, args: BROWSER_ARGS, ...opts });
}
