import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ncco } from '../../../../server/flows/ncco';
import { MAX_REDIRECTS } from '../../../../server/flows/runtime';
import { RETRY_AFTER_MS } from '../../../../server/queues/manager';
import { waitFor } from '../../../support/wait';
import { flowRig, MUSIC, PUBLIC_URL, type FlowRig } from './fakes';

const CALLER = '14155550100';
const inbound = (to: string, uuid = 'caller-1', conversation = 'CON-1') => ({ to, from: CALLER, uuid, conversation_uuid: conversation });
const hasRecord = (ncco: Ncco | undefined) => ncco?.some((a) => a.action === 'record') ?? false;
const callOf = (request: { answer_url: string[] }) => new URL(request.answer_url[0]!).searchParams.get('call');

let rig: FlowRig;
afterEach(async () => {
  await rig?.close();
});

describe('inbound flow at run time', () => {
  beforeEach(async () => {
    rig = await flowRig({
      numbers: {
        '14155550199': { flow: 'inbound' },
        '14155550190': { flow: 'inbound', default_agent: 'Jane', fallback: { type: 'disconnect', message: 'Bye now.' } },
        '14155550191': { flow: 'inbound', max_attempts: 1 },
        '14155550192': { flow: 'inbound', default_agent: 'Jane' },
      },
    });
  });

  it('rings the longest-idle available agent and records the flow', async () => {
    rig.presence.set('Jane', 'available', '2026-03-02T08:30:00.000Z');
    rig.presence.set('Joe', 'available', '2026-03-02T08:00:00.000Z');
    rig.presence.set('Ann', 'away');
    const ncco = await rig.flows.answer(inbound('14155550199'));
    expect(ncco[0]).toEqual({ action: 'talk', text: 'Thank you for calling Joe' });
    expect(ncco[1]).toMatchObject({ action: 'connect', endpoint: [{ type: 'app', user: 'Joe' }] });
    expect(rig.presence.reservedFor('Joe')).toBe('caller-1');
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ flow: 'inbound' });
  });

  it('treats a number with no flow as inbound', async () => {
    rig.presence.set('Jane', 'available');
    expect((await rig.flows.answer(inbound('14155559999')))[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Jane' }] });
  });

  it('tries the next agent when one declines, then the fallback when nobody answers', async () => {
    rig.presence.set('Joe', 'available', '2026-03-02T08:00:00.000Z');
    rig.presence.set('Jane', 'available', '2026-03-02T08:30:00.000Z');
    await rig.flows.answer(inbound('14155550199'));
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'ringing', to: 'Joe', from: CALLER });
    expect(await rig.context('app-1', 'Joe')).toMatchObject({ flow: 'inbound', number: '14155550199', caller: CALLER, call_uuid: 'caller-1' });
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'rejected', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.transfers).toHaveLength(1);
    expect(rig.voice.transfers[0]).toEqual({
      uuid: 'caller-1',
      ncco: [
        { action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Jane' }] },
        { action: 'stream', streamUrl: [MUSIC], loop: 0 },
      ],
    });
    expect(rig.presence.reservedFor('Joe')).toBeNull();
    expect(rig.presence.reservedFor('Jane')).toBe('caller-1');
    await rig.event({ uuid: 'app-2', conversation_uuid: 'CON-1', status: 'ringing', to: 'Jane' });
    await rig.event({ uuid: 'app-2', conversation_uuid: 'CON-1', status: 'timeout', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers).toHaveLength(2);
    expect(rig.voice.transfers[1]?.ncco[1]).toMatchObject({ action: 'record', eventUrl: [`${PUBLIC_URL}/webhooks/recording?call=caller-1`] });
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'no-answer' });
    expect(rig.presence.reservedFor('Jane')).toBeNull();
  });

  it('stops after max_attempts agents', async () => {
    rig.presence.set('Joe', 'available');
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550191'));
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers).toHaveLength(1);
    expect(hasRecord(rig.voice.transfers[0]?.ncco)).toBe(true);
  });

  // Changed: the default agent used to be rung whatever presence said; now only while available.
  it('rings the default agent when she is the one available, then the fallback', async () => {
    rig.presence.set('Jane', 'available');
    const ncco = await rig.flows.answer(inbound('14155550190'));
    expect(ncco[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Jane' }] });
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'failed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers[0]?.ncco).toEqual([{ action: 'talk', text: 'Bye now.' }]);
  });

  it('offers the default agent the call first while she is available, else the longest-idle agent', async () => {
    rig.presence.set('Joe', 'available', '2026-03-02T07:00:00.000Z');
    rig.presence.set('Jane', 'available', '2026-03-02T08:30:00.000Z');
    expect((await rig.flows.answer(inbound('14155550192', 'caller-1', 'CON-1')))[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Jane' }] });
    rig.presence.set('Ann', 'available', '2026-03-02T08:00:00.000Z');
    // Jane now rings for caller-1: the next caller goes to the longest idle of the others.
    expect((await rig.flows.answer(inbound('14155550192', 'caller-2', 'CON-2')))[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Joe' }] });
  });

  it('does not ring a default agent who is away: the fallback (voicemail) instead', async () => {
    rig.presence.set('Jane', 'away');
    const ncco = await rig.flows.answer(inbound('14155550192'));
    expect(ncco.some((a) => a.action === 'connect')).toBe(false);
    expect(hasRecord(ncco)).toBe(true);
    expect(rig.presence.reservedFor('Jane')).toBeNull();
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'no-agents' });
  });

  it('does not ring a default agent who is offline or unknown to presence', async () => {
    expect(hasRecord(await rig.flows.answer(inbound('14155550192', 'caller-1', 'CON-1')))).toBe(true);
    rig.presence.set('Jane', 'offline');
    expect(hasRecord(await rig.flows.answer(inbound('14155550192', 'caller-2', 'CON-2')))).toBe(true);
    rig.presence.set('Jane', 'wrap-up');
    expect(hasRecord(await rig.flows.answer(inbound('14155550192', 'caller-3', 'CON-3')))).toBe(true);
  });

  it('does not ring a default agent reserved for another caller', async () => {
    rig.presence.set('Jane', 'available');
    expect((await rig.flows.answer(inbound('14155550192', 'caller-1', 'CON-1')))[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Jane' }] });
    const second = await rig.flows.answer(inbound('14155550192', 'caller-2', 'CON-2'));
    expect(second.some((a) => a.action === 'connect')).toBe(false);
    expect(hasRecord(second)).toBe(true);
    expect(rig.presence.reservedFor('Jane')).toBe('caller-1');
  });

  it('goes straight to the fallback when nobody is available and no default agent is set', async () => {
    const ncco = await rig.flows.answer(inbound('14155550199'));
    expect(ncco[1]).toMatchObject({ action: 'record' });
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'no-agents' });
  });

  it('hangs up the caller when the agent ends an answered call (the music must not follow)', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550199'));
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'answered', to: 'Jane' });
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ agent: 'Jane' });
    expect(rig.presence.reservedFor('Jane')).toBeNull();
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'completed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['caller-1']);
    expect(rig.voice.transfers).toEqual([]);
  });

  it('does nothing more when the caller hangs up while the agent rings', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available');
    await rig.flows.answer(inbound('14155550199'));
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'ringing', to: 'Jane' });
    await rig.event({ uuid: 'caller-1', conversation_uuid: 'CON-1', status: 'cancelled', to: '14155550199' });
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'cancelled', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers).toEqual([]);
    expect(rig.voice.hangups).toEqual([]);
    expect(rig.presence.reservedFor('Jane')).toBeNull();
    expect((await rig.session('caller-1'))?.ended).toBe(true);
  });

  it('never rings one agent for two calls at once', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available', '2026-03-02T08:40:00.000Z');
    await rig.flows.answer(inbound('14155550199', 'caller-1', 'CON-1'));
    const second = await rig.flows.answer(inbound('14155550199', 'caller-2', 'CON-2'));
    expect(second[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Joe' }] });
  });

  it('gives calls answered at once distinct agents: 20 callers, 5 agents → 5 rung, 15 fallbacks', async () => {
    const agents = ['Ann', 'Bob', 'Cat', 'Dan', 'Eve'];
    for (const [i, name] of agents.entries()) rig.presence.set(name, 'available', `2026-03-02T08:0${i}:00.000Z`);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => rig.flows.answer(inbound('14155550199', `caller-${i}`, `CON-${i}`))));
    const rung = answers.flatMap((ncco) => ncco.flatMap((a) => (a.action === 'connect' ? (a.endpoint as Array<{ user: string }>).map((e) => e.user) : [])));
    expect(rung.sort()).toEqual(agents);
    expect(answers.filter(hasRecord)).toHaveLength(15);
    for (const name of agents) expect(rig.presence.reservedFor(name)).toMatch(/^caller-/);
    await rig.settle();
    expect(rig.records.filter((r) => r.patch.flow_outcome === 'no-agents')).toHaveLength(15);
  });

  it('hangs up the caller when a transfer fails, rather than leaving them in the music', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available');
    rig.voice.transfer = async () => {
      throw new Error('gone');
    };
    await rig.flows.answer(inbound('14155550199'));
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['caller-1']);
  });

  it('answers a retried answer_url with the same NCCO, reserving no second agent', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available', '2026-03-02T08:30:00.000Z');
    const first = await rig.flows.answer(inbound('14155550199'));
    const again = await rig.flows.answer(inbound('14155550199'));
    expect(again).toEqual(first);
    expect(first[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Jane' }] });
    expect(rig.presence.reservedFor('Jane')).toBe('caller-1');
    expect(rig.presence.reservedFor('Joe')).toBeNull();
    // Retries that race the first answer get it too.
    const racing = await Promise.all([rig.flows.answer(inbound('14155550199', 'caller-2', 'CON-2')), rig.flows.answer(inbound('14155550199', 'caller-2', 'CON-2'))]);
    expect(racing[1]).toEqual(racing[0]);
    expect(racing[0][1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Joe' }] });
    await rig.settle();
    expect(rig.records.filter((r) => r.conversation === 'CON-1')).toEqual([{ conversation: 'CON-1', patch: { flow: 'inbound' } }]);
  });

  it('applies a retried event delivery (same leg, status and time) once', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available', '2026-03-02T08:30:00.000Z');
    rig.presence.set('Ann', 'available', '2026-03-02T08:40:00.000Z');
    await rig.flows.answer(inbound('14155550199'));
    const declined = { uuid: 'app-1', conversation_uuid: 'CON-1', status: 'rejected', to: 'Jane', timestamp: '2026-03-02T09:00:05.000Z' };
    await rig.event(declined);
    await rig.settle();
    expect(rig.voice.transfers.map((t) => t.ncco[0])).toEqual([{ action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Joe' }] }]);
    const before = await rig.session('caller-1');
    await rig.event(declined);
    await rig.settle();
    expect(await rig.session('caller-1')).toEqual(before);
    expect(rig.voice.transfers).toHaveLength(1);
    expect(rig.presence.reservedFor('Joe')).toBe('caller-1');
    // The caller's own leg: a retried hang-up changes nothing either.
    const gone = { uuid: 'caller-1', conversation_uuid: 'CON-1', status: 'completed', timestamp: '2026-03-02T09:00:09.000Z' };
    await rig.event(gone);
    await rig.event(gone);
    await rig.settle();
    expect((await rig.session('caller-1'))?.ended).toBe(true);
    expect(rig.presence.reservedFor('Joe')).toBeNull();
  });

  it('lets a restarted backend go on with a call it did not start', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available', '2026-03-02T08:30:00.000Z');
    await rig.flows.answer(inbound('14155550199'));
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'ringing', to: 'Jane' });
    await rig.restart();
    // The new instance knows the leg (it is stored), so Jane's decline moves the call on to Joe.
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers).toEqual([{ uuid: 'caller-1', ncco: [{ action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Joe' }] }, { action: 'stream', streamUrl: [MUSIC], loop: 0 }] }]);
    await rig.event({ uuid: 'app-2', conversation_uuid: 'CON-1', status: 'answered', to: 'Joe' });
    await rig.event({ uuid: 'app-2', conversation_uuid: 'CON-1', status: 'completed', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['caller-1']);
    expect(rig.recordOf('CON-1')).toMatchObject({ agent: 'Joe' });
  });
});

describe('outbound and custom flows at run time', () => {
  beforeEach(async () => {
    rig = await flowRig({ numbers: { '14155550111': { flow: 'custom', ncco: [{ action: 'talk', text: 'Closed today.' }] } } });
  });

  it("answers an app user's call with the outbound NCCO and records the agent", async () => {
    const ncco = await rig.flows.answer({ from_user: 'Jane', to: '14155550100', uuid: 'leg-o', conversation_uuid: 'CON-O' });
    expect(ncco[1]).toEqual({ action: 'connect', timeout: 20, from: '14155550199', endpoint: [{ type: 'phone', number: '14155550100' }] });
    await rig.settle();
    expect(rig.recordOf('CON-O')).toMatchObject({ flow: 'outbound', agent: 'Jane' });
  });

  it('speaks an error for an invalid number instead of failing', async () => {
    const ncco = await rig.flows.answer({ from_user: 'Jane', to: 'not-a-number', uuid: 'leg-o', conversation_uuid: 'CON-O' });
    expect(ncco).toEqual([{ action: 'talk', text: expect.stringContaining('is not a valid phone number') }]);
  });

  it('returns a custom NCCO as saved', async () => {
    expect(await rig.flows.answer(inbound('14155550111'))).toEqual([{ action: 'talk', text: 'Closed today.' }]);
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ flow: 'custom' });
  });
});

describe('IVR flow at run time', () => {
  beforeEach(async () => {
    rig = await flowRig({
      numbers: {
        '14155550188': { flow: 'ivr', fallback: { type: 'queue', queue: 'support' } },
        '14155550189': { flow: 'ivr' },
      },
      queues: { support: {} },
    });
  });

  it('plays the menu with a DTMF eventUrl naming the number and attempt', async () => {
    const ncco = await rig.flows.answer(inbound('14155550188'));
    expect(ncco[2]).toMatchObject({ action: 'input', eventUrl: [`${PUBLIC_URL}/webhooks/dtmf?number=14155550188&attempt=1`] });
  });

  // Changed: the chosen agent must be available (Jane was rung whatever presence said).
  it('connects Jane on 1, with the seed words', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550188'));
    const ncco = await rig.flows.dtmf({ number: '14155550188', attempt: 1, uuid: 'caller-1', digits: '1' });
    expect(ncco.slice(0, 2)).toEqual([
      { action: 'talk', text: 'Please wait while we connect you to Jane' },
      { action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Jane' }] },
    ]);
    expect(rig.presence.reservedFor('Jane')).toBe('caller-1');
  });

  it('sends the caller to the fallback when the chosen agent is not available', async () => {
    rig.presence.set('Jane', 'away');
    await rig.flows.answer(inbound('14155550189'));
    const ncco = await rig.flows.dtmf({ number: '14155550189', attempt: 1, uuid: 'caller-1', digits: '1' });
    expect(ncco.some((a) => a.action === 'connect')).toBe(false);
    expect(hasRecord(ncco)).toBe(true);
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'agent-unavailable' });
  });

  it('sends the caller to the fallback when the chosen agent rings for another caller', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550189', 'caller-1', 'CON-1'));
    await rig.flows.answer(inbound('14155550189', 'caller-2', 'CON-2'));
    expect((await rig.flows.dtmf({ number: '14155550189', attempt: 1, uuid: 'caller-1', digits: '1' }))[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Jane' }] });
    expect(hasRecord(await rig.flows.dtmf({ number: '14155550189', attempt: 1, uuid: 'caller-2', digits: '1' }))).toBe(true);
    await rig.settle();
    expect(rig.recordOf('CON-2')).toMatchObject({ flow_outcome: 'agent-unavailable' });
  });

  it('repeats the menu once, then sends the caller to the fallback queue', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550188'));
    const again = await rig.flows.dtmf({ number: '14155550188', attempt: 1, uuid: 'caller-1', digits: '7' });
    expect(again[2]).toMatchObject({ eventUrl: [`${PUBLIC_URL}/webhooks/dtmf?number=14155550188&attempt=2`] });
    const fallback = await rig.flows.dtmf({ number: '14155550188', attempt: 2, uuid: 'caller-1' });
    expect(fallback.at(-1)).toMatchObject({ action: 'conversation', name: 'queue-caller-1', startOnEnter: false });
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'no-choice' });
  });

  it('offers the next available agent when the chosen one declines', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available');
    await rig.flows.answer(inbound('14155550188'));
    await rig.flows.dtmf({ number: '14155550188', attempt: 1, uuid: 'caller-1', digits: '1' });
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers[0]?.ncco[0]).toMatchObject({ action: 'connect', endpoint: [{ type: 'app', user: 'Joe' }] });
  });

  it('says goodbye when the number is no longer an IVR', async () => {
    expect(await rig.flows.dtmf({ number: '14155550000', attempt: 1, uuid: 'x', digits: '1' })).toEqual([{ action: 'talk', text: expect.stringContaining('not in service') }]);
  });
});

describe('call whisper at run time', () => {
  beforeEach(async () => {
    rig = await flowRig({
      numbers: {
        '14155550177': { flow: 'whisper', topic: 'the summer offer', label: 'Summer billboard', max_wait_s: 60 },
        '14155550166': { flow: 'whisper', topic: 'the winter offer', agent: { type: 'phone', number: '+14155550123' } },
      },
    });
  });

  it('holds the caller, calls the longest-idle agent with the conversation and topic, and tells the agent why', async () => {
    rig.presence.set('Jane', 'available');
    const ncco = await rig.flows.answer(inbound('14155550177'));
    expect(ncco[1]).toMatchObject({ action: 'conversation', name: 'whisper-caller-1', startOnEnter: false, musicOnHoldUrl: [MUSIC] });
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ flow: 'whisper', topic: 'the summer offer' });
    const call = rig.voice.created[0]!;
    expect(call.to).toEqual([{ type: 'app', user: 'Jane' }]);
    expect(call.from).toEqual({ type: 'phone', number: CALLER });
    const answerUrl = new URL(call.answer_url[0]!);
    expect(answerUrl.pathname).toBe('/webhooks/agent-answer');
    expect(Object.fromEntries(answerUrl.searchParams)).toEqual({ conversation: 'whisper-caller-1', call: 'caller-1', topic: 'the summer offer' });
    expect(call.event_url).toEqual([`${PUBLIC_URL}/webhooks/event`]);
    expect(call.ringing_timer).toBe(20);
    const context = { leg_uuid: 'agent-leg-1', call_uuid: 'caller-1', flow: 'whisper', number: '14155550177', caller: CALLER, topic: 'the summer offer', queue: null, label: 'Summer billboard' };
    expect(await rig.context('agent-leg-1', 'jane')).toEqual(context);
    expect(await rig.context('agent-leg-1', 'Joe')).toBeNull();

    const agentNcco = await rig.flows.agentAnswer({ conversation: 'whisper-caller-1', call: 'caller-1', topic: 'the summer offer', uuid: 'agent-leg-1' });
    expect(agentNcco).toEqual([
      { action: 'talk', text: 'Incoming call regarding the summer offer' },
      { action: 'conversation', name: 'whisper-caller-1', startOnEnter: true },
    ]);
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ agent: 'Jane' });
    // Answered: the wait is over, and no timer takes the caller away from Jane.
    await rig.advance(60_000);
    expect(rig.voice.transfers).toEqual([]);
  });

  it('calls the next agent when one declines, waits when nobody is free, and takes the fallback after the wait', async () => {
    rig.presence.set('Jane', 'available', '2026-03-02T08:00:00.000Z');
    rig.presence.set('Joe', 'available', '2026-03-02T08:30:00.000Z');
    await rig.flows.answer(inbound('14155550177'));
    await rig.settle();
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.created.map((c) => c.to[0])).toEqual([
      { type: 'app', user: 'Jane' },
      { type: 'app', user: 'Joe' },
    ]);
    await rig.event({ uuid: 'agent-leg-2', conversation_uuid: 'CON-agent-2', status: 'timeout', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.created).toHaveLength(2);
    expect(rig.voice.transfers).toEqual([]);
    // Ann comes online: she is called.
    rig.presence.set('Ann', 'available');
    await rig.settle();
    expect(rig.voice.created[2]?.to).toEqual([{ type: 'app', user: 'Ann' }]);
    await rig.event({ uuid: 'agent-leg-3', conversation_uuid: 'CON-agent-3', status: 'rejected', to: 'Ann' });
    await rig.settle();
    await rig.advance(60_000);
    expect(rig.voice.transfers).toHaveLength(1);
    expect(hasRecord(rig.voice.transfers[0]?.ncco)).toBe(true);
  });

  it('takes the fallback when nobody answered within the wait', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550177'));
    await rig.settle();
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'rejected', to: 'Jane' });
    await rig.advance(59_000);
    expect(rig.voice.transfers).toEqual([]);
    await rig.advance(1_000);
    expect(rig.voice.transfers).toHaveLength(1);
    expect(hasRecord(rig.voice.transfers[0]?.ncco)).toBe(true);
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'timeout' });
  });

  it('changes nothing when a whisper-wait job runs after the call moved on', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550177'));
    await rig.settle();
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'rejected', to: 'Jane' });
    await rig.advance(60_000);
    expect(rig.voice.transfers).toHaveLength(1);
    // As if the timer had been taken by a runner just before it was cancelled: it runs again, late.
    await rig.jobs.add(rig.db, 'flow-whisper-wait', { call: 'caller-1' });
    await rig.settle();
    expect(rig.voice.transfers).toHaveLength(1);
  });

  it('hangs up the ringing agent when the caller gives up', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550177'));
    await rig.settle();
    await rig.event({ uuid: 'caller-1', conversation_uuid: 'CON-1', status: 'completed' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['agent-leg-1']);
    expect(rig.presence.reservedFor('Jane')).toBeNull();
    expect(await rig.flows.agentAnswer({ conversation: 'whisper-caller-1', call: 'caller-1' })).toEqual([{ action: 'talk', text: 'Sorry, the caller has hung up.' }]);
  });

  it('hangs up an agent who answered but is still hearing the whisper when the caller leaves', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550177'));
    await rig.settle();
    await rig.flows.agentAnswer({ conversation: 'whisper-caller-1', call: 'caller-1', uuid: 'agent-leg-1' });
    await rig.event({ uuid: 'caller-1', conversation_uuid: 'CON-1', status: 'completed' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['agent-leg-1']);
  });

  // Changed: in dial mode the caller used to stay in the conversation when the answered agent left.
  it('hangs up the caller when the answered agent leaves', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550177'));
    await rig.settle();
    await rig.flows.agentAnswer({ conversation: 'whisper-caller-1', call: 'caller-1', uuid: 'agent-leg-1' });
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'completed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['caller-1']);
    expect(rig.voice.created).toHaveLength(1);
  });

  it('matches agent events that arrive before the Voice API answered', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available', '2026-03-02T08:59:00.000Z');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let janeAsked = false;
    const original = rig.voice.createCall.bind(rig.voice);
    rig.voice.createCall = async (request) => {
      const to = request.to[0];
      if (to?.type === 'app' && to.user === 'Jane') {
        janeAsked = true;
        await held;
        return { uuid: 'jane-leg', status: 'started', direction: 'outbound' };
      }
      return original(request);
    };
    try {
      await rig.flows.answer(inbound('14155550177'));
      expect(await waitFor(() => janeAsked, Boolean)).toBe(true);
      // Jane's phone rings and she declines before the platform has answered the request.
      await rig.event({ uuid: 'jane-leg', conversation_uuid: 'CON-jane', status: 'ringing', to: 'Jane' });
      expect(await rig.context('jane-leg', 'Jane')).toMatchObject({ topic: 'the summer offer' });
      await rig.event({ uuid: 'jane-leg', conversation_uuid: 'CON-jane', status: 'rejected', to: 'Jane' });
      // Joe is called while Jane's request is still open (so settle() cannot be used yet).
      const created = await waitFor(() => rig.voice.created.length, (n) => n > 0);
      expect(created).toBe(1);
      expect(rig.voice.created.map((c) => c.to[0])).toEqual([{ type: 'app', user: 'Joe' }]);
    } finally {
      release();
    }
    await rig.settle();
    // Jane's leg is known and over: it is not hung up again.
    expect(rig.voice.hangups).toEqual([]);
    expect((await rig.session('caller-1'))?.attempt).toMatchObject({ agent: 'Joe', legUuid: 'agent-leg-1' });
  });

  it('tries the next agent when the Voice API refuses the call', async () => {
    rig.presence.set('Jane', 'available');
    rig.voice.failCreate = true;
    await rig.flows.answer(inbound('14155550177'));
    await rig.settle();
    expect(rig.voice.created).toHaveLength(1);
    expect(rig.presence.reservedFor('Jane')).toBeNull();
    await rig.advance(60_000);
    expect(hasRecord(rig.voice.transfers[0]?.ncco)).toBe(true);
  });

  it('calls a configured phone, shown as the campaign number (seed 002)', async () => {
    await rig.flows.answer(inbound('14155550166'));
    await rig.settle();
    expect(rig.voice.created[0]).toMatchObject({ to: [{ type: 'phone', number: '14155550123' }], from: { type: 'phone', number: '14155550166' } });
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'busy', to: '14155550123' });
    await rig.settle();
    expect(hasRecord(rig.voice.transfers[0]?.ncco)).toBe(true);
  });

  it('applies a retried agent-leg event once: a late ringing retry does not hang the finished leg up again', async () => {
    rig.presence.set('Jane', 'available', '2026-03-02T08:00:00.000Z');
    rig.presence.set('Joe', 'available', '2026-03-02T08:30:00.000Z');
    await rig.flows.answer(inbound('14155550177'));
    await rig.settle();
    const ringing = { uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'ringing', to: 'Jane', timestamp: '2026-03-02T09:00:01.000Z' };
    const declined = { ...ringing, status: 'rejected', timestamp: '2026-03-02T09:00:03.000Z' };
    await rig.event(ringing);
    await rig.event(declined);
    await rig.settle();
    expect(rig.voice.created.map((c) => c.to[0])).toEqual([
      { type: 'app', user: 'Jane' },
      { type: 'app', user: 'Joe' },
    ]);
    const before = await rig.session('caller-1');
    await rig.event(declined);
    await rig.event(ringing);
    await rig.settle();
    expect(await rig.session('caller-1')).toEqual(before);
    expect(rig.voice.hangups).toEqual([]);
    expect(rig.voice.created).toHaveLength(2);
  });

  it('lets a restarted backend go on with a dialled call and its timers', async () => {
    rig.presence.set('Jane', 'available', '2026-03-02T08:00:00.000Z');
    rig.presence.set('Joe', 'available', '2026-03-02T08:30:00.000Z');
    await rig.flows.answer(inbound('14155550177'));
    await rig.settle();
    expect(rig.voice.created.map((c) => c.to[0])).toEqual([{ type: 'app', user: 'Jane' }]);
    await rig.restart();
    expect(rig.voice.created).toEqual([]);
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    // The new instance calls Joe…
    expect(rig.voice.created.map((c) => [c.to[0], callOf(c)])).toEqual([[{ type: 'app', user: 'Joe' }, 'caller-1']]);
    await rig.event({ uuid: 'agent-leg-2', conversation_uuid: 'CON-agent-2', status: 'timeout', to: 'Joe' });
    // …and runs the wait the first one set.
    await rig.advance(60_000);
    expect(rig.voice.transfers).toHaveLength(1);
    expect(rig.voice.transfers[0]?.uuid).toBe('caller-1');
    expect(hasRecord(rig.voice.transfers[0]?.ncco)).toBe(true);
  });
});

describe('queues at run time', () => {
  beforeEach(async () => {
    rig = await flowRig({
      numbers: {
        '14155550155': { flow: 'queue', queue: 'support' },
        '14155550156': { flow: 'queue', queue: 'sales' },
        '14155550157': { flow: 'queue', queue: 'vip' },
      },
      queues: {
        support: {
          max_length: 2,
          max_wait_s: 120,
          announce_position: true,
          announce_every_s: 30,
          agent_whisper: 'Call from the support queue',
          on_overflow: { type: 'queue', queue: 'overflow' },
          on_timeout: { type: 'voicemail' },
          on_no_agents: { type: 'disconnect', message: 'Nobody is here.' },
        },
        overflow: { greeting: 'All lines are busy.' },
        sales: { agents: ['Joe'], on_no_agents: { type: 'phone', number: '+14155550123' } },
        vip: { agents: ['Jane'], max_wait_s: 10, on_timeout: { type: 'agent', agent: 'Joe' } },
      },
    });
  });

  const support = async () => (await rig.flows.queues.snapshot()).find((q) => q.name === 'support')!;

  it('applies the no-agents redirect when nobody serves the queue', async () => {
    rig.presence.set('Jane', 'away');
    expect(await rig.flows.answer(inbound('14155550155'))).toEqual([{ action: 'talk', text: 'Nobody is here.' }]);
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'no-agents' });
  });

  it("counts only the queue's own agents as serving", async () => {
    rig.presence.set('Jane', 'available');
    const ncco = await rig.flows.answer(inbound('14155550156'));
    expect(ncco[1]).toMatchObject({ action: 'connect', from: '14155550156', endpoint: [{ type: 'phone', number: '14155550123' }] });
  });

  it('queues callers with music and offers them to agents longest idle first, longest waiting first', async () => {
    rig.presence.set('Jane', 'busy');
    const first = await rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    expect(first).toEqual([
      { action: 'talk', text: 'Thank you for calling. Please hold and the next available agent will be with you.' },
      { action: 'talk', text: 'You are next in line.' },
      { action: 'conversation', name: 'queue-c1', startOnEnter: false, musicOnHoldUrl: [MUSIC], endOnExit: true },
    ]);
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ queue: 'support', queued_at: '2026-03-02T09:00:00.000Z' });
    await rig.advance(1000);
    const second = await rig.flows.answer(inbound('14155550155', 'c2', 'CON-2'));
    expect(second[1]).toEqual({ action: 'talk', text: 'You are number 2 in line.' });
    await rig.settle();
    expect(rig.voice.created).toEqual([]);

    expect((await support()).waiting.map((w) => [w.call_uuid, w.position, w.waiting_s])).toEqual([
      ['c1', 1, 1],
      ['c2', 2, 0],
    ]);

    // Ann, then Joe, become available: Ann gets the first caller, Joe the second.
    rig.presence.set('Ann', 'available', '2026-03-02T08:50:00.000Z');
    await rig.settle();
    expect(rig.voice.created.map((c) => [c.to[0], callOf(c)])).toEqual([[{ type: 'app', user: 'Ann' }, 'c1']]);
    rig.presence.set('Joe', 'available', '2026-03-02T08:00:00.000Z');
    await rig.settle();
    expect(rig.voice.created.map((c) => [c.to[0], callOf(c)])[1]).toEqual([{ type: 'app', user: 'Joe' }, 'c2']);
    expect((await support()).waiting.map((w) => w.offered_to)).toEqual(['Ann', 'Joe']);

    // Ann answers c1: the queue's whisper, then the caller's conversation.
    expect(await rig.flows.agentAnswer({ conversation: 'queue-c1', call: 'c1', queue: 'support', uuid: 'agent-leg-1' })).toEqual([
      { action: 'talk', text: 'Call from the support queue' },
      { action: 'conversation', name: 'queue-c1', startOnEnter: true },
    ]);
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ agent: 'Ann' });
    expect((await support()).waiting.map((w) => w.call_uuid)).toEqual(['c2']);
  });

  it('offers the longest-idle agent first when several are free', async () => {
    rig.presence.set('Ann', 'available', '2026-03-02T08:50:00.000Z');
    rig.presence.set('Joe', 'available', '2026-03-02T08:00:00.000Z');
    await rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    await rig.settle();
    expect(rig.voice.created.map((c) => [c.to[0], callOf(c)])).toEqual([[{ type: 'app', user: 'Joe' }, 'c1']]);
  });

  it('offers a declined caller to the next agent, and to the same one again only after a pause', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    await rig.settle();
    await rig.event({ uuid: 'agent-leg-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.created).toHaveLength(1);
    await rig.advance(RETRY_AFTER_MS - 1000);
    expect(rig.voice.created).toHaveLength(1);
    await rig.advance(1100);
    expect(rig.voice.created).toHaveLength(2);
    expect(rig.voice.created[1]?.to).toEqual([{ type: 'app', user: 'Jane' }]);
  });

  it('sends the caller beyond max_length to the overflow queue', async () => {
    rig.presence.set('Jane', 'busy');
    await rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    await rig.flows.answer(inbound('14155550155', 'c2', 'CON-2'));
    const third = await rig.flows.answer(inbound('14155550155', 'c3', 'CON-3'));
    expect(third[0]).toEqual({ action: 'talk', text: 'All lines are busy.' });
    expect(third.at(-1)).toMatchObject({ name: 'queue-c3' });
    await rig.settle();
    expect(rig.recordOf('CON-3')).toMatchObject({ flow_outcome: 'overflow' });
    expect((await rig.flows.queues.snapshot()).find((q) => q.name === 'overflow')?.waiting.map((w) => w.call_uuid)).toEqual(['c3']);
  });

  it('announces positions and redirects to voicemail on timeout, hanging up a ringing agent', async () => {
    rig.presence.set('Jane', 'busy');
    await rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    await rig.advance(30_000);
    expect(rig.voice.talks).toEqual([{ uuid: 'c1', text: 'You are next in line.' }]);
    rig.presence.set('Joe', 'available');
    await rig.settle();
    expect(rig.voice.created).toHaveLength(1);
    await rig.advance(90_000);
    expect(rig.voice.talks).toHaveLength(1);
    expect(rig.voice.hangups).toEqual(['agent-leg-1']);
    expect(rig.voice.transfers[0]).toMatchObject({ uuid: 'c1' });
    expect(rig.voice.transfers[0]?.ncco[1]).toMatchObject({ action: 'record' });
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'timeout' });
    expect((await support()).waiting).toEqual([]);
    expect(rig.presence.reservedFor('Joe')).toBeNull();
  });

  it('announces the position every announce_every_s while the caller waits', async () => {
    rig.presence.set('Jane', 'busy');
    await rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    await rig.flows.answer(inbound('14155550155', 'c2', 'CON-2'));
    await rig.advance(90_000);
    expect(rig.voice.talks.filter((t) => t.uuid === 'c2').map((t) => t.text)).toEqual(['You are number 2 in line.', 'You are number 2 in line.', 'You are number 2 in line.']);
  });

  it('takes a caller who hangs up out of line and stops ringing their agent', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    await rig.settle();
    await rig.event({ uuid: 'c1', conversation_uuid: 'queue-conv', status: 'completed' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['agent-leg-1']);
    expect((await support()).waiting).toEqual([]);
  });

  // Changed: the caller used to stay in the queue's conversation (hold music) after the agent left.
  it('hangs up the caller when the agent who answered leaves, and offers them to no one again', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    await rig.settle();
    await rig.flows.agentAnswer({ conversation: 'queue-c1', call: 'c1', queue: 'support', uuid: 'agent-leg-1' });
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'answered', to: 'Jane' });
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'completed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['c1']);
    // Jane is free again (and anyone else): the caller is not offered to her.
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available');
    await rig.advance(RETRY_AFTER_MS + 1000);
    expect(rig.voice.created).toHaveLength(1);
    expect(rig.voice.transfers).toEqual([]);
    expect((await support()).waiting).toEqual([]);
  });

  // Changed: the agent named by on_timeout must be available (Joe is, here).
  it('follows an agent redirect after the caller moved into the queue conversation', async () => {
    rig.presence.set('Jane', 'busy');
    rig.presence.set('Joe', 'available');
    await rig.flows.answer(inbound('14155550157', 'c1', 'CON-1'));
    await rig.advance(10_000);
    expect(rig.voice.transfers[0]?.ncco.slice(0, 2)).toEqual([
      { action: 'talk', text: 'Please wait while we connect you to Joe' },
      { action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Joe' }] },
    ]);
    // Joe's leg rings in the queue's conversation, not the caller's first one; he declines.
    await rig.event({ uuid: 'joe-leg', conversation_uuid: 'CON-queue-c1', status: 'ringing', to: 'Joe' });
    expect(await rig.context('joe-leg', 'Joe')).toMatchObject({ call_uuid: 'c1' });
    await rig.event({ uuid: 'joe-leg', conversation_uuid: 'CON-queue-c1', status: 'rejected', to: 'Joe' });
    await rig.settle();
    expect(hasRecord(rig.voice.transfers[1]?.ncco)).toBe(true);
  });

  it('takes the fallback when the agent named by on_timeout is not available', async () => {
    rig.presence.set('Jane', 'busy');
    rig.presence.set('Joe', 'away');
    await rig.flows.answer(inbound('14155550157', 'c1', 'CON-1'));
    await rig.advance(10_000);
    expect(rig.voice.transfers).toHaveLength(1);
    expect(hasRecord(rig.voice.transfers[0]?.ncco)).toBe(true);
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'agent-unavailable' });
  });

  it('ends a call that bounces between queues too often', async () => {
    rig.presence.set('Jane', 'busy');
    await rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    const ncco = await rig.flows.withCall('c1', async (turn, session) => {
      let last = await rig.flows.route(turn, session, { type: 'queue', queue: 'overflow' }, 'test');
      for (let i = 0; i < MAX_REDIRECTS; i++) last = await rig.flows.route(turn, session, { type: 'queue', queue: 'overflow' }, 'test');
      return last;
    });
    expect(ncco).toEqual([{ action: 'talk', text: expect.stringContaining('Goodbye') }]);
    await rig.settle();
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'redirect-limit' });
  });

  it('lets a restarted backend go on offering a queued caller', async () => {
    rig.presence.set('Jane', 'available', '2026-03-02T08:00:00.000Z');
    rig.presence.set('Joe', 'available', '2026-03-02T08:30:00.000Z');
    await rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    await rig.settle();
    expect(rig.voice.created.map((c) => c.to[0])).toEqual([{ type: 'app', user: 'Jane' }]);
    await rig.restart();
    await rig.event({ uuid: 'agent-leg-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.created.map((c) => [c.to[0], callOf(c)])).toEqual([[{ type: 'app', user: 'Joe' }, 'c1']]);
    expect((await support()).waiting.map((w) => w.offered_to)).toEqual(['Joe']);
    // The queue's timeout, set before the restart, still applies.
    await rig.advance(120_000);
    expect(rig.voice.transfers.map((t) => t.uuid)).toEqual(['c1']);
    expect(rig.voice.hangups).toEqual(['agent-leg-2']);
  });
});
