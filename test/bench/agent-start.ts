/**
 * The agent app's start and idle costs against the Client SDK alone, on the embedded platform.
 *
 * Method:
 * - cold start: a new browser context per load (empty HTTP cache, the signed-in agent's
 *   session cookie only), from navigation start (`performance.timeOrigin`) to Ready:
 *   - the agent app: `/app/` as the backend serves it, until the status line says
 *     `data-voice="ready"` (a MutationObserver stamps `performance.now()`);
 *   - SDK only: a page on the same origin (served by Playwright's router) that loads the
 *     Client SDK bundled alone (esbuild, minified, like `bundle-size.ts`), asks the backend
 *     for an SDK token and the SDK endpoints exactly as the app does, and creates a session.
 *   The two alternate in one run (app first on even rounds, SDK first on odd ones), so load
 *   on the shared machine falls on both alike.
 * - idle: one page of each, Ready and left alone for `BENCH_IDLE_S` seconds (default 60)
 *   side by side; CDP `Performance.getMetrics` every 5 s: main-thread task time (CPU) over
 *   the window, and `JSHeapUsedSize` (first, last and largest sample: bounded means the last
 *   is not far above the first). A garbage collection is forced before the first sample.
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright';
import { ROOT } from '../../scripts/build-desktop';
import { chromiumArgs, launchChromium } from '../support/chromium';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { percentile, printTable, summarize } from './table';

const SDK_ONLY_PATH = '/bench-sdk-only/';

/** The SDK-only page's script: token and endpoints from the backend, then a session. */
const SDK_ONLY_SCRIPT = `
import { VonageClient } from '@vonage/client-sdk';
const w = window;
(async () => {
  const token = await (await fetch('/api/auth/token', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
  const config = await (await fetch('/api/config', { credentials: 'same-origin' })).json();
  const client = new VonageClient({ apiUrl: config.sdk.apiUrl, websocketUrl: config.sdk.websocketUrl, rtcStatsTelemetry: false, loggingLevel: 'Warn' });
  await client.createSession(token.jwt);
  w.__readyAt = performance.now();
})().catch((error) => { w.__failed = String(error); });
`;

async function sdkOnlyScript(): Promise<string> {
  const result = await build({
    stdin: { contents: SDK_ONLY_SCRIPT, resolveDir: ROOT, sourcefile: 'sdk-only-page.ts', loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    legalComments: 'none',
    write: false,
    logLevel: 'error',
  });
  return result.outputFiles[0]?.text ?? '';
}

/**
 * Stamps when the agent app's status line first says the voice session is ready. A string, as
 * tsx would wrap a function's inner names in a helper the page does not have.
 */
const STAMP_READY = `(() => {
  const check = () => {
    if (window.__readyAt === undefined && document.querySelector('[data-testid="status"][data-voice="ready"]')) window.__readyAt = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-voice'] });
})();`;

type Kind = 'app' | 'sdk';

/** Builds a fresh context (no cache) with the agent's cookie and the SDK-only page's routes. */
async function freshContext(browser: Browser, platform: TestPlatform, state: Awaited<ReturnType<BrowserContext['storageState']>>, script: string): Promise<BrowserContext> {
  const context = await browser.newContext({ storageState: state });
  await context.addInitScript(STAMP_READY);
  await context.route(`${platform.serverUrl}${SDK_ONLY_PATH}**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.endsWith('.js')) return route.fulfill({ status: 200, contentType: 'text/javascript', body: script });
    return route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><html lang="en"><head><title>SDK only</title><script defer src="./sdk.js"></script></head><body></body></html>' });
  });
  return context;
}

async function openReady(context: BrowserContext, platform: TestPlatform, kind: Kind): Promise<{ page: Page; ms: number }> {
  const page = await context.newPage();
  await page.goto(`${platform.serverUrl}${kind === 'app' ? '/app/' : SDK_ONLY_PATH}`);
  await page.waitForFunction(
    () => {
      const w = window as unknown as { __readyAt?: number; __failed?: string };
      if (w.__failed) throw new Error(w.__failed);
      return w.__readyAt !== undefined;
    },
    null,
    { polling: 10, timeout: 30_000 },
  ).catch(async (error: unknown) => {
    throw new Error(`${kind} page never Ready; it shows: ${(await page.locator('body').innerText()).slice(0, 300)}`, { cause: error });
  });
  const ms = await page.evaluate(() => (window as unknown as { __readyAt: number }).__readyAt);
  return { page, ms };
}

/** CPU (main-thread task seconds) and heap samples of a page over `seconds`. */
async function idle(pages: Record<Kind, Page>, seconds: number): Promise<Record<Kind, { cpuPercent: number; heap: number[] }>> {
  const sessions = await Promise.all(
    (['app', 'sdk'] as const).map(async (kind) => {
      const cdp = await pages[kind].context().newCDPSession(pages[kind]);
      await cdp.send('Performance.enable');
      await cdp.send('HeapProfiler.collectGarbage');
      return { kind, cdp };
    }),
  );
  const metrics = async (cdp: (typeof sessions)[number]['cdp']) => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
    return { task: get('TaskDuration'), heap: get('JSHeapUsedSize') };
  };
  const first = await Promise.all(sessions.map((s) => metrics(s.cdp)));
  const heaps = sessions.map((_, i) => [first[i]!.heap]);
  const startedAt = Date.now();
  while (Date.now() - startedAt < seconds * 1000) {
    await new Promise((r) => setTimeout(r, Math.min(5_000, seconds * 1000 - (Date.now() - startedAt))));
    const now = await Promise.all(sessions.map((s) => metrics(s.cdp)));
    now.forEach((m, i) => heaps[i]!.push(m.heap));
  }
  const last = await Promise.all(sessions.map((s) => metrics(s.cdp)));
  const elapsed = (Date.now() - startedAt) / 1000;
  const result = {} as Record<Kind, { cpuPercent: number; heap: number[] }>;
  sessions.forEach((s, i) => {
    result[s.kind] = { cpuPercent: (100 * (last[i]!.task - first[i]!.task)) / elapsed, heap: heaps[i]! };
  });
  return result;
}

/** Runs `rounds` interleaved cold starts of each page, then the idle window; prints the tables. */
export async function runAgentStartBench(rounds = Number(process.env.BENCH_ROUNDS ?? 10), idleS = Number(process.env.BENCH_IDLE_S ?? 60)): Promise<void> {
  const platform = await startTestPlatform();
  // A page fulfilled by Playwright's router has no address, so Chromium's local-network checks
  // would refuse its socket to the sandbox on 127.0.0.1: they are off for both pages alike.
  const flags = chromiumArgs.map((arg) => (arg.startsWith('--disable-features=') ? `${arg},LocalNetworkAccessChecks` : arg));
  const browser = await launchChromium({ args: flags });
  try {
    const script = await sdkOnlyScript();
    // Sign Jane in once (web client: the session cookie); every load below reuses the cookie.
    const login = await browser.newContext();
    const response = await login.request.post(`${platform.serverUrl}/api/auth/login`, { data: { name: 'Jane', password: platform.agents.Jane, client: 'web' } });
    if (!response.ok()) throw new Error(`login: HTTP ${response.status()}`);
    const state = await login.storageState();
    await login.close();

    const times: Record<Kind, number[]> = { app: [], sdk: [] };
    // One warm-up of each (the platform's first session, the OS file cache), not counted.
    for (let round = -1; round < rounds; round++) {
      const order: Kind[] = round % 2 === 0 ? ['app', 'sdk'] : ['sdk', 'app'];
      for (const kind of order) {
        const context = await freshContext(browser, platform, state, script);
        const { ms } = await openReady(context, platform, kind);
        if (round >= 0) times[kind].push(ms);
        await context.close();
      }
    }
    printTable(`Agent app cold start to Ready against the Client SDK alone: ${rounds} interleaved rounds, fresh context each (method: test/bench/agent-start.ts)`, [
      summarize('agent app: navigation -> data-voice="ready"', times.app),
      summarize('SDK only: navigation -> createSession resolved', times.sdk),
    ]);
    const ratios = times.app.map((ms, i) => ms / times.sdk[i]!);
    console.log(
      `app / SDK-only, per round: median ${percentile(ratios, 50).toFixed(2)}× (min ${Math.min(...ratios).toFixed(2)}×, max ${Math.max(...ratios).toFixed(2)}×); medians ${(percentile(times.app, 50) / percentile(times.sdk, 50)).toFixed(2)}× (target ≤ 1.20×)`,
    );

    const app = await openReady(await freshContext(browser, platform, state, script), platform, 'app');
    const sdk = await openReady(await freshContext(browser, platform, state, script), platform, 'sdk');
    const usage = await idle({ app: app.page, sdk: sdk.page }, idleS);
    const MB = (bytes: number) => (bytes / 1e6).toFixed(2).padStart(9);
    console.log(`\nIdle for ${idleS} s after Ready, side by side (CDP Performance.getMetrics every 5 s; method: test/bench/agent-start.ts)`);
    console.log('| page     | main-thread CPU % | heap first MB | heap last MB | heap max MB | samples |');
    console.log('|----------|-------------------|---------------|--------------|-------------|---------|');
    for (const kind of ['app', 'sdk'] as const) {
      const { cpuPercent, heap } = usage[kind];
      console.log(`| ${(kind === 'app' ? 'app' : 'SDK only').padEnd(8)} | ${cpuPercent.toFixed(3).padStart(17)} | ${MB(heap[0]!).padStart(13)} | ${MB(heap.at(-1)!).padStart(12)} | ${MB(Math.max(...heap)).padStart(11)} | ${String(heap.length).padStart(7)} |`);
    }
    await app.page.context().close();
    await sdk.page.context().close();
  } finally {
    await browser.close();
    await platform.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runAgentStartBench();
