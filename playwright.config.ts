import { defineConfig } from '@playwright/test';

/**
 * Browser and desktop tests. Every suite launches Debian Chromium itself
 * (test/support/chromium.ts): Playwright cannot download browsers here.
 */
export default defineConfig({
  testDir: 'test',
  testMatch: ['e2e/**/*.spec.ts', 'desktop/**/*.spec.ts', 'electron/**/*.spec.ts'],
  // Bundles main, preload and the desktop harness so every run tests the current code.
  globalSetup: './test/desktop/global-setup.ts',
  // Two workers, at most one per project: the e2e specs run one at a time (with two e2e workers,
  // audio checks failed under load), and the desktop harness's specs (about 4 minutes, some of
  // them with audio checks too) share the second core with them until they are done.
  workers: 2,
  fullyParallel: false,
  forbidOnly: true,
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: { trace: 'retain-on-failure' },
  projects: [
    { name: 'e2e', testMatch: 'e2e/**/*.spec.ts', workers: 1 },
    { name: 'desktop', testMatch: 'desktop/**/*.spec.ts', workers: 1 },
    { name: 'electron', testMatch: 'electron/**/*.spec.ts', workers: 1 },
  ],
});
