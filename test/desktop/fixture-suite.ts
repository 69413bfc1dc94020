/**
 * The set-up every harness spec on the fixture renderer shares: Chromium, a fake backend with
 * the given accounts, the fixture renderer staged with the ring and incoming-call pages
 * (`stageFixtureRenderer`), one app at a time quit after each test, all of it removed after
 * the suite. Call it at the top of a spec file; it registers the hooks.
 */
import { rmSync } from 'node:fs';
import { test } from '@playwright/test';
import type { Browser } from 'playwright';
import { launchChromium } from '../support/chromium';
import { startFakeBackend, type FakeBackend } from './fake-backend';
import { launchDesktop, type DesktopApp, type LaunchDesktopOptions } from './harness';
import { stageFixtureRenderer, type StagedRenderer } from './ring-page';

export interface FixtureSuite {
  readonly browser: Browser;
  readonly backend: FakeBackend;
  /** The fixture's index.html, in the folder main serves. */
  readonly index: string;
  /** Starts the app on the fixture renderer; it is quit after the test unless the test quit it. */
  launch(userDataDir: string, extra?: Partial<LaunchDesktopOptions>): Promise<DesktopApp>;
}

export function fixtureDesktopSuite(accounts: Record<string, string>): FixtureSuite {
  let browser: Browser | undefined;
  let backend: FakeBackend | undefined;
  let staged: StagedRenderer | undefined;
  let desktop: DesktopApp | null = null;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`fixtureDesktopSuite: ${what} is not ready (used outside a test?)`);
    return value;
  };

  test.beforeAll(async () => {
    browser = await launchChromium();
    backend = await startFakeBackend(accounts);
    staged = await stageFixtureRenderer();
  });

  test.afterEach(async () => {
    await desktop?.quit();
    desktop = null;
  });

  test.afterAll(async () => {
    await backend?.stop();
    await browser?.close();
    if (staged) rmSync(staged.dir, { recursive: true, force: true });
  });

  return {
    get browser() {
      return ready(browser, 'the browser');
    },
    get backend() {
      return ready(backend, 'the fake backend');
    },
    get index() {
      return ready(staged, 'the staged renderer').index;
    },
    async launch(userDataDir, extra = {}) {
      const pages = ready(staged, 'the staged renderer');
      desktop = await launchDesktop({
        browser: ready(browser, 'the browser'),
        serverUrl: ready(backend, 'the fake backend').url,
        userDataDir,
        rendererIndex: pages.index,
        ringPage: pages.ringPage,
        ...extra,
      });
      // A test may quit the app itself (a restart); afterEach then has nothing left to quit.
      const app = desktop;
      const quit = app.quit.bind(app);
      return Object.assign(app, {
        async quit() {
          if (desktop === app) desktop = null;
          await quit();
        },
      });
    },
  };
}
