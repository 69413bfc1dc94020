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
 *   - the agent app through the same router: its built files (dist/renderer) served by
 *     Playwright's router like the SDK-only page, the API still the backend's. The SDK-only
 *     page is served that way, so this pair compares what the pages cost and not how they are
 *     delivered (on a busy machine the backend's static answers are slower than the router's).
 *   The routed pages carry the headers the backend sends with every answer (read from its
 *   `/app/` answer): Cross-Origin-Opener-Policy alone moves a page into a new renderer
 *   process, 100–250 ms on this machine, and the backend serves no page without it.
 *   The three alternate in one run (the order rotates every round), so load on the shared
 *   machine falls on all alike.
 * - where the time goes: each load's Navigation and Resource Timing (HTML, scripts, the token
 *   and config requests), when `#root` first gets content and the app's `switchboard:mount`
 *   mark (its modules evaluated, the voice session about to start), and when `createSession`
 *   was called and resolved (marks `switchboard:session-start` / `-up`, set alike by both
 *   pages); the median of each step is printed for both pages.
 * - idle: one page of each, Ready and left alone for `BENCH_IDLE_S` seconds (default 60)
 *   side by side; CDP `Performance.getMetrics` every 5 s: main-thread task time (CPU) over
 *   the window, and `JSHeapUsedSize` (first, last and largest sample: bounded means the last
 *   is not far above the first). A garbage collection is forced before the first sample.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
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
  performance.mark('switchboard:session-start');
  await client.createSession(token.jwt);
  performance.mark('switchboard:session-up');
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
    if (window.__firstRenderAt === undefined && document.getElementById('root')?.firstChild) window.__firstRenderAt = performance.now();
    if (window.__readyAt === undefined && document.querySelector('[data-testid="status"][data-voice="ready"]')) window.__readyAt = performance.now();
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-voice'] });
})();`;

type Kind = 'app' | 'routed' | 'sdk';
const ROUTED_PATH = '/bench-app-routed/';
const RENDERER_DIST = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));
const CONTENT_TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.svg': 'image/svg+xml', '.png': 'image/png' };

/**
 * Where one load's time went: milestones in ms from navigation start, from the page's own
 * Navigation and Resource Timing entries and the app's `switchboard:mount` mark (NaN where a
 * page has no such step). The SDK's session runs over its socket, which is no resource entry:
 * "createSession" is the time from the last request above to Ready.
 */
const MILESTONES = [
  'HTML received',
  'HTML parsed (domInteractive)',
  'scripts + styles downloaded',
  'scripts evaluated (DOMContentLoaded)',
  'app module evaluated (mark switchboard:mount)',
  'first render (#root filled)',
  'first /api/auth/token sent',
  'last /api/auth/token answered',
  '/api/config answered',
  'createSession called',
  'createSession resolved',
  'Ready',
] as const;
type Milestone = (typeof MILESTONES)[number];

/** Reads the milestones of the page once it is Ready (a string for the same reason as STAMP_READY). */
const READ_TIMELINE = `(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const ready = window.__readyAt;
  const res = performance.getEntriesByType('resource').filter((r) => r.startTime <= ready);
  const path = (r) => new URL(r.name).pathname;
  const max = (list, key) => (list.length ? Math.max(...list.map((r) => r[key])) : NaN);
  const min = (list, key) => (list.length ? Math.min(...list.map((r) => r[key])) : NaN);
  const assets = res.filter((r) => /\.(js|css)$/.test(path(r)));
  const tokens = res.filter((r) => path(r) === '/api/auth/token');
  const config = res.filter((r) => path(r) === '/api/config');
  return {
    'HTML received': nav.responseEnd,
    'HTML parsed (domInteractive)': nav.domInteractive,
    'scripts + styles downloaded': max(assets, 'responseEnd'),
    'scripts evaluated (DOMContentLoaded)': nav.domContentLoadedEventStart,
    'app module evaluated (mark switchboard:mount)': performance.getEntriesByName('switchboard:mount')[0]?.startTime ?? NaN,
    'first render (#root filled)': window.__firstRenderAt ?? NaN,
    'first /api/auth/token sent': min(tokens, 'startTime'),
    'last /api/auth/token answered': max(tokens, 'responseEnd'),
    '/api/config answered': max(config, 'responseEnd'),
    'createSession called': performance.getEntriesByName('switchboard:session-start')[0]?.startTime ?? NaN,
    'createSession resolved': performance.getEntriesByName('switchboard:session-up')[0]?.startTime ?? NaN,
    Ready: ready,
  };
})()`;

/**
 * The headers the backend sends with every answer (server/http/security.ts), read from its own
 * answer for `/app/`, for the routed pages to carry too. Cross-Origin-Opener-Policy matters
 * most: a page that sets it does not share a browsing context group with the tab's initial
 * about:blank, so Chromium commits it in a new renderer process (100–250 ms here). Every page
 * this origin serves has it, so the pages compared have it too.
 */
async function pageSecurityHeaders(platform: TestPlatform): Promise<Record<string, string>> {
  const response = await fetch(`${platform.serverUrl}/app/`, { method: 'HEAD' });
  const headers: Record<string, string> = {};
  for (const name of ['cross-origin-opener-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy']) {
    const value = response.headers.get(name);
    if (value === null) throw new Error(`the backend's /app/ answer has no ${name} header`);
    headers[name] = value;
  }
  return headers;
}

/** Builds a fresh context (no cache) with the agent's cookie and the routed pages. */
async function freshContext(browser: Browser, platform: TestPlatform, state: Awaited<ReturnType<BrowserContext['storageState']>>, script: string, security: Record<string, string>): Promise<BrowserContext> {
  const context = await browser.newContext({ storageState: state });
  await context.addInitScript(STAMP_READY);
  await context.route(`${platform.serverUrl}${SDK_ONLY_PATH}**`, (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.endsWith('.js')) return route.fulfill({ status: 200, headers: security, contentType: 'text/javascript', body: script });
    return route.fulfill({ status: 200, headers: security, contentType: 'text/html', body: '<!doctype html><html lang="en"><head><title>SDK only</title><script defer src="./sdk.js"></script></head><body></body></html>' });
  });
  await context.route(`${platform.serverUrl}${ROUTED_PATH}**`, async (route) => {
    const path = new URL(route.request().url()).pathname.slice(ROUTED_PATH.length) || 'index.html';
    const body = await readFile(join(RENDERER_DIST, normalize(path).replace(/^(\.\.[/\\])+/, '')));
    return route.fulfill({ status: 200, headers: security, contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', body });
  });
  return context;
}

async function openReady(context: BrowserContext, platform: TestPlatform, kind: Kind): Promise<{ page: Page; ms: number; timeline: Record<Milestone, number> }> {
  const page = await context.newPage();
  await page.goto(`${platform.serverUrl}${kind === 'app' ? '/app/' : kind === 'routed' ? ROUTED_PATH : SDK_ONLY_PATH}`);
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
  const timeline = (await page.evaluate(READ_TIMELINE)) as Record<Milestone, number>;
  return { page, ms, timeline };
}

/** CPU (main-thread task seconds) and heap samples of a page over `seconds`. */
async function idle(pages: Record<'app' | 'sdk', Page>, seconds: number): Promise<Record<'app' | 'sdk', { cpuPercent: number; heap: number[] }>> {
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
  const result = {} as Record<'app' | 'sdk', { cpuPercent: number; heap: number[] }>;
  sessions.forEach((s, i) => {
    result[s.kind] = { cpuPercent: (100 * (last[i]!.task - first[i]!.task)) / elapsed, heap: heaps[i]! };
  });
  return result;
}

/** Prints the median of each milestone for the three pages: where the app's extra time goes. */
function printTimelines(timelines: Record<Kind, Array<Record<Milestone, number>>>): void {
  const median = (kind: Kind, milestone: Milestone) => {
    const values = timelines[kind].map((t) => t[milestone]).filter((v) => Number.isFinite(v));
    return values.length ? percentile(values, 50).toFixed(1) : '—';
  };
  const width = Math.max(...MILESTONES.map((m) => m.length));
  console.log('\nWhere the time goes: median ms from navigation start to each step (Navigation / Resource Timing; method: test/bench/agent-start.ts)');
  console.log(`| ${'step'.padEnd(width)} | agent app | app, routed | SDK only |`);
  console.log(`|${'-'.repeat(width + 2)}|-----------|-------------|----------|`);
  for (const milestone of MILESTONES) {
    console.log(`| ${milestone.padEnd(width)} | ${median('app', milestone).padStart(9)} | ${median('routed', milestone).padStart(11)} | ${median('sdk', milestone).padStart(8)} |`);
  }
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
    const security = await pageSecurityHeaders(platform);
    // Sign Jane in once (web client: the session cookie); every load below reuses the cookie.
    const login = await browser.newContext();
    const response = await login.request.post(`${platform.serverUrl}/api/auth/login`, { data: { name: 'Jane', password: platform.agents.Jane, client: 'web' } });
    if (!response.ok()) throw new Error(`login: HTTP ${response.status()}`);
    const state = await login.storageState();
    await login.close();

    const times: Record<Kind, number[]> = { app: [], routed: [], sdk: [] };
    const timelines: Record<Kind, Array<Record<Milestone, number>>> = { app: [], routed: [], sdk: [] };
    const kinds: Kind[] = ['app', 'routed', 'sdk'];
    // One warm-up of each (the platform's first session, the OS file cache), not counted.
    for (let round = -1; round < rounds; round++) {
      const shift = (round + 3) % 3;
      const order = [...kinds.slice(shift), ...kinds.slice(0, shift)];
      for (const kind of order) {
        const context = await freshContext(browser, platform, state, script, security);
        const { ms, timeline } = await openReady(context, platform, kind);
        if (round >= 0) {
          times[kind].push(ms);
          timelines[kind].push(timeline);
        }
        await context.close();
      }
    }
    printTable(`Agent app cold start to Ready against the Client SDK alone: ${rounds} interleaved rounds, fresh context each (method: test/bench/agent-start.ts)`, [
      summarize('agent app (backend): navigation -> data-voice="ready"', times.app),
      summarize('agent app (router): navigation -> data-voice="ready"', times.routed),
      summarize('SDK only (router): navigation -> createSession resolved', times.sdk),
    ]);
    printTimelines(timelines);
    for (const kind of ['app', 'routed'] as const) {
      const ratios = times[kind].map((ms, i) => ms / times.sdk[i]!);
      console.log(
        `${kind === 'app' ? 'app (backend)' : 'app (router)'} / SDK-only, per round: median ${percentile(ratios, 50).toFixed(2)}× (min ${Math.min(...ratios).toFixed(2)}×, max ${Math.max(...ratios).toFixed(2)}×); medians ${(percentile(times[kind], 50) / percentile(times.sdk, 50)).toFixed(2)}× (target ≤ 1.20×)`,
      );
    }

    const app = await openReady(await freshContext(browser, platform, state, script, security), platform, 'app');
    const sdk = await openReady(await freshContext(browser, platform, state, script, security), platform, 'sdk');
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
