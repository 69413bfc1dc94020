/**
 * The account APIs as `@vonage/server-sdk` drives them with `apiHost`/`restHost` set to the
 * sandbox: the Applications API keeps every capability and pages its list as the
 * specification says; the Numbers API searches the pool of fictional numbers, buys, links a
 * number to an application (calls to it then reach that application's answer_url), lists
 * and cancels. Where the SDK has no way to say it (query-string credentials, a form posted
 * as Vonage's curl samples do), plain HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vonage } from '@vonage/server-sdk';
import type { VetchError } from '@vonage/vetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSandboxConfig, parseNumberPool } from '../../../sandbox/config';
import { startSandbox } from '../../../sandbox/server';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { waitFor } from '../../support/wait';

let account: SandboxAccount;
let vonage: Vonage;

type Application = Parameters<Vonage['applications']['createApplication']>[0];

beforeAll(async () => {
  account = await startSandboxAccount();
  const { api_key, api_secret } = account.sandbox.store.account;
  vonage = new Vonage({ apiKey: api_key, apiSecret: api_secret }, { apiHost: account.sandbox.url, restHost: account.sandbox.url });
});
afterAll(async () => {
  await account.stop();
});

/** The HTTP status and body of a failed server SDK call. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const error = (await promise.then(
    () => {
      throw new Error('expected the SDK call to fail');
    },
    (e: unknown) => e,
  )) as VetchError;
  return { status: error.response!.status, body: (await error.response!.json()) as Record<string, unknown> };
}

describe('Applications API', () => {
  it('keeps every capability it is given and returns them', async () => {
    const sent = {
      voice: { webhooks: { answerUrl: { address: `${account.hookUrl}/answer`, httpMethod: 'GET' } }, conversationsTtl: 12 },
      rtc: { webhooks: { eventUrl: { address: `${account.hookUrl}/rtc`, httpMethod: 'POST' } } },
      messages: {
        version: 'v1',
        webhooks: {
          inboundUrl: { address: `${account.hookUrl}/inbound`, httpMethod: 'POST' },
          statusUrl: { address: `${account.hookUrl}/status`, httpMethod: 'POST' },
        },
        authenticateInboundMedia: true,
      },
      verify: { webhooks: { statusUrl: { address: `${account.hookUrl}/verify`, httpMethod: 'POST' } }, version: 'v2' },
      vbc: {},
    };
    const created = await vonage.applications.createApplication({ name: 'every capability', capabilities: sent } as unknown as Application);
    // The SDK snake-cases what it sends and camel-cases what it reads (keeping the original keys beside).
    const fetched = (await vonage.applications.getApplication(created.id!)) as unknown as { capabilities: Record<string, unknown> };
    expect(fetched.capabilities).toMatchObject(sent);
    expect(Object.keys(fetched.capabilities).sort()).toEqual(['messages', 'rtc', 'vbc', 'verify', 'voice']);

    // On the wire, Vonage's names.
    const raw = await fetch(`${account.sandbox.url}/v2/applications/${created.id}`, { headers: account.accountHeaders });
    const { capabilities } = (await raw.json()) as { capabilities: Record<string, Record<string, unknown>> };
    expect(capabilities.messages).toEqual(expect.objectContaining({ authenticate_inbound_media: true }));
    expect(capabilities.messages!.webhooks).toHaveProperty('inbound_url.http_method', 'POST');
    expect(capabilities.verify!.webhooks).toHaveProperty('status_url.address', `${account.hookUrl}/verify`);
    expect(capabilities.voice).toHaveProperty('conversations_ttl', 12);
    expect(capabilities.vbc).toEqual({});

    // A capability the SDK has no type for is kept too; PUT replaces the set as a whole.
    const put = await fetch(`${account.sandbox.url}/v2/applications/${created.id}`, {
      method: 'PUT',
      headers: account.accountHeaders,
      body: JSON.stringify({ name: 'renamed', capabilities: { network_apis: { redirect_uri: 'https://example.com/cb' }, vbc: {} } }),
    });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { capabilities: unknown }).capabilities).toEqual({ network_apis: { redirect_uri: 'https://example.com/cb' }, vbc: {} });
    await vonage.applications.deleteApplication(created.id!);
  });

  it('checks the documented fields of the capabilities it knows', async () => {
    const bad = async (capabilities: unknown) =>
      fetch(`${account.sandbox.url}/v2/applications`, { method: 'POST', headers: account.accountHeaders, body: JSON.stringify({ name: 'bad', capabilities }) });
    const inboundGet = await bad({ messages: { webhooks: { inbound_url: { address: 'https://example.com/in', http_method: 'GET' } } } });
    expect(inboundGet.status).toBe(400);
    expect(((await inboundGet.json()) as { invalid_parameters: Array<{ name: string }> }).invalid_parameters[0]!.name).toBe(
      'capabilities.messages.webhooks.inbound_url.http_method',
    );
    expect((await bad({ vbc: { extension: '100' } })).status).toBe(400);
    expect((await bad({ video: 'yes' })).status).toBe(400);
  });

  it('pages the list with page_size and page, and links the pages', async () => {
    const made: string[] = [];
    for (let i = 0; i < 4; i++) made.push((await vonage.applications.createApplication({ name: `paged ${i}`, capabilities: {} } as Application)).id!);
    const total = account.sandbox.store.applications().length;
    expect(total).toBeGreaterThanOrEqual(5);

    const second = await vonage.applications.listApplications({ pageSize: 2, page: 2 });
    expect(second).toMatchObject({ page_size: 2, page: 2, total_items: total, total_pages: Math.ceil(total / 2), totalItems: total, totalPages: Math.ceil(total / 2) });
    const ids = account.sandbox.store.applications().map((a) => a.id);
    expect(second._embedded.applications.map((a) => a.id)).toEqual(ids.slice(2, 4));
    expect(second._links).toMatchObject({
      self: { href: '/v2/applications?page_size=2&page=2' },
      first: { href: '/v2/applications?page_size=2&page=1' },
      prev: { href: '/v2/applications?page_size=2&page=1' },
      next: { href: '/v2/applications?page_size=2&page=3' },
      last: { href: `/v2/applications?page_size=2&page=${Math.ceil(total / 2)}` },
    });

    // The SDK's iterator follows `_links.next` to the last page.
    const all: string[] = [];
    for await (const application of vonage.applications.listAllApplications({ pageSize: 2 })) all.push(application.id!);
    expect(all).toEqual(ids);

    const defaults = await vonage.applications.listApplications({});
    expect(defaults).toMatchObject({ page_size: 10, page: 1 });
    const past = await vonage.applications.listApplications({ pageSize: 10, page: 9 });
    expect(past._embedded.applications).toEqual([]);
    expect(past._links).not.toHaveProperty('next');

    const tooBig = await failure(vonage.applications.listApplications({ pageSize: 101 }));
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.invalid_parameters).toEqual([{ name: 'page_size', reason: 'must be between 1 and 100' }]);
    expect((await failure(vonage.applications.listApplications({ page: 0 }))).status).toBe(400);
    for (const id of made) await vonage.applications.deleteApplication(id);
  });
});

describe('Numbers API', () => {
  it('searches the pool, leaving out numbers the account owns', async () => {
    const us = await vonage.numbers.getAvailableNumbers({ country: 'US', size: 100 });
    // 14155550100 to …0199, less the account's own number.
    expect(us.count).toBe(99);
    expect(us.numbers!.map((n) => n.msisdn)).not.toContain(account.number);
    expect(us.numbers![0]).toEqual({ country: 'US', msisdn: '14155550100', type: 'landline', features: ['VOICE', 'SMS'], cost: '0.00', initialPrice: '0.00' });

    const endsWith = await vonage.numbers.getAvailableNumbers({ country: 'US', endsWith: '42' } as Parameters<Vonage['numbers']['getAvailableNumbers']>[0]);
    expect(endsWith.numbers!.map((n) => n.msisdn)).toEqual(['14155550142']);
    const paged = await vonage.numbers.getAvailableNumbers({ country: 'US', size: 5, index: 2 });
    expect(paged.numbers!.map((n) => n.msisdn)).toEqual(['14155550105', '14155550106', '14155550107', '14155550108', '14155550109']);

    const gbVoice = await vonage.numbers.getAvailableNumbers({ country: 'GB', features: ['VOICE'] } as Parameters<Vonage['numbers']['getAvailableNumbers']>[0]);
    expect(gbVoice.count).toBe(200);
    const gbSms = await vonage.numbers.getAvailableNumbers({ country: 'GB', features: ['SMS', 'VOICE'] } as Parameters<Vonage['numbers']['getAvailableNumbers']>[0]);
    expect(gbSms.count).toBe(100);
    expect(gbSms.numbers!.every((n) => n.type === 'mobile-lvn' && n.msisdn!.startsWith('447700900'))).toBe(true);
    const gbLandline = await vonage.numbers.getAvailableNumbers({ country: 'GB', type: 'landline' } as Parameters<Vonage['numbers']['getAvailableNumbers']>[0]);
    expect(gbLandline.numbers![0]!.msisdn).toBe('442079460000');
    expect((await vonage.numbers.getAvailableNumbers({ country: 'FR' })).count).toBe(0);
  });

  it('buys a number, links it to an application whose answer_url then takes its calls, lists it and cancels it', async () => {
    const msisdn = '14155550150';
    expect(await vonage.numbers.buyNumber({ country: 'US', msisdn })).toEqual({ errorCode: '200', errorCodeLabel: 'success' });
    expect((await vonage.numbers.getAvailableNumbers({ country: 'US', size: 100 })).count).toBe(98);
    const again = await failure(vonage.numbers.buyNumber({ country: 'US', msisdn }));
    expect(again).toEqual({ status: 420, body: { 'error-code': '420', 'error-code-label': `you already own ${msisdn}` } });
    expect((await failure(vonage.numbers.buyNumber({ country: 'US', msisdn: '14155551234' }))).status).toBe(420);
    expect((await failure(vonage.numbers.buyNumber({ country: 'GB', msisdn: '14155550151' }))).status).toBe(420);

    // Bought, not yet linked to an application.
    let owned = await vonage.numbers.getOwnedNumbers({ hasApplication: false });
    expect(owned).toEqual({ count: 1, numbers: [{ country: 'US', msisdn, type: 'landline', features: ['VOICE', 'SMS'] }] });

    expect(await vonage.numbers.updateNumber({ country: 'US', msisdn, applicationId: account.applicationId })).toEqual({ errorCode: '200', errorCodeLabel: 'success' });
    owned = await vonage.numbers.getOwnedNumbers({ applicationId: account.applicationId });
    expect(owned.count).toBe(2);
    expect(owned.numbers).toContainEqual({ country: 'US', msisdn, type: 'landline', features: ['VOICE', 'SMS'], app_id: account.applicationId });
    expect(account.sandbox.store.number(msisdn)?.application_id).toBe(account.applicationId);

    account.setNcco([{ action: 'talk', text: 'You reached the bought number' }]);
    const call = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+14155550111', to: `+${msisdn}` }),
    });
    expect(call.status).toBe(201);
    const answered = await waitFor(
      () => account.hooks.find((h) => h.path === '/answer' && h.query.to === msisdn),
      (hook) => hook !== undefined,
    );
    expect(answered?.query).toMatchObject({ to: msisdn, from: '14155550111' });

    // A number the account does not own, an unknown application, a forwarding the sandbox does not simulate.
    expect((await failure(vonage.numbers.updateNumber({ country: 'US', msisdn: '14155550151', applicationId: account.applicationId }))).status).toBe(420);
    expect((await failure(vonage.numbers.updateNumber({ country: 'US', msisdn, applicationId: 'no-such-app' }))).status).toBe(420);
    const tel = await failure(vonage.numbers.updateNumber({ country: 'US', msisdn, voiceCallbackType: 'tel', voiceCallbackValue: '14155550111' } as Parameters<Vonage['numbers']['updateNumber']>[0]));
    expect(tel.body['error-code-label']).toMatch(/not simulated/);

    expect(await vonage.numbers.cancelNumber({ country: 'US', msisdn })).toEqual({ errorCode: '200', errorCodeLabel: 'success' });
    expect(account.sandbox.store.number(msisdn)).toBeUndefined();
    expect((await vonage.numbers.getOwnedNumbers()).numbers!.map((n) => n.msisdn)).toEqual([account.number]);
    expect((await vonage.numbers.getAvailableNumbers({ country: 'US', pattern: msisdn, searchPattern: 0 } as Parameters<Vonage['numbers']['getAvailableNumbers']>[0])).count).toBe(1);
    expect((await failure(vonage.numbers.cancelNumber({ country: 'US', msisdn }))).status).toBe(420);
  });

  it('links with the deprecated voiceCallbackType=app too', async () => {
    const msisdn = '447700900042';
    await vonage.numbers.buyNumber({ country: 'GB', msisdn });
    const linked = await vonage.numbers.updateNumber({
      country: 'GB',
      msisdn,
      voiceCallbackType: 'app',
      voiceCallbackValue: account.applicationId,
      voiceStatusCallback: 'https://example.com/status',
    } as Parameters<Vonage['numbers']['updateNumber']>[0]);
    expect(linked.errorCode).toBe('200');
    const owned = await vonage.numbers.getOwnedNumbers({ country: 'GB' });
    expect(owned.numbers).toEqual([
      {
        country: 'GB',
        msisdn,
        type: 'mobile-lvn',
        features: ['VOICE', 'SMS'],
        app_id: account.applicationId,
        voiceCallbackType: 'app',
        voiceCallbackValue: account.applicationId,
        voiceStatusCallback: 'https://example.com/status',
      },
    ]);
    await vonage.numbers.cancelNumber({ country: 'GB', msisdn });
  });

  it('takes api_key and api_secret as parameters, and forms as Vonage documents them', async () => {
    const { api_key, api_secret } = account.sandbox.store.account;
    const list = await fetch(`${account.sandbox.url}/account/numbers?${new URLSearchParams({ api_key, api_secret })}`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as { count: number }).count).toBe(1);

    const wrong = await fetch(`${account.sandbox.url}/account/numbers?${new URLSearchParams({ api_key, api_secret: 'wrong' })}`);
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ 'error-code': '401', 'error-code-label': 'authentication failed' });
    expect((await fetch(`${account.sandbox.url}/number/search?country=US`)).status).toBe(401);

    // Vonage's curl sample: credentials in the query string, the number in a form body.
    const buy = await fetch(`${account.sandbox.url}/number/buy?${new URLSearchParams({ api_key, api_secret })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ country: 'CA', msisdn: '16045550123' }).toString(),
    });
    expect(await buy.json()).toEqual({ 'error-code': '200', 'error-code-label': 'success' });
    // Credentials in the form body too.
    const cancel = await fetch(`${account.sandbox.url}/number/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key, api_secret, country: 'CA', msisdn: '16045550123' }).toString(),
    });
    expect(cancel.status).toBe(200);
    const missing = await fetch(`${account.sandbox.url}/number/buy`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ api_key, api_secret, country: 'CA' }).toString(),
    });
    expect(missing.status).toBe(420);
    expect(await missing.json()).toEqual({ 'error-code': '420', 'error-code-label': 'missing parameter: msisdn' });
    // Forms stay refused everywhere else.
    const form = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'from=14155550111&to=14155550199',
    });
    expect(form.status).toBe(415);
  });

  it('reads the pool from SANDBOX_NUMBER_POOL', () => {
    expect(parseNumberPool('US:14155550100-14155550109, gb:mobile-lvn:447700900000-447700900009')).toEqual([
      { country: 'US', type: 'landline', first: '14155550100', last: '14155550109', features: ['VOICE', 'SMS'] },
      { country: 'GB', type: 'mobile-lvn', first: '447700900000', last: '447700900009', features: ['VOICE', 'SMS'] },
    ]);
    expect(loadSandboxConfig({ SANDBOX_NUMBER_POOL: 'CA:16045550100-16045550101' }).numberPool).toHaveLength(1);
    expect(loadSandboxConfig({}).numberPool!.map((r) => r.country)).toEqual(['US', 'CA', 'GB', 'GB']);
    for (const bad of ['US', 'USA:14155550100-14155550109', 'US:pager:14155550100-14155550109', 'US:14155550109-14155550100', 'US:1415555010-14155550109', 'US:10000000-10200000']) {
      expect(() => parseNumberPool(bad), bad).toThrow(/SANDBOX_NUMBER_POOL/);
    }
  });

  it('keeps bought and linked numbers in the state file, and sells from a configured pool', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-numbers-'));
    const pool = [{ country: 'DE', type: 'landline' as const, first: '4930555010', last: '4930555019', features: ['VOICE'] }];
    const config = { port: 0, host: '127.0.0.1', dataDir, mediaAddress: '127.0.0.1', verbose: false, numberPool: pool };
    try {
      let sandbox = await startSandbox(config);
      const client = () => {
        const { api_key, api_secret } = sandbox.store.account;
        return new Vonage({ apiKey: api_key, apiSecret: api_secret }, { apiHost: sandbox.url, restHost: sandbox.url });
      };
      expect((await client().numbers.getAvailableNumbers({ country: 'DE' })).count).toBe(10);
      expect((await client().numbers.getAvailableNumbers({ country: 'US' })).count).toBe(0);
      const application = await client().applications.createApplication({ name: 'persisted', capabilities: {} } as Application);
      await client().numbers.buyNumber({ country: 'DE', msisdn: '4930555017' });
      await client().numbers.updateNumber({ country: 'DE', msisdn: '4930555017', applicationId: application.id! });
      await sandbox.close();

      sandbox = await startSandbox(config);
      try {
        const owned = await client().numbers.getOwnedNumbers();
        expect(owned).toEqual({ count: 1, numbers: [{ country: 'DE', msisdn: '4930555017', type: 'landline', features: ['VOICE'], app_id: application.id }] });
        expect((await client().numbers.getAvailableNumbers({ country: 'DE' })).count).toBe(9);
      } finally {
        await sandbox.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
