/**
 * Two backend instances on one PostgreSQL database (docs/ARCHITECTURE.md, "The call model,
 * jobs and instances"), end to end: two backend processes (`server/index.ts`, as `npm run
 * backend` runs it) behind a round-robin HTTP proxy owned by this test, the sandbox, real
 * Client SDK agents in Chromium (the web app) and simulated phones.
 *
 * The proxy stands at the URL the sandbox's application webhooks point at (the platform's
 * backend URL), and both instances build their own callback URLs from it (PUBLIC_URL), so
 * every webhook, every callback and every request of the web app goes to instance A or B in
 * turn. It forwards each request untouched (method, path and query, headers — the signed
 * webhooks' Authorization included — and body) and pipes the answer back; a request an
 * instance refuses to connect goes to the other one, as a load balancer would.
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { SETTLE_MS, RECONCILE_EVERY_MS } from '../../server/calls/reconcile';
import { VOICEMAIL_GREETING } from '../../server/flows/actions';
import { AppLeg } from '../../sandbox/voice/legs';
import { AgentDesk } from '../support/agent-desk';
import { launchChromium } from '../support/chromium';
import { backendChild, type BackendChild } from '../support/backend-process';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { platformLogOnFailure } from '../support/failure-log';
import { freePort } from '../../server/free-port';

const QUEUE = '14155550155';
/** Longest a missed end can take to be reconciled: settle, one period, and some slack. */
const RECONCILED_WITHIN_MS = SETTLE_MS + RECONCILE_EVERY_MS + 15_000;

/** A round-robin proxy over the backend instances. */
interface Proxy {
  /** Requests each instance answered (by its URL). */
  served: Map<string, number>;
  /** What went wrong (connection errors, retries), for a failing test to print. */
  log: string[];
  close(): Promise<void>;
}

/** Connection errors: the instance is not there (killed), so the other one gets the request. */
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

async function startProxy(port: number, targets: string[]): Promise<Proxy> {
  let next = 0;
  const served = new Map<string, number>(targets.map((t) => [t, 0]));
  const log: string[] = [];
  const note = (text: string) => {
    log.push(`${new Date().toISOString()} ${text}`);
    if (log.length > 500) log.shift();
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const first = next++ % targets.length;
      const attempt = (tried: number) => {
        const target = targets[(first + tried) % targets.length]!;
        const headers: IncomingHttpHeaders = { ...req.headers };
        // A fresh connection per request (no pooled socket to a killed instance).
        const upstream = httpRequest(`${target}${req.url ?? '/'}`, { method: req.method, headers, agent: false });
        let answered = false;
        upstream.on('response', (answer) => {
          answered = true;
          served.set(target, (served.get(target) ?? 0) + 1);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('error', () => res.destroy());
          answer.on('aborted', () => res.destroy());
        });
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (answered) {
            res.destroy();
            return;
          }
          // Only a connection refused is surely unprocessed; a reset is retried too only when
          // nothing of the request could have been read (no body).
          const retry = tried + 1 < targets.length && CONNECTION_ERRORS.has(error.code ?? '') && (error.code === 'ECONNREFUSED' || body.length === 0);
          note(`${req.method} ${req.url} -> ${target}: ${error.code ?? error.message}${retry ? ', retried on the other instance' : ', 502'}`);
          if (retry) {
            attempt(tried + 1);
            return;
          }
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
          res.end(`proxy: ${error.message}`);
        });
        // The client gone (an EventSource closed): so is the request upstream.
        res.on('close', () => {
          if (!res.writableFinished) upstream.destroy();
        });
        upstream.end(body);
      };
      attempt(0);
    });
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', done);
  });
  return {
    served,
    log,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

let platform: TestPlatform;
let backends: BackendChild[] = [];
let proxy: Proxy | null = null;
let browser: Browser;
let desk: AgentDesk;

test.beforeAll(async () => {
  platform = await startTestPlatform();
  const p = platform.platform;
  // The in-process backend goes; the proxy takes its port (where the webhooks point).
  await p.server.close();
  const [portA, portB] = [await freePort(), await freePort()];
  backends = [
    backendChild(p, { port: portA, publicUrl: platform.serverUrl, label: 'backend A' }),
    backendChild(p, { port: portB, publicUrl: platform.serverUrl, label: 'backend B' }),
  ];
  for (const backend of backends) await backend.start();
  proxy = await startProxy(Number(new URL(platform.serverUrl).port), backends.map((b) => b.url));
  browser = await launchChromium();
  desk = new AgentDesk(platform, browser);
});

platformLogOnFailure(() => platform);
test.afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  for (const backend of backends) await backend.kill();
  await platform?.stop();
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    const output = [
      ...backends.map((b) => b.output()),
      `----- proxy -----\n${proxy?.log.join('\n') ?? ''}\nserved: ${JSON.stringify([...(proxy?.served ?? [])])}`,
    ].join('\n');
    console.error(`backend processes' output:\n${output}`);
    await testInfo.attach('backend-output.txt', { body: output, contentType: 'text/plain' });
  }
  await desk.signOutAll();
  // A killed instance comes back for the next scenario.
  for (const backend of backends) if (backend.pid() === null) await backend.start();
});

const agent = (name: 'Jane' | 'Joe') => desk.agent(name);
const callRecord = (conversation: string) => desk.callRecord(conversation);
const statuses = () => desk.statuses();
const waiting = (queue: string) => desk.waiting(queue);
const heard = (uuid: string) => desk.heard(uuid);

/** Live legs the platform has to each Client SDK user (calls ringing or answered on the agent's app). */
function liveAgentLegs(): Map<string, string[]> {
  const byUser = new Map<string, string[]>();
  for (const leg of platform.platform.sandbox.engine.allLegs()) {
    if (!(leg instanceof AppLeg) || leg.isOver || leg.direction !== 'outbound') continue;
    byUser.set(leg.user.name, [...(byUser.get(leg.user.name) ?? []), `${leg.uuid} (${leg.status}, conversation ${leg.conversation.id})`]);
  }
  return byUser;
}

function servedCounts(): number[] {
  return backends.map((b) => proxy!.served.get(b.url) ?? 0);
}

test('inbound across instances: Jane declines, Joe answers, audio flows; Joe hangs up and the call ends with him', async () => {
  const before = servedCounts();
  const jane = await agent('Jane');
  const joe = await agent('Joe');
  const call = await platform.phone.call('+14155550110');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('decline-button').click();
  await expect(joe.getByTestId('incoming-call')).toBeVisible();
  await joe.getByTestId('answer-button').click();
  await expect(joe.getByTestId('in-call')).toBeVisible();
  await expect.poll(async () => Number(await joe.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(20);
  await joe.getByTestId('hangup-button').click();
  await expect.poll(async () => (await platform.phone.get(call.uuid)).status).toBe('completed');
  await expect.poll(async () => (await callRecord(call.conversation_uuid)).ended_at).toBeTruthy();
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ agent: 'Joe', outcome: 'answered' });
  await expect.poll(async () => (await statuses()).Joe).toBe('available');
  // Both instances took part.
  const after = servedCounts();
  expect(after[0]! - before[0]!, 'requests instance A answered').toBeGreaterThan(5);
  expect(after[1]! - before[1]!, 'requests instance B answered').toBeGreaterThan(5);
});

test('six queue callers at once: no agent is rung twice at a time; every caller is served and nobody stays Busy', async () => {
  test.setTimeout(180_000);
  const agents = { Jane: await agent('Jane'), Joe: await agent('Joe') };
  // Watch the platform: at no moment may an agent have two live calls to their app.
  const violations: string[] = [];
  const maxLive = new Map<string, number>();
  const watch = setInterval(() => {
    for (const [user, legs] of liveAgentLegs()) {
      maxLive.set(user, Math.max(maxLive.get(user) ?? 0, legs.length));
      if (legs.length > 1 && violations.length < 20) violations.push(`${new Date().toISOString()} ${user}: ${legs.join(', ')}`);
    }
  }, 50);
  try {
    const callers = await Promise.all(Array.from({ length: 6 }, (_, i) => platform.phone.call(`+1415555014${i}`, `+${QUEUE}`)));
    const open = async () => {
      const left: string[] = [];
      for (const caller of callers) if ((await platform.phone.get(caller.uuid)).status !== 'completed') left.push(caller.uuid);
      return left;
    };
    const deadline = Date.now() + 120_000;
    const sentOn = new Set<string>();
    const answeredBy = new Map<string, number>();
    const done = { value: false };

    // Each agent takes every call offered to them, one by one, and hangs up.
    const work = async (name: 'Jane' | 'Joe', page: Page) => {
      while (!done.value && Date.now() < deadline) {
        expect(await page.getByTestId('incoming-call').count(), `${name}'s incoming calls`).toBeLessThanOrEqual(1);
        const incoming = page.getByTestId('incoming-call');
        if (!(await incoming.isVisible())) {
          await new Promise((r) => setTimeout(r, 200));
          continue;
        }
        await page.getByTestId('answer-button').click({ timeout: 5_000 }).catch(() => undefined);
        const inCall = await page
          .getByTestId('in-call')
          .waitFor({ state: 'visible', timeout: 10_000 })
          .then(() => true)
          .catch(() => false);
        if (!inCall) continue;
        answeredBy.set(name, (answeredBy.get(name) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 500));
        await page.getByTestId('hangup-button').click();
        await expect(page.getByTestId('in-call')).toBeHidden();
      }
    };
    const monitor = async () => {
      try {
        while (Date.now() < deadline) {
          const left = await open();
          if (left.length === 0) return;
          for (const uuid of left) {
            if ((await heard(uuid)).includes(VOICEMAIL_GREETING)) {
              sentOn.add(uuid);
              await platform.phone.hangup(uuid);
            }
          }
          await new Promise((r) => setTimeout(r, 500));
        }
        throw new Error(`callers still open after 120 s: ${(await open()).join(', ')}`);
      } finally {
        done.value = true;
      }
    };
    await Promise.all([monitor(), work('Jane', agents.Jane), work('Joe', agents.Joe)]);

    for (const caller of callers) {
      await expect
        .poll(async () => (await callRecord(caller.conversation_uuid)).ended_at, { timeout: 30_000, message: `record of ${caller.uuid}` })
        .toBeTruthy();
    }
    const records = await Promise.all(callers.map((c) => callRecord(c.conversation_uuid)));
    for (const [i, record] of records.entries()) {
      if (sentOn.has(callers[i]!.uuid)) expect(record, callers[i]!.uuid).toMatchObject({ flow_outcome: 'timeout' });
      else expect(record, callers[i]!.uuid).toMatchObject({ outcome: 'answered', agent: expect.stringMatching(/^(Jane|Joe)$/) });
    }
    expect(sentOn.size, 'callers sent to voicemail').toBe(0);
    expect(await waiting('support')).toEqual([]);
    await expect.poll(async () => Object.values(await statuses()).filter((s) => s === 'busy')).toEqual([]);
    expect(violations, 'an agent rung (or on a call) twice at a time').toEqual([]);
    console.log(`answered: ${JSON.stringify([...answeredBy])}; most live calls per agent at once: ${JSON.stringify([...maxLive])}`);
  } finally {
    clearInterval(watch);
  }
});

test('one instance SIGKILLed mid-call: the other one finishes the call, Jane is free again and the next call rings her', async () => {
  test.setTimeout(RECONCILED_WITHIN_MS + 90_000);
  const jane = await agent('Jane');
  const call = await platform.phone.call('+14155550131');
  await expect(jane.getByTestId('incoming-call')).toBeVisible();
  await jane.getByTestId('answer-button').click();
  await expect(jane.getByTestId('in-call')).toBeVisible();
  await expect(jane.getByTestId('agent-status-label')).toHaveText('On a call');
  await expect.poll(async () => (await callRecord(call.conversation_uuid)).agent).toBe('Jane');
  expect((await statuses()).Jane).toBe('busy');

  await backends[0]!.kill();
  await platform.phone.hangup(call.uuid);
  await expect.poll(async () => (await platform.phone.get(call.uuid)).status).toBe('completed');
  await expect(jane.getByTestId('call-ended')).toBeVisible();

  // B gets the events (the proxy skips A); were one lost with A, reconciliation closes it.
  await expect
    .poll(async () => (await callRecord(call.conversation_uuid)).ended_at, { timeout: RECONCILED_WITHIN_MS, intervals: [1_000] })
    .toBeTruthy();
  expect(await callRecord(call.conversation_uuid)).toMatchObject({ agent: 'Jane', outcome: 'answered' });
  await expect.poll(async () => (await statuses()).Jane, { timeout: RECONCILED_WITHIN_MS, intervals: [1_000] }).toBe('available');
  await expect(jane.getByTestId('agent-status-label')).toHaveText('Available', { timeout: 15_000 });

  await desk.takeCall(jane, 'Jane', '+14155550132');
  expect(backends[0]!.pid(), 'instance A stayed down').toBeNull();
  // The proxy did meet the dead instance, and sent those requests to B.
  expect(proxy!.log.filter((line) => line.includes('retried on the other instance')).length).toBeGreaterThan(0);
});
