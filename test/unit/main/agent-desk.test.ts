/**
 * `desk:request` and `voicemail:audio` in main: the stored credential goes to the backend,
 * answers are checked against the contract before they reach the renderer, refusals come
 * back as messages the agent can read, and bad requests never reach a handler.
 */
import { describe, expect, it, vi } from 'vitest';
import { invokeChannels } from '../../../common/ipc-contract';
import { AgentDeskService } from '../../../main/agent-desk';
import { BackendClient } from '../../../main/backend-client';
import { PublicError } from '../../../main/ipc';
import { testAuthority } from './support';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function backendAnswering(status: number, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const fetchMock = vi.fn(async () => new Response(body instanceof Uint8Array ? Buffer.from(body) : body === undefined ? '' : JSON.stringify(body), { status, headers }));
  const backend = new BackendClient({ baseUrl: 'http://127.0.0.1:3030', fetch: fetchMock as unknown as typeof fetch });
  return { fetchMock, service: new AgentDeskService({ backend, authority: testAuthority('rt_1'), log: quiet }) };
}

const sent = (fetchMock: ReturnType<typeof vi.fn>) => {
  const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
  const headers = init.headers as Record<string, string>;
  return { url, method: init.method ?? 'GET', body: init.body === undefined ? undefined : JSON.parse(String(init.body)), authorization: headers.authorization };
};

const call = {
  conversation_uuid: 'CON-1',
  direction: 'inbound',
  from: '14155550100',
  to: '14155550199',
  started_at: '2026-03-02T08:00:00.000Z',
  answered_at: null,
  ended_at: '2026-03-02T08:00:30.000Z',
  duration_s: 30,
  talk_s: null,
  outcome: 'missed',
  missed: true,
  disposition: null,
  disposition_label: null,
  notes: null,
  recording_url: 'https://platform.example/secret',
};

describe('desk:request in main', () => {
  it('reads the history with the stored credential and drops what the contract does not promise', async () => {
    const { service, fetchMock } = backendAnswering(200, { calls: [call], total: 1, limit: 25, offset: 0, next_cursor: 'abc' });
    const page = await service.run({ action: 'history', cursor: 'xyz' });
    expect(sent(fetchMock)).toEqual({ url: 'http://127.0.0.1:3030/api/agent/calls?limit=25&cursor=xyz', method: 'GET', body: undefined, authorization: 'Bearer rt_1' });
    expect(page.calls[0]).not.toHaveProperty('recording_url');
    expect(page).toEqual({ calls: [expect.objectContaining({ conversation_uuid: 'CON-1', missed: true })], total: 1, next_cursor: 'abc' });
  });

  it.each([
    [{ action: 'unseen' } as const, 'GET', '/api/agent/calls/unseen', undefined, { missed: 2, seen_up_to: null }],
    [{ action: 'seen', upTo: '2026-03-02T08:00:00.000Z' } as const, 'PUT', '/api/agent/calls/seen', { up_to: '2026-03-02T08:00:00.000Z' }, { missed: 0, seen_up_to: '2026-03-02T08:00:00.000Z' }],
    [{ action: 'history', missed: true } as const, 'GET', '/api/agent/calls/missed?limit=25', undefined, { calls: [], total: 0, next_cursor: null }],
    [{ action: 'voicemails' } as const, 'GET', '/api/voicemails?limit=100', undefined, []],
    [
      { action: 'handled', id: '0f9d1f8e-1c1b-4c1e-9f1a-2b3c4d5e6f70', handled: true } as const,
      'PUT',
      '/api/voicemails/0f9d1f8e-1c1b-4c1e-9f1a-2b3c4d5e6f70/handled',
      { handled: true },
      { id: 'v', caller: null, number: null, queue: null, duration_s: 3, created_at: 't', handled_by: 'Jane', handled_at: 't' },
    ],
    [{ action: 'dispositions' } as const, 'GET', '/api/agent/dispositions', undefined, { dispositions: [{ code: 'sale', label: 'Sale' }] }],
    [
      { action: 'wrap-up', conversationUuid: 'a/b', disposition: 'sale', notes: 'n' } as const,
      'PUT',
      '/api/agent/wrap-ups/a%2Fb',
      { disposition: 'sale', notes: 'n' },
      { conversation_uuid: 'a/b', disposition: 'sale', disposition_label: 'Sale', notes: 'n', updated_at: 't' },
    ],
  ])('%o goes to %s %s', async (request, method, path, body, answer) => {
    const { service, fetchMock } = backendAnswering(200, answer);
    await expect(service.run(request)).resolves.toEqual(answer);
    expect(sent(fetchMock)).toMatchObject({ url: `http://127.0.0.1:3030${path}`, method, body });
  });

  it("answers the backend's refusal as a message for the agent, and an answer outside the contract as unreadable", async () => {
    const refused = backendAnswering(400, { error: { code: 'invalid_request', message: 'disposition x is not on the list', field: 'disposition' } });
    await expect(refused.service.run({ action: 'wrap-up', conversationUuid: 'c', disposition: 'x', notes: '' })).rejects.toThrow(PublicError);
    await expect(refused.service.run({ action: 'wrap-up', conversationUuid: 'c', disposition: 'x', notes: '' })).rejects.toThrow('disposition x is not on the list');
    const odd = backendAnswering(200, { missed: 'many' });
    await expect(odd.service.run({ action: 'unseen' })).rejects.toThrow('unreadable');
  });

  it('refuses when signed out, without asking the backend', async () => {
    const fetchMock = vi.fn();
    const backend = new BackendClient({ baseUrl: 'http://127.0.0.1:3030', fetch: fetchMock as unknown as typeof fetch });
    const service = new AgentDeskService({ backend, authority: testAuthority(null), log: quiet });
    await expect(service.run({ action: 'voicemails' })).rejects.toThrow('signed out');
    await expect(service.voicemailAudio('0f9d1f8e-1c1b-4c1e-9f1a-2b3c4d5e6f70')).rejects.toThrow('signed out');
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('the contract refuses requests that are not one of the actions, or carry bad fields', () => {
    const schema = invokeChannels['desk:request'].request;
    expect(schema.safeParse({ action: 'history' }).success).toBe(true);
    expect(schema.safeParse({ action: 'delete-everything' }).success).toBe(false);
    expect(schema.safeParse({ action: 'handled', id: 'not-a-uuid', handled: true }).success).toBe(false);
    expect(schema.safeParse({ action: 'wrap-up', conversationUuid: 'c', disposition: null, notes: 'x'.repeat(2001) }).success).toBe(false);
    expect(schema.safeParse({ action: 'unseen', extra: 1 }).success).toBe(false);
    expect(invokeChannels['voicemail:audio'].request.safeParse({ id: '../../etc' }).success).toBe(false);
  });
});

describe('voicemail:audio in main', () => {
  it('fetches the recording with the credential and hands it over as base64 with its audio type', async () => {
    const bytes = new Uint8Array([82, 73, 70, 70, 1, 2, 3]);
    const { service, fetchMock } = backendAnswering(200, bytes, { 'content-type': 'audio/wav' });
    const audio = await service.voicemailAudio('0f9d1f8e-1c1b-4c1e-9f1a-2b3c4d5e6f70');
    expect(audio).toEqual({ contentType: 'audio/wav', base64: Buffer.from(bytes).toString('base64') });
    expect(sent(fetchMock)).toMatchObject({ url: 'http://127.0.0.1:3030/api/voicemails/0f9d1f8e-1c1b-4c1e-9f1a-2b3c4d5e6f70/audio', authorization: 'Bearer rt_1' });
    expect(invokeChannels['voicemail:audio'].response.safeParse(audio).success).toBe(true);
  });

  it('a voicemail the agent may not hear is a plain message', async () => {
    const { service } = backendAnswering(404, { error: { code: 'not_found', message: 'No such voicemail' } });
    await expect(service.voicemailAudio('0f9d1f8e-1c1b-4c1e-9f1a-2b3c4d5e6f70')).rejects.toThrow('This voicemail is not available.');
  });
});
