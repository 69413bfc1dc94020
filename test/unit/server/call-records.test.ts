/**
 * Call records that add up: one record per customer call (agent legs are its legs, whatever
 * conversation the platform files them under), every finished call closed with one outcome,
 * each agent's segment, and queue figures counting each call once.
 *
 * The queue scenario runs the real flows against a fake Voice API owned by the test, feeding
 * events in the order the sandbox sends them: the agent leg's first events come under its
 * own conversation, before the flows bind it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallLogRecord, CallSegment } from '../../../common/backend-api';
import type { AgentHistoryView } from '../../../server/admin/routes';
import { bindLeg, insertCall } from '../../../server/calls/store';
import type { CallEventRecord, CallRecord } from '../../../server/storage/types';
import { callSegments, summarizeCall } from '../../../server/webhooks/call-log';
import { waitFor } from '../../support/wait';
import { createTestServer, json, postEvent, type TestServer } from './helpers';
import { startFakeVoiceApi, type FakeVoiceApi } from '../../support/fake-voice-api';

const ADMIN_TOKEN = 'admin-token-for-call-record-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const QUEUE_NUMBER = '14155550155';
const CALLER = '14155550100';

let voice: FakeVoiceApi;
let t: TestServer;

beforeAll(async () => {
  voice = await startFakeVoiceApi({ holdCalls: true });
  t = await createTestServer({ ADMIN_TOKEN, WRAP_UP_S: '30', VONAGE_API_URL: voice.url }, { jobPollIntervalMs: 50 });
  // Jobs are due by the database's clock: keep the backend's near it.
  t.clock.nowMs = Date.now();
  for (const [url, payload] of [
    ['/api/admin/queues/support', {}],
    [`/api/admin/numbers/${QUEUE_NUMBER}`, { flow: 'queue', queue: 'support' }],
  ] as const) {
    const res = await t.app.inject({ method: 'PUT', url, headers: admin, payload });
    expect(res.statusCode, res.body).toBe(200);
  }
}, 30_000);

afterAll(async () => {
  await t.close();
  await voice.close();
});

const post = (payload: Record<string, unknown>): Promise<void> => postEvent(t.app, payload);

async function record(conversation: string): Promise<(CallLogRecord & { segments: CallSegment[] }) | null> {
  const res = await t.app.inject({ method: 'GET', url: `/api/admin/calls/${conversation}`, headers: admin });
  return res.statusCode === 200 ? json<CallLogRecord & { segments: CallSegment[] }>(res) : null;
}

async function busyJobs(): Promise<string[]> {
  const { rows } = await t.context.db.query<{ task: string }>(
    `SELECT t.identifier AS task FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      WHERE j.locked_at IS NOT NULL OR (j.attempts < j.max_attempts AND j.run_at <= now())`,
  );
  return rows.map((r) => r.task);
}

describe('a queue call answered by an agent', () => {
  it('is ONE record: answered by Jane, closed after caller and agent completed, with her segment', async () => {
    const base = t.clock.nowMs;
    const at = (s: number) => new Date(base + s * 1000).toISOString();
    const jane = t.context.presence.byName('Jane');
    if (!jane) throw new Error('no Jane');
    await t.context.presence.choose(jane.agentId, 'available');

    const answer = await t.app.inject({
      method: 'GET',
      url: `/webhooks/answer?${new URLSearchParams({ from: CALLER, to: QUEUE_NUMBER, uuid: 'caller-1', conversation_uuid: 'CON-caller-1' }).toString()}`,
    });
    expect(answer.statusCode, answer.body).toBe(200);
    const caller = { uuid: 'caller-1', conversation_uuid: 'CON-caller-1', direction: 'inbound', from: CALLER, to: QUEUE_NUMBER };
    await post({ ...caller, status: 'started', timestamp: at(0) });
    await post({ ...caller, status: 'ringing', timestamp: at(0.2) });
    await post({ ...caller, status: 'answered', timestamp: at(0.5) });

    // The queue offers Jane the caller: the flows place her leg; the platform has not answered yet.
    await waitFor(() => voice.requests.filter((r) => r.method === 'POST').length, (n) => n > 0);
    // Her leg's first events come under its own conversation, before the Voice API answered.
    const agentOwn = { uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', direction: 'outbound', from: CALLER, to: 'Jane' };
    await post({ ...agentOwn, status: 'started', timestamp: at(2) });
    await post({ ...agentOwn, status: 'ringing', timestamp: at(2.5) });
    voice.release();
    expect(await waitFor(busyJobs, (jobs) => jobs.length === 0)).toEqual([]);
    // Bound: no call of its own.
    expect(await record('CON-agent-1')).toBeNull();

    // She answers and joins the caller's named conversation; its id is on her leg's later events.
    const agentJoined = { ...agentOwn, conversation_uuid: 'queue-caller-1' };
    await post({ ...agentJoined, status: 'answered', timestamp: at(10) });
    expect(await record('CON-caller-1')).toMatchObject({ status: 'answered', agent: 'Jane', ended_at: null, outcome: null });
    await post({ ...agentJoined, status: 'completed', duration: '60', timestamp: at(70) });
    // The caller's leg too sits in the named conversation by now.
    await post({ ...caller, conversation_uuid: 'queue-caller-1', status: 'completed', duration: '71', timestamp: at(71) });

    const call = await record('CON-caller-1');
    expect(call).toMatchObject({
      direction: 'inbound',
      from: CALLER,
      to: QUEUE_NUMBER,
      flow: 'queue',
      queue: 'support',
      agent: 'Jane',
      status: 'completed',
      ended_at: at(71),
      outcome: 'answered',
      talk_s: 60,
    });
    expect(call?.wait_s).toBeLessThanOrEqual(11);
    expect(call?.segments).toEqual([
      { leg_uuid: 'agent-leg-1', agent: 'Jane', party: 'Jane', offered_at: at(2), answered_at: at(10), ended_at: at(70), end_status: 'completed', talk_s: 60, hold_s: 0 },
    ]);
    // One row, none made by the agent's leg or the named conversation.
    expect(await record('queue-caller-1')).toBeNull();
    const { rows } = await t.context.db.query<{ conversation_uuid: string }>('SELECT conversation_uuid FROM calls ORDER BY conversation_uuid');
    expect(rows.map((r) => r.conversation_uuid)).toEqual(['CON-caller-1']);

    // Counted once, as answered.
    const stats = await t.app.inject({ method: 'GET', url: `/api/admin/queue-stats?from=${at(-60)}&to=${at(60)}`, headers: admin });
    expect(json<{ queues: unknown[] }>(stats).queues).toEqual([
      { queue: 'support', offered: 1, answered: 1, abandoned: 0, voicemail: 0, overflow: 0, timeout: 0, average_wait_s: call?.wait_s, service_level: 1 },
    ]);

    // Her history: talk 60 + hold 0 + wrap-up 30 (the configured wrap-up; no later offer cut it short).
    const history = await t.app.inject({ method: 'GET', url: `/api/admin/agents/Jane/history?from=${at(-60)}&to=${at(600)}`, headers: admin });
    expect(history.statusCode, history.body).toBe(200);
    expect(json<AgentHistoryView>(history)).toMatchObject({
      agent: 'Jane',
      segments: [{ conversation_uuid: 'CON-caller-1', queue: 'support', outcome: 'answered', talk_s: 60, hold_s: 0, wrap_up_s: 30, handle_s: 90 }],
      totals: { offered: 1, answered: 1, talk_s: 60, hold_s: 0, wrap_up_s: 30, handle_s: 90 },
    });
  });
});

describe('binding a leg the flows placed', () => {
  const T0 = '2026-03-03T10:00:00.000Z';
  const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

  it('moves its earlier events to the customer call and drops the row they made; a whisper call closes', async () => {
    // A call the flows know (finished as far as routing goes: only the call log is under test here).
    await t.context.db.tx((sql) => insertCall(sql, 'w-caller', 'CON-w', { uuid: 'w-caller', ended: true, attempt: null, waitUntil: null }));
    await t.storage.calls.updateCallRecord('CON-w', { flow: 'whisper', topic: 'the summer offer' }, at(0));
    const caller = { uuid: 'w-caller', conversation_uuid: 'CON-w', direction: 'inbound', from: CALLER, to: '14155550123' };
    const joe = { uuid: 'w-joe', conversation_uuid: 'CON-w-joe', direction: 'outbound', from: CALLER, to: 'Joe' };
    await post({ ...caller, status: 'started', timestamp: at(0) });
    await post({ ...caller, status: 'answered', timestamp: at(1) });
    await post({ ...joe, status: 'started', timestamp: at(2) });
    await post({ ...joe, status: 'ringing', timestamp: at(3) });
    expect(await record('CON-w-joe')).toMatchObject({ agent: 'Joe', status: 'ringing' });

    await t.context.db.tx((sql) => bindLeg(sql, 'w-joe', 'w-caller', 'Joe', null, at(4)));
    expect(await record('CON-w-joe')).toBeNull();
    expect((await t.storage.calls.getCall('CON-w'))?.events.map((e) => `${e.uuid}:${e.status}`)).toEqual([
      'w-caller:started',
      'w-caller:answered',
      'w-joe:started',
      'w-joe:ringing',
    ]);
    // The raw payload keeps the conversation the platform named.
    expect(JSON.parse((await t.storage.calls.getCall('CON-w'))?.events[2]?.raw ?? '{}')).toMatchObject({ conversation_uuid: 'CON-w-joe' });

    // Later events of the bound leg go to the customer call, whatever conversation they name.
    await post({ ...joe, conversation_uuid: 'whisper-w-caller', status: 'answered', timestamp: at(8) });
    await post({ ...joe, conversation_uuid: 'whisper-w-caller', status: 'completed', duration: '30', timestamp: at(38) });
    await post({ ...caller, status: 'completed', timestamp: at(39) });
    expect(await record('CON-w')).toMatchObject({ flow: 'whisper', agent: 'Joe', outcome: 'answered', ended_at: at(39), talk_s: 30, wait_s: 8 });
    expect(await record('whisper-w-caller')).toBeNull();
  });

  it('closes a call whose caller left before the agent leg reported its end, and refines it when the end comes', async () => {
    const caller = { uuid: 'late-caller', conversation_uuid: 'CON-late', direction: 'inbound', from: CALLER, to: '14155550199' };
    const jane = { uuid: 'late-jane', conversation_uuid: 'CON-late', direction: 'outbound', from: CALLER, to: 'Jane' };
    await post({ ...caller, status: 'started', timestamp: at(100) });
    await post({ ...caller, status: 'answered', timestamp: at(100) });
    await post({ ...jane, status: 'ringing', timestamp: at(101) });
    await post({ ...jane, status: 'answered', timestamp: at(105) });
    await post({ ...caller, status: 'completed', timestamp: at(145) });
    const closed = await record('CON-late');
    expect(closed).toMatchObject({ status: 'completed', outcome: 'answered', agent: 'Jane', ended_at: at(145), talk_s: 40 });
    expect(closed?.segments[0]).toMatchObject({ agent: 'Jane', ended_at: at(145), end_status: null, talk_s: 40 });
    // Reconciliation (or a late delivery) reports her end.
    await post({ ...jane, status: 'completed', duration: '41', timestamp: at(146) });
    const refined = await record('CON-late');
    expect(refined).toMatchObject({ outcome: 'answered', ended_at: at(146), talk_s: 41 });
    expect(refined?.segments[0]).toMatchObject({ end_status: 'completed', ended_at: at(146), talk_s: 41 });
  });

  it('gives each agent of a transferred call a segment of their own', async () => {
    const caller = { uuid: 'tr-caller', conversation_uuid: 'CON-tr', direction: 'inbound', from: CALLER, to: '14155550199' };
    const jane = { uuid: 'tr-jane', conversation_uuid: 'CON-tr', direction: 'outbound', from: CALLER, to: 'Jane' };
    const joe = { uuid: 'tr-joe', conversation_uuid: 'CON-tr', direction: 'outbound', from: CALLER, to: 'Joe' };
    await post({ ...caller, status: 'answered', timestamp: at(200) });
    await post({ ...jane, status: 'answered', timestamp: at(205) });
    await post({ ...joe, status: 'answered', timestamp: at(240) });
    await post({ ...jane, status: 'completed', duration: '40', timestamp: at(245) });
    await post({ ...joe, status: 'completed', duration: '60', timestamp: at(300) });
    await post({ ...caller, status: 'completed', timestamp: at(300) });
    const call = await record('CON-tr');
    // The record names the agent the caller ended with; each agent's part is their segment.
    expect(call).toMatchObject({ agent: 'Joe', outcome: 'answered', talk_s: 100, wait_s: 5 });
    expect(call?.segments.map((s) => [s.agent, s.answered_at, s.ended_at, s.talk_s])).toEqual([
      ['Jane', at(205), at(245), 40],
      ['Joe', at(240), at(300), 60],
    ]);
  });
});

describe('outcomes and queue figures', () => {
  const T0 = '2026-03-04T10:00:00.000Z';
  const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

  /** A caller who waits in `queue`, maybe rung through to Jane, and ends as the flow decided. */
  async function queued(id: string, startS: number, how: { answeredAfterS?: number; flowOutcome?: string; voicemail?: boolean; janeRejects?: boolean; endS: number; queue?: string }) {
    const conv = `CON-${id}`;
    const caller = { uuid: `c-${id}`, conversation_uuid: conv, direction: 'inbound', from: CALLER, to: QUEUE_NUMBER };
    const jane = { uuid: `j-${id}`, conversation_uuid: conv, direction: 'outbound', from: CALLER, to: 'Jane' };
    await post({ ...caller, status: 'started', timestamp: at(startS) });
    await post({ ...caller, status: 'answered', timestamp: at(startS) });
    await t.storage.calls.updateCallRecord(conv, { flow: 'queue', queue: how.queue ?? 'figures', queued_at: at(startS + 1) }, at(startS));
    if (how.answeredAfterS !== undefined) {
      await post({ ...jane, status: 'ringing', timestamp: at(startS + how.answeredAfterS - 1) });
      await post({ ...jane, status: 'answered', timestamp: at(startS + how.answeredAfterS) });
      await post({ ...jane, status: 'completed', timestamp: at(startS + how.endS - 1) });
    }
    if (how.janeRejects) {
      await post({ ...jane, status: 'ringing', timestamp: at(startS + 2) });
      await post({ ...jane, status: 'rejected', timestamp: at(startS + 3) });
    }
    if (how.flowOutcome) await t.storage.calls.updateCallRecord(conv, { flow_outcome: how.flowOutcome }, at(startS + 4));
    if (how.voicemail) await t.storage.calls.updateCallRecord(conv, { voicemail_url: 'https://api.example/v1/files/vm', flow_outcome: 'voicemail' }, at(startS + 5));
    await post({ ...caller, status: 'completed', timestamp: at(startS + how.endS) });
    return record(conv);
  }

  it('ends each call with one outcome, and counts each once in the queue figures', async () => {
    expect(await queued('fa', 0, { answeredAfterS: 11, endS: 60 })).toMatchObject({ outcome: 'answered', wait_s: 10 });
    expect(await queued('fb', 100, { answeredAfterS: 41, endS: 90 })).toMatchObject({ outcome: 'answered', wait_s: 40 });
    expect(await queued('fc', 200, { endS: 30 })).toMatchObject({ outcome: 'abandoned', ended_at: at(230) });
    expect(await queued('fd', 300, { flowOutcome: 'timeout', endS: 40 })).toMatchObject({ outcome: 'timeout', flow_outcome: 'timeout' });
    expect(await queued('fe', 400, { flowOutcome: 'overflow', endS: 10 })).toMatchObject({ outcome: 'overflow', flow_outcome: 'overflow' });
    expect(await queued('ff', 500, { flowOutcome: 'overflow', voicemail: true, endS: 50 })).toMatchObject({ outcome: 'voicemail', flow_outcome: 'voicemail' });
    expect(await queued('fg', 600, { janeRejects: true, flowOutcome: 'no-agents', endS: 20 })).toMatchObject({ outcome: 'missed' });
    for (const id of ['fa', 'fb', 'fc', 'fd', 'fe', 'ff', 'fg']) {
      const call = await record(`CON-${id}`);
      expect(call?.ended_at, id).not.toBeNull();
      expect(call?.outcome, id).not.toBeNull();
    }
    const stats = await t.app.inject({ method: 'GET', url: `/api/admin/queue-stats?from=${at(-1)}&to=${at(1000)}&service_level_s=20`, headers: admin });
    expect(json<{ queues: unknown[] }>(stats).queues).toEqual([
      // Abandoned counts the missed call too; the mean wait is of answered calls.
      { queue: 'figures', offered: 7, answered: 2, abandoned: 2, voicemail: 1, overflow: 1, timeout: 1, average_wait_s: 25, service_level: Math.round((1 / 7) * 1000) / 1000 },
    ]);
  });

  it('counts a caller the queue turned away at once (no agents serving it)', async () => {
    // Only Lou (offline) serves this queue: the flows note the queue on the record before the redirect (voicemail by default).
    const number = '14155550157';
    for (const [url, payload] of [
      ['/api/admin/queues/nobody', { agents: ['Lou'] }],
      [`/api/admin/numbers/${number}`, { flow: 'queue', queue: 'nobody' }],
    ] as const) {
      const put = await t.app.inject({ method: 'PUT', url, headers: admin, payload });
      expect(put.statusCode, put.body).toBe(200);
    }
    const res = await t.app.inject({
      method: 'GET',
      url: `/webhooks/answer?${new URLSearchParams({ from: CALLER, to: number, uuid: 'away-caller', conversation_uuid: 'CON-away' }).toString()}`,
    });
    expect(res.statusCode).toBe(200);
    const caller = { uuid: 'away-caller', conversation_uuid: 'CON-away', direction: 'inbound', from: CALLER, to: number };
    const now = t.clock.nowMs;
    await post({ ...caller, status: 'answered', timestamp: new Date(now).toISOString() });
    await post({ ...caller, status: 'completed', timestamp: new Date(now + 20_000).toISOString() });
    expect(await record('CON-away')).toMatchObject({ queue: 'nobody', flow_outcome: 'no-agents', outcome: 'missed' });
  });
});

// ── summarizeCall, one outcome at a time ───────────────────────────────────────

describe('summarizeCall outcomes', () => {
  const T = '2026-01-01T00:00:00.000Z';
  const at = (s: number) => new Date(Date.parse(T) + s * 1000).toISOString();
  let id = 0;
  const ev = (uuid: string, status: string, s: number, extra: Partial<CallEventRecord> = {}): CallEventRecord => ({
    id: (id += 1),
    conversation_uuid: 'c',
    uuid,
    kind: 'status',
    status,
    agent: null,
    direction: 'inbound',
    from: CALLER,
    to: QUEUE_NUMBER,
    timestamp: at(s),
    raw: '{}',
    received_at: at(s),
    ...extra,
  });
  const agentEv = (uuid: string, status: string, s: number, agent = 'Jane') => ev(uuid, status, s, { agent, direction: 'outbound', to: agent });
  const flow = (fields: Partial<CallRecord>): CallRecord => ({ ...summarizeCall(null, [ev('p', 'started', 0)]), ...fields });
  const outcome = (events: CallEventRecord[], previous: CallRecord | null = null) => summarizeCall(previous, events).outcome;

  it('answered: an agent answered; never abandoned, even when the caller ends first', () => {
    const events = [ev('p', 'answered', 0), agentEv('a', 'ringing', 1), agentEv('a', 'answered', 5), ev('p', 'completed', 60)];
    const call = summarizeCall(flow({ queue: 'support', queued_at: at(0) }), events);
    expect(call).toMatchObject({ outcome: 'answered', agent: 'Jane', ended_at: at(60), wait_s: 5, talk_s: 55 });
    expect(callSegments(events)).toEqual([
      { leg_uuid: 'a', agent: 'Jane', party: 'Jane', offered_at: at(1), answered_at: at(5), ended_at: at(60), end_status: null, talk_s: 55, hold_s: 0 },
    ]);
  });
  it('is live (no end, no outcome) until the caller leg ends', () => {
    expect(summarizeCall(null, [ev('p', 'answered', 0), agentEv('a', 'answered', 5), agentEv('a', 'completed', 9)])).toMatchObject({ ended_at: null, outcome: null, status: 'answered' });
  });
  it('abandoned: the caller hung up while an agent rang, or while queued', () => {
    expect(outcome([ev('p', 'answered', 0), agentEv('a', 'ringing', 1), ev('p', 'completed', 9), agentEv('a', 'cancelled', 9)])).toBe('abandoned');
    expect(outcome([ev('p', 'answered', 0), agentEv('a', 'ringing', 1), ev('p', 'completed', 9)])).toBe('abandoned');
    expect(outcome([ev('p', 'answered', 0), ev('p', 'completed', 9)], flow({ queue: 'support' }))).toBe('abandoned');
    expect(outcome([ev('p', 'started', 0), ev('p', 'cancelled', 2)])).toBe('abandoned');
  });
  it('missed: every agent offered declined, or the flow found nobody', () => {
    expect(outcome([ev('p', 'answered', 0), agentEv('a', 'ringing', 1), agentEv('a', 'rejected', 3), ev('p', 'completed', 9)])).toBe('missed');
    expect(outcome([ev('p', 'answered', 0), ev('p', 'completed', 9)], flow({ flow_outcome: 'no-agents' }))).toBe('missed');
  });
  it('voicemail, overflow, timeout: from the message left and the flow\'s redirect', () => {
    const ended = [ev('p', 'answered', 0), ev('p', 'completed', 30)];
    expect(outcome(ended, flow({ voicemail_url: 'https://x/vm', flow_outcome: 'voicemail' }))).toBe('voicemail');
    expect(outcome(ended, flow({ queue: 'support', flow_outcome: 'overflow' }))).toBe('overflow');
    expect(outcome(ended, flow({ queue: 'support', flow_outcome: 'timeout' }))).toBe('timeout');
    expect(outcome(ended, flow({ flow: 'whisper', flow_outcome: 'timeout' }))).toBe('timeout');
  });
  it('failed: the caller\'s leg never connected', () => {
    expect(outcome([ev('p', 'started', 0), ev('p', 'failed', 1)])).toBe('failed');
  });
  it('an agent\'s own call out: answered, busy, unanswered or failed by the dialled party', () => {
    const jane = (status: string, s: number) => ev('a', status, s, { agent: 'Jane', from: 'Jane', to: '14155550777' });
    const far = (status: string, s: number) => ev('b', status, s, { direction: 'outbound', from: '14155550199', to: '14155550777' });
    expect(outcome([jane('answered', 0), far('answered', 3), far('completed', 20), jane('completed', 20)])).toBe('answered');
    expect(outcome([jane('answered', 0), far('busy', 3), jane('completed', 4)])).toBe('busy');
    expect(outcome([jane('answered', 0), far('timeout', 30), jane('completed', 31)])).toBe('unanswered');
    expect(outcome([jane('answered', 0), far('failed', 1), jane('completed', 2)])).toBe('failed');
    const segments = callSegments([jane('answered', 0), far('answered', 3), far('completed', 20), jane('completed', 20)]);
    expect(segments).toMatchObject([{ leg_uuid: 'a', agent: 'Jane', answered_at: at(3), ended_at: at(20), talk_s: 17 }]);
  });
  it('hold: each hold and consult counts against the leg that owned the call, and talk is the rest', () => {
    const control = (uuid: string, action: string, s: number, agent = 'Jane') => ev(uuid, action, s, { kind: 'control', agent, direction: null, from: null, to: null });
    const events = [
      ev('p', 'answered', 0),
      agentEv('a', 'answered', 2),
      control('a', 'hold', 10),
      control('a', 'resume', 25),
      control('a', 'consult', 40),
      agentEv('b', 'answered', 45, 'Joe'),
      control('a', 'transfer-completed', 50),
      agentEv('a', 'completed', 51),
      control('b', 'hold', 60, 'Joe'),
      ev('p', 'completed', 70),
    ];
    const segments = callSegments(events).map((s) => [s.agent, s.talk_s, s.hold_s]);
    // Jane: connected 49 s, held 15 + 10; Joe: connected 25 s (to the call's end), held the last 10 (still on hold when it ended).
    expect(segments).toEqual([
      ['Jane', 24, 25],
      ['Joe', 15, 10],
    ]);
    // A control event is no leg of its own and changes no outcome.
    expect(summarizeCall(null, events).outcome).toBe('answered');
  });

  it('a custom NCCO\'s call nobody was offered is answered (the NCCO served it)', () => {
    expect(outcome([ev('p', 'answered', 0), ev('p', 'completed', 9)], flow({ flow: 'custom' }))).toBe('answered');
  });
});
