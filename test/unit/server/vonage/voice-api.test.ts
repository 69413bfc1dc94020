import { afterAll, describe, expect, it, vi } from 'vitest';
import { VoiceApi, VoiceApiError } from '../../../../server/vonage/voice-api';
import { createTestFiles, verifyJwt } from '../helpers';

const files = createTestFiles();
afterAll(() => files.remove());

function api(handler: (url: string, init: RequestInit) => Response | Promise<Response>, now = () => 1_000_000) {
  const fetchMock = vi.fn(async (input: string | URL | Request, init?: RequestInit) => handler(String(input), init ?? {}));
  const voice = new VoiceApi({ baseUrl: 'http://127.0.0.1:3040/', applicationId: 'app-1', privateKey: files.privateKeyPem, fetch: fetchMock as unknown as typeof fetch, now });
  return { voice, fetchMock };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const bearer = (init: RequestInit) => ((init.headers as Record<string, string>).authorization ?? '').replace('Bearer ', '');

describe('Voice API client', () => {
  it('places a call with an application JWT and the body as given', async () => {
    const { voice, fetchMock } = api(() => json(201, { uuid: 'leg-1', status: 'started', direction: 'outbound', conversation_uuid: 'CON-1' }));
    const request = {
      to: [{ type: 'app', user: 'Jane' }] as [{ type: 'app'; user: string }],
      from: { type: 'phone' as const, number: '14155550100' },
      answer_url: ['http://127.0.0.1:3030/webhooks/agent-answer?call=c'] as [string],
      ringing_timer: 20,
    };
    await expect(voice.createCall(request)).resolves.toMatchObject({ uuid: 'leg-1' });
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('http://127.0.0.1:3040/v1/calls');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual(request);
    const { claims } = verifyJwt(bearer(init!), files.publicKeyPem);
    expect(claims.application_id).toBe('app-1');
    expect(Number(claims.exp) - Number(claims.iat)).toBe(300);
  });

  it('transfers, hangs up and speaks with PUT on the call', async () => {
    const { voice, fetchMock } = api(() => new Response(null, { status: 204 }));
    await voice.transfer('leg 1', [{ action: 'talk', text: 'Hi' }]);
    await voice.hangup('leg-2');
    await voice.talk('leg-3', 'You are next in line.');
    expect(fetchMock.mock.calls.map(([url, init]) => [init?.method, url, JSON.parse(String(init?.body))])).toEqual([
      ['PUT', 'http://127.0.0.1:3040/v1/calls/leg%201', { action: 'transfer', destination: { type: 'ncco', ncco: [{ action: 'talk', text: 'Hi' }] } }],
      ['PUT', 'http://127.0.0.1:3040/v1/calls/leg-2', { action: 'hangup' }],
      ['PUT', 'http://127.0.0.1:3040/v1/calls/leg-3/talk', { text: 'You are next in line.' }],
    ]);
  });

  it('reuses its JWT for a minute, then signs a new one', async () => {
    let now = 1_000_000;
    const { voice, fetchMock } = api(() => new Response(null, { status: 204 }), () => now);
    await voice.hangup('a');
    await voice.hangup('b');
    now += 61_000;
    await voice.hangup('c');
    const tokens = fetchMock.mock.calls.map(([, init]) => bearer(init!));
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it('turns refusals and failures into VoiceApiError with the status and the platform\'s words', async () => {
    const refused = api(() => json(400, { title: 'Bad Request', detail: 'Invalid to: must hold exactly one endpoint' }));
    await expect(refused.voice.hangup('x')).rejects.toMatchObject({ status: 400, message: expect.stringContaining('must hold exactly one endpoint') });
    const down = api(() => {
      throw new TypeError('fetch failed');
    });
    const error = await down.voice.transfer('x', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VoiceApiError);
    expect((error as VoiceApiError).status).toBe(0);
    const odd = api(() => json(201, { status: 'started' }));
    await expect(odd.voice.createCall({ to: [{ type: 'phone', number: '1' }], from: { type: 'phone', number: '2' }, answer_url: ['http://x'] })).rejects.toMatchObject({ status: 502 });
  });

  it('downloads a file with the JWT, and reports a missing one', async () => {
    const { voice } = api((url) => (url.endsWith('/ok') ? new Response('RIFF', { status: 200 }) : new Response('', { status: 404 })));
    expect(await (await voice.fetchFile('http://127.0.0.1:3040/v1/files/ok')).text()).toBe('RIFF');
    await expect(voice.fetchFile('http://127.0.0.1:3040/v1/files/missing')).rejects.toMatchObject({ status: 404 });
  });
});
