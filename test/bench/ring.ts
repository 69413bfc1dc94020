/**
 * Sandbox ring latency against the number of agents logged in (1 and 20; BENCH_RING_AGENTS=1,20,100
 * picks others): phone POST → the real SDK's `callInvite` in Chromium, the NCCO being a bare
 * `connect` to one agent (no greeting, so the figure is the platform's own overhead:
 * answer_url fetch, offer creation, socket push).
 *
 * Method: every agent is a page running the SDK's browser build with its own session. Each
 * page is warmed first with one uncounted call, so a row measures scale and not each page's
 * first invite. Calls go round-robin to the agents; Node stamps Date.now() before the POST,
 * the page stamps Date.now() in its callInvite listener (same machine, same clock). The
 * phone then hangs up and the next call starts once the agent saw the cancel. The setups run
 * side by side in interleaved rounds (one call in each per round).
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

/** One setup under measure: a sandbox with `agents` agents logged in, each page warmed. */
interface RingSetup {
  agents: number;
  /** Rings the next agent (round-robin) once; returns phone POST → callInvite in ms. */
  ringOnce(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts a sandbox with `agents` agents logged in and rings every agent once, uncounted: a
 * page's first invite pays for its first RTCPeerConnection and the SDK's lazy paths, which
 * is not what more agents cost.
 */
async function ringSetup(agents: number, number: string): Promise<RingSetup> {
  const account = await startSandboxAccount(number);
  const browser = await launchChromium();
  const pages: Page[] = [];
  let next = 0;
  const ringOnce = async (): Promise<number> => {
    const target = next++ % agents;
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
    await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}`, { method: 'DELETE' });
    await page.waitForFunction((n) => (window as unknown as AgentWindow).__cancels > n, cancels, { timeout: 20_000 });
    return invitedAt - sentAt;
  };
  try {
    const context = await browser.newContext();
    for (let i = 0; i < agents; i++) {
      const page = await context.newPage();
      await loginAgent(page, account.sandbox.url, tokenGenerate(account.applicationId, account.privateKey, { subject: `agent${i}`, ttl: 3600 }));
      pages.push(page);
    }
    for (let i = 0; i < agents; i++) await ringOnce();
  } catch (error) {
    await browser.close();
    await account.stop();
    throw error;
  }
  return {
    agents,
    ringOnce,
    close: async () => {
      await browser.close();
      await account.stop();
    },
  };
}

/**
 * Ring latency with each number of agents in `agentCounts`, in interleaved rounds: every
 * setup is up (and warmed) at once, and each round rings once in each, so a slow spell of a
 * shared machine falls on all of them alike. Returns the samples (ms) per agent count.
 */
export async function ringLatency(agentCounts: number[], calls: number): Promise<Map<number, number[]>> {
  const setups: RingSetup[] = [];
  const samples = new Map<number, number[]>(agentCounts.map((n) => [n, []]));
  try {
    for (const [i, agents] of agentCounts.entries()) setups.push(await ringSetup(agents, `1415555018${i}`));
    for (let round = 0; round < calls; round++) {
      for (const setup of setups) samples.get(setup.agents)!.push(await setup.ringOnce());
    }
    return samples;
  } finally {
    for (const setup of setups) await setup.close();
  }
}

/** Agent counts the ring bench compares: 1 and 20, plus any in BENCH_RING_AGENTS (e.g. 1,20,100). */
function agentCounts(): number[] {
  const asked = (process.env.BENCH_RING_AGENTS ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  return asked.length > 0 ? asked : [1, 20];
}

/** Prints the ring-latency table per number of agents logged in. */
export async function runRingBench(calls: number): Promise<void> {
  const counts = agentCounts();
  const samples = await ringLatency(counts, calls);
  const rows = counts.map((agents) => summarize(`${agents} agent${agents > 1 ? 's' : ''} logged in, pages warmed: phone POST -> callInvite`, samples.get(agents)!));
  printTable(`Sandbox ring latency (bare connect NCCO), ${calls} interleaved rounds`, rows);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runRingBench(Number(process.env.BENCH_CALLS ?? 20));
