/**
 * The sandbox's NCCO engine, action by action, driven through simulated phones and a
 * recording webhook server (no browser): what each party heard, what each webhook got.
 */
import { readFileSync } from 'node:fs';
import { tokenGenerate } from '@vonage/jwt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandboxAccount, type SandboxAccount, type Recorded } from '../../support/sandbox-account';
import { PhoneLeg } from '../../../sandbox/voice/legs';
import { nccoProblem } from '../../../common/ncco-schema';
import { PhoneEndpoint } from '../../../sandbox/media/phone-endpoint';
import { classifyAudio, goertzel } from '../../../sandbox/media/analysis';
import { holdMusic } from '../../../sandbox/media/tones';
import { encodeWav } from '../../../sandbox/media/wav';
import { waitFor } from '../../support/wait';

/** Two seconds of the sandbox's hold music as a WAV file, for musicOnHoldUrl. */
function musicWav(): Buffer {
  const source = holdMusic();
  const samples = new Int16Array(16_000);
  const frame = new Int16Array(160);
  for (let at = 0; at < samples.length; at += 160) {
    source.read(frame);
    samples.set(frame, at);
  }
  return encodeWav(samples);
}

let account: SandboxAccount;

beforeAll(async () => {
  account = await startSandboxAccount('14155550177');
});
afterAll(async () => {
  await account.stop();
});
beforeEach(() => {
  account.hooks.length = 0;
});


/** A simulated phone calls the test number with this NCCO on the answer_url. */
async function call(ncco: unknown[], from = '14155550100'): Promise<PhoneLeg> {
  account.setNcco(ncco);
  const response = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from, to: account.number }),
  });
  expect(response.status).toBe(201);
  const { uuid } = (await response.json()) as { uuid: string };
  return account.sandbox.engine.leg(uuid) as PhoneLeg;
}

const hooksAt = (path: string): Recorded[] => account.hooks.filter((h) => h.path === path);
const statusesOf = (uuid: string): string[] =>
  hooksAt('/event')
    .filter((h) => h.body?.uuid === uuid && typeof h.body?.status === 'string')
    .map((h) => String(h.body!.status));
const ended = (leg: { isOver: boolean }) => waitFor(() => leg.isOver, Boolean);
const url = (path: string) => `${account.hookUrl}${path}`;

/** The outbound phone leg the engine is ringing for this number. */
async function ringingPhone(number: string): Promise<PhoneLeg> {
  const leg = await waitFor(
    () => account.sandbox.engine.allLegs().find((l): l is PhoneLeg => l instanceof PhoneLeg && l.to === number && l.awaitingPickUp),
    Boolean,
  );
  if (!leg) throw new Error(`no phone rang for ${number}`);
  return leg;
}

describe('talk', () => {
  it('speaks the text to the caller, then the call completes with every status in order', async () => {
    const leg = await call([{ action: 'talk', text: 'Welcome to Switchboard' }]);
    await ended(leg);
    expect(leg.heard).toContainEqual({ type: 'talk', text: 'Welcome to Switchboard' });
    expect(leg.status).toBe('completed');
    await waitFor(() => statusesOf(leg.uuid), (s) => s.includes('completed'));
    expect(statusesOf(leg.uuid)).toEqual(['started', 'ringing', 'answered', 'completed']);
    // Real speech reached the phone: plenty of audible frames for a few words.
    expect((leg.endpoint as PhoneEndpoint).audibleFramesReceived).toBeGreaterThan(20);
  });
});

describe('input', () => {
  it('sends the digits to the eventUrl and continues with the NCCO it returns', async () => {
    account.respond('/dtmf', [{ action: 'talk', text: 'You chose sales' }]);
    const leg = await call([
      { action: 'talk', text: 'Press 1 for sales', bargeIn: true },
      { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 5 }, eventUrl: [url('/dtmf')] },
      { action: 'talk', text: 'never reached' },
    ]);
    await waitFor(() => leg.status, (s) => s === 'answered');
    await waitFor(() => leg.onDigit, Boolean);
    account.sandbox.engine.pressDigits(leg, '1');
    await ended(leg);
    const dtmf = hooksAt('/dtmf');
    expect(dtmf).toHaveLength(1);
    expect(dtmf[0]!.body).toMatchObject({ uuid: leg.uuid, conversation_uuid: leg.conversation.id, dtmf: { digits: '1', timed_out: false } });
    expect(leg.heard.map((h) => (h.type === 'talk' ? h.text : h.type))).toEqual(['Press 1 for sales', 'You chose sales', 'hangup']);
  });

  it('reports a timeout with the digits so far, and submitOnHash ends the entry early', async () => {
    account.respond('/dtmf', []);
    const slow = await call([{ action: 'input', type: ['dtmf'], dtmf: { maxDigits: 4, timeOut: 1 }, eventUrl: [url('/dtmf')] }]);
    await waitFor(() => slow.onDigit, Boolean);
    account.sandbox.engine.pressDigits(slow, '4');
    await waitFor(() => hooksAt('/dtmf').length, (n) => n === 1);
    expect(hooksAt('/dtmf')[0]!.body).toMatchObject({ dtmf: { digits: '4', timed_out: true } });

    const hashed = await call([{ action: 'input', type: ['dtmf'], dtmf: { maxDigits: 6, timeOut: 10, submitOnHash: true }, eventUrl: [url('/dtmf')] }]);
    await waitFor(() => hashed.onDigit, Boolean);
    account.sandbox.engine.pressDigits(hashed, '42#');
    await waitFor(() => hooksAt('/dtmf').length, (n) => n === 2);
    expect(hooksAt('/dtmf')[1]!.body).toMatchObject({ dtmf: { digits: '42', timed_out: false } });
  });

  it('answers a speech input with a clear unsupported-feature event instead of silence', async () => {
    account.respond('/speech', [{ action: 'talk', text: 'Using keys instead' }]);
    const leg = await call([{ action: 'input', type: ['speech'], eventUrl: [url('/speech')] }]);
    await ended(leg);
    expect(hooksAt('/speech')[0]!.body).toMatchObject({ speech: { error: expect.stringMatching(/not supported/) } });
    expect(leg.heard).toContainEqual({ type: 'talk', text: 'Using keys instead' });
  });
});

describe('connect to a phone', () => {
  it('rings the simulated phone, bridges both ways once answered, and hangs up the callee with the caller', async () => {
    const caller = await call([{ action: 'connect', from: '14155550177', endpoint: [{ type: 'phone', number: '14155550111' }] }]);
    const callee = await ringingPhone('14155550111');
    expect(callee.from).toBe('14155550177');
    callee.respond('answered');
    const calleeMedia = await waitFor(() => callee.endpoint as PhoneEndpoint | null, Boolean);
    await waitFor(() => calleeMedia!.audibleFramesReceived, (n) => n > 10);
    await waitFor(() => (caller.endpoint as PhoneEndpoint).audibleFramesReceived, (n) => n > 10);
    account.sandbox.engine.hangupPhone(caller);
    await ended(callee);
    expect(callee.status).toBe('completed');
    await waitFor(() => statusesOf(callee.uuid), (s) => s.includes('completed'));
    expect(statusesOf(callee.uuid)).toEqual(['started', 'ringing', 'answered', 'completed']);
  });

  it('goes on with the NCCO when the phone is rejected, and reports the rejection', async () => {
    const caller = await call([
      { action: 'connect', endpoint: [{ type: 'phone', number: '14155550112' }] },
      { action: 'talk', text: 'Nobody is available' },
    ]);
    const callee = await ringingPhone('14155550112');
    callee.respond('rejected');
    await ended(caller);
    expect(caller.heard).toContainEqual({ type: 'talk', text: 'Nobody is available' });
    await waitFor(() => statusesOf(callee.uuid), (s) => s.includes('rejected'));
    expect(statusesOf(callee.uuid)).toEqual(['started', 'ringing', 'rejected']);
  });

  it('with eventType synchronous, continues with the NCCO the eventUrl returns after a timeout', async () => {
    account.respond('/connect-events', [{ action: 'talk', text: 'Please leave a message' }]);
    const caller = await call([
      { action: 'connect', timeout: 3, eventType: 'synchronous', eventUrl: [url('/connect-events')], endpoint: [{ type: 'phone', number: '14155550113' }] },
      { action: 'talk', text: 'not this one' },
    ]);
    await ended(caller);
    const last = hooksAt('/connect-events').at(-1)!;
    expect(last.body).toMatchObject({ status: 'timeout', to: '14155550113' });
    expect(caller.heard).toContainEqual({ type: 'talk', text: 'Please leave a message' });
    expect(caller.heard).not.toContainEqual({ type: 'talk', text: 'not this one' });
  });

  it('reports a sip endpoint as unsupported and carries on', async () => {
    const caller = await call([
      { action: 'connect', endpoint: [{ type: 'sip', uri: 'sip:agent@example.com' }] },
      { action: 'talk', text: 'After the sip attempt' },
    ]);
    await ended(caller);
    expect(caller.heard).toContainEqual({ type: 'talk', text: 'After the sip attempt' });
    const failure = hooksAt('/event').find((h) => h.body?.status === 'failed' && h.body?.to === 'sip');
    expect(String(failure?.body?.reason)).toMatch(/not supported/);
  });
});

describe('conversation', () => {
  it('keeps a waiting caller on hold music until a startOnEnter leg joins; endOnExit ends it for everyone', async () => {
    const room = `room-${Date.now()}`;
    account.respond('/music.wav', musicWav());
    const waiting = await call([{ action: 'conversation', name: room, startOnEnter: false, musicOnHoldUrl: [url('/music.wav')] }]);
    await waitFor(() => waiting.conversation.name, (n) => n === room);
    expect(waiting.conversation.started).toBe(false);
    await waitFor(() => waiting.heard.some((h) => h.type === 'music'), Boolean);
    await new Promise((r) => setTimeout(r, 1200));
    expect(classifyAudio((waiting.endpoint as PhoneEndpoint).received().slice(-8000)).kind).toBe('music');
    const host = await call([{ action: 'conversation', name: room, endOnExit: true }], '14155550101');
    await waitFor(() => host.conversation, (c) => c === waiting.conversation);
    expect(host.conversation).toBe(waiting.conversation);
    expect(waiting.conversation.started).toBe(true);
    // Bridged: each phone hears the other's tone.
    await waitFor(() => (waiting.endpoint as PhoneEndpoint).audibleFramesReceived, (n) => n > 10);
    account.sandbox.engine.hangupPhone(host);
    await ended(waiting);
    expect(waiting.status).toBe('completed');
    expect(waiting.heard).toContainEqual({ type: 'hangup', reason: 'the other side hung up' });
  });

  it('follows canSpeak/canHear: a whisper to the agent never reaches the caller', async () => {
    const room = `coach-${Date.now()}`;
    const engine = account.sandbox.engine;
    const caller = await call([{ action: 'conversation', name: room }], '14155550102');
    const agent = await call([{ action: 'conversation', name: room }], '14155550103');
    await waitFor(() => agent.conversation.legs.size, (n) => n === 2);
    const coach = await call([{ action: 'conversation', name: room, canSpeak: [agent.uuid], canHear: [caller.uuid, agent.uuid] }], '14155550104');
    await waitFor(() => coach.conversation.legs.size, (n) => n === 3);
    // Give every phone its own voice: caller 500 Hz, agent 700 Hz, coach 1100 Hz.
    const tone = (hz: number) => {
      let phase = 0;
      return { read(out: Int16Array) { for (let i = 0; i < out.length; i++) { out[i] = Math.round(6000 * Math.sin(phase)); phase += (2 * Math.PI * hz) / 8000; } return true; } };
    };
    (caller.endpoint as PhoneEndpoint).speak(tone(500));
    (agent.endpoint as PhoneEndpoint).speak(tone(700));
    (coach.endpoint as PhoneEndpoint).speak(tone(1100));
    await new Promise((r) => setTimeout(r, 1500));
    const last = (leg: PhoneLeg) => (leg.endpoint as PhoneEndpoint).received().slice(-8000);
    const heardBy = (leg: PhoneLeg, hz: number) => goertzel(last(leg), hz);
    // The agent hears both the caller and the coach; the caller hears the agent but never the coach.
    expect(heardBy(agent, 1100)).toBeGreaterThan(heardBy(agent, 1300) * 10);
    expect(heardBy(agent, 500)).toBeGreaterThan(heardBy(agent, 1300) * 10);
    expect(heardBy(caller, 700)).toBeGreaterThan(heardBy(caller, 1300) * 10);
    expect(heardBy(caller, 1100)).toBeLessThan(heardBy(caller, 700) / 100);
    for (const leg of [caller, agent, coach]) engine.hangupPhone(leg);
  });

  it('moves a supervisor between listen, coach and barge when a Voice API transfer re-joins the same conversation with new rights', async () => {
    const room = `monitor-${Date.now()}`;
    const engine = account.sandbox.engine;
    const caller = await call([{ action: 'conversation', name: room, endOnExit: true }], '14155550105');
    // The answer webhook serves one NCCO at a time: the caller must have fetched theirs first.
    await waitFor(() => caller.conversation.settings.endOnExit.has(caller.uuid), Boolean);
    const agent = await call([{ action: 'conversation', name: room }], '14155550106');
    await waitFor(() => agent.conversation.legs.size, (n) => n === 2);
    const listen = { action: 'conversation', name: room, canHear: [caller.uuid, agent.uuid], canSpeak: [] };
    const supervisor = await call([listen], '14155550107');
    await waitFor(() => supervisor.conversation.legs.size, (n) => n === 3);
    const tone = (hz: number) => {
      let phase = 0;
      return { read(out: Int16Array) { for (let i = 0; i < out.length; i++) { out[i] = Math.round(6000 * Math.sin(phase)); phase += (2 * Math.PI * hz) / 8000; } return true; } };
    };
    (caller.endpoint as PhoneEndpoint).speak(tone(500));
    (agent.endpoint as PhoneEndpoint).speak(tone(700));
    (supervisor.endpoint as PhoneEndpoint).speak(tone(1100));
    const token = tokenGenerate(account.applicationId, account.privateKey);
    const transfer = async (ncco: unknown[]) => {
      const res = await fetch(`${account.sandbox.url}/v1/calls/${supervisor.uuid}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ action: 'transfer', destination: { type: 'ncco', ncco } }),
      });
      expect(res.status).toBe(204);
    };
    /** The share of the last second each leg hears of the supervisor's 1100 Hz, against its strongest other voice. */
    const settle = () => new Promise((r) => setTimeout(r, 1200));
    const last = (leg: PhoneLeg) => (leg.endpoint as PhoneEndpoint).received().slice(-8000);
    const hears = (leg: PhoneLeg, hz: number) => goertzel(last(leg), hz) > goertzel(last(leg), 1300) * 10;
    await settle();
    // Listen: the supervisor hears both; neither hears the supervisor.
    expect([hears(supervisor, 500), hears(supervisor, 700), hears(agent, 1100), hears(caller, 1100)]).toEqual([true, true, false, false]);
    await transfer([{ ...listen, canSpeak: [agent.uuid] }]);
    await settle();
    // Coach: only the agent hears the supervisor.
    expect([hears(supervisor, 500), hears(supervisor, 700), hears(agent, 1100), hears(caller, 1100)]).toEqual([true, true, true, false]);
    await transfer([{ action: 'conversation', name: room }]);
    await settle();
    // Barge: everyone hears everyone; the caller and agent still hear each other throughout.
    expect([hears(agent, 1100), hears(caller, 1100), hears(caller, 700), hears(agent, 500)]).toEqual([true, true, true, true]);
    expect(supervisor.conversation).toBe(caller.conversation);
    // The caller leaving (endOnExit) ends the conversation for the supervisor too.
    engine.hangupPhone(caller);
    await ended(supervisor);
    await ended(agent);
  });
});

describe('record', () => {
  it('beeps, records until the end key, and posts a recording_url whose file is an MP3 (the default format)', async () => {
    const leg = await call([
      { action: 'talk', text: 'Leave a message' },
      { action: 'record', beepStart: true, endOnKey: '#', eventUrl: [url('/recording')] },
      { action: 'talk', text: 'Thank you' },
    ]);
    await waitFor(() => leg.onDigit, Boolean);
    await new Promise((r) => setTimeout(r, 600));
    account.sandbox.engine.pressDigits(leg, '#');
    await ended(leg);
    const event = await waitFor(() => hooksAt('/recording')[0], Boolean);
    expect(event!.body).toMatchObject({ recording_url: expect.stringMatching(/\/v1\/files\/[0-9a-f-]{36}$/), conversation_uuid: leg.conversation.id });
    const id = String(event!.body!.recording_uuid);
    const mp3 = readFileSync(account.sandbox.engine.recordingPath(leg.app.id, id, 'mp3'));
    expect(mp3[0]).toBe(0xff); // an MPEG frame sync
    expect(mp3.length).toBeGreaterThan(2000); // more than half a second at 32 kbit/s
    expect(leg.heard).toContainEqual({ type: 'talk', text: 'Thank you' });
  });
});

describe('notify and wait', () => {
  it('notify sends its payload and carries on; wait pauses the NCCO', async () => {
    const leg = await call([
      { action: 'notify', payload: { step: 'greeted' }, eventUrl: [url('/notify')] },
      { action: 'wait', timeout: 0.5 },
      { action: 'talk', text: 'After the wait' },
    ]);
    await ended(leg);
    expect(hooksAt('/notify')[0]!.body).toEqual({ step: 'greeted' });
    expect(leg.heard).toContainEqual({ type: 'talk', text: 'After the wait' });
  });
});

describe('bad NCCOs', () => {
  it('reports an invalid NCCO from the answer_url with the path of the problem and fails the call', async () => {
    const leg = await call([{ action: 'talk', text: 'ok' }, { action: 'connect', endpoint: [{ type: 'app' }] }]);
    await ended(leg);
    expect(leg.status).toBe('failed');
    const error = await waitFor(() => hooksAt('/event').find((h) => h.body?.type === 'error'), Boolean);
    expect(String(error!.body!.reason)).toMatch(/\[1\]\.endpoint\[0\]\.user/);
  });

  it('ignores an invalid NCCO from an input eventUrl and goes on, reporting it', async () => {
    account.respond('/bad', [{ action: 'stream', streamUrl: ['ftp://example.com/a.mp3'] }]);
    const leg = await call([
      { action: 'input', type: ['dtmf'], dtmf: { maxDigits: 1, timeOut: 1 }, eventUrl: [url('/bad')] },
      { action: 'talk', text: 'Still here' },
    ]);
    await ended(leg);
    expect(leg.heard).toContainEqual({ type: 'talk', text: 'Still here' });
    const error = await waitFor(() => hooksAt('/event').find((h) => h.body?.type === 'error'), Boolean);
    expect(String(error?.body?.reason)).toMatch(/streamUrl\[0\]/);
  });

  it('rejects unknown actions and empty NCCOs', () => {
    expect(nccoProblem([{ action: 'dance' }])).toMatch(/\[0\]\.action/);
    expect(nccoProblem([])).toMatch(/at least one action/);
    expect(nccoProblem({ action: 'talk' })).toMatch(/root/);
    expect(nccoProblem([{ action: 'talk', text: 'fine', loop: 0 }])).toBeNull();
  });
});
