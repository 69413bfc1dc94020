import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody, CallLogEntry } from '../../../common/backend-api';
import { summarizeCall } from '../../../server/webhooks/call-log';
import { AGENTS, createTestServer, json, loginDesktop, type TestServer } from './helpers';

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer();
});
afterAll(async () => {
  await t.close();
});

const post = (payload: unknown) =>
  t.app.inject({ method: 'POST', url: '/webhooks/event', payload: payload as Record<string, unknown> });

const at = (base: string, seconds: number) => new Date(Date.parse(base) + seconds * 1000).toISOString();

// The answer webhook's tests live with the flows: test/unit/server/flows/answer.test.ts.

describe('event webhook and call log', () => {
  const T0 = '2026-03-02T10:00:00.000Z';
  const conv = 'CON-inbound-1';
  const phone = { uuid: 'leg-phone-1', conversation_uuid: conv, direction: 'inbound', from: '14155550100', to: '14155550199' };
  const app = { uuid: 'leg-app-1', conversation_uuid: conv, direction: 'outbound', from: '14155550100', to: 'Jane' };

  it('stores every event and builds the call row across a realistic inbound call', async () => {
    const before = await t.storage.calls.counts();
    const sequence = [
      { ...phone, status: 'started', timestamp: at(T0, 0) },
      { ...phone, status: 'ringing', timestamp: at(T0, 0.1) },
      { ...phone, status: 'answered', timestamp: at(T0, 0.5) },
      { ...app, status: 'started', timestamp: at(T0, 1) },
      { ...app, status: 'ringing', timestamp: at(T0, 1.2) },
    ];
    for (const event of sequence) expect((await post(event)).statusCode).toBe(204);

    let call = await t.storage.calls.getCall(conv);
    expect(call).toMatchObject({ status: 'answered', agent: 'Jane', ended_at: null, duration_s: null });

    expect((await post({ ...app, status: 'answered', timestamp: at(T0, 4) })).statusCode).toBe(204);
    expect((await post({ ...app, status: 'completed', timestamp: at(T0, 64), duration: '60', start_time: at(T0, 4), end_time: at(T0, 64), price: '0.00' })).statusCode).toBe(204);
    // The caller's leg is still up: the call is not over yet.
    call = await t.storage.calls.getCall(conv);
    expect(call?.status).toBe('answered');
    expect(call?.ended_at).toBeNull();

    expect((await post({ ...phone, status: 'completed', timestamp: at(T0, 65), duration: '65' })).statusCode).toBe(204);
    call = await t.storage.calls.getCall(conv);
    expect(call).toMatchObject({
      conversation_uuid: conv,
      direction: 'inbound',
      from: '14155550100',
      to: '14155550199',
      agent: 'Jane',
      status: 'completed',
      started_at: at(T0, 0),
      answered_at: at(T0, 0.5),
      ended_at: at(T0, 65),
      duration_s: 65,
    });
    expect(call?.events.map((e) => `${e.uuid}:${e.status}`)).toEqual([
      'leg-phone-1:started',
      'leg-phone-1:ringing',
      'leg-phone-1:answered',
      'leg-app-1:started',
      'leg-app-1:ringing',
      'leg-app-1:answered',
      'leg-app-1:completed',
      'leg-phone-1:completed',
    ]);
    // The raw payload is kept whole, unknown fields included.
    const completed = call?.events.find((e) => e.uuid === 'leg-app-1' && e.status === 'completed');
    expect(JSON.parse(completed?.raw ?? '{}')).toMatchObject({ price: '0.00', start_time: at(T0, 4) });
    const after = await t.storage.calls.counts();
    expect(after.events - before.events).toBe(8);
    expect(after.calls - before.calls).toBe(1);
  });

  it('shows a call the agent declined as rejected', async () => {
    const c = 'CON-rejected';
    const p = { uuid: 'p-rej', conversation_uuid: c, direction: 'inbound', from: '14155550101', to: '14155550199' };
    const a = { uuid: 'a-rej', conversation_uuid: c, direction: 'outbound', to: 'joe' };
    for (const e of [
      { ...p, status: 'started', timestamp: at(T0, 100) },
      { ...p, status: 'answered', timestamp: at(T0, 100.5) },
      { ...a, status: 'started', timestamp: at(T0, 101) },
      { ...a, status: 'ringing', timestamp: at(T0, 101.5) },
      { ...a, status: 'rejected', timestamp: at(T0, 105) },
      { ...p, status: 'completed', timestamp: at(T0, 106), duration: '6' },
    ]) {
      expect((await post(e)).statusCode).toBe(204);
    }
    // Agent names in events are matched case-insensitively and stored as spelled in the directory.
    expect(await t.storage.calls.getCall(c)).toMatchObject({ status: 'rejected', agent: 'Joe', ended_at: at(T0, 106), duration_s: 6, outcome: 'missed', wait_s: 6, talk_s: 0 });
  });

  it('attributes an agent\'s outbound call by its from, and shows a busy callee', async () => {
    const c = 'CON-outbound-busy';
    const a = { uuid: 'a-out', conversation_uuid: c, direction: 'inbound', from: 'Jane', to: '14155550777' };
    const b = { uuid: 'b-out', conversation_uuid: c, direction: 'outbound', from: '14155550199', to: '14155550777' };
    for (const e of [
      { ...a, status: 'started', timestamp: at(T0, 200) },
      { ...a, status: 'answered', timestamp: at(T0, 200.2) },
      { ...b, status: 'started', timestamp: at(T0, 201) },
      { ...b, status: 'ringing', timestamp: at(T0, 202) },
      { ...b, status: 'busy', timestamp: at(T0, 203) },
      { ...a, status: 'completed', timestamp: at(T0, 204) },
    ]) {
      expect((await post(e)).statusCode).toBe(204);
    }
    expect(await t.storage.calls.getCall(c)).toMatchObject({
      agent: 'Jane',
      status: 'busy',
      direction: 'outbound',
      from: 'Jane',
      to: '14155550777',
      duration_s: 4,
      outcome: 'busy',
      talk_s: 0,
    });
  });

  it('uses the receive time when an event has no timestamp, and accepts form bodies', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/webhooks/event',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'status=started&uuid=form-leg&conversation_uuid=CON-form&from=14155550102&to=14155550199',
    });
    expect(res.statusCode).toBe(204);
    const call = await t.storage.calls.getCall('CON-form');
    expect(call?.started_at).toBe(new Date(t.clock.nowMs).toISOString());
    expect(call?.status).toBe('started');
  });

  it('stores an event outside any conversation without creating a call', async () => {
    const before = await t.storage.calls.counts();
    expect((await post({ status: 'record_done', uuid: 'leg-x', recording_url: 'https://example/rec' })).statusCode).toBe(204);
    const after = await t.storage.calls.counts();
    expect(after).toEqual({ events: before.events + 1, calls: before.calls });
  });

  const badBodies: Array<[string, unknown, string | undefined]> = [
    ['a recording URL that is not http(s)', { conversation_uuid: 'c-bad', recording_url: 'ftp://host/rec.mp3' }, 'recording_url'],
    ['dtmf digits that are not keys', { conversation_uuid: 'c-bad', uuid: 'u', dtmf: { digits: '12a' } }, 'dtmf.digits'],
    ['empty status', { status: '', uuid: 'u', conversation_uuid: 'c-bad' }, 'status'],
    ['status of the wrong type', { status: 7, uuid: 'u', conversation_uuid: 'c-bad' }, 'status'],
    ['status that is not a word', { status: 'Answered!', uuid: 'u', conversation_uuid: 'c-bad' }, 'status'],
    ['missing uuid', { status: 'started', conversation_uuid: 'c-bad' }, 'uuid'],
    ['call status without conversation_uuid', { status: 'answered', uuid: 'u' }, 'conversation_uuid'],
    ['bad timestamp', { status: 'started', uuid: 'u', conversation_uuid: 'c-bad', timestamp: 'yesterday' }, 'timestamp'],
    ['bad duration', { status: 'completed', uuid: 'u', conversation_uuid: 'c-bad', duration: '-3' }, 'duration'],
    ['array body', [{ status: 'started', uuid: 'u', conversation_uuid: 'c-bad' }], undefined],
  ];
  it.each(badBodies)('rejects %s with 400 and writes nothing', async (_label, payload, field) => {
    const before = await t.storage.calls.counts();
    const res = await post(payload);
    expect(res.statusCode).toBe(400);
    const body = json<ApiErrorBody>(res);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.field).toBe(field);
    if (field) expect(body.error.message.startsWith(field)).toBe(true);
    expect(await t.storage.calls.counts()).toEqual(before);
    expect(await t.storage.calls.getCall('c-bad')).toBeNull();
  });

  it('rejects a non-JSON body with 400 and writes nothing', async () => {
    const before = await t.storage.calls.counts();
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/event', headers: { 'content-type': 'application/json' }, payload: '{"status":"started",' });
    expect(res.statusCode).toBe(400);
    expect(await t.storage.calls.counts()).toEqual(before);
  });

  it('writes neither the event nor the call when summarising fails (one transaction)', async () => {
    const before = await t.storage.calls.counts();
    const event = {
      conversation_uuid: 'CON-atomic',
      uuid: 'leg-atomic',
      kind: 'status' as const,
      status: 'started',
      agent: null,
      direction: 'inbound',
      from: '1',
      to: '2',
      timestamp: T0,
      raw: '{}',
      received_at: T0,
    };
    await expect(
      t.storage.calls.recordEvent(event, () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await t.storage.calls.counts()).toEqual(before);
    expect(await t.storage.calls.getCall('CON-atomic')).toBeNull();
  });
});

describe('GET /api/calls', () => {
  it('requires an agent login', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/calls' });
    expect(res.statusCode).toBe(401);
    expect(json<ApiErrorBody>(res).error.code).toBe('unauthorized');
  });

  it('returns calls newest first with their events', async () => {
    // Jane's own call (her leg), as the list shows only the calls she answered or was offered.
    await post({ status: 'started', uuid: 'newest-leg', conversation_uuid: 'CON-newest', to: 'Jane', timestamp: '2026-03-03T00:00:00.000Z' });
    const jane = AGENTS[0];
    const refresh = await loginDesktop(t.app, jane.name, jane.password);
    const res = await t.app.inject({ method: 'GET', url: '/api/calls', headers: { authorization: `Bearer ${refresh}` } });
    expect(res.statusCode).toBe(200);
    const calls = json<CallLogEntry[]>(res);
    expect(calls[0]?.conversation_uuid).toBe('CON-newest');
    const starts = calls.map((c) => c.started_at);
    expect([...starts].sort().reverse()).toEqual(starts);
    const inbound = calls.find((c) => c.conversation_uuid === 'CON-inbound-1');
    expect(inbound).toMatchObject({ agent: 'Jane', status: 'completed', duration_s: 65, from: '14155550100' });
    expect(inbound?.events).toHaveLength(8);
    expect(inbound?.events[0]).toEqual({ uuid: 'leg-phone-1', kind: 'status', status: 'started', agent: null, timestamp: '2026-03-02T10:00:00.000Z' });

    const limited = await t.app.inject({ method: 'GET', url: '/api/calls?limit=2', headers: { authorization: `Bearer ${refresh}` } });
    expect(json<CallLogEntry[]>(limited)).toHaveLength(2);

    for (const bad of ['0', '201', 'abc', '-1']) {
      const r = await t.app.inject({ method: 'GET', url: `/api/calls?limit=${bad}`, headers: { authorization: `Bearer ${refresh}` } });
      expect(r.statusCode).toBe(400);
      expect(json<ApiErrorBody>(r).error.field).toBe('limit');
    }
  });
});

describe('absurd webhook bodies', () => {
  const deep = (levels: number) => `{"status":"started","uuid":"deep-leg","conversation_uuid":"CON-deep","x":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`;

  it('answers an event nested 8,000 levels deep with a 400 naming the problem, and stores nothing', async () => {
    const before = await t.storage.calls.counts();
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/event', headers: { 'content-type': 'application/json' }, payload: deep(8000) });
    expect(res.statusCode).toBe(400);
    expect(json<ApiErrorBody>(res).error.code).toBe('body_too_deep');
    expect(json<ApiErrorBody>(res).error.message).toMatch(/nested more than 32 levels/);
    expect(await t.storage.calls.counts()).toEqual(before);
    expect(await t.storage.calls.getCall('CON-deep')).toBeNull();
  });

  it('refuses a form event whose field carries JSON nested too deep', async () => {
    const before = await t.storage.calls.counts();
    const form = new URLSearchParams({ status: 'started', uuid: 'deep-leg', conversation_uuid: 'CON-deep', custom: `${'['.repeat(5000)}${']'.repeat(5000)}` }).toString();
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/event', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form });
    expect(res.statusCode).toBe(400);
    expect(json<ApiErrorBody>(res).error.code).toBe('body_too_deep');
    expect(await t.storage.calls.counts()).toEqual(before);
  });

  it('still stores an event with an ordinary nested field', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/event', headers: { 'content-type': 'application/json' }, payload: deep(5) });
    expect(res.statusCode).toBe(204);
    expect(await t.storage.calls.getCall('CON-deep')).not.toBeNull();
  });

  it.each([
    ['JSON', 'application/json', JSON.stringify({ status: 'started', uuid: 'big-leg', conversation_uuid: 'CON-big', pad: 'x'.repeat(100 * 1024) })],
    ['a form', 'application/x-www-form-urlencoded', `status=started&uuid=big-leg&conversation_uuid=CON-big&pad=${'x'.repeat(100 * 1024)}`],
  ])('answers an oversized %s event with a 413 and stores nothing', async (_kind, contentType, payload) => {
    const before = await t.storage.calls.counts();
    const res = await t.app.inject({ method: 'POST', url: '/webhooks/event', headers: { 'content-type': contentType }, payload });
    expect(res.statusCode).toBe(413);
    expect(json<ApiErrorBody>(res).error.code).toBe('payload_too_large');
    expect(await t.storage.calls.counts()).toEqual(before);
  });

  it('answers the JSON API the same way', async () => {
    const deepLogin = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"name":"Jane","password":${'['.repeat(8000)}${']'.repeat(8000)}}`,
    });
    expect(deepLogin.statusCode).toBe(400);
    expect(json<ApiErrorBody>(deepLogin).error.code).toBe('body_too_deep');
    const big = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'Jane', password: 'x'.repeat(100 * 1024) } });
    expect(big.statusCode).toBe(413);
  });
});

describe('summarizeCall', () => {
  const base = { conversation_uuid: 'c', kind: 'status' as const, agent: null, direction: 'inbound', from: '1', to: '2', raw: '{}', received_at: 'x' };
  it('keeps an ended leg ended when a late progress event arrives', () => {
    const call = summarizeCall(
      null,
      [
        { ...base, id: 1, uuid: 'l', status: 'started', timestamp: '2026-01-01T00:00:00.000Z' },
        { ...base, id: 2, uuid: 'l', status: 'unanswered', timestamp: '2026-01-01T00:00:30.000Z' },
        { ...base, id: 3, uuid: 'l', status: 'ringing', timestamp: '2026-01-01T00:00:31.000Z' },
      ],
    );
    expect(call).toMatchObject({ status: 'unanswered', ended_at: '2026-01-01T00:00:30.000Z', duration_s: 0, answered_at: null });
  });
});
