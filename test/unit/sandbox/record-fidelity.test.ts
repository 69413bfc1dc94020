/**
 * `record` as Vonage documents it, with calls placed through `@vonage/server-sdk`:
 * - mp3 unless `format` says otherwise; `wav` honoured; `ogg` reported as unsupported
 *   (the sandbox has no Ogg encoder) while the call goes on;
 * - a recording is downloadable only with a JWT of the application whose call made it.
 * (The SDK's own `downloadRecording` only fetches from Vonage's domains, so the download
 * goes through fetch with a token from `@vonage/jwt`, as the SDK would sign it.)
 */
import { tokenGenerate } from '@vonage/jwt';
import { Vonage } from '@vonage/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goertzel } from '../../../sandbox/media/analysis';
import { decodeAudio } from '../../../sandbox/media/decode';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { waitFor } from '../../support/wait';

let account: SandboxAccount;
let vonage: Vonage;
let otherApp: { id: string; privateKey: string };
const PHONE = '14155550155';
type OutboundCall = Parameters<Vonage['voice']['createOutboundCall']>[0];
const phoneUrl = (uuid: string, tail = '') => `${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}${tail}`;
const phone = async (uuid: string) => (await (await fetch(phoneUrl(uuid))).json()) as { status: string; heard: Array<{ type: string; text?: string }> };

async function answeredCall(ncco: unknown): Promise<string> {
  const { uuid } = await vonage.voice.createOutboundCall({ to: [{ type: 'phone', number: PHONE }], from: { type: 'phone', number: account.number }, ncco } as unknown as OutboundCall);
  await waitFor(() => phone(uuid), (s) => s.status === 'ringing');
  expect((await fetch(phoneUrl(uuid, '/answer'), { method: 'POST' })).status).toBe(200);
  return uuid;
}

/** Records two seconds of the phone's 425 Hz tone in `format` and gives the record event. */
async function recording(path: string, format?: string): Promise<Record<string, unknown>> {
  const uuid = await answeredCall([{ action: 'record', ...(format ? { format } : {}), timeOut: 3, eventUrl: [`${account.hookUrl}${path}`] }]);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await vonage.voice.hangupCall(uuid);
  const event = await waitFor(() => account.hooks.find((h) => h.path === path), (h) => h !== undefined, 10_000);
  return event!.body!;
}

const download = (url: string, applicationId: string, privateKey: string) =>
  fetch(url, { headers: { authorization: `Bearer ${tokenGenerate(applicationId, privateKey, { ttl: 60 })}` } });

beforeAll(async () => {
  account = await startSandboxAccount();
  vonage = new Vonage({ applicationId: account.applicationId, privateKey: account.privateKey }, { apiHost: account.sandbox.url });
  const created = await fetch(`${account.sandbox.url}/v2/applications`, {
    method: 'POST',
    headers: account.accountHeaders,
    body: JSON.stringify({ name: 'another', capabilities: { voice: { webhooks: { answer_url: { address: `${account.hookUrl}/answer` }, event_url: { address: `${account.hookUrl}/event` } } } } }),
  });
  const body = (await created.json()) as { id: string; keys: { private_key: string } };
  otherApp = { id: body.id, privateKey: body.keys.private_key };
});
afterAll(async () => {
  await account.stop();
});

describe('record', () => {
  it('records mp3 by default, readable by its own application and by no other', async () => {
    const event = await recording('/rec-default');
    expect(event).toMatchObject({ format: 'mp3', recording_url: expect.stringContaining('/v1/files/'), size: expect.any(Number) });
    const url = String(event.recording_url);
    const mine = await download(url, account.applicationId, account.privateKey);
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-type')).toBe('audio/mpeg');
    const bytes = new Uint8Array(await mine.arrayBuffer());
    expect(bytes.length).toBe(event.size);
    expect(bytes[0]).toBe(0xff); // an MPEG frame sync, not a RIFF header
    const audio = await decodeAudio(bytes);
    expect(audio.length).toBeGreaterThan(8000); // over a second
    expect(goertzel(audio.subarray(4000, 12000), 425)).toBeGreaterThan(1000); // the phone's tone
    const theirs = await download(url, otherApp.id, otherApp.privateKey);
    expect(theirs.status).toBe(404);
    expect((await fetch(url)).status).toBe(401);
  });

  it('honours format wav', async () => {
    const event = await recording('/rec-wav', 'wav');
    expect(event.format).toBe('wav');
    const response = await download(String(event.recording_url), account.applicationId, account.privateKey);
    expect(response.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await response.arrayBuffer()).subarray(0, 4).toString()).toBe('RIFF');
  });

  it('reports format ogg as unsupported to the event_url and the call goes on', async () => {
    const uuid = await answeredCall([
      { action: 'record', format: 'ogg', timeOut: 3, eventUrl: [`${account.hookUrl}/rec-ogg`] },
      { action: 'talk', text: 'After the recording' },
    ]);
    const ended = await waitFor(() => phone(uuid), (s) => s.status === 'completed', 15_000);
    expect(ended.heard.filter((h) => h.type === 'talk').map((h) => h.text)).toEqual(['After the recording']);
    const error = await waitFor(() => account.hooks.find((h) => h.path === '/event' && h.body?.uuid === uuid && h.body?.type === 'error'), (h) => h !== undefined);
    expect(String(error?.body?.reason)).toMatch(/ogg is not supported/);
    expect(account.hooks.some((h) => h.path === '/rec-ogg')).toBe(false);
  });
});
