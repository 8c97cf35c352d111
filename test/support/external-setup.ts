/**
 * vitest globalSetup (vitest.config.ts): before any test file runs, one line for each tool from
 * outside npm that is missing here, naming the tests skipped and how to get it
 * (test/support/external.ts has the rule). Test files then skip without printing again.
 */
import { browserNeed } from './browser.js';
import { missingReason, nativeAddonNeed, skipLine, underCi } from './external.js';

export default function setup(): void {
  for (const need of [browserNeed, nativeAddonNeed]) {
    const reason = missingReason(need);
    if (reason === null) continue;
    console.warn(underCi() || need.demanded?.() ? `missing ${need.name} (${reason}): ${need.skips} will fail. ${need.enable}.` : skipLine(need, reason));
  }
  process.env.P2POOL_EXTERNAL_SETUP_RAN = '1';
}
