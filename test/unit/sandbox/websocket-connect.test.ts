/**
 * `connect` to a websocket endpoint, driven through `@vonage/server-sdk`, against a websocket
 * server in the test standing in for a voice bot:
 * - the first message is text: `websocket:connected`, the `content-type` and the NCCO's headers;
 * - audio goes both ways as 16-bit linear PCM in 20 ms frames (640 bytes at 16 kHz, 320 at
 *   8 kHz): an echoing server sends the phone's tone back and the phone hears it;
 * - the caller hanging up closes the socket normally; the server closing it sends
 *   `disconnected` to the event URL, whose NCCO continues the call;
 * - a socket that cannot be opened is a `failed` leg.
 */
import type { AddressInfo } from 'node:net';
import { Vonage } from '@vonage/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { goertzel } from '../../../sandbox/media/analysis';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { waitFor } from '../../support/wait';

let account: SandboxAccount;
let vonage: Vonage;
let server: WebSocketServer;
let wsUrl: string;
const PHONE = '14155550177';

/** What the test's websocket server saw on one connection. */
interface Session {
  path: string;
  socket: WebSocket;
  texts: string[];
  frames: Buffer[];
  closed: { code: number } | null;
}
const sessions: Session[] = [];

interface PhoneState {
  status: string;
  heard: Array<{ type: string; text?: string }>;
}
type OutboundCall = Parameters<Vonage['voice']['createOutboundCall']>[0];
const phoneUrl = (uuid: string, tail = '') => `${account.sandbox.url}/sandbox/v1/phone/calls/${uuid}${tail}`;
const phone = async (uuid: string) => (await (await fetch(phoneUrl(uuid))).json()) as PhoneState;

/** 16-bit little-endian PCM → samples. */
function pcm(frames: Buffer[]): Int16Array {
  const bytes = Buffer.concat(frames);
  const out = new Int16Array(bytes.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readInt16LE(i * 2);
  return out;
}

/** What the phone received, as 8 kHz samples. */
async function phoneAudio(uuid: string): Promise<Int16Array> {
  const wav = Buffer.from(await (await fetch(phoneUrl(uuid, '/audio'))).arrayBuffer());
  return pcm([wav.subarray(44)]);
}

async function answeredCall(ncco: unknown): Promise<string> {
  const { uuid } = await vonage.voice.createOutboundCall({
    to: [{ type: 'phone', number: PHONE }],
    from: { type: 'phone', number: account.number },
    ncco,
  } as unknown as OutboundCall);
  await waitFor(() => phone(uuid), (s) => s.status === 'ringing');
  expect((await fetch(phoneUrl(uuid, '/answer'), { method: 'POST' })).status).toBe(200);
  return uuid;
}

/** The server's connection at `path`, once the platform has opened it. */
async function session(path: string): Promise<Session> {
  const found = await waitFor(() => sessions.find((s) => s.path === path), (s) => s !== undefined);
  expect(found, `the platform never connected to ${path}`).toBeDefined();
  return found!;
}
const statusesTo = (hookPath: string, to: string) =>
  account.hooks.filter((h) => h.path === hookPath && h.body?.to === to).map((h) => h.body?.status);

beforeAll(async () => {
  account = await startSandboxAccount();
  vonage = new Vonage({ applicationId: account.applicationId, privateKey: account.privateKey }, { apiHost: account.sandbox.url });
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.on('connection', (socket, request) => {
    const s: Session = { path: request.url ?? '/', socket, texts: [], frames: [], closed: null };
    sessions.push(s);
    socket.on('message', (data, isBinary) => {
      if (!isBinary) return void s.texts.push(data.toString());
      s.frames.push(data as Buffer);
      if (s.path.startsWith('/echo')) socket.send(data, { binary: true });
    });
    socket.on('close', (code) => (s.closed = { code }));
  });
  await new Promise((resolve) => server.once('listening', resolve));
  wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const client of server.clients) client.terminate();
  await new Promise((resolve) => server.close(resolve));
  await account.stop();
});

describe('connect to a websocket', () => {
  it('sends the documented first message, then echoes audio both ways at 16 kHz; the caller hanging up closes the socket', async () => {
    const uuid = await answeredCall([
      {
        action: 'connect',
        eventUrl: [`${account.hookUrl}/ws-events`],
        endpoint: [{ type: 'websocket', uri: `${wsUrl}/echo16`, 'content-type': 'audio/l16;rate=16000', headers: { language: 'en-GB', caller: '447700900000' } }],
      },
    ]);
    const s = await session('/echo16');
    await waitFor(() => s.frames.length, (n) => n >= 50);
    expect(JSON.parse(s.texts[0]!)).toEqual({ event: 'websocket:connected', 'content-type': 'audio/l16;rate=16000', language: 'en-GB', caller: '447700900000' });
    expect(new Set(s.frames.map((f) => f.length))).toEqual(new Set([640]));
    // The phone's voice is a 425 Hz tone: it reaches the socket at 16 kHz...
    const sent = pcm(s.frames.slice(-25));
    expect(goertzel(sent, 425, 16000)).toBeGreaterThan(2000);
    // ...and what the socket sends back is played to the phone.
    await waitFor(() => phoneAudio(uuid), (audio) => goertzel(audio.subarray(-4000), 425) > 2000);
    expect(goertzel((await phoneAudio(uuid)).subarray(-4000), 425)).toBeGreaterThan(2000);

    // The Voice API shows the websocket leg with its URI.
    const answered = account.hooks.find((h) => h.path === '/ws-events' && h.body?.status === 'answered');
    const wsLeg = await vonage.voice.getCall(String(answered?.body?.uuid));
    expect(wsLeg.to).toMatchObject({ type: 'websocket', uri: `${wsUrl}/echo16` });

    await fetch(phoneUrl(uuid), { method: 'DELETE' });
    await waitFor(() => s.closed, (c) => c !== null);
    expect(s.closed).toEqual({ code: 1000 });
    const uri = `${wsUrl}/echo16`;
    await waitFor(() => statusesTo('/ws-events', uri), (st) => st.includes('completed'));
    expect(statusesTo('/ws-events', uri)).toEqual(['started', 'ringing', 'answered', 'completed']);
  });

  it('plays what the application sends, in 320-byte frames at 8 kHz, and forwards keys as websocket:dtmf', async () => {
    const uuid = await answeredCall([{ action: 'connect', endpoint: [{ type: 'websocket', uri: `${wsUrl}/speak8`, 'content-type': 'audio/l16;rate=8000' }] }]);
    const s = await session('/speak8');
    await waitFor(() => s.frames.length, (n) => n >= 5);
    expect(new Set(s.frames.map((f) => f.length))).toEqual(new Set([320]));
    // Two seconds of a 1 kHz tone sent at once, faster than real time: the platform paces it.
    const tone = Buffer.alloc(32_000);
    for (let i = 0; i < 16_000; i++) tone.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)), i * 2);
    s.socket.send(tone, { binary: true });
    await waitFor(() => phoneAudio(uuid), (audio) => goertzel(audio.subarray(-2000), 1000) > 4000);
    expect(goertzel((await phoneAudio(uuid)).subarray(-2000), 1000)).toBeGreaterThan(4000);

    expect((await fetch(phoneUrl(uuid, '/dtmf'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ digits: '7' }) })).status).toBe(200);
    await waitFor(() => s.texts.length, (n) => n >= 2);
    expect(JSON.parse(s.texts[1]!)).toMatchObject({ event: 'websocket:dtmf', digit: '7' });
    await vonage.voice.hangupCall(uuid);
  });

  it('carries 24 kHz as 960-byte frames, and the echo still reaches the phone', async () => {
    const uuid = await answeredCall([{ action: 'connect', endpoint: [{ type: 'websocket', uri: `${wsUrl}/echo24`, 'content-type': 'audio/l16;rate=24000' }] }]);
    const s = await session('/echo24');
    await waitFor(() => s.frames.length, (n) => n >= 25);
    expect(new Set(s.frames.map((f) => f.length))).toEqual(new Set([960]));
    expect(goertzel(pcm(s.frames.slice(-20)), 425, 24000)).toBeGreaterThan(2000);
    await waitFor(() => phoneAudio(uuid), (audio) => goertzel(audio.subarray(-4000), 425) > 2000);
    expect(goertzel((await phoneAudio(uuid)).subarray(-4000), 425)).toBeGreaterThan(2000);
    await vonage.voice.hangupCall(uuid);
  });

  it('asks the event URL when the application closes the socket and runs the NCCO it returns', async () => {
    account.respond('/after-bot', [{ action: 'talk', text: 'The assistant has finished; goodbye' }]);
    const uuid = await answeredCall([
      { action: 'connect', eventUrl: [`${account.hookUrl}/after-bot`], endpoint: [{ type: 'websocket', uri: `${wsUrl}/bot`, 'content-type': 'audio/l16;rate=16000' }] },
      { action: 'talk', text: 'Never heard: the disconnected NCCO replaces me' },
    ]);
    const s = await session('/bot');
    await waitFor(() => s.frames.length, (n) => n >= 5);
    s.socket.close(1000, 'bot done');
    const ended = await waitFor(() => phone(uuid), (p) => p.status === 'completed', 15_000);
    expect(ended.heard.filter((h) => h.type === 'talk').map((h) => h.text)).toEqual(['The assistant has finished; goodbye']);
    const uri = `${wsUrl}/bot`;
    expect(account.hooks.find((h) => h.path === '/after-bot' && h.body?.status === 'disconnected')?.body).toMatchObject({ to: uri, code: 1000, reason: 'bot done' });
    await waitFor(() => statusesTo('/after-bot', uri), (st) => st.includes('completed'));
    expect(statusesTo('/after-bot', uri)).toEqual(['started', 'ringing', 'answered', 'disconnected', 'completed']);
  });

  it('reports a socket that cannot be opened as a failed leg, and the call goes on', async () => {
    const refused = 'ws://127.0.0.1:9/nobody';
    const uuid = await answeredCall([
      { action: 'connect', eventUrl: [`${account.hookUrl}/ws-failed`], endpoint: [{ type: 'websocket', uri: refused }] },
      { action: 'talk', text: 'The assistant is unavailable' },
    ]);
    const ended = await waitFor(() => phone(uuid), (p) => p.status === 'completed', 15_000);
    expect(ended.heard.filter((h) => h.type === 'talk').map((h) => h.text)).toEqual(['The assistant is unavailable']);
    await waitFor(() => statusesTo('/ws-failed', refused), (st) => st.includes('failed'));
    expect(statusesTo('/ws-failed', refused)).toEqual(['started', 'ringing', 'failed']);
  });

  it('refuses a websocket endpoint with a URI that is not ws(s) or an unknown content-type', async () => {
    for (const endpoint of [
      { type: 'websocket', uri: 'http://example.com/socket' },
      { type: 'websocket', uri: 'wss://example.com/socket', 'content-type': 'audio/l16;rate=44100' },
    ]) {
      const error = await vonage.voice
        .createOutboundCall({ to: [{ type: 'phone', number: PHONE }], from: { type: 'phone', number: account.number }, ncco: [{ action: 'connect', endpoint: [endpoint] }] } as unknown as OutboundCall)
        .then(() => null, (e: { response?: Response }) => e);
      expect(error?.response?.status).toBe(400);
    }
  });
});
