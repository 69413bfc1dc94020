/**
 * The agent desk's API: the history as the agent sees it (missed by them, their own notes),
 * the missed-call badge that stays until seen (in the database: the same after a restart),
 * the operator's dispositions, after-call work and marking voicemail handled — with bad input
 * answered 4xx naming the field, and every agent kept to their own calls and voicemails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentCallPage, Dispositions, MissedBadge, VoicemailItem, WrapUp } from '../../../common/agent-desk';
import type { ApiErrorBody } from '../../../common/backend-api';
import { createTestServer, json, loginDesktop, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-the-desk-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let t: TestServer;
let jane: string;
let joe: string;
const T0 = Date.parse('2026-03-02T08:00:00.000Z');
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

beforeAll(async () => {
  t = await createTestServer({ ADMIN_TOKEN });
  jane = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
  joe = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
  const post = async (payload: Record<string, unknown>) => expect((await t.app.inject({ method: 'POST', url: '/webhooks/event', payload })).statusCode).toBe(204);
  const caller = (conv: string, s: number, status: string) => ({ uuid: `${conv}-p`, conversation_uuid: conv, direction: 'inbound', from: '14155550100', to: '14155550199', status, timestamp: at(s) });
  const agentLeg = (conv: string, agent: string, status: string, s: number) => ({ uuid: `${conv}-${agent}`, conversation_uuid: conv, direction: 'outbound', from: '14155550100', to: agent, status, timestamp: at(s) });
  // CON-1: Jane answers. CON-2: Jane lets it ring out, Joe answers. CON-3: Jane declines, nobody else.
  await post(caller('CON-1', 0, 'answered'));
  await post(agentLeg('CON-1', 'Jane', 'answered', 1));
  await post(agentLeg('CON-1', 'Jane', 'completed', 60));
  await post(caller('CON-1', 60, 'completed'));
  await post(caller('CON-2', 100, 'answered'));
  await post(agentLeg('CON-2', 'Jane', 'ringing', 101));
  await post(agentLeg('CON-2', 'Jane', 'timeout', 120));
  await post(agentLeg('CON-2', 'Joe', 'answered', 121));
  await post(caller('CON-2', 200, 'completed'));
  await post(caller('CON-3', 300, 'answered'));
  await post(agentLeg('CON-3', 'Jane', 'ringing', 301));
  await post(agentLeg('CON-3', 'Jane', 'rejected', 305));
  await post(caller('CON-3', 306, 'completed'));
});
afterAll(async () => {
  await t.close();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const history = async (token: string, query = '') => {
  const res = await t.app.inject({ method: 'GET', url: `/api/agent/calls${query}`, headers: as(token) });
  expect(res.statusCode).toBe(200);
  return json<AgentCallPage>(res);
};
const unseen = async (token: string) => json<MissedBadge>(await t.app.inject({ method: 'GET', url: '/api/agent/calls/unseen', headers: as(token) }));
const seen = (token: string, payload: unknown) => t.app.inject({ method: 'PUT', url: '/api/agent/calls/seen', headers: as(token), payload: payload as object });
const wrapUp = (token: string, conversation: string, payload: unknown) =>
  t.app.inject({ method: 'PUT', url: `/api/agent/wrap-ups/${conversation}`, headers: as(token), payload: payload as object });
const fieldOf = (res: { body: string }) => (JSON.parse(res.body) as ApiErrorBody).error.field;

describe('the history as the agent sees it', () => {
  it('marks the calls the agent missed, whoever else answered them', async () => {
    const page = await history(jane);
    expect(page.calls.map((c) => [c.conversation_uuid, c.missed])).toEqual([
      ['CON-3', true],
      ['CON-2', true],
      ['CON-1', false],
    ]);
    expect(page.calls[2]).toMatchObject({ direction: 'inbound', from: '14155550100', outcome: 'answered', disposition: null, notes: null });
    expect((await history(joe)).calls.map((c) => [c.conversation_uuid, c.missed])).toEqual([['CON-2', false]]);
  });

  it('pages by keyset', async () => {
    const first = await history(jane, '?limit=2');
    expect(first.calls.map((c) => c.conversation_uuid)).toEqual(['CON-3', 'CON-2']);
    const second = await history(jane, `?limit=2&cursor=${first.next_cursor}`);
    expect(second.calls.map((c) => c.conversation_uuid)).toEqual(['CON-1']);
    expect(second.next_cursor).toBeNull();
  });
});

describe('the missed-call badge', () => {
  it('counts missed calls until the agent has seen them, and keeps what she saw across a restart', async () => {
    expect(await unseen(jane)).toEqual({ missed: 2, seen_up_to: null });
    expect(await unseen(joe)).toEqual({ missed: 0, seen_up_to: null });
    // She opened the history when CON-2 was the newest missed call: CON-3 still counts.
    const res = await seen(jane, { up_to: at(100) });
    expect(res.statusCode).toBe(200);
    expect(json<MissedBadge>(res)).toEqual({ missed: 1, seen_up_to: at(100) });
    // Never moved back.
    expect(json<MissedBadge>(await seen(jane, { up_to: at(0) }))).toEqual({ missed: 1, seen_up_to: at(100) });
    // Another instance (a restart) on the same database reads the same.
    const other = await createTestServer({ ADMIN_TOKEN }, {}, { database: t.database });
    try {
      const token = await loginDesktop(other.app, 'Jane', 'jane-secret-pw');
      expect(json<MissedBadge>(await other.app.inject({ method: 'GET', url: '/api/agent/calls/unseen', headers: as(token) }))).toEqual({ missed: 1, seen_up_to: at(100) });
    } finally {
      await other.close();
    }
    expect(json<MissedBadge>(await seen(jane, { up_to: at(300) }))).toEqual({ missed: 0, seen_up_to: at(300) });
    // Joe's badge is his own.
    expect((await unseen(joe)).seen_up_to).toBeNull();
  });

  it('refuses a time that is not one, naming the field, and asks for a login', async () => {
    for (const payload of [{}, { up_to: 'yesterday' }, { up_to: 5 }, { up_to: at(0), extra: 1 }]) {
      const res = await seen(jane, payload);
      expect(res.statusCode).toBe(400);
      expect(fieldOf(res)).toBe(Object.keys(payload).includes('extra') ? undefined : 'up_to');
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/agent/calls/unseen' })).statusCode).toBe(401);
  });
});

describe('dispositions', () => {
  it('has a default list agents read, and the operator replaces it', async () => {
    const list = json<Dispositions>(await t.app.inject({ method: 'GET', url: '/api/agent/dispositions', headers: as(jane) }));
    expect(list.dispositions.map((d) => d.code)).toContain('resolved');
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/admin/dispositions',
      headers: admin,
      payload: { dispositions: [{ code: 'sale', label: 'Sale made' }, { code: 'no-sale', label: 'No sale' }, { code: 'callback', label: 'Call back later' }] },
    });
    expect(put.statusCode).toBe(200);
    const after = json<Dispositions>(await t.app.inject({ method: 'GET', url: '/api/agent/dispositions', headers: as(joe) }));
    expect(after.dispositions).toEqual([
      { code: 'sale', label: 'Sale made' },
      { code: 'no-sale', label: 'No sale' },
      { code: 'callback', label: 'Call back later' },
    ]);
  });

  it('refuses a bad list naming the field, and agents may not change it', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'dispositions'],
      [{ dispositions: [{ code: 'Bad Code', label: 'x' }] }, 'dispositions.0.code'],
      [{ dispositions: [{ code: 'ok', label: '' }] }, 'dispositions.0.label'],
      [{ dispositions: [{ code: 'a', label: 'A' }, { code: 'a', label: 'again' }] }, 'dispositions.1.code'],
      [{ dispositions: Array.from({ length: 51 }, (_, i) => ({ code: `c${i}`, label: 'x' })) }, 'dispositions'],
    ];
    for (const [payload, field] of cases) {
      const res = await t.app.inject({ method: 'PUT', url: '/api/admin/dispositions', headers: admin, payload: payload as object });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(fieldOf(res)).toBe(field);
    }
    expect((await t.app.inject({ method: 'PUT', url: '/api/admin/dispositions', headers: as(jane), payload: { dispositions: [] } })).statusCode).toBe(401);
  });
});

describe('after-call work', () => {
  it('saves the disposition and notes on the call, shown in the agent’s history and the call’s record', async () => {
    const res = await wrapUp(jane, 'CON-1', { disposition: 'sale', notes: 'Wants the blue one.' });
    expect(res.statusCode).toBe(200);
    expect(json<WrapUp>(res)).toMatchObject({ conversation_uuid: 'CON-1', disposition: 'sale', disposition_label: 'Sale made', notes: 'Wants the blue one.' });
    const row = (await history(jane)).calls.find((c) => c.conversation_uuid === 'CON-1');
    expect(row).toMatchObject({ disposition: 'sale', disposition_label: 'Sale made', notes: 'Wants the blue one.' });
    // Saving again replaces; no disposition is allowed.
    expect((await wrapUp(jane, 'CON-1', { disposition: null, notes: 'Changed my mind.' })).statusCode).toBe(200);
    const record = json<{ wrap_ups: Array<{ agent: string; disposition: string | null; notes: string }> }>(
      await t.app.inject({ method: 'GET', url: '/api/admin/calls/CON-1/wrap-ups', headers: admin }),
    );
    expect(record.wrap_ups).toEqual([expect.objectContaining({ agent: 'Jane', disposition: null, notes: 'Changed my mind.' })]);
  });

  it('keeps each agent to their own calls and their own notes', async () => {
    // Joe never had CON-1: the same 404 as a call that does not exist.
    const refused = await wrapUp(joe, 'CON-1', { disposition: null, notes: 'mine now' });
    expect(refused.statusCode).toBe(404);
    expect(fieldOf(refused)).toBe('conversationUuid');
    expect((await wrapUp(joe, 'CON-none', { disposition: null, notes: '' })).statusCode).toBe(404);
    // Both were offered CON-2: Joe's notes are his, Jane never sees them.
    expect((await wrapUp(joe, 'CON-2', { disposition: 'no-sale', notes: 'Joe only' })).statusCode).toBe(200);
    expect((await history(jane)).calls.find((c) => c.conversation_uuid === 'CON-2')).toMatchObject({ disposition: null, notes: null });
    expect((await history(joe)).calls.find((c) => c.conversation_uuid === 'CON-2')).toMatchObject({ disposition: 'no-sale', notes: 'Joe only' });
  });

  it('refuses bad input naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ disposition: 'not-on-the-list', notes: '' }, 'disposition'],
      [{ disposition: 'sale' }, 'notes'],
      [{ disposition: 'sale', notes: 'x'.repeat(2001) }, 'notes'],
      [{ disposition: 5, notes: '' }, 'disposition'],
    ];
    for (const [payload, field] of cases) {
      const res = await wrapUp(jane, 'CON-1', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(fieldOf(res)).toBe(field);
    }
    expect((await t.app.inject({ method: 'PUT', url: '/api/agent/wrap-ups/CON-1', payload: { disposition: null, notes: '' } })).statusCode).toBe(401);
  });
});

describe('notes edited after wrap-up (PATCH)', () => {
  const editNotes = (token: string | null, conversation: string, payload: unknown) =>
    t.app.inject({ method: 'PATCH', url: `/api/agent/wrap-ups/${conversation}`, headers: token ? as(token) : {}, payload: payload as object });

  it('changes only the notes: the disposition stays, the history shows the new notes', async () => {
    expect((await wrapUp(joe, 'CON-2', { disposition: 'no-sale', notes: 'first words' })).statusCode).toBe(200);
    const res = await editNotes(joe, 'CON-2', { notes: 'Called back on Tuesday: happy now.' });
    expect(res.statusCode).toBe(200);
    expect(json<WrapUp>(res)).toMatchObject({ conversation_uuid: 'CON-2', disposition: 'no-sale', disposition_label: 'No sale', notes: 'Called back on Tuesday: happy now.' });
    expect((await history(joe)).calls.find((c) => c.conversation_uuid === 'CON-2')).toMatchObject({ disposition: 'no-sale', notes: 'Called back on Tuesday: happy now.' });
    // A call with no wrap-up yet gets notes and no disposition.
    const fresh = await editNotes(jane, 'CON-3', { notes: 'Declined: was on another line.' });
    expect(fresh.statusCode).toBe(200);
    expect(json<WrapUp>(fresh)).toMatchObject({ disposition: null, notes: 'Declined: was on another line.' });
  });

  it('only the call\'s agent may edit; bad input is refused naming the field', async () => {
    const refused = await editNotes(jane, 'CON-2-not-hers', { notes: 'x' });
    expect(refused.statusCode).toBe(404);
    expect(fieldOf(refused)).toBe('conversationUuid');
    // Joe was never offered CON-1: the same 404, and Jane's notes are untouched.
    expect((await editNotes(joe, 'CON-1', { notes: 'mine now' })).statusCode).toBe(404);
    expect((await history(jane)).calls.find((c) => c.conversation_uuid === 'CON-1')?.notes).not.toBe('mine now');
    for (const payload of [{}, { notes: 5 }, { notes: 'x'.repeat(2001) }]) {
      const res = await editNotes(jane, 'CON-1', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(fieldOf(res)).toBe('notes');
    }
    expect((await editNotes(jane, 'CON-1', { notes: 'x', disposition: 'sale' })).statusCode).toBe(400);
    expect((await editNotes(null, 'CON-1', { notes: 'x' })).statusCode).toBe(401);
  });
});

describe('voicemail handled', () => {
  const ids: Record<string, string> = {};
  const handled = (token: string, id: string, payload: unknown) =>
    t.app.inject({ method: 'PUT', url: `/api/voicemails/${id}/handled`, headers: as(token), payload: payload as object });

  beforeAll(async () => {
    expect((await t.app.inject({ method: 'PUT', url: '/api/admin/queues/sales', headers: admin, payload: { agents: ['Joe'] } })).statusCode).toBe(200);
    for (const queue of ['sales', null]) {
      const stored = await t.storage.voicemails.create({
        conversation_uuid: null,
        caller: '14155550100',
        number: '14155550199',
        queue,
        recording_url: 'http://127.0.0.1:9/v1/files/rec',
        recording_uuid: `rec-handled-${queue ?? 'none'}`,
        duration_s: 3,
        size_bytes: 10,
        created_at: '2026-03-02T09:05:00.000Z',
      });
      ids[queue ?? 'none'] = stored.id;
    }
  });

  it('records who marked it handled and when, shows it in the list, and can undo it', async () => {
    const res = await handled(jane, ids.none!, { handled: true });
    expect(res.statusCode).toBe(200);
    expect(json<VoicemailItem>(res)).toMatchObject({ id: ids.none, handled_by: 'Jane', handled_at: '2026-03-02T09:00:00.000Z' });
    const list = json<VoicemailItem[]>(await t.app.inject({ method: 'GET', url: '/api/voicemails', headers: as(joe) }));
    expect(list.find((v) => v.id === ids.none)).toMatchObject({ handled_by: 'Jane' });
    expect(json<VoicemailItem>(await handled(joe, ids.none!, { handled: false }))).toMatchObject({ handled_by: null, handled_at: null });
  });

  it('answers 404 for a voicemail of a queue the agent does not serve, and names bad fields', async () => {
    const refused = await handled(jane, ids.sales!, { handled: true });
    expect(refused.statusCode).toBe(404);
    expect((await t.storage.voicemails.get(ids.sales!))?.handled_by).toBeNull();
    expect((await handled(joe, ids.sales!, { handled: true })).statusCode).toBe(200);
    const bad = await handled(joe, ids.sales!, { handled: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(fieldOf(bad)).toBe('handled');
    expect(fieldOf(await handled(joe, 'not-an-id', { handled: true }))).toBe('id');
    expect((await t.app.inject({ method: 'PUT', url: `/api/voicemails/${ids.none!}/handled`, payload: { handled: true } })).statusCode).toBe(401);
  });
});
