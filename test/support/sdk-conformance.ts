/**
 * The shared setup of the Client SDK conformance suites (`test/e2e/sdk-*.spec.ts`): one
 * sandbox account and one Chromium per spec file, SDK pages opened per test and closed after
 * it (each checked for payloads the SDK failed to parse), and the simulated phones' API.
 */
import { expect, test, type Browser } from '@playwright/test';
import { tokenGenerate } from '@vonage/jwt';
import { launchChromium } from './chromium';
import { startSandboxAccount, type SandboxAccount } from './sandbox-account';
import { SdkAgent } from './sdk-page';
import { userToken } from './sdk-tokens';

/** A simulated phone's call as the phone API reports it. */
export interface PhoneCall {
  uuid: string;
  conversation_uuid: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  status: string;
  heard: Array<{ type: string; text?: string; digits?: string }>;
  dtmf_received: string[];
  media: { packets_sent: number; packets_received: number; audible_frames_received: number };
}

/** Drives the sandbox's simulated phones (`/sandbox/v1/phone/...`). */
export class Phones {
  constructor(private readonly baseUrl: string, private readonly contactNumber: string) {}

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}/sandbox/v1/phone${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  private async ok<T>(response: Response): Promise<T> {
    if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status} ${await response.text()}`);
    return (response.status === 204 ? null : await response.json()) as T;
  }

  /** A phone calls a number (the account's by default). */
  async call(from: string, to = this.contactNumber): Promise<{ uuid: string; conversation_uuid: string }> {
    return this.ok(await this.request('POST', '/calls', { from, to }));
  }

  async get(uuid: string): Promise<PhoneCall> {
    return this.ok(await this.request('GET', `/calls/${uuid}`));
  }

  /** Calls to or from one phone number, oldest first. */
  async callsOf(number: string): Promise<PhoneCall[]> {
    return (await this.ok<{ calls: PhoneCall[] }>(await this.request('GET', `/calls?number=${encodeURIComponent(number)}`))).calls;
  }

  /** Waits for the platform to ring this number and returns that call. */
  async ringing(number: string): Promise<PhoneCall> {
    let call: PhoneCall | undefined;
    await expect
      .poll(async () => {
        call = (await this.callsOf(number)).find((c) => c.direction === 'outbound' && c.status === 'ringing');
        return call !== undefined;
      }, { message: `phone ${number} ringing` })
      .toBe(true);
    return call!;
  }

  async answer(uuid: string): Promise<PhoneCall> {
    return this.ok(await this.request('POST', `/calls/${uuid}/answer`));
  }

  async press(uuid: string, digits: string): Promise<void> {
    await this.ok(await this.request('POST', `/calls/${uuid}/dtmf`, { digits }));
  }

  /** What the phone's microphone sends: `{silence: true}`, `{tone: true}`, `{text}`... */
  async play(uuid: string, body: Record<string, unknown>): Promise<void> {
    await this.ok(await this.request('POST', `/calls/${uuid}/play`, body));
  }

  async hangup(uuid: string): Promise<void> {
    await this.ok(await this.request('DELETE', `/calls/${uuid}`));
  }

  /** Waits until the call's status is this one. */
  async until(uuid: string, status: string): Promise<PhoneCall> {
    await expect.poll(async () => (await this.get(uuid)).status, { message: `phone call ${uuid} ${status}` }).toBe(status);
    return this.get(uuid);
  }
}

/** What a conformance spec works with. */
export interface SdkFixture {
  readonly account: SandboxAccount;
  readonly browser: Browser;
  readonly phones: Phones;
  /** A user's SDK token (10 minutes unless told). */
  token(user: string, ttlS?: number): string;
  /** Opens an SDK page; with a user, also logs it in. Closed after the test. */
  agent(user?: string): Promise<SdkAgent>;
  /** Calls the Voice API as the application's backend would (application JWT). */
  voiceApi(method: string, path: string, body?: unknown): Promise<Response>;
}

/**
 * Registers the hooks of a conformance spec and returns its fixture: call once at the top
 * of the spec file. After each test every page it opened must have parsed every payload
 * the sandbox sent (the SDK logs "Socket Parsing error" otherwise).
 */
export function useSdkFixture(): SdkFixture {
  let account: SandboxAccount | undefined;
  let browser: Browser | undefined;
  let phones: Phones | undefined;
  const open: SdkAgent[] = [];

  test.beforeAll(async () => {
    account = await startSandboxAccount();
    browser = await launchChromium();
    phones = new Phones(account.sandbox.url, account.number);
  });
  test.afterAll(async () => {
    await browser?.close();
    await account?.stop();
  });
  test.afterEach(async () => {
    const agents = open.splice(0).filter((agent) => !agent.page.isClosed());
    const problems: string[] = [];
    for (const agent of agents) problems.push(...(await agent.parseErrors()));
    for (const agent of agents) await agent.close();
    expect(problems, 'payloads the SDK could not parse').toEqual([]);
    // The next test starts with no SDK connected (closed pages' sockets take a moment to go).
    await expect.poll(() => account!.sandbox.sessions.connectedCount()).toBe(0);
  });

  const fixture: SdkFixture = {
    get account() {
      return account!;
    },
    get browser() {
      return browser!;
    },
    get phones() {
      return phones!;
    },
    token: (user, ttlS = 600) => userToken(account!.applicationId, account!.privateKey, user, ttlS),
    agent: async (user) => {
      const agent = await SdkAgent.open(browser!, account!.sandbox.url);
      open.push(agent);
      if (user) await agent.login(fixture.token(user));
      return agent;
    },
    voiceApi: (method, path, body) =>
      fetch(`${account!.sandbox.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${tokenGenerate(account!.applicationId, account!.privateKey, { ttl: 300 })}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
  };
  return fixture;
}
