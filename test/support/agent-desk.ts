/**
 * What the end-to-end call specs share around a running platform: agents signed in to the
 * web app in Chromium, the admin API with the platform's token, and what a simulated phone
 * heard. One `AgentDesk` per spec file; `signOutAll()` after each scenario leaves nobody
 * available for the next.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { launchChromium } from './chromium';
import { startTestPlatform, type TestPlatform } from './platform';
import { platformLogOnFailure } from './failure-log';

/**
 * For a spec file's top level: a platform, a Chromium and an `AgentDesk` started before the
 * file's tests and stopped after them, every agent signed out after each test. Read the
 * fields inside tests and hooks (they are set by the file's `beforeAll`).
 */
export function agentDeskPerFile(options: { wrapUpS?: number } = {}): { readonly platform: TestPlatform; readonly desk: AgentDesk } {
  let platform: TestPlatform | undefined;
  let browser: Browser | undefined;
  let desk: AgentDesk | undefined;
  test.beforeAll(async () => {
    platform = await startTestPlatform(options);
    browser = await launchChromium();
    desk = new AgentDesk(platform, browser);
  });
  test.afterAll(async () => {
    await browser?.close();
    await platform?.stop();
  });
  platformLogOnFailure(() => platform);
  test.afterEach(async () => {
    await desk?.signOutAll();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('agentDeskPerFile: read inside a test, after beforeAll');
    return value;
  };
  return {
    get platform() {
      return started(platform);
    },
    get desk() {
      return started(desk);
    },
  };
}

/** A call's record as the admin API shows it (the fields the specs read). */
export interface CallView {
  agent: string | null;
  ended_at: string | null;
  outcome: string | null;
  flow_outcome: string | null;
  status: string;
  events: Array<{ uuid: string | null; kind: string; status: string | null; agent: string | null }>;
  [field: string]: unknown;
}

/** Agents, the admin API and the phones of one platform. */
export class AgentDesk {
  private readonly pages: Page[] = [];
  private readonly adminToken: string;

  constructor(
    private readonly platform: TestPlatform,
    private readonly browser: Browser,
  ) {
    this.adminToken = readFileSync(join(platform.platform.dataDir, 'admin-token'), 'utf8').trim();
  }

  /** An agent signed in to the web app and available. */
  async agent(name: 'Jane' | 'Joe'): Promise<Page> {
    const page = await this.browser.newPage();
    this.pages.push(page);
    await page.goto(`${this.platform.serverUrl}/app/`);
    await page.getByTestId('login-name').fill(name);
    await page.getByTestId('login-password').fill(this.platform.agents[name]);
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('status')).toHaveAttribute('data-voice', 'ready');
    await expect(page.getByTestId('agent-status-label')).toHaveText('Available');
    return page;
  }

  /** Sign every agent out and close their pages. */
  async signOutAll(): Promise<void> {
    for (const page of this.pages.splice(0)) {
      await page.getByRole('button', { name: 'Sign out' }).click({ timeout: 5_000 }).catch(() => undefined);
      await page.close();
    }
  }

  /** An admin API request; 204 answers undefined, anything not 2xx throws with the body. */
  async admin<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await fetch(`${this.platform.serverUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json', ...(init?.headers ?? {}) },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
    return (response.status === 204 ? undefined : await response.json()) as T;
  }

  /** One call's record with its events. */
  callRecord(conversation: string): Promise<CallView> {
    return this.admin<CallView>(`/api/admin/calls/${conversation}`);
  }

  /** Every agent's status, by name. */
  async statuses(): Promise<Record<string, string>> {
    const agents = await this.admin<Array<{ name: string; status: string }>>('/api/admin/agents');
    return Object.fromEntries(agents.map((a) => [a.name, a.status]));
  }

  /** The calls waiting in a queue, oldest first. */
  async waiting(queue: string): Promise<string[]> {
    const view = await this.admin<{ queues: Array<{ name: string; waiting: Array<{ call_uuid: string }> }> }>('/api/admin/queues');
    return (view.queues.find((q) => q.name === queue)?.waiting ?? []).map((w) => w.call_uuid);
  }

  /**
   * A new call from `from` rings the agent on `page`, who answers it, hears the caller's audio
   * and hangs up: the record ends answered by them and they are available again.
   */
  async takeCall(page: Page, name: 'Jane' | 'Joe', from: string): Promise<void> {
    const call = await this.platform.phone.call(from);
    await expect(page.getByTestId('incoming-call')).toBeVisible();
    await page.getByTestId('answer-button').click();
    await expect(page.getByTestId('in-call')).toBeVisible();
    await expect.poll(async () => Number(await page.getByTestId('audio-stats').getAttribute('data-packets-received'))).toBeGreaterThan(20);
    await this.platform.phone.hangup(call.uuid);
    await expect(page.getByTestId('call-ended')).toBeVisible();
    await expect.poll(async () => (await this.callRecord(call.conversation_uuid)).ended_at).toBeTruthy();
    expect(await this.callRecord(call.conversation_uuid)).toMatchObject({ agent: name, outcome: 'answered' });
    await expect.poll(async () => (await this.statuses())[name]).toBe('available');
  }

  /** The agent's answered leg of a call (the SDK's call id in their app), once the call log has it. */
  async answeredLeg(conversation: string, name: string): Promise<string> {
    const find = async () => (await this.callRecord(conversation)).events.find((e) => e.agent === name && e.status === 'answered')?.uuid;
    await expect.poll(find).toBeTruthy();
    return (await find())!;
  }

  /** How many audible (not silent) frames a phone has received. */
  async audible(uuid: string): Promise<number> {
    return (await this.platform.phone.get(uuid)).media.audible_frames_received;
  }

  /** What a phone heard, as text (talk) and kinds (music, stream). */
  async heard(uuid: string): Promise<string[]> {
    return (await this.platform.phone.get(uuid)).heard.map((h) => h.text ?? h.type);
  }
}

/** A read of the desk held on its way (`holdFirstRead`): how many reads went out, and the release. */
export interface HeldRead {
  /** Reads of the path so far, the held one included. */
  reads(): number;
  /** Delivers the held answer. */
  release(): void;
  /** Stops counting and holding. */
  stop(): Promise<void>;
}

/**
 * Holds the answer of the page's next read of `pathname` (the backend answers it at once; the
 * page gets it only on `release()`), so that an edit made meanwhile comes after a read that
 * began before it. Later reads go through, counted.
 */
export async function holdFirstRead(page: Page, pathname: string): Promise<HeldRead> {
  let reads = 0;
  let release = () => undefined as void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const matches = (url: URL) => url.pathname === pathname;
  await page.route(matches, async (route) => {
    reads += 1;
    if (reads > 1) return route.continue();
    const response = await route.fetch();
    await held;
    await route.fulfill({ response });
  });
  return { reads: () => reads, release: () => release(), stop: () => page.unroute(matches) };
}
