/**
 * The sandbox against the real Client SDK in Chromium: token problems surface as the SDK's
 * own errors, quickly, instead of a hang.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { tokenGenerate } from '@vonage/jwt';
import { launchChromium } from '../support/chromium';
import { startSandboxAccount, type SandboxAccount } from '../support/sandbox-account';
import { sdkBundle } from '../support/sdk-page';
import { expiredUserToken } from '../support/sdk-tokens';

let account: SandboxAccount;
let browser: Browser;
let page: Page;

/** Runs createSession in the page; resolves to 'ok:<session id>' or 'error:<what the SDK said>'. */
async function createSession(token: string): Promise<string> {
  return page.evaluate(
    async ({ token, url }) => {
      const sdk = (window as unknown as { vonageClientSDK: { VonageClient: new (c: object) => { createSession(t: string): Promise<string> } } }).vonageClientSDK;
      const client = new sdk.VonageClient({ apiUrl: url, websocketUrl: url, rtcStatsTelemetry: false, loggingLevel: 'Error' });
      try {
        return `ok:${await client.createSession(token)}`;
      } catch (error) {
        const e = error as { type?: string; code?: string; message?: string };
        return `error:${e.type ?? ''}:${e.code ?? ''}:${e.message ?? String(error)}`;
      }
    },
    { token, url: account.sandbox.url },
  );
}

test.beforeAll(async () => {
  account = await startSandboxAccount();
  browser = await launchChromium();
});
test.afterAll(async () => {
  await browser?.close();
  await account?.stop();
});
test.beforeEach(async () => {
  page = await browser.newPage();
  await page.goto(`${account.sandbox.url}/sandbox/v1/health`);
  await page.addScriptTag({ path: sdkBundle });
});
test.afterEach(async () => page.close());

test('a valid token creates a session', async () => {
  const token = tokenGenerate(account.applicationId, account.privateKey, { subject: 'Jane', ttl: 600 });
  expect(await createSession(token)).toMatch(/^ok:[0-9a-f-]{36}$/);
});

test('an expired token gets the SDK error, not a hang', async () => {
  const token = expiredUserToken(account.applicationId, account.privateKey, 'Jane');
  const started = Date.now();
  const outcome = await createSession(token);
  expect(outcome).toMatch(/^error:/);
  expect(outcome.toLowerCase()).toContain('expired');
  expect(Date.now() - started).toBeLessThan(15_000);
});

test('a token signed with another key is refused', async () => {
  const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const token = tokenGenerate(account.applicationId, other.privateKey, { subject: 'Jane', ttl: 600 });
  const outcome = await createSession(token);
  expect(outcome).toMatch(/^error:/);
  expect(outcome.toLowerCase()).toContain('invalid');
});
