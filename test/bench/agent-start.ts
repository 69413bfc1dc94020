/**
 * The agent app's start and idle costs against the Client SDK alone, on the embedded platform.
 *
 * Method:
 * - cold start: a new browser context per load (empty HTTP cache, the signed-in agent's
 *   session cookie only), from navigation start (`performance.timeOrigin`) to Ready:
 *   - the agent app: `/app/` as the backend serves it, until the status line says
 *     `data-voice="ready"` (a MutationObserver stamps `performance.now()`);
 *   - SDK only: a page that loads the Client SDK bundled alone (esbuild, minified, like
 *     `bundle-size.ts`), asks the backend for an SDK token and the SDK endpoints exactly as
 *     the app does, and creates a session, until `createSession` resolves.
 *   Both are delivered alike, by the backend: the bench copies the built app (dist/renderer)
 *   into a temporary folder, adds the SDK-only page to it (`sdk-only.html` and a script under
 *   `assets/`, precompressed as the build does) and starts the platform on that folder. So
 *   both pages get the same static handler, compression, caching and security headers
 *   (Cross-Origin-Opener-Policy alone moves a page into a new renderer process, 100–250 ms
 *   on this machine), and no request goes through Playwright's router, which pauses each one
 *   in the browser for a round trip to this process. The two alternate in one run (the order
 *   swaps every round), so load on the shared machine falls on both alike.
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
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright';
import { ROOT } from '../../scripts/build-desktop';
import { brotli, gzip, PRECOMPRESSED_SUFFIXES } from '../../scripts/web-delivery';
import { launchChromium } from '../support/chromium';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { percentile, printTable, summarize } from './table';

/** The SDK-only page, beside the app's index.html in the served folder. */
const SDK_ONLY_PATH = '/app/sdk-only.html';
const SDK_ONLY_SCRIPT_FILE = 'assets/sdk-only.js';
const RENDERER_DIST = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

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

type Kind = 'app' | 'sdk';

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
 * A copy of the built app with the SDK-only page beside it, each new file precompressed as
 * the build does (scripts/web-delivery.ts); the caller removes the folder.
 */
function servedFolder(script: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-renderer-'));
  cpSync(RENDERER_DIST, dir, { recursive: true });
  const html = `<!doctype html><html lang="en"><head><meta charset="UTF-8" /><title>SDK only</title><script defer src="./${SDK_ONLY_SCRIPT_FILE}"></script></head><body></body></html>`;
  for (const [file, text] of [['sdk-only.html', html], [SDK_ONLY_SCRIPT_FILE, script]] as const) {
    const body = Buffer.from(text);
    writeFileSync(join(dir, file), body);
    writeFileSync(join(dir, file + PRECOMPRESSED_SUFFIXES.br), brotli(body));
    writeFileSync(join(dir, file + PRECOMPRESSED_SUFFIXES.gzip), gzip(body));
  }
  return dir;
}

/** Builds a fresh context (no cache) with the agent's cookie. */
async function freshContext(browser: Browser, state: Awaited<ReturnType<BrowserContext['storageState']>>): Promise<BrowserContext> {
  const context = await browser.newContext({ storageState: state });
  await context.addInitScript(STAMP_READY);
  return context;
}

async function openReady(context: BrowserContext, platform: TestPlatform, kind: Kind): Promise<{ page: Page; ms: number; timeline: Record<Milestone, number> }> {
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

/** Prints the median of each milestone for both pages: where the app's extra time goes. */
function printTimelines(timelines: Record<Kind, Array<Record<Milestone, number>>>): void {
  const median = (kind: Kind, milestone: Milestone) => {
    const values = timelines[kind].map((t) => t[milestone]).filter((v) => Number.isFinite(v));
    return values.length ? percentile(values, 50).toFixed(1) : '—';
  };
  const width = Math.max(...MILESTONES.map((m) => m.length));
  console.log('\nWhere the time goes: median ms from navigation start to each step (Navigation / Resource Timing; method: test/bench/agent-start.ts)');
  console.log(`| ${'step'.padEnd(width)} | agent app | SDK only |`);
  console.log(`|${'-'.repeat(width + 2)}|-----------|----------|`);
  for (const milestone of MILESTONES) {
    console.log(`| ${milestone.padEnd(width)} | ${median('app', milestone).padStart(9)} | ${median('sdk', milestone).padStart(8)} |`);
  }
}

/** Runs `rounds` interleaved cold starts of each page, then the idle window; prints the tables. */
export async function runAgentStartBench(rounds = Number(process.env.BENCH_ROUNDS ?? 10), idleS = Number(process.env.BENCH_IDLE_S ?? 60)): Promise<void> {
  const served = servedFolder(await sdkOnlyScript());
  let platform: TestPlatform | undefined;
  let browser: Browser | undefined;
  try {
    platform = await startTestPlatform({ rendererDir: served, keepLogs: false });
    browser = await launchChromium();
    // Sign Jane in once (web client: the session cookie); every load below reuses the cookie.
    const login = await browser.newContext();
    const response = await login.request.post(`${platform.serverUrl}/api/auth/login`, { data: { name: 'Jane', password: platform.agents.Jane, client: 'web' } });
    if (!response.ok()) throw new Error(`login: HTTP ${response.status()}`);
    const state = await login.storageState();
    await login.close();

    const times: Record<Kind, number[]> = { app: [], sdk: [] };
    const timelines: Record<Kind, Array<Record<Milestone, number>>> = { app: [], sdk: [] };
    // One warm-up of each (the platform's first session, the OS file cache), not counted.
    for (let round = -1; round < rounds; round++) {
      const order: Kind[] = round % 2 === 0 ? ['app', 'sdk'] : ['sdk', 'app'];
      for (const kind of order) {
        const context = await freshContext(browser, state);
        const { ms, timeline } = await openReady(context, platform, kind);
        if (round >= 0) {
          times[kind].push(ms);
          timelines[kind].push(timeline);
        }
        await context.close();
      }
    }
    printTable(`Agent app cold start to Ready against the Client SDK alone: ${rounds} interleaved rounds, fresh context each, both served by the backend (method: test/bench/agent-start.ts)`, [
      summarize('agent app: navigation -> data-voice="ready"', times.app),
      summarize('SDK only: navigation -> createSession resolved', times.sdk),
    ]);
    printTimelines(timelines);
    const ratios = times.app.map((ms, i) => ms / times.sdk[i]!);
    console.log(
      `app / SDK-only, per round: median ${percentile(ratios, 50).toFixed(2)}× (min ${Math.min(...ratios).toFixed(2)}×, max ${Math.max(...ratios).toFixed(2)}×); medians ${(percentile(times.app, 50) / percentile(times.sdk, 50)).toFixed(2)}× (target ≤ 1.20×)`,
    );

    const app = await openReady(await freshContext(browser, state), platform, 'app');
    const sdk = await openReady(await freshContext(browser, state), platform, 'sdk');
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
    await browser?.close();
    await platform?.stop();
    rmSync(served, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runAgentStartBench();
