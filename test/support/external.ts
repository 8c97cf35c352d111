/**
 * What the test suite needs from outside npm, and the one rule for it (README.md,
 * "Development"): where a tool is missing, the tests that need it are skipped and the run says
 * so in ONE line naming how to get it; under CI (`CI` set) a missing tool is a failure.
 *
 * - `describeWith(need, name, body)`: a `describe` that runs when `need` is met, is skipped
 *   otherwise (the line is printed once per run by test/support/external-setup.ts, vitest's
 *   globalSetup, and once per test file if that file runs without the setup), and under CI
 *   registers a failing test that says what is missing (so does a need the user demanded,
 *   say by naming a browser that is not there).
 * - Each need is a small object (`ExternalNeed`), so a new one is a few lines here and every
 *   test file states what it needs in the same way.
 *
 * The browser need is in browser.ts (findBrowser, describeWithBrowser).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export interface ExternalNeed {
  /** Short name for the line ("Chromium", "the native SHA-256 addon"). */
  readonly name: string;
  /** What is skipped without it ("the dashboard's browser test"). */
  readonly skips: string;
  /** null when available; otherwise why not (one clause). Evaluated lazily, once. */
  missing(): string | null;
  /** How to get it (one clause: a command or an environment variable). */
  readonly enable: string;
  /** True when the user asked for it explicitly (say, an environment variable naming it): then missing fails, as under CI. */
  demanded?(): boolean;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The built native SHA-256 addon (native/, built by `npm install` where a C compiler exists). */
export const nativeAddonNeed: ExternalNeed = {
  name: 'the native SHA-256 addon',
  skips: 'the native SHA-256 tests (test/bitcoin/native-sha256.test.ts; the JavaScript SHA-256 is still tested)',
  missing() {
    const path = `${root}native/build/Release/p2pool_sha256.node`;
    if (process.env.P2POOL_NATIVE === '0') return 'P2POOL_NATIVE=0 is set';
    return existsSync(path) ? null : 'native/build/Release/p2pool_sha256.node is not built (no C compiler at `npm install`?)';
  },
  enable: 'apt-get install build-essential python3, then `node scripts/build-native.mjs`',
};

const memo = new Map<ExternalNeed, string | null>();

/** Why `need` is not met (null when it is); computed once per process. */
export function missingReason(need: ExternalNeed): string | null {
  if (!memo.has(need)) memo.set(need, need.missing());
  return memo.get(need)!;
}

/** The one line a run prints for a missing need. */
export function skipLine(need: ExternalNeed, reason: string): string {
  return `skipping ${need.skips}: ${reason}. To run them: ${need.enable}.`;
}

/** True under CI, where nothing may be skipped. */
export const underCi = (): boolean => Boolean(process.env.CI);

/** Files that have already printed their line (a file run without the global setup prints its own). */
const printed = new Set<ExternalNeed>();

/**
 * `describe(name, body)` when `need` is met. Otherwise: under CI one failing test saying what is
 * missing; elsewhere the block is skipped (and, when the global setup did not already say so,
 * the skip line is printed once).
 */
export function describeWith(need: ExternalNeed, name: string, body: () => void): void {
  const reason = missingReason(need);
  if (reason === null) {
    describe(name, body);
    return;
  }
  if (underCi() || need.demanded?.()) {
    describe(name, () => {
      it(`has ${need.name}`, () => {
        throw new Error(`${underCi() ? 'CI' : 'This run'} must run ${need.skips}, but ${reason}. ${need.enable}.`);
      });
    });
    return;
  }
  if (!process.env.P2POOL_EXTERNAL_SETUP_RAN && !printed.has(need)) {
    printed.add(need);
    console.warn(skipLine(need, reason));
  }
  describe.skip(name, body);
}
