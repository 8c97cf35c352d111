import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BROWSER_ENV, lookupBrowser } from './browser.js';

const dir = mkdtempSync(join(tmpdir(), 'p2pool-browser-lookup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the browser lookup the browser tests share', () => {
  it(`takes ${BROWSER_ENV} first, and says why when it names nothing usable`, () => {
    const exe = join(dir, 'my-chrome');
    writeFileSync(exe, '#!/bin/sh\n');
    chmodSync(exe, 0o755);
    expect(lookupBrowser({ [BROWSER_ENV]: exe, PATH: '' })).toEqual({ path: exe });
    expect(lookupBrowser({ [BROWSER_ENV]: join(dir, 'absent'), PATH: '' })).toEqual({ missing: `${BROWSER_ENV}=${join(dir, 'absent')} does not exist` });
    const plain = join(dir, 'not-executable');
    writeFileSync(plain, '');
    chmodSync(plain, 0o644);
    expect(lookupBrowser({ [BROWSER_ENV]: plain, PATH: '' })).toEqual({ missing: `${BROWSER_ENV}=${plain} is not executable` });
  });

  it('finds chromium on PATH when the variable is not set', () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    writeFileSync(join(bin, 'chromium-browser'), '#!/bin/sh\n');
    chmodSync(join(bin, 'chromium-browser'), 0o755);
    const r = lookupBrowser({ PATH: bin });
    // /usr/bin/chromium wins where Debian's package is installed.
    expect([join(bin, 'chromium-browser'), '/usr/bin/chromium']).toContain('path' in r ? r.path : r.missing);
  });
});
