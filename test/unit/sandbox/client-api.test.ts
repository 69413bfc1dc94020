/**
 * The Client SDK's REST paths refuse bad input the way Vonage does: 401 without a valid
 * token, 400 naming the field, 403 for another user's things, 404 for unknown ones and 409
 * for a call in the wrong state; every error body has the shape the SDK parses. (The happy
 * paths are covered with the real SDK in test/e2e/sdk-*.spec.ts.) A socket.io client and a
 * werift peer stand in for the SDK here.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { tokenGenerate } from '@vonage/jwt';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { expiredUserToken } from '../../support/sdk-tokens';
import { IceGatheringTimeout, WebRtcEndpoint } from '../../../sandbox/media/webrtc-endpoint';

let account: SandboxAccount;
/** Well-formed SDP the platform cannot take: no G.711. */
const OPUS_ONLY = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\na=mid:0\r\na=sendrecv\r\n';
const peers: RTCPeerConnection[] = [];
const sockets: Socket[] = [];

const token = (user: string) => tokenGenerate(account.applicationId, account.privateKey, { subject: user, ttl: 600 });

/** A Vonage error body as the SDK parses it. */
interface ErrorBody {
  type: string;
  code: string;
  title: string;
  detail: string;
  invalid_parameters?: Array<{ name: string; reason: string }>;
}

async function send(method: string, path: string, options: { user?: string | null; bearer?: string; body?: unknown } = {}) {
  const bearer = options.bearer ?? (options.user === null ? undefined : token(options.user ?? 'Jane'));
  const response = await fetch(`${account.sandbox.url}${path}`, {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : null) as ErrorBody & Record<string, unknown> };
}

/** Expects a Vonage error of that status and code, naming `field` when given. */
function expectError(result: { status: number; body: ErrorBody }, status: number, code: string, field?: string) {
  expect(result.status).toBe(status);
  expect(result.body.code).toBe(code);
  expect(result.body.type).toBe(code);
  expect(typeof result.body.title).toBe('string');
  expect(typeof result.body.detail).toBe('string');
  if (field) expect(result.body.invalid_parameters?.map((p) => p.name)).toContain(field);
}

/** An SDK session over socket.io, recording the events it is pushed. */
async function session(user: string): Promise<{ id: string; events: Array<{ type: string; payload: Record<string, unknown> }> }> {
  const events: Array<{ type: string; payload: Record<string, unknown> }> = [];
  const socket = io(account.sandbox.url, { path: '/v2/rtc', transports: ['websocket'], query: { token: token(user) }, forceNew: true, reconnection: false });
  sockets.push(socket);
  socket.onAny((type: string, payload: Record<string, unknown>) => events.push({ type, payload }));
  const id = await new Promise<string>((resolve, reject) => {
    socket.once('session:success', (payload: { body: { id: string } }) => resolve(payload.body.id));
    socket.once('connect_error', reject);
  });
  return { id, events };
}

/** A G.711 offer like the SDK's, from a werift peer. */
async function offer(): Promise<string> {
  const pc = new RTCPeerConnection({ codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })] } });
  peers.push(pc);
  pc.addTransceiver('audio', { direction: 'sendrecv' });
  await pc.setLocalDescription(await pc.createOffer());
  if (pc.iceGatheringState !== 'complete') await new Promise<void>((resolve) => pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()));
  return pc.localDescription!.sdp;
}

async function until<T>(read: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('timed out');
}

/** A simulated phone calls the account's number (the NCCO decides where it goes); its call uuid. */
async function phoneCall(from: string): Promise<string> {
  const response = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, to: account.number }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { uuid: string }).uuid;
}

/** The phone hangs up. */
const hangUp = (uuid: string) => fetch(`${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}`, { method: 'DELETE' });

/** Jane's `serverCall`: an answered app leg in a conversation, with its member id. */
async function janeOnACall() {
  account.setNcco([{ action: 'wait', timeout: 60 }]);
  const jane = await session('Jane');
  const opened = await send('POST', '/v0.3/legs', { body: { originating_session: jane.id, body: { offer: { type: 'offer', sdp: await offer() } } } });
  expect(opened.status).toBe(200);
  const legId = opened.body.rtc_id as string;
  const knocked = await send('POST', '/v0.3/knocking', {
    body: { originating_session: jane.id, channel: { type: 'app', id: legId, from: { type: 'app', user: 'Jane' }, to: { type: 'phone', number: '14155550100' } }, properties: { custom_data: {} } },
  });
  expect(knocked.status).toBe(200);
  const joined = await until(() => jane.events.find((e) => e.type === 'member:joined'));
  const body = joined.payload.body as { member_id: string };
  return { session: jane, legId, cid: joined.payload.cid as string, memberId: body.member_id };
}

beforeAll(async () => {
  account = await startSandboxAccount();
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  for (const pc of peers) await pc.close();
  await account.stop();
});

describe('authentication', () => {
  it('refuses a missing, forged or expired token with 401 and the SDK\'s code', async () => {
    expectError(await send('GET', '/v0.3/users/me', { user: null }), 401, 'system:error:invalid-token');
    expectError(await send('GET', '/v0.3/users/me', { bearer: 'not.a.jwt' }), 401, 'system:error:invalid-token');
    expectError(await send('GET', '/v0.3/users/me', { bearer: expiredUserToken(account.applicationId, account.privateKey, 'Jane') }), 401, 'system:error:expired-token');
    const appToken = tokenGenerate(account.applicationId, account.privateKey, { ttl: 60 });
    expectError(await send('GET', '/v0.3/users/me', { bearer: appToken }), 401, 'system:error:invalid-token');
  });
});

describe('users and sessions', () => {
  it('answers 404 for an unknown user', async () => {
    expectError(await send('GET', '/v0.3/users/USR-nobody'), 404, 'user:error:not-found');
  });

  it('refuses to refresh an unknown session (404) or another user\'s (403)', async () => {
    expectError(await send('PUT', '/v0.2/sessions/no-such-session', { body: '""' }), 404, 'session:error:not-found');
    const joe = await session('Joe');
    expectError(await send('PUT', `/v0.2/sessions/${joe.id}`, { body: '""' }), 403, 'session:error:invalid-session');
    const refreshed = await send('PUT', `/v0.2/sessions/${joe.id}`, { user: 'Joe', body: '""' });
    expect(refreshed).toEqual({ status: 200, body: { session_id: joe.id } });
  });
});

describe('POST /v0.3/legs and /v0.3/knocking', () => {
  it('name the missing or malformed field', async () => {
    const jane = await session('Jane');
    expectError(await send('POST', '/v0.3/legs', { body: { originating_session: jane.id } }), 400, 'validation_error', 'body');
    expectError(await send('POST', '/v0.3/legs', { body: { originating_session: jane.id, body: { offer: { sdp: '' } } } }), 400, 'validation_error', 'body.offer.sdp');
    expectError(await send('POST', '/v0.3/legs', { body: { body: { offer: { sdp: OPUS_ONLY } } } }), 400, 'validation_error', 'originating_session');
    expectError(await send('POST', '/v0.3/legs', { body: '{"body":' }), 400, 'invalid_body');
    expectError(await send('POST', '/v0.3/knocking', { body: { originating_session: jane.id, channel: { type: 'app', to: { type: 'phone' } } } }), 400, 'validation_error', 'channel.id');
    expectError(await send('POST', '/v0.3/knocking', { body: { originating_session: jane.id, channel: { type: 'phone', id: 'x', to: { type: 'phone' } } } }), 400, 'validation_error', 'channel.type');
  });

  it('refuse a session that is not the caller\'s, an SDP that is not one, and unknown or foreign legs', async () => {
    const joe = await session('Joe');
    expectError(await send('POST', '/v0.3/legs', { body: { originating_session: joe.id, body: { offer: { sdp: OPUS_ONLY } } } }), 400, 'conversation:error:invalid-session');
    const jane = await session('Jane');
    const sdp = (text: string) => ({ originating_session: jane.id, body: { offer: { type: 'offer', sdp: text } } });
    expectError(await send('POST', '/v0.3/legs', { body: sdp('this is not SDP') }), 400, 'validation_error', 'body.offer.sdp');
    expectError(await send('POST', '/v0.3/legs', { body: sdp(OPUS_ONLY) }), 400, 'rtc:error:invalid-sdp');
    const knock = (sessionId: string, legId: string, user = 'Jane') =>
      send('POST', '/v0.3/knocking', { user, body: { originating_session: sessionId, channel: { type: 'app', id: legId, to: { type: 'phone', number: '1' } } } });
    expectError(await knock(jane.id, 'no-such-leg'), 404, 'voice:error:no_leg_found');
    const call = await janeOnACall();
    expectError(await knock(joe.id, call.legId, 'Joe'), 403, 'conversation:error:forbidden');
    expectError(await knock(call.session.id, call.legId), 409, 'conversation:error:invalid-member-state');
  });
});

describe('POST /v0.3/legs when the platform cannot set up media', () => {
  it('answers 503 with the reason, keeps no leg, and the next offer gets its leg', async () => {
    const jane = await session('Jane');
    const body = async () => ({ originating_session: jane.id, body: { offer: { type: 'offer', sdp: await offer() } } });
    // A gathering that outlasts its limit (webrtc-endpoint.ts), stood in for by the endpoint's own error.
    const stuck = vi.spyOn(WebRtcEndpoint.prototype, 'answerOffer').mockRejectedValueOnce(new IceGatheringTimeout('ICE gathering did not complete within 5 s'));
    const closed = vi.spyOn(WebRtcEndpoint.prototype, 'close');
    const legsBefore = account.sandbox.engine.activeLegCount();
    try {
      const refused = await send('POST', '/v0.3/legs', { body: await body() });
      expectError(refused, 503, 'rtc:error:media-unavailable');
      expect(refused.body.detail).toMatch(/ICE gathering did not complete within 5 s/);
      expect(closed).toHaveBeenCalledTimes(1);
      // No leg was made for it (earlier tests' calls may end meanwhile, never begin).
      expect(account.sandbox.engine.activeLegCount()).toBeLessThanOrEqual(legsBefore);
    } finally {
      stuck.mockRestore();
      closed.mockRestore();
    }
    const opened = await send('POST', '/v0.3/legs', { body: await body() });
    expect(opened.status).toBe(200);
    expect(typeof opened.body.rtc_id).toBe('string');
  });

  it('rings a user\'s other sessions when one session\'s offer cannot be made, and fails the leg at once when none can', async () => {
    account.setNcco([{ action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Bea' }] }]);
    const call = () => phoneCall('+14155550110');
    const invited = (events: Array<{ type: string }>) => events.filter((e) => e.type === 'member:invited').length;
    const offerFails = () => vi.spyOn(WebRtcEndpoint.prototype, 'createOffer').mockRejectedValueOnce(new IceGatheringTimeout('ICE gathering did not complete within 5 s'));

    // Bea on two devices: the first session's offer fails, the other one still rings.
    const [desk, tab] = [await session('Bea'), await session('Bea')];
    let stuck = offerFails();
    const first = await call();
    try {
      await until(() => (invited(desk.events) + invited(tab.events) === 1 ? true : undefined));
      expect(account.hooks.filter((h) => h.body?.to === 'Bea' && h.body?.status === 'failed')).toEqual([]);
    } finally {
      stuck.mockRestore();
      await hangUp(first);
    }

    // Cy on one device, whose offer fails: his leg fails at once (no 20 s of ringing nobody hears).
    account.setNcco([{ action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Cy' }] }]);
    const only = await session('Cy');
    stuck = offerFails();
    account.hooks.length = 0;
    try {
      await call();
      await until(() => account.hooks.find((h) => h.body?.to === 'Cy' && h.body?.status === 'failed'));
      expect(invited(only.events)).toBe(0);
    } finally {
      stuck.mockRestore();
    }
    // The next call rings him.
    const third = await call();
    await until(() => (invited(only.events) === 1 ? true : undefined));
    await hangUp(third);
  });
});

describe('ringing an app user on several sessions', () => {
  it('makes every session\'s offer at once, so one slow offer does not hold the others back', async () => {
    account.setNcco([{ action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Dee' }] }]);
    const [desk, tab] = [await session('Dee'), await session('Dee')];
    // Each offer is made only once both have been asked for: made one after the other, the first
    // would wait for a second that is never asked for, and fail.
    let asked = 0;
    let bothAsked: () => void = () => undefined;
    const together = new Promise<void>((resolve) => (bothAsked = resolve));
    const offers = vi.spyOn(WebRtcEndpoint.prototype, 'createOffer').mockImplementation(async () => {
      if (++asked === 2) bothAsked();
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new IceGatheringTimeout('the other offer was never asked for')), 2_000));
      await Promise.race([together, timeout]);
      return 'v=0\r\n';
    });
    try {
      const uuid = await phoneCall('+14155550111');
      await until(() => (desk.events.some((e) => e.type === 'member:invited') && tab.events.some((e) => e.type === 'member:invited') ? true : undefined));
      await hangUp(uuid);
    } finally {
      offers.mockRestore();
    }
  });
});

describe('POST /v0.3/conversations/{cid}/events', () => {
  it('names what is wrong with an event', async () => {
    const { cid, memberId, legId } = await janeOnACall();
    const post = (body: unknown, user = 'Jane') => send('POST', `/v0.3/conversations/${cid}/events`, { user, body });
    expectError(await post({ type: 'audio:fly', from: memberId, body: {} }), 400, 'validation_error', 'type');
    expectError(await post({ type: 'audio:dtmf', from: memberId, body: { digit: 'x', channel: { id: legId } } }), 400, 'validation_error', 'body.digit');
    expectError(await post({ type: 'audio:dtmf', from: memberId, body: { digit: '1' } }), 400, 'validation_error', 'body.channel');
    expectError(await post({ type: 'audio:mute:on', body: { rtc_id: legId } }), 400, 'validation_error', 'from');
    expectError(await post({ type: 'audio:mute:on', from: memberId, body: {} }), 400, 'validation_error', 'body.rtc_id');
    expectError(await post({ type: 'audio:say', from: memberId, body: { text: '' } }), 400, 'validation_error', 'body.text');
    expectError(await post({ type: 'audio:say', from: memberId, body: { text: 'hi', level: 2 } }), 400, 'validation_error', 'body.level');
    expectError(await post({ type: 'audio:say', from: memberId, body: { text: 'hi', loop: -1 } }), 400, 'validation_error', 'body.loop');
    expectError(await post({ type: 'audio:say', from: memberId, body: { text: 'x'.repeat(1501) } }), 400, 'validation_error', 'body.text');
    expectError(await post({ type: 'audio:mute:on', from: memberId, body: { rtc_id: 'another-leg' } }), 400, 'validation_error');
    expectError(await post({ type: 'audio:dtmf', from: memberId, body: { digit: '1', channel: { id: 'another-leg' } } }), 400, 'validation_error');
  });

  it('answers 404 for unknown members, 403 for another user\'s, 409 for a call not in progress', async () => {
    const { cid, memberId, legId } = await janeOnACall();
    const mute = (conversation: string, member: string, user = 'Jane') =>
      send('POST', `/v0.3/conversations/${conversation}/events`, { user, body: { type: 'audio:mute:on', from: member, body: { rtc_id: legId } } });
    expectError(await mute(cid, 'MEM-nobody'), 404, 'conversation:error:member-not-found');
    expectError(await mute('CON-nowhere', memberId), 404, 'conversation:error:member-not-found');
    expectError(await mute(cid, memberId, 'Joe'), 403, 'conversation:error:forbidden');
    expect((await mute(cid, memberId)).status).toBe(200);

    // A member still ringing cannot be muted: ring Ann, who never answers.
    account.setNcco([{ action: 'connect', endpoint: [{ type: 'app', user: 'Ann' }] }]);
    const ann = await session('Ann');
    await phoneCall('+14155550109');
    const invited = (await until(() => ann.events.find((e) => e.type === 'member:invited'))).payload;
    const body = invited.body as { member_id: string; channel: { id: string } };
    const ringing = await send('POST', `/v0.3/conversations/${invited.cid as string}/events`, {
      user: 'Ann',
      body: { type: 'audio:mute:on', from: body.member_id, body: { rtc_id: body.channel.id } },
    });
    expectError(ringing, 409, 'conversation:error:invalid-member-state');
  });
});

describe('POST /v0.3/conversations/{cid}/rtc/{leg}/offer (reconnectCall)', () => {
  it('refuses a missing offer, a leg that is not the member\'s, and an SDP that is not one', async () => {
    const { cid, memberId, legId } = await janeOnACall();
    const reconnect = (leg: string, body: unknown) => send('POST', `/v0.3/conversations/${cid}/rtc/${leg}/offer`, { body });
    expectError(await reconnect(legId, { from: memberId, body: {} }), 400, 'validation_error', 'body.offer');
    expectError(await reconnect(legId, { body: { offer: { sdp: OPUS_ONLY } } }), 400, 'validation_error', 'from');
    expectError(await reconnect('another-leg', { from: memberId, body: { offer: { sdp: OPUS_ONLY } } }), 404, 'voice:error:no_leg_found');
    expectError(await reconnect(legId, { from: memberId, body: { offer: { sdp: 'not SDP' } } }), 400, 'validation_error', 'body.offer.sdp');
    expectError(await reconnect(legId, { from: memberId, body: { offer: { sdp: OPUS_ONLY } } }), 400, 'rtc:error:invalid-sdp');
    // The refused offers left the call as it was.
    expect(account.sandbox.engine.leg(legId)?.isOver).toBe(false);
  });
});

describe('GET /v0.3/conversations/{cid}/members/{mid}', () => {
  it('reads the caller\'s own member as "me"; 404 for unknown members, 403 for others\' conversations', async () => {
    const { cid, memberId, legId } = await janeOnACall();
    const me = await send('GET', `/v0.3/conversations/${cid}/members/me`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: memberId, state: 'JOINED', channel: { type: 'app', from: { id: legId } } });
    expectError(await send('GET', `/v0.3/conversations/${cid}/members/MEM-nobody`), 404, 'conversation:error:member-not-found');
    expectError(await send('GET', `/v0.3/conversations/${cid}/members/me`, { user: 'Joe' }), 403, 'conversation:error:forbidden');
    expectError(await send('GET', '/v0.3/conversations/CON-nowhere/members/me'), 404, 'conversation:error:not-found');
  });
});

describe('legs', () => {
  it('answer 404 for unknown legs and conversations, 403 for another user\'s, 400 for bad paging', async () => {
    const { cid, legId } = await janeOnACall();
    expectError(await send('GET', '/v0.3/legs/no-such-leg'), 404, 'voice:error:no_leg_found');
    expectError(await send('GET', `/v0.3/legs/${legId}`, { user: 'Joe' }), 403, 'conversation:error:forbidden');
    expect((await send('GET', `/v0.3/legs/${legId}`)).body).toMatchObject({ id: legId, conversation_id: cid, type: 'app', status: 'answered' });

    expectError(await send('GET', '/v0.3/conversations/CON-nowhere'), 404, 'conversation:error:not-found');
    expectError(await send('GET', '/v0.3/conversations/CON-nowhere/legs'), 404, 'conversation:error:not-found');
    expectError(await send('GET', `/v0.3/conversations/${cid}/legs`, { user: 'Joe' }), 403, 'conversation:error:forbidden');
    expectError(await send('GET', `/v0.3/conversations/${cid}/legs?page_size=0`), 400, 'validation_error', 'page_size');
    expectError(await send('GET', `/v0.3/conversations/${cid}/legs?page_size=1000`), 400, 'validation_error', 'page_size');
    expectError(await send('GET', `/v0.3/conversations/${cid}/legs?order=sideways`), 400, 'validation_error', 'order');
    expectError(await send('GET', `/v0.3/conversations/${cid}/legs?cursor=abc`), 400, 'validation_error', 'cursor');
    const page = await send('GET', `/v0.3/conversations/${cid}/legs?page_size=5&order=desc`);
    expect(page.status).toBe(200);
    expect((page.body._embedded as { legs: Array<{ id: string }> }).legs.map((l) => l.id)).toContain(legId);
  });
});
