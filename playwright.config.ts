import { defineConfig } from '@playwright/test';

/**
 * Browser and desktop tests. Every suite launches Debian Chromium itself
 * (test/support/chromium.ts): Playwright cannot download browsers here.
 */

/**
 * e2e specs that measure no call audio (no levels, packets or who hears whom; the console's
 * specs read only which prompts the platform played): offline waits, lists, notes, status, the
 * console, the test Chromium's launch. They share the second core with the desktop harness's
 * specs while the audio specs run on the first, off the run's longest line (CI runs on a
 * 2-core machine).
 */
const QUIET_E2E = [
  'e2e/agent-desk.spec.ts',
  'e2e/agent-desk-followup.spec.ts',
  'e2e/agent-status.spec.ts',
  'e2e/chromium-launch.spec.ts',
  'e2e/console.spec.ts',
  'e2e/console-call-log.spec.ts',
  'e2e/console-config.spec.ts',
  'e2e/sandbox-sdk-session.spec.ts',
  'e2e/shortcuts-overlay.spec.ts',
  'e2e/web-online.spec.ts',
];

export default defineConfig({
  testDir: 'test',
  testMatch: ['e2e/**/*.spec.ts', 'desktop/**/*.spec.ts', 'electron/**/*.spec.ts'],
  // Bundles main, preload and the desktop harness so every run tests the current code.
  globalSetup: './test/desktop/global-setup.ts',
  // Two workers, at most one per project. The e2e specs that measure audio run one at a time
  // (with two of them at once, audio checks failed under load); the second core runs the
  // desktop harness's specs (about 5 minutes, some with audio checks too) and the quiet e2e
  // specs above.
  workers: 2,
  fullyParallel: false,
  forbidOnly: true,
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: { trace: 'retain-on-failure' },
  projects: [
    { name: 'e2e', testMatch: 'e2e/**/*.spec.ts', testIgnore: QUIET_E2E, workers: 1 },
    { name: 'e2e-quiet', testMatch: QUIET_E2E, workers: 1 },
    { name: 'desktop', testMatch: 'desktop/**/*.spec.ts', workers: 1 },
    { name: 'electron', testMatch: 'electron/**/*.spec.ts', workers: 1 },
  ],
});
