/**
 * Who sees which calls: an agent their own (answered or offered), the operator all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallLogEntry } from '../../../common/backend-api';
import { createTestServer, json, loginDesktop, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-the-scoping-tests-0123456789';

let t: TestServer;
let jane: string;
let joe: string;
beforeAll(async () => {
  t = await createTestServer({ ADMIN_TOKEN });
  jane = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
  joe = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');

  const T0 = Date.parse('2026-03-02T08:00:00.000Z');
  const at = (s: number) => new Date(T0 + s * 1000).toISOString();
  const post = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/webhooks/event', payload });
  const caller = (conv: string, s: number) => ({ uuid: `${conv}-p`, conversation_uuid: conv, direction: 'inbound', from: '14155550100', to: '14155550199', timestamp: at(s) });
  const agentLeg = (conv: string, agent: string, status: string, s: number) => ({ uuid: `${conv}-${agent}`, conversation_uuid: conv, direction: 'outbound', from: '14155550100', to: agent, status, timestamp: at(s) });
  // CON-jane: Jane answers. CON-joe: Joe answers. CON-both: Jane declines, Joe answers. CON-none: nobody is rung.
  await post({ ...caller('CON-jane', 0), status: 'answered' });
  await post(agentLeg('CON-jane', 'Jane', 'answered', 1));
  await post({ ...caller('CON-joe', 10), status: 'answered' });
  await post(agentLeg('CON-joe', 'Joe', 'answered', 11));
  await post({ ...caller('CON-both', 20), status: 'answered' });
  await post(agentLeg('CON-both', 'Jane', 'ringing', 21));
  await post(agentLeg('CON-both', 'Jane', 'rejected', 22));
  await post(agentLeg('CON-both', 'Joe', 'answered', 23));
  await post({ ...caller('CON-none', 30), status: 'answered' });
  await post({ ...caller('CON-none', 40), status: 'completed' });
});
afterAll(async () => {
  await t.close();
});

const calls = async (token: string) => {
  const res = await t.app.inject({ method: 'GET', url: '/api/calls', headers: { authorization: `Bearer ${token}` } });
  expect(res.statusCode).toBe(200);
  return json<CallLogEntry[]>(res);
};

describe('GET /api/calls is scoped to the agent', () => {
  it('shows agent A her own calls and the ones she was offered, never agent B’s alone or nobody’s', async () => {
    const mine = await calls(jane);
    expect(mine.map((c) => c.conversation_uuid)).toEqual(['CON-both', 'CON-jane']);
    const theirs = await calls(joe);
    expect(theirs.map((c) => c.conversation_uuid)).toEqual(['CON-both', 'CON-joe']);
  });

  it('shows, of a call both were offered, the caller’s side and her own leg, not the other agent’s', async () => {
    const both = (await calls(jane)).find((c) => c.conversation_uuid === 'CON-both');
    expect(both?.agent).toBe('Joe');
    expect(both?.events.map((e) => e.uuid)).toEqual(['CON-both-p', 'CON-both-Jane', 'CON-both-Jane']);
    const joeView = (await calls(joe)).find((c) => c.conversation_uuid === 'CON-both');
    expect(joeView?.events.map((e) => e.uuid)).toEqual(['CON-both-p', 'CON-both-Joe']);
  });

  it('lets the admin see every call', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/admin/calls', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.statusCode).toBe(200);
    const all = json<{ calls: Array<{ conversation_uuid: string }>; total: number }>(res);
    expect(all.calls.map((c) => c.conversation_uuid).sort()).toEqual(['CON-both', 'CON-jane', 'CON-joe', 'CON-none']);
    const one = await t.app.inject({ method: 'GET', url: '/api/admin/calls/CON-joe', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(one.statusCode).toBe(200);
  });

  it('does not let an agent use the admin API', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/admin/calls', headers: { authorization: `Bearer ${jane}` } });
    expect(res.statusCode).toBe(401);
  });
});
