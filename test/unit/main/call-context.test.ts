import { describe, expect, it, vi } from 'vitest';
import type { CallContext } from '../../../common/call-context';
import { BackendClient } from '../../../main/backend-client';
import { CallContextService } from '../../../main/call-context';
import { testAuthority } from './support';

const context: CallContext = {
  leg_uuid: 'leg-1',
  call_uuid: 'caller-1',
  flow: 'whisper',
  number: '14155550177',
  caller: '14155550100',
  topic: 'the summer offer',
  queue: null,
  label: 'Summer campaign',
};

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function backendAnswering(status: number, body: unknown) {
  const fetchMock = vi.fn(async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } }));
  return { fetchMock, backend: new BackendClient({ baseUrl: 'http://127.0.0.1:3030', fetch: fetchMock as unknown as typeof fetch }) };
}

describe('call:context in main', () => {
  it('asks the backend for the leg with the stored credential', async () => {
    const { backend, fetchMock } = backendAnswering(200, context);
    const service = new CallContextService({ backend, authority: testAuthority('rt_1'), log: quiet });
    await expect(service.get('leg-1')).resolves.toEqual(context);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:3030/api/calls/leg-1/context');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer rt_1');
  });

  it('escapes the call id in the path', async () => {
    const { backend, fetchMock } = backendAnswering(200, context);
    await new CallContextService({ backend, authority: testAuthority('rt_1'), log: quiet }).get('a/../b');
    expect((fetchMock.mock.calls[0] as unknown as [string])[0]).toBe('http://127.0.0.1:3030/api/calls/a%2F..%2Fb/context');
  });

  it.each([
    ['the backend has none (404)', 404, { error: { code: 'not_found', message: 'No call context' } }],
    ['the answer is outside the contract', 200, { leg_uuid: 'leg-1', flow: 'fax' }],
    ['the backend fails', 500, { error: { code: 'internal_error', message: 'x' } }],
    ['the session has ended', 401, { error: { code: 'unauthorized', message: 'x' } }],
  ])('gives null when %s', async (_name, status, body) => {
    const { backend } = backendAnswering(status, body);
    await expect(new CallContextService({ backend, authority: testAuthority('rt_1'), log: quiet }).get('leg-1')).resolves.toBeNull();
  });

  it('gives null without asking when signed out', async () => {
    const { backend, fetchMock } = backendAnswering(200, context);
    await expect(new CallContextService({ backend, authority: testAuthority(null), log: quiet }).get('leg-1')).resolves.toBeNull();
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
