import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SdkTokenResponse } from '../../../common/backend-api';
import { openPgStorage } from '../../../server/storage/pg';
import type { StoredCallEvent } from '../../../server/webhooks/call-events';
import { createTestServer, json, loginDesktop, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-log-tests-0123456789abcdef';

let t: TestServer;
beforeAll(async () => {
  t = await createTestServer({ ADMIN_TOKEN });
});
afterAll(async () => {
  await t.close();
});

const post = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/webhooks/event', payload });
const T0 = '2026-03-02T12:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

describe('every kind of event', () => {
  it('stores record, input, transfer, notify and error events with their kind and time', async () => {
    const conv = 'CON-kinds';
    await post({ status: 'started', uuid: 'k-leg', conversation_uuid: conv, direction: 'inbound', from: '14155550100', to: '14155550199', timestamp: at(0) });
    const kinds: Array<[Record<string, unknown>, string]> = [
      [{ conversation_uuid: conv, recording_url: 'https://api.example/v1/files/rec-1', recording_uuid: 'rec-1', start_time: at(1), end_time: at(9), size: 1234, timestamp: at(10) }, 'record'],
      [{ conversation_uuid: conv, uuid: 'k-leg', dtmf: { digits: '1', timed_out: false }, speech: null, timestamp: at(11) }, 'input'],
      [{ conversation_uuid_from: conv, conversation_uuid_to: 'CON-other', uuid: 'k-leg', type: 'transfer', timestamp: at(12) }, 'transfer'],
      [{ conversation_uuid: conv, campaign: 'summer', step: 3 }, 'notify'],
      [{ conversation_uuid: conv, uuid: 'k-leg', type: 'error', reason: 'bad NCCO' }, 'error'],
    ];
    t.clock.nowMs = Date.parse(at(20));
    for (const [payload] of kinds) expect((await post(payload)).statusCode).toBe(204);
    const call = await t.storage.calls.getCall(conv);
    expect(call?.events.map((e) => e.kind)).toEqual(['status', ...kinds.map(([, kind]) => kind).filter((k) => k !== 'transfer')]);
    expect(call?.recording_url).toBe('https://api.example/v1/files/rec-1');
    // A notify without a timestamp gets the receive time.
    expect(call?.events.find((e) => e.kind === 'notify')?.timestamp).toBe(at(20));
    // The transfer names conversations, not one conversation: stored outside any call.
    expect(await t.storage.calls.counts()).toMatchObject({ events: 6 });
  });

  it('does not invent a call from a lone non-status event', async () => {
    expect((await post({ conversation_uuid: 'CON-lonely', recording_url: 'https://api.example/rec' })).statusCode).toBe(204);
    expect(await t.storage.calls.getCall('CON-lonely')).toBeNull();
  });
});

describe('updateCallRecord', () => {
  it('creates a record before any event and keeps flow fields through later events', async () => {
    const conv = 'CON-patch';
    const early = await t.storage.calls.updateCallRecord(conv, { flow: 'whisper', topic: 'the summer offer' }, at(0));
    expect(early).toMatchObject({ conversation_uuid: conv, status: 'started', flow: 'whisper', topic: 'the summer offer', outcome: null });
    await post({ status: 'answered', uuid: 'w-p', conversation_uuid: conv, direction: 'inbound', from: '14155550100', to: '14155550123', timestamp: at(1) });
    await t.storage.calls.updateCallRecord(conv, { queued_at: at(5) });
    await post({ status: 'answered', uuid: 'w-a', conversation_uuid: conv, direction: 'outbound', to: 'Joe', timestamp: at(20) });
    await post({ status: 'completed', uuid: 'w-a', conversation_uuid: conv, direction: 'outbound', to: 'Joe', timestamp: at(80), duration: '60' });
    await post({ status: 'completed', uuid: 'w-p', conversation_uuid: conv, direction: 'inbound', timestamp: at(81) });
    expect(await t.storage.calls.getCall(conv)).toMatchObject({
      flow: 'whisper',
      topic: 'the summer offer',
      agent: 'Joe',
      outcome: 'answered',
      wait_s: 15,
      talk_s: 60,
      to: '14155550123',
    });
  });

  it('turns an unanswered call into a voicemail when the flow stores one', async () => {
    const conv = 'CON-vm';
    await post({ status: 'answered', uuid: 'vm-p', conversation_uuid: conv, direction: 'inbound', from: '14155550100', to: '14155550199', timestamp: at(0) });
    await post({ status: 'completed', uuid: 'vm-p', conversation_uuid: conv, direction: 'inbound', timestamp: at(40) });
    // No flow put the caller through to anyone: they hung up unanswered.
    expect((await t.storage.calls.getCall(conv))?.outcome).toBe('abandoned');
    const after = await t.storage.calls.updateCallRecord(conv, { voicemail_url: 'https://api.example/v1/files/vm', flow_outcome: 'no-agents' });
    expect(after).toMatchObject({ outcome: 'voicemail', flow_outcome: 'no-agents', voicemail_url: 'https://api.example/v1/files/vm' });
  });
});

describe('ctx.callEvents', () => {
  it('publishes each stored event with its call and agent, after presence saw it; a failing subscriber makes the webhook 500 (the platform retries) without stopping the others', async () => {
    const seen: StoredCallEvent[] = [];
    const jane = await t.storage.agents.findByName('Jane');
    let janeStatusWhenSeen: string | undefined;
    const { callEvents } = t.context;
    const off = callEvents.subscribe(async (stored, sql) => {
      seen.push(stored);
      // Subscribers run inside the webhook's transaction: presence has written its change there.
      const { rows } = await sql.query<{ status: string }>('SELECT status FROM agent_presence WHERE agent_id = $1', [jane?.id ?? '']);
      janeStatusWhenSeen = rows[0]?.status;
    });
    const failing = callEvents.subscribe(() => {
      throw new Error('subscriber bug');
    });
    const res = await post({ status: 'ringing', uuid: 'ce-a', conversation_uuid: 'CON-ce', direction: 'outbound', from: '14155550100', to: 'Jane', timestamp: at(0) });
    // Nothing is acknowledged that a subscriber (routing) failed to apply.
    expect(res.statusCode).toBe(500);
    off();
    failing();
    await post({ status: 'rejected', uuid: 'ce-a', conversation_uuid: 'CON-ce', direction: 'outbound', to: 'Jane', timestamp: at(2) });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      event: { kind: 'status', status: 'ringing', agent: 'Jane', uuid: 'ce-a' },
      call: { conversation_uuid: 'CON-ce', status: 'ringing' },
      agent: { name: 'Jane', id: jane?.id },
      payload: { to: 'Jane' },
    });
    expect(janeStatusWhenSeen).toBe('busy');
    expect(t.logs.some((l) => l.includes('call event subscriber failed'))).toBe(true);
  });
});

describe('durability', () => {
  it('has every acknowledged event committed, readable by a fresh connection', async () => {
    await post({ status: 'started', uuid: 'dur-leg', conversation_uuid: 'CON-durable', timestamp: at(0) });
    // A second pool sees the committed write without the first being closed (as after a crash, or from another instance).
    const other = await openPgStorage(t.database.url);
    try {
      expect((await other.calls.getCall('CON-durable'))?.events).toHaveLength(1);
    } finally {
      await other.close();
    }
  });
});

describe('logs', () => {
  it('never contain a password, refresh token, SDK token, admin token or the private key', async () => {
    const start = t.logs.length;
    const password = 'jane-secret-pw';
    const refresh = await loginDesktop(t.app, 'Jane', password);
    const sdk = json<SdkTokenResponse>(await t.app.inject({ method: 'POST', url: '/api/auth/token', headers: { authorization: `Bearer ${refresh}` } }));
    await t.app.inject({ method: 'GET', url: '/api/admin/agents', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await t.app.inject({ method: 'GET', url: '/api/admin/agents', headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } });
    await t.app.inject({ method: 'POST', url: '/api/admin/agents', headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { name: 'Logan', password: 'logan-secret-password' } });
    await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { name: 'Jane', password: 'wrong-password-attempt' } });
    await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${refresh}` } });
    const lines = t.logs.slice(start).join('\n');
    expect(lines).toContain('admin request refused');
    expect(lines).toContain('"agent":"Jane"');
    for (const secret of [password, 'wrong-password-attempt', 'logan-secret-password', refresh, sdk.jwt, ADMIN_TOKEN, t.files.privateKeyPem.split('\n')[1] ?? 'missing']) {
      expect(lines).not.toContain(secret);
    }
  });
});
