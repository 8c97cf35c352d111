import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // One line per tool from outside npm that is missing here (a browser, the native addon):
    // the tests that need it are skipped, or fail under CI (test/support/external.ts).
    globalSetup: ['test/support/external-setup.ts'],
    // Integration tests run real nodes over real sockets on a 2-core machine, with timing
    // bounds (relay within 1 s, ...). In CI a test that fails once is run once more, so a
    // scheduling hiccup does not block a landing; a real failure fails twice. Locally, no retry.
    retry: process.env.CI ? 1 : 0,
  },
});
