/**
 * Sandbox ring latency with 1 and with 20 agents logged in: phone POST → the real SDK's
 * `callInvite` in Chromium, the NCCO being a bare `connect` to one agent (no greeting, so
 * the figure is the platform's own overhead: answer_url fetch, offer creation, socket push).
 *
 * Method: every agent is a page running the SDK's browser build with its own session. Calls
 * go round-robin to the agents; Node stamps Date.now() before the POST, the page stamps
 * Date.now() in its callInvite listener (same machine, same clock). The phone then hangs
 * up and the next call starts once the agent saw the cancel. One uncounted call warms up.
 */
import { fileURLToPath } from 'node:url';
import { tokenGenerate } from '@vonage/jwt';
import type { Page } from 'playwright';
import { launchChromium } from '../support/chromium';
import { startSandboxAccount } from '../support/sandbox-account';
import { printTable, summarize } from './table';

const sdkBundle = fileURLToPath(new URL('../../node_modules/@vonage/client-sdk/dist/vonageClientSDK.js', import.meta.url));

type AgentWindow = { __invites: number[]; __cancels: number };

async function loginAgent(page: Page, sandboxUrl: string, token: string): Promise<void> {
  await page.goto(`${sandboxUrl}/sandbox/v1/health`);
  await page.addScriptTag({ path: sdkBundle });
  await page.evaluate(
    async ({ token, url }) => {
      const w = window as unknown as AgentWindow & { vonageClientSDK: { VonageClient: new (c: object) => { createSession(t: string): Promise<string>; on(e: string, f: (...a: unknown[]) => void): void } } };
      w.__invites = [];
      w.__cancels = 0;
      const client = new w.vonageClientSDK.VonageClient({ apiUrl: url, websocketUrl: url, rtcStatsTelemetry: false, loggingLevel: 'Error' });
      client.on('callInvite', () => w.__invites.push(Date.now()));
      client.on('callInviteCancel', () => w.__cancels++);
      await client.createSession(token);
    },
    { token, url: sandboxUrl },
  );
}

/** Measures ring latency over `calls` calls with `agents` agents logged in; returns the samples (ms). */
export async function ringLatency(agents: number, calls: number): Promise<number[]> {
  const account = await startSandboxAccount('14155550188');
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const pages: Page[] = [];
    for (let i = 0; i < agents; i++) {
      const page = await context.newPage();
      await loginAgent(page, account.sandbox.url, tokenGenerate(account.applicationId, account.privateKey, { subject: `agent${i}`, ttl: 3600 }));
      pages.push(page);
    }
    const samples: number[] = [];
    // Call -1 warms up (first offer, JIT) and is not counted.
    for (let i = -1; i < calls; i++) {
      const target = (i + agents) % agents;
      const page = pages[target]!;
      const before = await page.evaluate(() => (window as unknown as AgentWindow).__invites.length);
      const cancels = await page.evaluate(() => (window as unknown as AgentWindow).__cancels);
      account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: `agent${target}` }] }]);
      const sentAt = Date.now();
      const response = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ from: '14155550100', to: account.number }),
      });
      const { uuid } = (await response.json()) as { uuid: string };
      await page.waitForFunction((n) => (window as unknown as AgentWindow).__invites.length > n, before, { polling: 2, timeout: 20_000 });
      const invitedAt = await page.evaluate(() => (window as unknown as AgentWindow).__invites.at(-1)!);
      if (i >= 0) samples.push(invitedAt - sentAt);
      await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}`, { method: 'DELETE' });
      await page.waitForFunction((n) => (window as unknown as AgentWindow).__cancels > n, cancels, { timeout: 20_000 });
    }
    return samples;
  } finally {
    await browser.close();
    await account.stop();
  }
}

/** Prints the ring-latency table for 1 and 20 agents. */
export async function runRingBench(calls: number): Promise<void> {
  const rows = [];
  for (const agents of [1, 20]) rows.push(summarize(`${agents} agent${agents > 1 ? 's' : ''} logged in: phone POST -> callInvite`, await ringLatency(agents, calls)));
  printTable(`Sandbox ring latency (bare connect NCCO), ${calls} calls each`, rows);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runRingBench(Number(process.env.BENCH_CALLS ?? 20));
