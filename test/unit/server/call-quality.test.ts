import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorBody } from '../../../common/backend-api';
import type { CallQualitySummary } from '../../../common/call-quality';
import type { LegQuality } from '../../../server/calls/quality';
import { createTestServer, json, loginDesktop, postEvent, type TestServer } from './helpers';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const summary: CallQualitySummary = {
  mos_avg: 4.3,
  mos_min: 4.1,
  loss_pct: 0.5,
  jitter_avg_ms: 3.2,
  jitter_max_ms: 9.5,
  rtt_avg_ms: 24,
  label: 'good',
  samples: 42,
  packets_received: 2100,
  packets_lost: 11,
};

let t: TestServer;
let jane: string;
let joe: string;
beforeAll(async () => {
  t = await createTestServer({ ADMIN_TOKEN });
  jane = await loginDesktop(t.app, 'Jane', 'jane-secret-pw');
  joe = await loginDesktop(t.app, 'Joe', 'joe-secret-pw');
  // Jane's answered leg of a customer call.
  const leg = { uuid: 'jane-leg-q1', conversation_uuid: 'CON-q1', direction: 'outbound', from: '14155550100', to: 'Jane' };
  await postEvent(t.app, { ...leg, status: 'answered' });
  await postEvent(t.app, { ...leg, status: 'completed', duration: '42' });
});
afterAll(async () => {
  await t.close();
});

const put = (token: string | null, leg: string, payload: unknown) =>
  t.app.inject({ method: 'PUT', url: `/api/agent/calls/${leg}/quality`, headers: token ? bearer(token) : {}, payload: payload as object });

describe('PUT /api/agent/calls/:leg/quality', () => {
  it('stores the agent’s summary with the call, and a repeat replaces it', async () => {
    expect((await put(jane, 'jane-leg-q1', summary)).statusCode).toBe(204);
    expect((await put(jane, 'jane-leg-q1', { ...summary, mos_avg: 4.2, samples: 43 })).statusCode).toBe(204);
    const read = await t.app.inject({ method: 'GET', url: '/api/admin/calls/CON-q1/quality', headers: admin });
    expect(read.statusCode).toBe(200);
    const { legs } = json<{ legs: LegQuality[] }>(read);
    expect(legs).toEqual([{ ...summary, mos_avg: 4.2, samples: 43, leg_uuid: 'jane-leg-q1', agent: 'jane', reported_at: expect.any(String) }]);
  });

  it('needs a login, and refuses another agent’s leg or an unknown one with 404', async () => {
    expect((await put(null, 'jane-leg-q1', summary)).statusCode).toBe(401);
    const other = await put(joe, 'jane-leg-q1', summary);
    expect(other.statusCode).toBe(404);
    expect(json<ApiErrorBody>(other).error).toMatchObject({ code: 'call_not_found', field: 'legUuid' });
    expect((await put(jane, 'no-such-leg', summary)).statusCode).toBe(404);
  });

  it('refuses bad input with 400 naming the field, and stores nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ ...summary, mos_avg: 7 }, 'mos_avg'],
      [{ ...summary, loss_pct: -1 }, 'loss_pct'],
      [{ ...summary, label: 'excellent' }, 'label'],
      [{ ...summary, samples: 0 }, 'samples'],
      [{ ...summary, rtt_avg_ms: 'fast' }, 'rtt_avg_ms'],
      [{ ...summary, extra: 1 }, ''],
      [{ ...summary, mos_min: 4.4 }, 'mos_min'],
      [{ ...summary, jitter_avg_ms: 20 }, 'jitter_avg_ms'],
    ];
    for (const [payload, field] of cases) {
      const res = await put(jane, 'jane-leg-q1', payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      if (field) expect(json<ApiErrorBody>(res).error.field).toBe(field);
    }
    const { legs } = json<{ legs: LegQuality[] }>(await t.app.inject({ method: 'GET', url: '/api/admin/calls/CON-q1/quality', headers: admin }));
    expect(legs[0]?.mos_avg).toBe(4.2);
  });

  it('the admin read is behind the admin token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/calls/CON-q1/quality' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/calls/CON-q1/quality', headers: bearer(jane) })).statusCode).toBe(401);
  });
});
