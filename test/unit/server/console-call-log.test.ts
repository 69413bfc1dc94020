/**
 * The console's call log and reports over known seeded calls: each filter, keyset paging
 * (no call twice, none missing, ties on the start), bad filters named, a call's timeline,
 * the CSV export (header, rows, quoting) and every report's exact figures; supervisors read.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import type { ApiErrorBody } from '../../../common/backend-api';
import type { ConsoleCallDetail, ConsoleCallPage, ConsoleReport, ConsoleSessionView } from '../../../common/console-api';
import { CSV_COLUMNS } from '../../../server/console/call-log';
import { CONSOLE_COOKIE } from '../../../server/console/session';
import { createTestServer, json, loginDesktop, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-call-log-tests-0123456789';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
let t: TestServer;
let supervisorCookie = '';
/** A stand-in voice platform that serves one recording to the application's JWT. */
let platform: Server;
let platformUrl = '';
const RECORDING = Buffer.from('RIFF-fake-call-recording');

/**
 * Twelve inbound calls on 2026-03-01, one every 10 minutes from 10:00 (i = 0…11): even i in
 * sales, odd in support; abandoned when i % 4 = 0, answered otherwise (by Jane when i % 3 = 0,
 * else Joe); wait 5·i s, talk 60 s; callers 14155550100 for i < 3. Then on 2026-03-02 two
 * calls at the same instant (a tie) and Jane's outbound call to 14155550100.
 */
async function seed(): Promise<void> {
  const db = t.context.db;
  for (let i = 0; i < 12; i++) {
    const started = new Date(Date.parse('2026-03-01T10:00:00Z') + i * 600_000);
    const answered = i % 4 !== 0;
    const agent = answered ? (i % 3 === 0 ? 'Jane' : 'Joe') : null;
    const wait = 5 * i;
    const id = `c${String(i).padStart(2, '0')}`;
    const at = (s: number) => new Date(started.getTime() + s * 1000).toISOString();
    await db.query(
      `INSERT INTO calls (conversation_uuid, direction, from_addr, to_addr, agent, status, started_at, answered_at, ended_at, duration_s, flow, queue,
                          queued_at, wait_s, talk_s, outcome, updated_at)
       VALUES ($1, 'inbound', $2, '14155550199', $3, 'completed', $4, $5, $6, $7, 'queue', $8, $4, $9, $10, $11, $6)`,
      [id, i < 3 ? '14155550100' : `1415555${200 + i}`, agent, started.toISOString(), answered ? at(wait) : null, at(wait + (answered ? 60 : 0)),
        wait + (answered ? 60 : 0), i % 2 === 0 ? 'sales' : 'support', wait, answered ? 60 : null, answered ? 'answered' : 'abandoned'],
    );
    if (agent) {
      await db.query(`INSERT INTO agent_calls (conversation_uuid, agent_key, started_at, missed) VALUES ($1, lower($2), $3, false)`, [id, agent, started.toISOString()]);
      await db.query(
        `INSERT INTO call_segments (conversation_uuid, leg_uuid, agent, party, offered_at, answered_at, ended_at, end_status, talk_s, hold_s)
         VALUES ($1, $2, $3, 'agent', $4, $5, $6, 'completed', 60, $7)`,
        [id, `leg-${id}`, agent, at(wait - 1), at(wait), at(wait + 60), i === 2 ? 30 : 0],
      );
    }
  }
  // Wrap-ups: two calls resolved, one with notes that need quoting.
  await db.query(
    `INSERT INTO call_wrapups (conversation_uuid, agent_key, agent, disposition, disposition_label, notes, updated_at) VALUES
       ('c03', 'jane', 'Jane', 'resolved', 'Resolved', 'Said "hi", then
left', '2026-03-01T10:32:00Z'),
       ('c05', 'joe', 'Joe', 'resolved', 'Resolved', '', '2026-03-01T10:52:00Z'),
       ('c06', 'jane', 'Jane', 'escalated', 'Escalated', 'plain', '2026-03-01T11:02:00Z')`,
  );
  const insertCall = (id: string, from: string, to: string, direction: string, started: string) =>
    db.query(
      `INSERT INTO calls (conversation_uuid, direction, from_addr, to_addr, status, started_at, ended_at, outcome, updated_at)
       VALUES ($1, $4, $2, $3, 'completed', $5, $5, 'unanswered', $5)`,
      [id, from, to, direction, started],
    );
  await insertCall('tie-a', '14155550300', '14155550199', 'inbound', '2026-03-02T08:00:00Z');
  await insertCall('tie-b', '14155550301', '14155550199', 'inbound', '2026-03-02T08:00:00Z');
  await insertCall('out-1', 'Jane', '14155550100', 'outbound', '2026-03-02T08:30:00Z');
  // The timeline's call, on 2026-02-25 (outside the lists and reports below): the caller's leg
  // and Jane's, with a hold and a transfer, a segment, a quality report and a wrap-up. Its row
  // is summarised from its events, as the call model does.
  const events: Array<[string, string, string, string | null, string, Record<string, unknown>]> = [
    ['caller-tl', 'status', 'started', null, '2026-02-25T10:30:00Z', {}],
    ['caller-tl', 'status', 'answered', null, '2026-02-25T10:30:01Z', {}],
    ['leg-tl', 'status', 'ringing', 'Jane', '2026-02-25T10:30:14Z', {}],
    ['leg-tl', 'status', 'answered', 'Jane', '2026-02-25T10:30:15Z', {}],
    ['leg-tl', 'control', 'hold', 'Jane', '2026-02-25T10:30:40Z', {}],
    ['leg-tl', 'control', 'transfer', 'Jane', '2026-02-25T10:31:00Z', { target: 'Joe' }],
    ['leg-tl', 'status', 'completed', 'Jane', '2026-02-25T10:31:15Z', {}],
    ['caller-tl', 'status', 'completed', null, '2026-02-25T10:31:16Z', {}],
  ];
  await db.query(
    `INSERT INTO calls (conversation_uuid, direction, from_addr, to_addr, status, started_at, updated_at) VALUES ('tl', 'inbound', '14155550777', '14155550199', 'started', '2026-02-25T10:30:00Z', '2026-02-25T10:30:00Z')`,
  );
  // One statement: the backend's reconciliation (running since start) must never see a leg with
  // its first events and not yet its end, or it asks the platform and closes the leg "now".
  const values: unknown[] = [];
  const rows = events.map(([leg, kind, status, agent, at, raw]) => {
    const p = (value: unknown) => `$${values.push(value)}`;
    const ts = p(at);
    return `('tl', ${p(leg)}, ${p(kind)}, ${p(status)}, ${p(agent)}, ${p(agent ? 'outbound' : 'inbound')}, ${p(agent ? null : '14155550777')}, '14155550199', ${ts}::timestamptz, ${p(JSON.stringify(raw))}, ${ts}::timestamptz)`;
  });
  await db.query(
    `INSERT INTO call_events (conversation_uuid, uuid, kind, status, agent, direction, from_addr, to_addr, timestamp, raw, received_at) VALUES ${rows.join(', ')}`,
    values,
  );
  await t.storage.calls.updateCallRecord('tl', {}, '2026-02-25T10:31:16Z');
  await db.query(
    `INSERT INTO call_segments (conversation_uuid, leg_uuid, agent, party, offered_at, answered_at, ended_at, end_status, talk_s, hold_s)
     VALUES ('tl', 'leg-tl', 'Jane', 'agent', '2026-02-25T10:30:14Z', '2026-02-25T10:30:15Z', '2026-02-25T10:31:15Z', 'completed', 60, 20)
     ON CONFLICT (conversation_uuid, leg_uuid) DO UPDATE SET hold_s = 20, talk_s = 60`,
  );
  await db.query(
    `INSERT INTO call_wrapups (conversation_uuid, agent_key, agent, disposition, disposition_label, notes, updated_at)
     VALUES ('tl', 'jane', 'Jane', 'resolved', 'Resolved', '', '2026-02-25T10:32:00Z')`,
  );
  await db.query(
    `INSERT INTO call_quality (leg_uuid, conversation_uuid, agent_key, mos_avg, mos_min, loss_pct, jitter_avg_ms, jitter_max_ms, rtt_avg_ms, label, samples, packets_received, packets_lost, reported_at)
     VALUES ('leg-tl', 'tl', 'jane', 4.31, 4.02, 0.5, 12, 20, 40, 'good', 10, 5000, 25, '2026-02-25T10:31:16Z')`,
  );
  // Jane's statuses on 2026-02-20: offline, then available 10:00, busy 10:30, wrap-up 11:00, available 11:10, away 11:30.
  const jane = await t.storage.agents.findByName('Jane');
  for (const [status, since] of [
    ['offline', '2026-02-20T09:00:00Z'],
    ['available', '2026-02-20T10:00:00Z'],
    ['busy', '2026-02-20T10:30:00Z'],
    ['wrap-up', '2026-02-20T11:00:00Z'],
    ['available', '2026-02-20T11:10:00Z'],
    ['away', '2026-02-20T11:30:00Z'],
  ] as const) {
    await db.query('INSERT INTO agent_status_log (agent_id, status, since) VALUES ($1, $2, $3)', [jane?.id, status, since]);
  }
}

beforeAll(async () => {
  platform = createServer((req, res) => {
    if (req.url === '/v1/files/rec-call' && req.headers.authorization?.startsWith('Bearer ')) {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(RECORDING.length) });
      res.end(RECORDING);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => platform.listen(0, '127.0.0.1', resolve));
  const address = platform.address();
  platformUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  t = await createTestServer({ ADMIN_TOKEN, VONAGE_API_URL: platformUrl }, { seedConsoleUsers: [{ name: 'Sam', display_name: 'Sam Supervisor', role: 'supervisor', password: 'sam-console-pw' }] });
  await seed();
  const res = await t.app.inject({ method: 'POST', url: '/api/console/login', payload: { name: 'Sam', password: 'sam-console-pw' } });
  expect(res.statusCode).toBe(200);
  expect(json<ConsoleSessionView>(res).user.role).toBe('supervisor');
  const match = new RegExp(`${CONSOLE_COOKIE}=([^;]*)`).exec(String(res.headers['set-cookie']));
  supervisorCookie = `${CONSOLE_COOKIE}=${match?.[1] ?? ''}`;
  // A server, a database and some sixty seeding statements: more than the default 10 s when the machine is busy.
}, 60_000);
afterAll(async () => {
  await t?.close();
  await new Promise<void>((resolve) => (platform ? platform.close(() => resolve()) : resolve()));
});

async function page(query: string): Promise<ConsoleCallPage> {
  const res = await t.app.inject({ method: 'GET', url: `/api/console/calls?${query}`, headers: admin });
  expect(res.statusCode, res.body).toBe(200);
  return json<ConsoleCallPage>(res);
}

async function all(query: string, limit = 100): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const p: ConsoleCallPage = await page(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    ids.push(...p.calls.map((c) => c.conversation_uuid));
    cursor = p.next_cursor;
    if (!cursor) break;
  }
  return ids;
}

describe('console call log', () => {
  it('lists every call newest first, ties by conversation, with the calls fields and dispositions', async () => {
    const p = await page('limit=4');
    expect(p.calls.map((c) => c.conversation_uuid)).toEqual(['out-1', 'tie-b', 'tie-a', 'c11']);
    expect(p.next_cursor).not.toBeNull();
    const c03 = (await page('number=1415555203')).calls;
    expect(c03).toHaveLength(1);
    expect(c03[0]).toMatchObject({ conversation_uuid: 'c03', from: '1415555203', to: '14155550199', agent: 'Jane', queue: 'support', outcome: 'answered', wait_s: 15, talk_s: 60, disposition: 'Resolved' });
  });

  it('pages by key: every call exactly once at any page size, ties included', async () => {
    const everything = await all('from=2026-03-01T00:00:00Z', 200);
    expect(everything).toHaveLength(15);
    for (const size of [1, 2, 5]) {
      const paged = await all('from=2026-03-01T00:00:00Z', size);
      expect(paged).toEqual(everything);
    }
    // Filtered lists page the same way.
    expect(await all('queue=support', 2)).toEqual(['c11', 'c09', 'c07', 'c05', 'c03', 'c01']);
  });

  it('a call arriving between pages neither repeats nor shifts a row', async () => {
    const first = await page('limit=3');
    await t.context.db.query(
      `INSERT INTO calls (conversation_uuid, direction, from_addr, to_addr, status, started_at, updated_at) VALUES ('late', 'inbound', '1', '2', 'ringing', '2026-03-03T00:00:00Z', now())`,
    );
    try {
      const second = await page(`limit=3&cursor=${first.next_cursor ?? ''}`);
      expect(second.calls.map((c) => c.conversation_uuid)).toEqual(['c11', 'c10', 'c09']);
    } finally {
      await t.context.db.query(`DELETE FROM calls WHERE conversation_uuid = 'late'`);
    }
  });

  it('filters by time range, number (either end), agent, queue, outcome and disposition, combined with AND', async () => {
    expect(await all('from=2026-03-01T11:00:00Z&to=2026-03-02T00:00:00Z')).toEqual(['c11', 'c10', 'c09', 'c08', 'c07', 'c06']);
    expect(await all('number=%2B14155550100', 1)).toEqual(['out-1', 'c02', 'c01', 'c00']);
    expect(await all('agent=jane&from=2026-03-01T00:00:00Z')).toEqual(['c09', 'c06', 'c03']);
    expect(await all('queue=SALES&outcome=abandoned')).toEqual(['c08', 'c04', 'c00']);
    expect(await all('disposition=resolved&from=2026-03-01T00:00:00Z')).toEqual(['c05', 'c03']);
    expect(await all('agent=Jane&disposition=escalated')).toEqual(['c06']);
    expect(await all('number=14155550100&queue=support')).toEqual(['c01']);
    expect(await all('outcome=missed&from=2026-03-01T00:00:00Z')).toEqual([]);
  });

  it('refuses a bad filter with 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['outcome=bogus', 'outcome'],
      ['from=yesterday', 'from'],
      ['from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z', 'to'],
      ['cursor=not-a-cursor!', 'cursor'],
      ['limit=0', 'limit'],
      ['agent=' + 'x'.repeat(300), 'agent'],
      ['number=%3Cscript%3E', 'number'],
    ];
    for (const [query, field] of cases) {
      const res = await t.app.inject({ method: 'GET', url: `/api/console/calls?${query}`, headers: admin });
      expect(res.statusCode, query).toBe(400);
      expect(json<ApiErrorBody>(res).error.field, query).toBe(field);
    }
    const csv = await t.app.inject({ method: 'GET', url: '/api/console/calls.csv?queue=', headers: admin });
    expect(csv.statusCode).toBe(400);
    expect(json<ApiErrorBody>(csv).error.field).toBe('queue');
  });

  it("shows a call's timeline: events, legs with holds, the transfer, quality and the wrap-up", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/console/calls/tl', headers: admin });
    expect(res.statusCode).toBe(200);
    const detail = json<ConsoleCallDetail>(res);
    expect(detail.call).toMatchObject({ conversation_uuid: 'tl', from: '14155550777' });
    expect(detail.legs).toHaveLength(1);
    expect(detail.quality[0]).toMatchObject({ mos_avg: 4.31, loss_pct: 0.5, label: 'good' });
    expect(detail.wrapups[0]).toMatchObject({ agent: 'Jane', disposition: 'Resolved' });
    expect(detail.recording_audio_url).toBeNull();
    const texts = detail.timeline.map((e) => e.text);
    for (const text of [
      'started',
      'ringing',
      'agent Jane offered',
      'agent Jane answered',
      'control hold',
      'control transfer to Joe',
      'quality good: MOS 4.31 (min 4.02), loss 0.5 %, jitter 12 ms',
      'wrap-up: Resolved',
    ]) {
      expect(texts, text).toContain(text);
    }
    // The leg's end with its talk and hold (the call model may have summarised the segment again from the events).
    expect(texts.some((text) => /^agent Jane leg ended \(completed\): talk \d+ s(, hold \d+ s)?$/.test(text)), texts.join(' / ')).toBe(true);
    expect(texts.indexOf('control hold')).toBeLessThan(texts.indexOf('control transfer to Joe'));
    expect(texts.indexOf('agent Jane offered')).toBeLessThan(texts.indexOf('agent Jane answered'));
    expect(texts[texts.length - 1]).toBe('wrap-up: Resolved');
    const times = detail.timeline.map((e) => Date.parse(e.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const missing = await t.app.inject({ method: 'GET', url: '/api/console/calls/nope', headers: admin });
    expect(missing.statusCode).toBe(404);
    expect(json<ApiErrorBody>(missing).error.field).toBe('uuid');
  });

  it("plays a call's recording and lists its voicemails, for supervisors too; a recording elsewhere is not fetched", async () => {
    await t.context.db.query(`UPDATE calls SET recording_url = $1 WHERE conversation_uuid = 'c05'`, [`${platformUrl}/v1/files/rec-call`]);
    const id = randomUUID();
    await t.context.db.query(
      `INSERT INTO voicemails (id, conversation_uuid, caller, recording_url, duration_s, created_at) VALUES ($1, 'c04', '1415555204', $2, 9, '2026-03-01T10:41:00Z')`,
      [id, `${platformUrl}/v1/files/vm-none`],
    );
    const detail = json<ConsoleCallDetail>(await t.app.inject({ method: 'GET', url: '/api/console/calls/c05', headers: { cookie: supervisorCookie } }));
    expect(detail.recording_audio_url).toBe('/api/console/calls/c05/recording');
    const audio = await t.app.inject({ method: 'GET', url: detail.recording_audio_url ?? '', headers: { cookie: supervisorCookie } });
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.rawPayload.equals(RECORDING)).toBe(true);

    const withVoicemail = json<ConsoleCallDetail>(await t.app.inject({ method: 'GET', url: '/api/console/calls/c04', headers: admin }));
    expect(withVoicemail.voicemails).toEqual([{ id, duration_s: 9, audio_url: `/api/admin/voicemails/${id}/audio` }]);
    expect(withVoicemail.timeline.map((e) => e.text)).toContain('voicemail left (9 s)');
    expect(withVoicemail.recording_audio_url).toBeNull();
    const none = await t.app.inject({ method: 'GET', url: '/api/console/calls/c04/recording', headers: admin });
    expect(none.statusCode).toBe(404);

    await t.context.db.query(`UPDATE calls SET recording_url = 'https://elsewhere.example/rec' WHERE conversation_uuid = 'c05'`);
    const elsewhere = await t.app.inject({ method: 'GET', url: '/api/console/calls/c05/recording', headers: admin });
    expect(elsewhere.statusCode).toBe(404);
    await t.context.db.query(`UPDATE calls SET recording_url = NULL WHERE conversation_uuid = 'c05'`);
  });

  it('exports the filtered set as CSV: header, one line per call newest first, quoted where needed', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/console/calls.csv?queue=support', headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(String(res.headers['content-disposition'])).toMatch(/^attachment; filename="calls-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = res.body.split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    // The notes with a quote, a comma and a line break are one quoted field.
    expect(res.body).toContain('"Jane: Said ""hi"", then\nleft"');
    const rows = parse(res.body, { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.conversation_uuid)).toEqual(['c11', 'c09', 'c07', 'c05', 'c03', 'c01']);
    expect(rows[4]).toMatchObject({ from: '1415555203', agent: 'Jane', queue: 'support', outcome: 'answered', wait_s: '15', talk_s: '60', disposition: 'Resolved', notes: 'Jane: Said "hi", then\nleft' });
    expect(rows[4]?.started_at).toBe('2026-03-01T10:30:00.000Z');
    const none = await t.app.inject({ method: 'GET', url: '/api/console/calls.csv?outcome=missed&from=2026-03-01T00:00:00Z', headers: admin });
    expect(none.body.trim()).toBe(CSV_COLUMNS.join(','));
  });

  it('lets a supervisor read the log, the CSV and the reports; an agent opens none of them', async () => {
    for (const url of ['/api/console/calls?limit=1', '/api/console/calls.csv', '/api/console/calls/tl', '/api/console/reports/calls-per-hour']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { cookie: supervisorCookie } });
      expect(res.statusCode, url).toBe(200);
    }
    const refresh = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
    const res = await t.app.inject({ method: 'GET', url: '/api/console/calls', headers: { authorization: `Bearer ${refresh}` } });
    expect(res.statusCode).toBe(401);
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/console/calls.csv' });
    expect(anonymous.statusCode).toBe(401);
  });
});

async function report<Row extends Record<string, string | number | null>>(name: string, query: string): Promise<ConsoleReport<Row>> {
  const res = await t.app.inject({ method: 'GET', url: `/api/console/reports/${name}?${query}`, headers: admin });
  expect(res.statusCode, res.body).toBe(200);
  return json<ConsoleReport<Row>>(res);
}

describe('console reports', () => {
  const day = 'from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z';

  it('counts calls per hour, answered and abandoned', async () => {
    const r = await report('calls-per-hour', day);
    expect(r.rows).toEqual([
      { hour: '2026-03-01T10:00:00Z', calls: 6, answered: 4, abandoned: 2 },
      { hour: '2026-03-01T11:00:00Z', calls: 6, answered: 5, abandoned: 1 },
    ]);
  });

  it('gives service level and abandon rate per queue per day, against the asked threshold', async () => {
    const r = await report('queues-daily', `${day}&service_level_s=20`);
    expect(r.rows).toEqual([
      { day: '2026-03-01', queue: 'sales', offered: 6, answered: 3, abandoned: 3, service_level: 0.167, abandon_rate: 0.5, average_wait_s: 30 },
      { day: '2026-03-01', queue: 'support', offered: 6, answered: 6, abandoned: 0, service_level: 0.333, abandon_rate: 0, average_wait_s: 30 },
    ]);
    const wider = await report('queues-daily', `${day}&service_level_s=30`);
    expect(wider.rows.map((row) => row.service_level)).toEqual([0.333, 0.5]);
  });

  it('gives average wait and handle time per day', async () => {
    const r = await report('handle-time', day);
    const wrap = t.config.wrapUpS;
    expect(r.rows).toEqual([
      { day: '2026-03-01', answered_calls: 9, average_wait_s: 30, answered_legs: 9, average_talk_s: 60, average_hold_s: 3.3, average_handle_s: Math.round((60 + 30 / 9 + wrap) * 10) / 10 },
    ]);
  });

  it("gives each agent's occupancy from their statuses over the period", async () => {
    const r = await report('agent-occupancy', 'from=2026-02-20T10:00:00Z&to=2026-02-20T12:00:00Z');
    expect(r.rows.find((row) => row.agent === 'Jane')).toEqual({ agent: 'Jane', available_s: 3000, busy_s: 1800, wrap_up_s: 600, away_s: 1800, occupancy: 0.444 });
  });

  it('downloads any report as CSV with the same rows', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/console/reports/queues-daily?${day}&format=csv`, headers: admin });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.body).toBe(
      'day,queue,offered,answered,abandoned,service_level,abandon_rate,average_wait_s\n2026-03-01,sales,6,3,3,0.167,0.5,30\n2026-03-01,support,6,6,0,0.333,0,30\n',
    );
  });

  it('refuses an unknown report or a bad period with 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['/api/console/reports/nope', 'name'],
      ['/api/console/reports/calls-per-hour?from=2026-03-02&to=2026-03-01', 'to'],
      ['/api/console/reports/calls-per-hour?format=xml', 'format'],
      ['/api/console/reports/queues-daily?service_level_s=-1', 'service_level_s'],
    ];
    for (const [url, field] of cases) {
      const res = await t.app.inject({ method: 'GET', url, headers: admin });
      expect(res.statusCode, url).toBe(400);
      expect(json<ApiErrorBody>(res).error.field, url).toBe(field);
    }
  });
});
