import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../../../common/backend-api';
import { waitFor } from '../../../support/wait';
import { createTestServer, json, loginDesktop, type TestServer } from '../helpers';

const ADMIN_TOKEN = 'admin-token-for-the-queue-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ ADMIN_TOKEN });
});
afterAll(async () => {
  await t.close();
});

const putQueue = (name: string, payload: unknown) =>
  t.app.inject({ method: 'PUT', url: `/api/admin/queues/${name}`, headers: admin, payload: payload as Record<string, unknown> });

describe('queues admin API', () => {
  it('needs the admin token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/queues' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'PUT', url: '/api/admin/queues/x', payload: {} })).statusCode).toBe(401);
  });

  it('stores a queue with defaults, and shows its live state to a supervisor', async () => {
    const res = await putQueue('support', { announce_position: true, on_timeout: { type: 'phone', number: '+14155550123' } });
    expect(res.statusCode).toBe(200);
    expect(json(res)).toMatchObject({
      name: 'support',
      settings: { announce_position: true, max_wait_s: 300, max_length: 20, ring_timeout_s: 20, on_timeout: { type: 'phone', number: '14155550123' }, on_overflow: { type: 'voicemail' } },
    });
    expect((await t.app.inject({ method: 'PUT', url: '/api/admin/numbers/14155550155', headers: admin, payload: { flow: 'queue', queue: 'support' } })).statusCode).toBe(200);

    // Joe is available but busy with someone else: the caller waits.
    const joe = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
    await t.app.inject({ method: 'PUT', url: '/api/agent/status', headers: { authorization: `Bearer ${joe}` }, payload: { status: 'available' } });
    await t.app.inject({ method: 'POST', url: '/webhooks/event', payload: { status: 'answered', uuid: 'joe-busy', conversation_uuid: 'CON-BUSY', to: 'Joe', from: '14155550111' } });
    const answer = await t.app.inject({ method: 'GET', url: '/webhooks/answer?to=14155550155&from=14155550100&uuid=q1&conversation_uuid=CON-Q1' });
    const ncco = JSON.parse(answer.body) as Array<Record<string, unknown>>;
    expect(ncco.at(-1)).toMatchObject({ action: 'conversation', name: 'queue-q1', startOnEnter: false });

    const view = json<{ queues: Array<{ name: string; waiting: Array<Record<string, unknown>>; agents: unknown[] }>; agents: Array<{ name: string; status: string }> }>(
      await t.app.inject({ method: 'GET', url: '/api/admin/queues', headers: admin }),
    );
    const support = view.queues.find((q) => q.name === 'support')!;
    expect(support.waiting).toEqual([{ call_uuid: 'q1', caller: '14155550100', number: '14155550155', position: 1, waiting_s: 0, offered_to: null }]);
    expect(view.agents).toContainEqual(expect.objectContaining({ name: 'Joe', status: 'busy' }));
    // The flow writes the call's record after answering.
    expect(await waitFor(() => t.storage.calls.getCall('CON-Q1'), (c) => c?.flow != null && c.queue != null)).toMatchObject({ flow: 'queue', queue: 'support' });
  });

  it.each<[string, string, unknown, string]>([
    ['a name with a space', 'my%20queue', {}, 'name'],
    ['a name too long', 'q'.repeat(41), {}, 'name'],
    ['an unknown field', 'q1', { colour: 'red' }, 'colour'],
    ['max_length 0', 'q1', { max_length: 0 }, 'max_length'],
    ['a fractional max_wait_s', 'q1', { max_wait_s: 30.5 }, 'max_wait_s'],
    ['a music URL that is not http(s)', 'q1', { music_on_hold_url: 'ftp://x/y.mp3' }, 'music_on_hold_url'],
    ['an agent listed twice', 'q1', { agents: ['Jane', 'jane'] }, 'agents'],
    ['a bad agent name', 'q1', { agents: ['Jane Doe'] }, 'agents[0]'],
    ['a timeout redirect without type', 'q1', { on_timeout: { queue: 'x' } }, 'on_timeout.type'],
    ['an overflow to a queue that does not exist', 'q1', { on_overflow: { type: 'queue', queue: 'ghost' } }, 'on_overflow.queue'],
    ['a no-agents redirect to a bad phone', 'q1', { on_no_agents: { type: 'phone', number: 'abc' } }, 'on_no_agents.number'],
    ['announce_position as a string', 'q1', { announce_position: 'yes' }, 'announce_position'],
  ])('refuses %s with 400 naming the field', async (_name, name, payload, field) => {
    const res = await putQueue(name, payload);
    expect(res.statusCode).toBe(400);
    expect(json<ApiErrorBody>(res).error.field).toBe(field);
  });

  it('lets a queue overflow into itself or an existing queue', async () => {
    expect((await putQueue('loop', { on_overflow: { type: 'queue', queue: 'loop' } })).statusCode).toBe(200);
    expect((await putQueue('spill', { on_overflow: { type: 'queue', queue: 'support' } })).statusCode).toBe(200);
  });

  it('refuses to delete a queue in use, naming who uses it', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/api/admin/queues/support', headers: admin });
    expect(res.statusCode).toBe(409);
    expect(json<ApiErrorBody>(res).error.message).toContain('number 14155550155');
    expect(json<ApiErrorBody>(res).error.message).toContain('queue spill');
    expect((await t.app.inject({ method: 'DELETE', url: '/api/admin/queues/LOOP', headers: admin })).statusCode).toBe(204);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/queues/loop', headers: admin })).statusCode).toBe(404);
  });
});
