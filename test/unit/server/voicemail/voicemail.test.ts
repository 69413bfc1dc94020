/**
 * Voicemail end to end on the backend: the recording webhook, the lists, and the audio
 * proxied from a stand-in platform that insists on the application JWT.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../../../common/backend-api';
import { createTestServer, json, loginDesktop, verifyJwt, type TestServer } from '../helpers';

const ADMIN_TOKEN = 'admin-token-for-the-voicemail-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const AUDIO = Buffer.from('ID3-fake-mp3-bytes');

let t: TestServer;
let platform: Server;
let platformUrl: string;
const seenAuth: string[] = [];

beforeAll(async () => {
  platform = createServer((req, res) => {
    seenAuth.push(req.headers.authorization ?? '');
    if (req.url === '/v1/files/rec-1' && req.headers.authorization?.startsWith('Bearer ')) {
      res.writeHead(200, { 'content-type': 'audio/mpeg', 'content-length': String(AUDIO.length) });
      res.end(AUDIO);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => platform.listen(0, '127.0.0.1', resolve));
  const address = platform.address();
  platformUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  t = await createTestServer({ ADMIN_TOKEN, VONAGE_API_URL: platformUrl });
});
afterAll(async () => {
  await t.close();
  await new Promise<void>((resolve) => platform.close(() => resolve()));
});

describe('voicemail', () => {
  it('stores a recording from a voicemail redirect with its caller and length, and plays it', async () => {
    // A caller reaches voicemail: nobody is available on the contact number.
    const answer = await t.app.inject({ method: 'GET', url: '/webhooks/answer?to=14155550199&from=14155550100&uuid=vm-caller&conversation_uuid=CON-VM' });
    const ncco = JSON.parse(answer.body) as Array<Record<string, unknown>>;
    const record = ncco.find((a) => a.action === 'record')!;
    const eventUrl = new URL((record.eventUrl as string[])[0]!);
    expect(eventUrl.pathname).toBe('/webhooks/recording');

    const res = await t.app.inject({
      method: 'POST',
      url: `/webhooks/recording${eventUrl.search}`,
      payload: {
        recording_url: `${platformUrl}/v1/files/rec-1`,
        recording_uuid: 'rec-1',
        start_time: '2026-03-02T09:00:00.000Z',
        end_time: '2026-03-02T09:00:12.400Z',
        size: AUDIO.length,
        conversation_uuid: 'CON-VM',
      },
    });
    expect(res.statusCode).toBe(204);

    const jane = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    const list = json<Array<Record<string, unknown>>>(await t.app.inject({ method: 'GET', url: '/api/voicemails', headers: { authorization: `Bearer ${jane}` } }));
    expect(list).toHaveLength(1);
    const voicemail = list[0]!;
    expect(voicemail).toMatchObject({ caller: '14155550100', number: '14155550199', queue: null, duration_s: 12 });
    expect(JSON.stringify(voicemail)).not.toContain(platformUrl);
    expect((await t.storage.calls.getCall('CON-VM'))?.voicemail_url).toMatch(new RegExp(`/api/voicemails/${voicemail.id as string}/audio$`));

    const audio = await t.app.inject({ method: 'GET', url: voicemail.audio_url as string, headers: { authorization: `Bearer ${jane}` } });
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/mpeg');
    expect(audio.rawPayload.equals(AUDIO)).toBe(true);
    const { claims } = verifyJwt(seenAuth.at(-1)!.replace('Bearer ', ''), t.files.publicKeyPem);
    expect(claims.application_id).toBe(t.config.applicationId);

    const adminList = json<Array<{ audio_url: string }>>(await t.app.inject({ method: 'GET', url: '/api/admin/voicemails', headers: admin }));
    expect(adminList[0]?.audio_url).toBe(`/api/admin/voicemails/${voicemail.id as string}/audio`);
    expect((await t.app.inject({ method: 'GET', url: adminList[0]!.audio_url, headers: admin })).rawPayload.equals(AUDIO)).toBe(true);
  });

  it('keeps one voicemail when the platform retries the webhook', async () => {
    const payload = { recording_url: `${platformUrl}/v1/files/rec-1`, recording_uuid: 'rec-1' };
    expect((await t.app.inject({ method: 'POST', url: '/webhooks/recording', payload })).statusCode).toBe(204);
    const list = json<unknown[]>(await t.app.inject({ method: 'GET', url: '/api/admin/voicemails', headers: admin }));
    expect(list).toHaveLength(1);
  });

  it.each([
    ['another host', 'https://attacker.example/v1/files/x'],
    ['a file URL', 'file:///etc/passwd'],
    ['credentials in the URL', `${'http://user:pw@127.0.0.1'}/v1/files/x`],
    ['not a URL', 'recording'],
  ])('refuses a recording URL on %s', async (_name, url) => {
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/recording?call=x', payload: { recording_url: url } });
    expect(res.statusCode).toBe(400);
    expect(json<ApiErrorBody>(res).error.field).toBe('recording_url');
  });

  it('guards the lists and the audio', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/voicemails' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/voicemails' })).statusCode).toBe(401);
    const jane = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    const bad = await t.app.inject({ method: 'GET', url: '/api/voicemails/not-an-id/audio', headers: { authorization: `Bearer ${jane}` } });
    expect(bad.statusCode).toBe(400);
    expect(json<ApiErrorBody>(bad).error.field).toBe('id');
    const missing = await t.app.inject({ method: 'GET', url: '/api/voicemails/0f9d1f8e-1c1b-4c1e-9f1a-2b3c4d5e6f70/audio', headers: { authorization: `Bearer ${jane}` } });
    expect(missing.statusCode).toBe(404);
    const limit = await t.app.inject({ method: 'GET', url: '/api/voicemails?limit=0', headers: { authorization: `Bearer ${jane}` } });
    expect(json<ApiErrorBody>(limit).error.field).toBe('limit');
  });
});

describe('which voicemails an agent may hear', () => {
  const ids: Record<string, string> = {};
  let jane: string;
  let joe: string;
  const list = async (token: string) =>
    json<Array<{ id: string; queue: string | null; audio_url: string }>>(await t.app.inject({ method: 'GET', url: '/api/voicemails', headers: { authorization: `Bearer ${token}` } }));
  const play = (token: string, id: string) => t.app.inject({ method: 'GET', url: `/api/voicemails/${id}/audio`, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    // sales: Joe only. support: nobody named, so every agent. gone: a queue no longer configured.
    expect((await t.app.inject({ method: 'PUT', url: '/api/admin/queues/sales', headers: admin, payload: { agents: ['Joe'] } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'PUT', url: '/api/admin/queues/support', headers: admin, payload: { agents: [] } })).statusCode).toBe(200);
    for (const queue of ['sales', 'Support', 'gone', null]) {
      const stored = await t.storage.voicemails.create({
        conversation_uuid: null,
        caller: '14155550100',
        number: '14155550199',
        queue,
        recording_url: `${platformUrl}/v1/files/rec-1`,
        recording_uuid: `rec-scope-${queue ?? 'none'}`,
        duration_s: 3,
        size_bytes: AUDIO.length,
        created_at: '2026-03-02T09:05:00.000Z',
      });
      ids[queue ?? 'none'] = stored.id;
    }
    jane = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    joe = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
  });

  it('lists to agent A only the voicemails of queues she serves and those left in no queue', async () => {
    const janes = (await list(jane)).map((v) => v.id);
    expect(janes).toContain(ids.Support);
    expect(janes).toContain(ids.none);
    expect(janes).not.toContain(ids.sales);
    expect(janes).not.toContain(ids.gone);
    const joes = (await list(joe)).map((v) => v.id);
    expect(joes).toEqual(expect.arrayContaining([ids.sales, ids.Support, ids.none]));
    expect(joes).not.toContain(ids.gone);
  });

  it('answers 404 when agent A asks for a voicemail of a queue she does not serve, and plays it to an agent who does', async () => {
    const refused = await play(jane, ids.sales!);
    expect(refused.statusCode).toBe(404);
    expect(json<ApiErrorBody>(refused).error.code).toBe('not_found');
    expect((await play(jane, ids.gone!)).statusCode).toBe(404);
    expect((await play(jane, ids.Support!)).statusCode).toBe(200);
    expect((await play(jane, ids.none!)).statusCode).toBe(200);
    expect((await play(joe, ids.sales!)).rawPayload.equals(AUDIO)).toBe(true);
  });

  it('follows the queue settings at once: adding Jane to sales lets her hear it', async () => {
    expect((await t.app.inject({ method: 'PUT', url: '/api/admin/queues/sales', headers: admin, payload: { agents: ['Joe', 'jane'] } })).statusCode).toBe(200);
    expect((await list(jane)).map((v) => v.id)).toContain(ids.sales);
    expect((await play(jane, ids.sales!)).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'PUT', url: '/api/admin/queues/sales', headers: admin, payload: { agents: ['Joe'] } })).statusCode).toBe(200);
  });

  it('lets the admin list and play every voicemail', async () => {
    const all = json<Array<{ id: string; audio_url: string }>>(await t.app.inject({ method: 'GET', url: '/api/admin/voicemails', headers: admin }));
    expect(all.map((v) => v.id)).toEqual(expect.arrayContaining(Object.values(ids)));
    for (const id of [ids.sales!, ids.gone!]) {
      const res = await t.app.inject({ method: 'GET', url: `/api/admin/voicemails/${id}/audio`, headers: admin });
      expect(res.statusCode).toBe(200);
    }
  });
});
