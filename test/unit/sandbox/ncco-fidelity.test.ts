/**
 * NCCO behaviour Vonage's own samples depend on, driven through `@vonage/server-sdk`:
 * - a `notify` whose eventUrl answers with an NCCO continues the call with it (Vonage's
 *   "track NCCO progress" snippet: the talk after the notify is never heard);
 * - NCCOs written with strings for booleans and numbers, as Vonage's published samples are
 *   (`record` with `"beepStart": "true"`, `"endOnSilence": "3"`), run with those values
 *   taken as the boolean or number, and nothing else is loosened.
 */
import { Vonage } from '@vonage/server-sdk';
import type { VetchError } from '@vonage/vetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeWav } from '../../../sandbox/media/wav';
import { parseNcco } from '../../../common/ncco-schema';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { waitFor } from '../../support/wait';

let account: SandboxAccount;
let vonage: Vonage;
const PHONE = '14155550166';

interface PhoneState {
  status: string;
  heard: Array<{ type: string; text?: string; url?: string | null }>;
}
type OutboundCall = Parameters<Vonage['voice']['createOutboundCall']>[0];

const phoneUrl = (uuid: string, tail = '') => `${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}${tail}`;
const phone = async (uuid: string) => (await (await fetch(phoneUrl(uuid))).json()) as PhoneState;
const talks = (state: PhoneState) => state.heard.filter((h) => h.type === 'talk').map((h) => h.text);

/** Calls the simulated phone with this NCCO through the server SDK and answers it. */
async function answeredCall(ncco: unknown): Promise<string> {
  const { uuid } = await vonage.voice.createOutboundCall({
    to: [{ type: 'phone', number: PHONE }],
    from: { type: 'phone', number: account.number },
    ncco,
  } as unknown as OutboundCall);
  await waitFor(() => phone(uuid), (s) => s.status === 'ringing');
  expect((await fetch(phoneUrl(uuid, '/answer'), { method: 'POST' })).status).toBe(200);
  return uuid;
}

/** The HTTP status and first invalid field of a failed SDK call. */
async function failure(promise: Promise<unknown>): Promise<{ status: number; field?: string; reason?: string }> {
  const error = (await promise.then(
    () => {
      throw new Error('expected the SDK call to fail');
    },
    (e: unknown) => e,
  )) as VetchError;
  const body = (await error.response!.json()) as { invalid_parameters?: Array<{ name: string; reason: string }> };
  return { status: error.response!.status, field: body.invalid_parameters?.[0]?.name, reason: body.invalid_parameters?.[0]?.reason };
}

beforeAll(async () => {
  account = await startSandboxAccount();
  vonage = new Vonage({ applicationId: account.applicationId, privateKey: account.privateKey }, { apiHost: account.sandbox.url });
  account.respond('/hold.wav', encodeWav(new Int16Array(8000).map((_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 330 * i) / 8000)))));
});
afterAll(async () => {
  await account.stop();
});

describe('notify', () => {
  it("continues the call with the NCCO its eventUrl returns (Vonage's track-NCCO-progress snippet)", async () => {
    account.respond('/notification', [{ action: 'talk', text: 'Your notification has been received, loud and clear' }]);
    const uuid = await answeredCall([
      { action: 'talk', text: 'Thanks for calling the notification line' },
      { action: 'notify', payload: { foo: 'bar' }, eventUrl: [`${account.hookUrl}/notification`] },
      { action: 'talk', text: 'You will never hear me as the notification URL will return an NCCO' },
    ]);
    const ended = await waitFor(() => phone(uuid), (s) => s.status === 'completed', 15_000);
    expect(talks(ended)).toEqual(['Thanks for calling the notification line', 'Your notification has been received, loud and clear']);
    const sent = account.hooks.filter((h) => h.path === '/notification');
    expect(sent.map((h) => [h.method, h.body])).toEqual([['POST', { foo: 'bar' }]]);
  });

  it('carries on with the next action when the eventUrl answers no NCCO', async () => {
    const uuid = await answeredCall([
      { action: 'notify', payload: { step: 'one' }, eventUrl: [`${account.hookUrl}/notify-plain`], eventMethod: 'GET' },
      { action: 'talk', text: 'After a plain notify' },
    ]);
    const ended = await waitFor(() => phone(uuid), (s) => s.status === 'completed', 15_000);
    expect(talks(ended)).toEqual(['After a plain notify']);
    expect(account.hooks.find((h) => h.path === '/notify-plain')).toMatchObject({ method: 'GET', query: { step: 'one' } });
  });
});

describe("leniency of Vonage's own samples", () => {
  it('runs the record sample with "beepStart": "true" and "endOnSilence": "3"', async () => {
    const uuid = await answeredCall([
      { action: 'record', eventUrl: [`${account.hookUrl}/recording`], endOnSilence: '3', endOnKey: '#', beepStart: 'true' },
      { action: 'talk', text: 'Thank you for your message.' },
    ]);
    // The phone's tone is the caller speaking; once it falls silent, three seconds end the recording.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const silent = await fetch(phoneUrl(uuid, '/play'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ silence: true }) });
    expect(silent.status).toBe(200);
    const silencedAt = Date.now();
    const recorded = await waitFor(() => account.hooks.find((h) => h.path === '/recording'), (h) => h !== undefined, 10_000);
    expect(Date.now() - silencedAt).toBeGreaterThanOrEqual(2500);
    expect(recorded?.body).toMatchObject({ recording_uuid: expect.any(String), recording_url: expect.stringContaining('/v1/files/') });
    const heard = await waitFor(() => phone(uuid), (s) => talks(s).includes('Thank you for your message.'));
    expect(talks(heard)).toEqual(['Thank you for your message.']);
  });

  it('takes "false" as false: a conversation with "startOnEnter": "false" waits with its hold music', async () => {
    const uuid = await answeredCall([
      { action: 'conversation', name: `lenient-${Date.now()}`, startOnEnter: 'false', musicOnHoldUrl: [`${account.hookUrl}/hold.wav`], record: 'false' },
    ]);
    const holding = await waitFor(() => phone(uuid), (s) => s.heard.some((h) => h.type === 'music'));
    expect(holding.heard).toContainEqual({ type: 'music', url: `${account.hookUrl}/hold.wav` });
    await vonage.voice.hangupCall(uuid);
  });

  it('coerces only documented booleans and numbers, and only from plain "true"/"false" and numerals', () => {
    const parsed = parseNcco([
      { action: 'talk', text: '42', bargeIn: 'false', loop: '2', level: '-0.5' },
      { action: 'input', type: ['dtmf'], dtmf: { maxDigits: '1', timeOut: '5', submitOnHash: 'true' } },
      { action: 'connect', endpoint: [{ type: 'phone', number: '14155550100' }], timeout: '45' },
      { action: 'wait', timeout: '0.5' },
    ]);
    expect(parsed).toEqual({
      ok: true,
      ncco: [
        { action: 'talk', text: '42', bargeIn: false, loop: 2, level: -0.5 },
        { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 5, submitOnHash: true } },
        { action: 'connect', endpoint: [{ type: 'phone', number: '14155550100' }], timeout: 45 },
        { action: 'wait', timeout: 0.5 },
      ],
    });
    for (const bad of [
      { action: 'record', beepStart: 'yes' },
      { action: 'record', beepStart: 'TRUE' },
      { action: 'record', beepStart: 1 },
      { action: 'record', endOnSilence: '1' },
      { action: 'record', endOnSilence: '' },
      { action: 'record', endOnSilence: ' 3' },
      { action: 'record', channels: '0x2' },
      { action: 'record', channels: '2.5' },
      { action: 'talk', text: 42 },
      { action: 'connect', endpoint: [{ type: 'phone', number: 14155550100 }] },
    ]) {
      expect(parseNcco([bad]).ok, JSON.stringify(bad)).toBe(false);
    }
  });

  it('still refuses, through the Voice API, a string that is not a boolean or a number', async () => {
    const call = (ncco: unknown) =>
      vonage.voice.createOutboundCall({
        to: [{ type: 'phone', number: PHONE }],
        from: { type: 'phone', number: account.number },
        ncco,
      } as unknown as OutboundCall);
    expect(await failure(call([{ action: 'record', beepStart: 'yes' }]))).toMatchObject({ status: 400, field: 'ncco', reason: expect.stringContaining('[0].beepStart') });
    expect(await failure(call([{ action: 'record', endOnSilence: '1' }]))).toMatchObject({ status: 400, field: 'ncco', reason: expect.stringContaining('[0].endOnSilence') });
  });
});
