import { describe, expect, it, vi } from 'vitest';
import { callControlRequestSchema, invokeChannels } from '../../../common/ipc-contract';
import { BackendClient } from '../../../main/backend-client';
import { CallControlService } from '../../../main/call-control';
import { PublicError } from '../../../main/ipc';
import { testAuthority } from './support';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const controlState = { held: true, since: '2026-01-01T00:00:00.000Z', total_s: 3, consult: null };

function backendAnswering(status: number, body: unknown) {
  const fetchMock = vi.fn(async () => new Response(body === undefined ? '' : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  const backend = new BackendClient({ baseUrl: 'http://127.0.0.1:3030', fetch: fetchMock as unknown as typeof fetch });
  return { fetchMock, service: new CallControlService({ backend, authority: testAuthority('rt_1'), log: quiet }) };
}

const sent = (fetchMock: ReturnType<typeof vi.fn>, index = 0) => {
  const [url, init] = fetchMock.mock.calls[index] as unknown as [string, RequestInit];
  const headers = init.headers as Record<string, string>;
  return { url, method: init.method, body: init.body === undefined ? undefined : JSON.parse(String(init.body)), authorization: headers.authorization };
};

describe('call:control in main', () => {
  it('puts a call on hold with the stored credential and answers the control state', async () => {
    const { service, fetchMock } = backendAnswering(200, controlState);
    await expect(service.run({ action: 'hold', callId: 'leg-1', held: true })).resolves.toEqual({ ok: true, control: controlState });
    expect(sent(fetchMock)).toEqual({ url: 'http://127.0.0.1:3030/api/agent/calls/leg-1/hold', method: 'PUT', body: { held: true }, authorization: 'Bearer rt_1' });
  });

  it.each([
    [{ action: 'state', callId: 'leg-1' } as const, 'GET', '/api/agent/calls/leg-1/control', undefined],
    [{ action: 'transfer', callId: 'leg-1', target: { type: 'queue', queue: 'support' } } as const, 'POST', '/api/agent/calls/leg-1/transfer', { target: { type: 'queue', queue: 'support' } }],
    [{ action: 'consult', callId: 'leg-1', target: { type: 'phone', number: '14155550177' } } as const, 'POST', '/api/agent/calls/leg-1/consult', { target: { type: 'phone', number: '14155550177' } }],
    [{ action: 'complete', callId: 'leg-1' } as const, 'POST', '/api/agent/calls/leg-1/consult/complete', {}],
    [{ action: 'cancel', callId: 'leg-1' } as const, 'POST', '/api/agent/calls/leg-1/consult/cancel', {}],
    [{ action: 'conference', callId: 'leg-1' } as const, 'POST', '/api/agent/calls/leg-1/conference', {}],
    [{ action: 'leave', callId: 'a/../b' } as const, 'POST', '/api/agent/calls/a%2F..%2Fb/leave', {}],
  ])('%o goes to %s %s', async (request, method, path, body) => {
    const { service, fetchMock } = backendAnswering(202, request.action === 'transfer' || request.action === 'leave' ? { status: 'ok' } : controlState);
    const result = await service.run(request);
    expect(sent(fetchMock)).toMatchObject({ url: `http://127.0.0.1:3030${path}`, method, body });
    // Transfer and leave: the agent's leg is going away, there is no state to show.
    expect(result).toEqual({ ok: true, control: request.action === 'transfer' || request.action === 'leave' ? null : controlState });
  });

  it("answers the backend's refusal with its code and plain message", async () => {
    const { service } = backendAnswering(409, { error: { code: 'agent_unavailable', message: 'Joe is not available', field: 'target.agent' } });
    await expect(service.run({ action: 'transfer', callId: 'leg-1', target: { type: 'agent', agent: 'Joe' } })).resolves.toEqual({
      ok: false,
      code: 'agent_unavailable',
      message: 'Joe is not available',
    });
  });

  it('a backend that cannot be reached, or no credential, is a refusal the agent can read', async () => {
    const fetchMock = vi.fn(async () => {
      throw new TypeError('fetch failed');
    });
    const backend = new BackendClient({ baseUrl: 'http://127.0.0.1:3030', fetch: fetchMock as unknown as typeof fetch });
    const unreachable = await new CallControlService({ backend, authority: testAuthority('rt_1'), log: quiet }).run({ action: 'conference', callId: 'leg-1' });
    expect(unreachable).toMatchObject({ ok: false, code: 'network' });
    const signedOut = await new CallControlService({ backend, authority: testAuthority(null), log: quiet }).run({ action: 'conference', callId: 'leg-1' });
    expect(signedOut).toMatchObject({ ok: false, code: 'signed_out' });
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it('reads the transfer targets; a failure is a public error', async () => {
    const targets = { agents: [{ name: 'Joe', status: 'available' }], queues: [{ name: 'support', label: 'Support' }] };
    const { service, fetchMock } = backendAnswering(200, targets);
    await expect(service.targets()).resolves.toEqual(targets);
    expect(sent(fetchMock)).toMatchObject({ url: 'http://127.0.0.1:3030/api/agent/transfer-targets', method: 'GET' });
    await expect(backendAnswering(500, { error: { code: 'x', message: 'x' } }).service.targets()).rejects.toBeInstanceOf(PublicError);
  });
});

describe('call:control contract', () => {
  const valid = [
    { action: 'state', callId: 'leg-1' },
    { action: 'hold', callId: 'leg-1', held: false },
    { action: 'transfer', callId: 'leg-1', target: { type: 'agent', agent: 'Joe' } },
    { action: 'transfer', callId: 'leg-1', target: { type: 'phone', number: '14155550177' } },
    { action: 'consult', callId: 'leg-1', target: { type: 'agent', agent: 'Joe' } },
    { action: 'leave', callId: 'leg-1' },
  ];
  it.each(valid)('accepts %o', (request) => {
    expect(callControlRequestSchema.safeParse(request).success).toBe(true);
  });

  const invalid = [
    ['an unknown action', { action: 'explode', callId: 'leg-1' }],
    ['no call id', { action: 'hold', held: true }],
    ['an empty call id', { action: 'state', callId: '' }],
    ['hold without a boolean', { action: 'hold', callId: 'leg-1', held: 'yes' }],
    ['an extra field', { action: 'complete', callId: 'leg-1', force: true }],
    ['a number with a plus or letters', { action: 'transfer', callId: 'leg-1', target: { type: 'phone', number: '+1415555' } }],
    ['an agent name with a slash', { action: 'transfer', callId: 'leg-1', target: { type: 'agent', agent: '../admin' } }],
    ['a consult to a queue', { action: 'consult', callId: 'leg-1', target: { type: 'queue', queue: 'support' } }],
    ['a target with more fields', { action: 'transfer', callId: 'leg-1', target: { type: 'agent', agent: 'Joe', url: 'x' } }],
    ['nothing', undefined],
  ] as const;
  it.each(invalid)('refuses %s', (_name, request) => {
    expect(callControlRequestSchema.safeParse(request).success).toBe(false);
  });

  it('the answer drops what the contract does not promise', () => {
    const parsed = invokeChannels['call:control'].response.parse({ ok: true, control: { ...controlState, secret: 'x' }, extra: 1 });
    expect(parsed).toEqual({ ok: true, control: controlState });
    expect(invokeChannels['call:transfer-targets'].response.safeParse({ agents: [{ name: 'Joe', status: 'dancing' }], queues: [] }).success).toBe(false);
  });
});

describe('call:quality in main', () => {
  const summary = {
    mos_avg: 4.3,
    mos_min: 4.1,
    loss_pct: 0.5,
    jitter_avg_ms: 3,
    jitter_max_ms: 9,
    rtt_avg_ms: null,
    label: 'good',
    samples: 10,
    packets_received: 500,
    packets_lost: 2,
  } as const;

  it('puts the summary to the leg with the stored credential', async () => {
    const fetchMock = vi.fn(async () => new Response(null, { status: 204 }));
    const backend = new BackendClient({ baseUrl: 'http://127.0.0.1:3030', fetch: fetchMock as unknown as typeof fetch });
    const service = new CallControlService({ backend, authority: testAuthority('rt_1'), log: quiet });
    await expect(service.saveQuality('leg/1', summary)).resolves.toEqual({ ok: true });
    expect(sent(fetchMock)).toEqual({ url: 'http://127.0.0.1:3030/api/agent/calls/leg%2F1/quality', method: 'PUT', body: summary, authorization: 'Bearer rt_1' });
    expect(invokeChannels['call:quality'].request.safeParse({ callId: 'leg-1', summary }).success).toBe(true);
    expect(invokeChannels['call:quality'].request.safeParse({ callId: 'leg-1', summary: { ...summary, mos_avg: 9 } }).success).toBe(false);
  });

  it('a refusal or being signed out is an answer with a message, not a throw', async () => {
    const { service } = backendAnswering(404, { error: { code: 'call_not_found', message: 'No call of yours has this leg', field: 'legUuid' } });
    await expect(service.saveQuality('leg-1', summary)).resolves.toEqual({ ok: false, message: 'legUuid: No call of yours has this leg' });
    const backend = new BackendClient({ baseUrl: 'http://127.0.0.1:3030', fetch: vi.fn() as unknown as typeof fetch });
    const signedOut = new CallControlService({ backend, authority: testAuthority(null), log: quiet });
    await expect(signedOut.saveQuality('leg-1', summary)).resolves.toMatchObject({ ok: false });
  });
});
