import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../../../common/backend-api';
import { buildServer } from '../../../../server/app';
import { openPgStorage } from '../../../../server/storage/pg';
import { createTestServer, json, type TestServer } from '../helpers';

const ADMIN_TOKEN = 'admin-token-for-the-number-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ ADMIN_TOKEN });
  const queue = await t.app.inject({ method: 'PUT', url: '/api/admin/queues/support', headers: admin, payload: {} });
  expect(queue.statusCode).toBe(200);
});
afterAll(async () => {
  await t.close();
});

const put = (number: string, payload: unknown, headers: Record<string, string> = admin) =>
  t.app.inject({ method: 'PUT', url: `/api/admin/numbers/${encodeURIComponent(number)}`, headers, payload: payload as Record<string, unknown> });

describe('numbers admin API', () => {
  it.each([
    ['no token', {}],
    ['an agent-looking token', { authorization: 'Bearer not-the-admin-token-at-all-0123456789' }],
    ['basic auth', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }],
  ])('refuses %s with 401', async (_name, headers) => {
    for (const [method, url] of [['GET', '/api/admin/numbers'], ['PUT', '/api/admin/numbers/14155550177'], ['DELETE', '/api/admin/numbers/14155550177']] as const) {
      const res = await t.app.inject({ method, url, headers, ...(method === 'PUT' ? { payload: { flow: 'inbound' } } : {}) });
      expect(res.statusCode).toBe(401);
    }
  });

  it('stores a whisper number with defaults filled in, lists it, and answers with it at once', async () => {
    const res = await put('+14155550177', { flow: 'whisper', topic: 'the summer offer', label: 'Summer billboard' });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({
      number: '14155550177',
      flow: 'whisper',
      settings: { flow: 'whisper', topic: 'the summer offer', label: 'Summer billboard', greeting: 'Please wait while we connect you', agent: null, ring_timeout_s: 20 },
    });
    const list = json<Array<{ number: string }>>(await t.app.inject({ method: 'GET', url: '/api/admin/numbers', headers: admin }));
    expect(list.map((n) => n.number)).toContain('14155550177');
    const one = await t.app.inject({ method: 'GET', url: '/api/admin/numbers/14155550177', headers: admin });
    expect(json(one)).toMatchObject({ flow: 'whisper' });
    const answer = await t.app.inject({ method: 'GET', url: '/webhooks/answer?to=14155550177&from=14155550100&uuid=w1&conversation_uuid=CON-W1' });
    expect(JSON.parse(answer.body)).toEqual([
      { action: 'talk', text: 'Please wait while we connect you' },
      expect.objectContaining({ action: 'conversation', name: 'whisper-w1', startOnEnter: false }),
    ]);
  });

  it('replaces a number\'s flow on a second PUT, and the answer follows', async () => {
    expect((await put('14155550178', { flow: 'custom', ncco: [{ action: 'talk', text: 'One' }] })).statusCode).toBe(200);
    expect((await put('14155550178', { flow: 'custom', ncco: [{ action: 'talk', text: 'Two' }] })).statusCode).toBe(200);
    const answer = await t.app.inject({ method: 'GET', url: '/webhooks/answer?to=14155550178&uuid=c2' });
    expect(JSON.parse(answer.body)).toEqual([{ action: 'talk', text: 'Two' }]);
  });

  it.each<[string, string, unknown, string]>([
    ['a number that is not one', 'call-me', { flow: 'inbound' }, 'number'],
    ['a number too short', '+1415', { flow: 'inbound' }, 'number'],
    ['a body that is not an object', '14155550179', ['inbound'], ''],
    ['no flow', '14155550179', { topic: 'x' }, 'flow'],
    ['an unknown flow', '14155550179', { flow: 'fax' }, 'flow'],
    ['an unknown field', '14155550179', { flow: 'inbound', colour: 'red' }, 'colour'],
    ['a whisper without topic', '14155550179', { flow: 'whisper' }, 'topic'],
    ['a whisper with an empty topic', '14155550179', { flow: 'whisper', topic: '  ' }, 'topic'],
    ['a whisper phone that is not valid', '14155550179', { flow: 'whisper', topic: 't', agent: { type: 'phone', number: '12' } }, 'agent.number'],
    ['a ring timeout out of range', '14155550179', { flow: 'inbound', ring_timeout_s: 1 }, 'ring_timeout_s'],
    ['a default agent with a space', '14155550179', { flow: 'inbound', default_agent: 'Jane Doe' }, 'default_agent'],
    ['a fallback of an unknown type', '14155550179', { flow: 'inbound', fallback: { type: 'fax' } }, 'fallback.type'],
    ['a fallback queue that does not exist', '14155550179', { flow: 'inbound', fallback: { type: 'queue', queue: 'nope' } }, 'fallback.queue'],
    ['an IVR without options', '14155550179', { flow: 'ivr', options: [] }, 'options'],
    ['an IVR key that is not a key', '14155550179', { flow: 'ivr', options: [{ digit: '10', target: { type: 'voicemail' } }] }, 'options[0].digit'],
    ['an IVR key used twice', '14155550179', { flow: 'ivr', options: [{ digit: '1', target: { type: 'voicemail' } }, { digit: '1', target: { type: 'disconnect' } }] }, 'options[1].digit'],
    ['an IVR option without target', '14155550179', { flow: 'ivr', options: [{ digit: '1' }] }, 'options[0].target'],
    ['an IVR option to an unknown queue', '14155550179', { flow: 'ivr', options: [{ digit: '1', target: { type: 'queue', queue: 'billing' } }] }, 'options[0].target.queue'],
    ['a queue flow without queue', '14155550179', { flow: 'queue' }, 'queue'],
    ['a queue flow to an unknown queue', '14155550179', { flow: 'queue', queue: 'billing' }, 'queue'],
    ['a queue name with a slash', '14155550179', { flow: 'queue', queue: 'a/b' }, 'queue'],
    ['a custom flow without ncco', '14155550179', { flow: 'custom' }, 'ncco'],
    [
      'a custom NCCO with an app endpoint missing its user',
      '14155550179',
      { flow: 'custom', ncco: [{ action: 'talk', text: 'a' }, { action: 'talk', text: 'b' }, { action: 'connect', endpoint: [{ type: 'app' }] }] },
      'ncco[2].endpoint[0].user',
    ],
    ['a custom NCCO with a relative URL', '14155550179', { flow: 'custom', ncco: [{ action: 'input', type: ['dtmf'], eventUrl: ['/x'] }] }, 'ncco[0].eventUrl[0]'],
    ['a custom NCCO with an unknown action', '14155550179', { flow: 'custom', ncco: [{ action: 'fax' }] }, 'ncco[0].action'],
  ])('refuses %s with 400 naming the field', async (_name, number, payload, field) => {
    const res = await put(number, payload);
    expect(res.statusCode).toBe(400);
    const body = json<ApiErrorBody>(res);
    expect(body.error.code).toBe('invalid_request');
    if (field === '') expect(body.error.field).toBeUndefined();
    else {
      expect(body.error.field).toBe(field);
      expect(body.error.message.startsWith(field)).toBe(true);
    }
    const get = await t.app.inject({ method: 'GET', url: '/api/admin/numbers/14155550179', headers: admin });
    expect(get.statusCode).toBe(404);
  });

  it('refuses malformed JSON', async () => {
    const res = await t.app.inject({ method: 'PUT', url: '/api/admin/numbers/14155550179', headers: { ...admin, 'content-type': 'application/json' }, payload: '{"flow":' });
    expect(res.statusCode).toBe(400);
  });

  it('deletes a number, after which it answers as unconfigured', async () => {
    expect((await put('14155550180', { flow: 'custom', ncco: [{ action: 'talk', text: 'Custom' }] })).statusCode).toBe(200);
    const del = await t.app.inject({ method: 'DELETE', url: '/api/admin/numbers/+14155550180', headers: admin });
    expect(del.statusCode).toBe(204);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/admin/numbers/14155550180', headers: admin })).statusCode).toBe(404);
    const answer = await t.app.inject({ method: 'GET', url: '/webhooks/answer?to=14155550180&uuid=d1' });
    expect(JSON.parse(answer.body)).not.toEqual([{ action: 'talk', text: 'Custom' }]);
  });

  it('keeps numbers across a restart', async () => {
    expect((await put('14155550181', { flow: 'ivr', greeting: 'Welcome back.' })).statusCode).toBe(200);
    const storage = await openPgStorage(t.database.url);
    const again = await buildServer(t.config, { storage, logStream: { write: () => undefined } });
    try {
      const res = await again.inject({ method: 'GET', url: '/webhooks/answer?to=14155550181&uuid=r1' });
      expect((JSON.parse(res.body) as unknown[])[0]).toEqual({ action: 'talk', text: 'Welcome back.' });
    } finally {
      await again.close();
      await storage.close();
    }
  });
});
