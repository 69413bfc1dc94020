/**
 * DTMF as Vonage documents it, driven through `@vonage/server-sdk`:
 * - `input` with `mode: "asynchronous"`: the NCCO carries on, and each key goes to the
 *   eventUrl on its own as it arrives;
 * - `subscribeDTMF` (`PUT /v1/calls/{uuid}/input/dtmf`) sends every key to its URL until
 *   `unsubscribeDTMF` (DELETE);
 * - `connect`'s `dtmfAnswer`: the keys reach the callee once it answers.
 */
import { Vonage } from '@vonage/server-sdk';
import type { VetchError } from '@vonage/vetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { waitFor } from '../../support/wait';

let account: SandboxAccount;
let vonage: Vonage;
const PHONE = '14155550188';
const CALLEE = '14155550189';

interface PhoneState {
  uuid: string;
  status: string;
  heard: Array<{ type: string; text?: string; digits?: string }>;
  dtmf_received: string[];
}
type OutboundCall = Parameters<Vonage['voice']['createOutboundCall']>[0];
const phoneUrl = (uuid: string, tail = '') => `${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}${tail}`;
const phone = async (uuid: string) => (await (await fetch(phoneUrl(uuid))).json()) as PhoneState;
const press = async (uuid: string, digits: string) =>
  expect((await fetch(phoneUrl(uuid, '/dtmf'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ digits }) })).status).toBe(200);
const digitsAt = (path: string) => account.hooks.filter((h) => h.path === path).map((h) => (h.body?.dtmf as { digits: string }).digits);

async function answeredCall(ncco: unknown, number = PHONE): Promise<string> {
  const { uuid } = await vonage.voice.createOutboundCall({
    to: [{ type: 'phone', number }],
    from: { type: 'phone', number: account.number },
    ncco,
  } as unknown as OutboundCall);
  await waitFor(() => phone(uuid), (s) => s.status === 'ringing');
  expect((await fetch(phoneUrl(uuid, '/answer'), { method: 'POST' })).status).toBe(200);
  return uuid;
}

beforeAll(async () => {
  account = await startSandboxAccount();
  vonage = new Vonage({ applicationId: account.applicationId, privateKey: account.privateKey }, { apiHost: account.sandbox.url });
});
afterAll(async () => {
  await account.stop();
});

describe('asynchronous input', () => {
  it('sends each key as it arrives while the NCCO goes on', async () => {
    const uuid = await answeredCall([
      { action: 'input', type: ['dtmf'], mode: 'asynchronous', eventUrl: [`${account.hookUrl}/async-keys`] },
      { action: 'talk', text: 'Say or press anything' },
      { action: 'wait', timeout: 20 },
    ]);
    // The talk after the input plays at once: the input does not wait for keys.
    await waitFor(() => phone(uuid), (s) => s.heard.some((h) => h.text === 'Say or press anything'));
    await press(uuid, '4');
    await waitFor(() => digitsAt('/async-keys'), (d) => d.length === 1);
    await press(uuid, '2#');
    await waitFor(() => digitsAt('/async-keys'), (d) => d.length === 3);
    expect(digitsAt('/async-keys')).toEqual(['4', '2', '#']);
    expect(account.hooks.find((h) => h.path === '/async-keys')?.body).toMatchObject({ uuid, dtmf: { digits: '4', timed_out: false } });
    await vonage.voice.hangupCall(uuid);
  });

  it('stops sending keys once a transfer replaces the NCCO that started it', async () => {
    const uuid = await answeredCall([
      { action: 'input', type: ['dtmf'], mode: 'asynchronous', eventUrl: [`${account.hookUrl}/async-before`] },
      { action: 'wait', timeout: 20 },
    ]);
    await press(uuid, '1');
    await waitFor(() => digitsAt('/async-before'), (d) => d.length === 1);
    await vonage.voice.transferCallWithNCCO(uuid, [{ action: 'talk', text: 'Transferred' }, { action: 'wait', timeout: 20 }] as never);
    await waitFor(() => phone(uuid), (s) => s.heard.some((h) => h.text === 'Transferred'));
    await press(uuid, '2');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(digitsAt('/async-before')).toEqual(['1']);
    await vonage.voice.hangupCall(uuid);
  });

  it('refuses dtmf settings or speech in asynchronous mode, naming the field', async () => {
    for (const [input, field] of [
      [{ action: 'input', type: ['dtmf'], mode: 'asynchronous', dtmf: { maxDigits: 2 } }, 'dtmf'],
      [{ action: 'input', type: ['dtmf', 'speech'], mode: 'asynchronous' }, 'type'],
    ] as const) {
      const error = (await vonage.voice
        .createOutboundCall({ to: [{ type: 'phone', number: PHONE }], from: { type: 'phone', number: account.number }, ncco: [input] } as unknown as OutboundCall)
        .then(() => null, (e: unknown) => e)) as VetchError | null;
      expect(error?.response?.status).toBe(400);
      expect(JSON.stringify(await error!.response!.json())).toContain(field);
    }
  });
});

describe('subscribeDTMF', () => {
  it('sends every key to the subscribed URL until unsubscribed, without disturbing the NCCO', async () => {
    const uuid = await answeredCall([{ action: 'talk', text: 'Hold the line' }, { action: 'wait', timeout: 20 }]);
    await vonage.voice.subscribeDTMF(uuid, `${account.hookUrl}/subscribed`);
    await press(uuid, '12');
    await waitFor(() => digitsAt('/subscribed'), (d) => d.length === 2);
    expect(digitsAt('/subscribed')).toEqual(['1', '2']);
    await vonage.voice.unsubscribeDTMF(uuid);
    await press(uuid, '3');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(digitsAt('/subscribed')).toEqual(['1', '2']);
    expect((await phone(uuid)).status).toBe('answered');
    await vonage.voice.hangupCall(uuid);
  });

  it('answers 400 naming event_url when it is missing, and 404 for an unknown call', async () => {
    const uuid = await answeredCall([{ action: 'wait', timeout: 20 }]);
    const bad = (await vonage.voice.subscribeDTMF(uuid, 'not a url').then(() => null, (e: unknown) => e)) as VetchError | null;
    expect(bad?.response?.status).toBe(400);
    expect(JSON.stringify(await bad!.response!.json())).toContain('event_url');
    const unknown = (await vonage.voice.unsubscribeDTMF('00000000-0000-4000-8000-000000000000').then(() => null, (e: unknown) => e)) as VetchError | null;
    expect(unknown?.response?.status).toBe(404);
    await vonage.voice.hangupCall(uuid);
  });
});

describe('connect dtmfAnswer', () => {
  it('sends the keys to the callee once it answers, with p as a pause', async () => {
    const caller = await answeredCall([{ action: 'connect', endpoint: [{ type: 'phone', number: CALLEE, dtmfAnswer: '1p2#' }] }]);
    const list = async () => ((await (await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls?number=${CALLEE}&status=ringing`)).json()) as { calls: PhoneState[] }).calls;
    const [callee] = await waitFor(list, (calls) => calls.length === 1);
    expect((await phone(callee!.uuid)).dtmf_received).toEqual([]);
    expect((await fetch(phoneUrl(callee!.uuid, '/answer'), { method: 'POST' })).status).toBe(200);
    const heard = await waitFor(() => phone(callee!.uuid), (s) => s.dtmf_received.length === 3);
    expect(heard.dtmf_received).toEqual(['1', '2', '#']);
    expect(heard.heard.filter((h) => h.type === 'dtmf').map((h) => h.digits)).toEqual(['1', '2#']);
    // The caller never hears the keys sent to the callee.
    expect((await phone(caller)).heard.some((h) => h.type === 'dtmf')).toBe(false);
    await vonage.voice.hangupCall(caller);
  });
});
