import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_REDIRECTS } from '../../../../server/flows/runtime';
import { RETRY_AFTER_MS } from '../../../../server/queues/manager';
import { flowRig, MUSIC, PUBLIC_URL, type FlowRig } from './fakes';

const CALLER = '14155550100';
const inbound = (to: string, uuid = 'caller-1', conversation = 'CON-1') => ({ to, from: CALLER, uuid, conversation_uuid: conversation });

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
      },
    });
  });

  it('rings the longest-idle available agent and records the flow', () => {
    rig.presence.set('Jane', 'available', '2026-03-02T08:30:00.000Z');
    rig.presence.set('Joe', 'available', '2026-03-02T08:00:00.000Z');
    rig.presence.set('Ann', 'away');
    const ncco = rig.flows.answer(inbound('14155550199'));
    expect(ncco[0]).toEqual({ action: 'talk', text: 'Thank you for calling Joe' });
    expect(ncco[1]).toMatchObject({ action: 'connect', endpoint: [{ type: 'app', user: 'Joe' }] });
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { flow: 'inbound' } });
  });

  it('treats a number with no flow as inbound', () => {
    rig.presence.set('Jane', 'available');
    expect(rig.flows.answer(inbound('14155559999'))[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Jane' }] });
  });

  it('tries the next agent when one declines, then the fallback when nobody answers', async () => {
    rig.presence.set('Joe', 'available', '2026-03-02T08:00:00.000Z');
    rig.presence.set('Jane', 'available', '2026-03-02T08:30:00.000Z');
    rig.flows.answer(inbound('14155550199'));
    rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'ringing', to: 'Joe', from: CALLER });
    expect(rig.contexts.get('app-1', 'Joe')).toMatchObject({ flow: 'inbound', number: '14155550199', caller: CALLER, call_uuid: 'caller-1' });
    rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'rejected', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.transfers).toHaveLength(1);
    expect(rig.voice.transfers[0]).toEqual({
      uuid: 'caller-1',
      ncco: [
        { action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Jane' }] },
        { action: 'stream', streamUrl: [MUSIC], loop: 0 },
      ],
    });
    rig.event({ uuid: 'app-2', conversation_uuid: 'CON-1', status: 'ringing', to: 'Jane' });
    rig.event({ uuid: 'app-2', conversation_uuid: 'CON-1', status: 'timeout', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers).toHaveLength(2);
    expect(rig.voice.transfers[1]?.ncco[1]).toMatchObject({ action: 'record', eventUrl: [`${PUBLIC_URL}/webhooks/recording?call=caller-1`] });
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { flow_outcome: 'no-answer' } });
  });

  it('stops after max_attempts agents', async () => {
    rig.presence.set('Joe', 'available');
    rig.presence.set('Jane', 'available');
    rig.flows.answer(inbound('14155550191'));
    rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers).toHaveLength(1);
    expect(rig.voice.transfers[0]?.ncco.some((a) => a.action === 'record')).toBe(true);
  });

  it('rings the default agent when presence shows nobody, then the fallback', async () => {
    const ncco = rig.flows.answer(inbound('14155550190'));
    expect(ncco[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Jane' }] });
    rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'failed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers[0]?.ncco).toEqual([{ action: 'talk', text: 'Bye now.' }]);
  });

  it('goes straight to the fallback when nobody is available and no default agent is set', () => {
    const ncco = rig.flows.answer(inbound('14155550199'));
    expect(ncco[1]).toMatchObject({ action: 'record' });
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { flow_outcome: 'no-agents' } });
  });

  it('hangs up the caller when the agent ends an answered call (the music must not follow)', async () => {
    rig.presence.set('Jane', 'available');
    rig.flows.answer(inbound('14155550199'));
    rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'answered', to: 'Jane' });
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { agent: 'Jane' } });
    rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'completed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['caller-1']);
    expect(rig.voice.transfers).toEqual([]);
  });

  it('does nothing more when the caller hangs up while the agent rings', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available');
    rig.flows.answer(inbound('14155550199'));
    rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'ringing', to: 'Jane' });
    rig.event({ uuid: 'caller-1', conversation_uuid: 'CON-1', status: 'cancelled', to: '14155550199' });
    rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'cancelled', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers).toEqual([]);
    expect(rig.voice.hangups).toEqual([]);
  });

  it('never rings one agent for two calls at once', () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available', '2026-03-02T08:40:00.000Z');
    rig.flows.answer(inbound('14155550199', 'caller-1', 'CON-1'));
    const second = rig.flows.answer(inbound('14155550199', 'caller-2', 'CON-2'));
    expect(second[1]).toMatchObject({ endpoint: [{ type: 'app', user: 'Joe' }] });
  });

  it('hangs up the caller when a transfer fails, rather than leaving them in the music', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available');
    rig.voice.transfer = async () => {
      throw new Error('gone');
    };
    rig.flows.answer(inbound('14155550199'));
    rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['caller-1']);
  });
});

describe('outbound and custom flows at run time', () => {
  beforeEach(async () => {
    rig = await flowRig({ numbers: { '14155550111': { flow: 'custom', ncco: [{ action: 'talk', text: 'Closed today.' }] } } });
  });

  it('answers an app user\'s call with the outbound NCCO and records the agent', () => {
    const ncco = rig.flows.answer({ from_user: 'Jane', to: '14155550100', uuid: 'leg-o', conversation_uuid: 'CON-O' });
    expect(ncco[1]).toEqual({ action: 'connect', timeout: 20, from: '14155550199', endpoint: [{ type: 'phone', number: '14155550100' }] });
    expect(rig.records).toContainEqual({ conversation: 'CON-O', patch: { flow: 'outbound', agent: 'Jane' } });
  });

  it('speaks an error for an invalid number instead of failing', () => {
    const ncco = rig.flows.answer({ from_user: 'Jane', to: 'not-a-number', uuid: 'leg-o', conversation_uuid: 'CON-O' });
    expect(ncco).toEqual([{ action: 'talk', text: expect.stringContaining('is not a valid phone number') }]);
  });

  it('returns a custom NCCO as saved', () => {
    expect(rig.flows.answer(inbound('14155550111'))).toEqual([{ action: 'talk', text: 'Closed today.' }]);
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { flow: 'custom' } });
  });
});

describe('IVR flow at run time', () => {
  beforeEach(async () => {
    rig = await flowRig({
      numbers: { '14155550188': { flow: 'ivr', fallback: { type: 'queue', queue: 'support' } } },
      queues: { support: {} },
    });
  });

  it('plays the menu with a DTMF eventUrl naming the number and attempt', () => {
    const ncco = rig.flows.answer(inbound('14155550188'));
    expect(ncco[2]).toMatchObject({ action: 'input', eventUrl: [`${PUBLIC_URL}/webhooks/dtmf?number=14155550188&attempt=1`] });
  });

  it('connects Jane on 1, with the seed words', () => {
    rig.flows.answer(inbound('14155550188'));
    const ncco = rig.flows.dtmf({ number: '14155550188', attempt: 1, uuid: 'caller-1', digits: '1' });
    expect(ncco.slice(0, 2)).toEqual([
      { action: 'talk', text: 'Please wait while we connect you to Jane' },
      { action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Jane' }] },
    ]);
  });

  it('repeats the menu once, then sends the caller to the fallback queue', () => {
    rig.presence.set('Jane', 'available');
    rig.flows.answer(inbound('14155550188'));
    const again = rig.flows.dtmf({ number: '14155550188', attempt: 1, uuid: 'caller-1', digits: '7' });
    expect(again[2]).toMatchObject({ eventUrl: [`${PUBLIC_URL}/webhooks/dtmf?number=14155550188&attempt=2`] });
    const fallback = rig.flows.dtmf({ number: '14155550188', attempt: 2, uuid: 'caller-1' });
    expect(fallback.at(-1)).toMatchObject({ action: 'conversation', name: 'queue-caller-1', startOnEnter: false });
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { flow_outcome: 'no-choice' } });
  });

  it('offers the next available agent when the chosen one declines', async () => {
    rig.presence.set('Joe', 'available');
    rig.flows.answer(inbound('14155550188'));
    rig.flows.dtmf({ number: '14155550188', attempt: 1, uuid: 'caller-1', digits: '1' });
    rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.transfers[0]?.ncco[0]).toMatchObject({ action: 'connect', endpoint: [{ type: 'app', user: 'Joe' }] });
  });

  it('says goodbye when the number is no longer an IVR', () => {
    expect(rig.flows.dtmf({ number: '14155550000', attempt: 1, uuid: 'x', digits: '1' })).toEqual([{ action: 'talk', text: expect.stringContaining('not in service') }]);
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
    const ncco = rig.flows.answer(inbound('14155550177'));
    expect(ncco[1]).toMatchObject({ action: 'conversation', name: 'whisper-caller-1', startOnEnter: false, musicOnHoldUrl: [MUSIC] });
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { flow: 'whisper', topic: 'the summer offer' } });
    rig.clock.advance(0);
    await rig.settle();
    const call = rig.voice.created[0]!;
    expect(call.to).toEqual([{ type: 'app', user: 'Jane' }]);
    expect(call.from).toEqual({ type: 'phone', number: CALLER });
    const answerUrl = new URL(call.answer_url[0]);
    expect(answerUrl.pathname).toBe('/webhooks/agent-answer');
    expect(Object.fromEntries(answerUrl.searchParams)).toEqual({ conversation: 'whisper-caller-1', call: 'caller-1', topic: 'the summer offer' });
    expect(call.event_url).toEqual([`${PUBLIC_URL}/webhooks/event`]);
    expect(call.ringing_timer).toBe(20);
    const context = { leg_uuid: 'agent-leg-1', call_uuid: 'caller-1', flow: 'whisper', number: '14155550177', caller: CALLER, topic: 'the summer offer', queue: null, label: 'Summer billboard' };
    expect(rig.contexts.get('agent-leg-1', 'jane')).toEqual(context);
    expect(rig.contexts.get('agent-leg-1', 'Joe')).toBeNull();

    const agentNcco = rig.flows.agentAnswer({ conversation: 'whisper-caller-1', call: 'caller-1', topic: 'the summer offer', uuid: 'agent-leg-1' });
    expect(agentNcco).toEqual([
      { action: 'talk', text: 'Incoming call regarding the summer offer' },
      { action: 'conversation', name: 'whisper-caller-1', startOnEnter: true, endOnExit: true },
    ]);
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { agent: 'Jane' } });
  });

  it('calls the next agent when one declines, waits when nobody is free, and takes the fallback after the wait', async () => {
    rig.presence.set('Jane', 'available', '2026-03-02T08:00:00.000Z');
    rig.presence.set('Joe', 'available', '2026-03-02T08:30:00.000Z');
    rig.flows.answer(inbound('14155550177'));
    rig.clock.advance(0);
    await rig.settle();
    rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.created.map((c) => c.to[0])).toEqual([{ type: 'app', user: 'Jane' }, { type: 'app', user: 'Joe' }]);
    rig.event({ uuid: 'agent-leg-2', conversation_uuid: 'CON-agent-2', status: 'timeout', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.created).toHaveLength(2);
    expect(rig.voice.transfers).toEqual([]);
    // Ann comes online: she is called.
    rig.presence.set('Ann', 'available');
    await rig.settle();
    expect(rig.voice.created[2]?.to).toEqual([{ type: 'app', user: 'Ann' }]);
    rig.event({ uuid: 'agent-leg-3', conversation_uuid: 'CON-agent-3', status: 'rejected', to: 'Ann' });
    await rig.settle();
    rig.clock.advance(60_000);
    await rig.settle();
    expect(rig.voice.transfers).toHaveLength(1);
    expect(rig.voice.transfers[0]?.ncco.some((a) => a.action === 'record')).toBe(true);
  });

  it('hangs up the ringing agent when the caller gives up', async () => {
    rig.presence.set('Jane', 'available');
    rig.flows.answer(inbound('14155550177'));
    rig.clock.advance(0);
    await rig.settle();
    rig.event({ uuid: 'caller-1', conversation_uuid: 'CON-1', status: 'completed' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['agent-leg-1']);
    expect(rig.flows.agentAnswer({ conversation: 'whisper-caller-1', call: 'caller-1' })).toEqual([{ action: 'talk', text: 'Sorry, the caller has hung up.' }]);
  });

  it('hangs up an agent who answered but is still hearing the whisper when the caller leaves', async () => {
    rig.presence.set('Jane', 'available');
    rig.flows.answer(inbound('14155550177'));
    rig.clock.advance(0);
    await rig.settle();
    rig.flows.agentAnswer({ conversation: 'whisper-caller-1', call: 'caller-1', uuid: 'agent-leg-1' });
    rig.event({ uuid: 'caller-1', conversation_uuid: 'CON-1', status: 'completed' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['agent-leg-1']);
  });

  it('matches agent events that arrive before the Voice API answered', async () => {
    rig.presence.set('Jane', 'available');
    rig.presence.set('Joe', 'available', '2026-03-02T08:59:00.000Z');
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const original = rig.voice.createCall.bind(rig.voice);
    rig.voice.createCall = async (request) => {
      if (request.to[0].type === 'app' && request.to[0].user === 'Jane') {
        await held;
        return { uuid: 'jane-leg', status: 'started', direction: 'outbound' };
      }
      return original(request);
    };
    rig.flows.answer(inbound('14155550177'));
    rig.clock.advance(0);
    // Jane's phone rings and she declines before the platform has answered the request.
    rig.event({ uuid: 'jane-leg', conversation_uuid: 'CON-jane', status: 'ringing', to: 'Jane' });
    expect(rig.contexts.get('jane-leg', 'Jane')).toMatchObject({ topic: 'the summer offer' });
    rig.event({ uuid: 'jane-leg', conversation_uuid: 'CON-jane', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.created.map((c) => c.to[0])).toEqual([{ type: 'app', user: 'Joe' }]);
    release();
    await rig.settle();
    expect(rig.voice.hangups).toEqual([]);
  });

  it('tries the next agent when the Voice API refuses the call', async () => {
    rig.presence.set('Jane', 'available');
    rig.voice.failCreate = true;
    rig.flows.answer(inbound('14155550177'));
    rig.clock.advance(0);
    await rig.settle();
    await rig.settle();
    expect(rig.voice.created).toHaveLength(1);
    rig.clock.advance(60_000);
    expect(rig.voice.transfers[0]?.ncco.some((a) => a.action === 'record')).toBe(true);
  });

  it('calls a configured phone, shown as the campaign number (seed 002)', async () => {
    rig.flows.answer(inbound('14155550166'));
    rig.clock.advance(0);
    await rig.settle();
    expect(rig.voice.created[0]).toMatchObject({ to: [{ type: 'phone', number: '14155550123' }], from: { type: 'phone', number: '14155550166' } });
    rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'busy', to: '14155550123' });
    await rig.settle();
    expect(rig.voice.transfers[0]?.ncco.some((a) => a.action === 'record')).toBe(true);
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

  it('applies the no-agents redirect when nobody serves the queue', () => {
    rig.presence.set('Jane', 'away');
    expect(rig.flows.answer(inbound('14155550155'))).toEqual([{ action: 'talk', text: 'Nobody is here.' }]);
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { flow_outcome: 'no-agents' } });
  });

  it('counts only the queue\'s own agents as serving', () => {
    rig.presence.set('Jane', 'available');
    const ncco = rig.flows.answer(inbound('14155550156'));
    expect(ncco[1]).toMatchObject({ action: 'connect', from: '14155550156', endpoint: [{ type: 'phone', number: '14155550123' }] });
  });

  it('queues callers with music and offers them to agents longest idle first, longest waiting first', async () => {
    rig.presence.set('Jane', 'busy');
    const first = rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    expect(first).toEqual([
      { action: 'talk', text: 'Thank you for calling. Please hold and the next available agent will be with you.' },
      { action: 'talk', text: 'You are next in line.' },
      { action: 'conversation', name: 'queue-c1', startOnEnter: false, musicOnHoldUrl: [MUSIC], endOnExit: true },
    ]);
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { queue: 'support', queued_at: '2026-03-02T09:00:00.000Z' } });
    rig.clock.advance(1000);
    const second = rig.flows.answer(inbound('14155550155', 'c2', 'CON-2'));
    expect(second[1]).toEqual({ action: 'talk', text: 'You are number 2 in line.' });
    rig.clock.advance(0);
    await rig.settle();
    expect(rig.voice.created).toEqual([]);

    const state = rig.flows.queues.snapshot().find((q) => q.name === 'support')!;
    expect(state.waiting.map((w) => [w.call_uuid, w.position, w.waiting_s])).toEqual([
      ['c1', 1, 1],
      ['c2', 2, 0],
    ]);

    // Joe, then Ann, become available: Joe (idle longer) gets the first caller.
    rig.presence.set('Ann', 'available', '2026-03-02T08:50:00.000Z');
    await rig.settle();
    expect(rig.voice.created.map((c) => [c.to[0], new URL(c.answer_url[0]).searchParams.get('call')])).toEqual([[{ type: 'app', user: 'Ann' }, 'c1']]);
    rig.presence.set('Joe', 'available', '2026-03-02T08:00:00.000Z');
    await rig.settle();
    expect(rig.voice.created.map((c) => [c.to[0], new URL(c.answer_url[0]).searchParams.get('call')])[1]).toEqual([{ type: 'app', user: 'Joe' }, 'c2']);
    expect(rig.flows.queues.snapshot()[2]?.waiting.map((w) => w.offered_to)).toEqual(['Ann', 'Joe']);

    // Ann answers c1: the queue's whisper, then the caller's conversation.
    expect(rig.flows.agentAnswer({ conversation: 'queue-c1', call: 'c1', queue: 'support', uuid: 'agent-leg-1' })).toEqual([
      { action: 'talk', text: 'Call from the support queue' },
      { action: 'conversation', name: 'queue-c1', startOnEnter: true, endOnExit: true },
    ]);
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { agent: 'Ann' } });
    expect(rig.flows.queues.snapshot()[2]?.waiting.map((w) => w.call_uuid)).toEqual(['c2']);
  });

  it('offers a declined caller to the next agent, and to the same one again only after a pause', async () => {
    rig.presence.set('Jane', 'available');
    rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    rig.clock.advance(0);
    await rig.settle();
    rig.event({ uuid: 'agent-leg-1', status: 'rejected', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.created).toHaveLength(1);
    rig.clock.advance(RETRY_AFTER_MS + 100);
    await rig.settle();
    expect(rig.voice.created).toHaveLength(2);
    expect(rig.voice.created[1]?.to).toEqual([{ type: 'app', user: 'Jane' }]);
  });

  it('sends the caller beyond max_length to the overflow queue', () => {
    rig.presence.set('Jane', 'busy');
    rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    rig.flows.answer(inbound('14155550155', 'c2', 'CON-2'));
    const third = rig.flows.answer(inbound('14155550155', 'c3', 'CON-3'));
    expect(third[0]).toEqual({ action: 'talk', text: 'All lines are busy.' });
    expect(third.at(-1)).toMatchObject({ name: 'queue-c3' });
    expect(rig.records).toContainEqual({ conversation: 'CON-3', patch: { flow_outcome: 'overflow' } });
    expect(rig.flows.queues.snapshot().find((q) => q.name === 'overflow')?.waiting.map((w) => w.call_uuid)).toEqual(['c3']);
  });

  it('announces positions and redirects to voicemail on timeout, hanging up a ringing agent', async () => {
    rig.presence.set('Jane', 'busy');
    rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    rig.clock.advance(30_000);
    expect(rig.voice.talks).toEqual([{ uuid: 'c1', text: 'You are next in line.' }]);
    rig.presence.set('Joe', 'available');
    await rig.settle();
    expect(rig.voice.created).toHaveLength(1);
    rig.clock.advance(90_000);
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['agent-leg-1']);
    expect(rig.voice.transfers[0]).toMatchObject({ uuid: 'c1' });
    expect(rig.voice.transfers[0]?.ncco[1]).toMatchObject({ action: 'record' });
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { flow_outcome: 'timeout' } });
    expect(rig.flows.queues.snapshot()[2]?.waiting).toEqual([]);
  });

  it('takes a caller who hangs up out of line and stops ringing their agent', async () => {
    rig.presence.set('Jane', 'available');
    rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    rig.clock.advance(0);
    await rig.settle();
    rig.event({ uuid: 'c1', conversation_uuid: 'queue-conv', status: 'completed' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['agent-leg-1']);
    expect(rig.flows.queues.snapshot()[2]?.waiting).toEqual([]);
  });

  it('follows an agent redirect after the caller moved into the queue conversation', async () => {
    rig.presence.set('Jane', 'busy');
    rig.flows.answer(inbound('14155550157', 'c1', 'CON-1'));
    rig.clock.advance(10_000);
    await rig.settle();
    expect(rig.voice.transfers[0]?.ncco.slice(0, 2)).toEqual([
      { action: 'talk', text: 'Please wait while we connect you to Joe' },
      { action: 'connect', timeout: 20, endpoint: [{ type: 'app', user: 'Joe' }] },
    ]);
    // Joe's leg rings in the queue's conversation, not the caller's first one; he declines.
    rig.event({ uuid: 'joe-leg', conversation_uuid: 'CON-queue-c1', status: 'ringing', to: 'Joe' });
    expect(rig.contexts.get('joe-leg', 'Joe')).toMatchObject({ call_uuid: 'c1' });
    rig.event({ uuid: 'joe-leg', conversation_uuid: 'CON-queue-c1', status: 'rejected', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.transfers[1]?.ncco.some((a) => a.action === 'record')).toBe(true);
  });

  it('ends a call that bounces between queues too often', () => {
    rig.presence.set('Jane', 'busy');
    rig.flows.answer(inbound('14155550155', 'c1', 'CON-1'));
    const session = rig.flows.session('c1')!;
    let ncco = rig.flows.route(session, { type: 'queue', queue: 'overflow' }, 'test');
    for (let i = 0; i < MAX_REDIRECTS; i++) ncco = rig.flows.route(session, { type: 'queue', queue: 'overflow' }, 'test');
    expect(ncco).toEqual([{ action: 'talk', text: expect.stringContaining('Goodbye') }]);
    expect(rig.records).toContainEqual({ conversation: 'CON-1', patch: { flow_outcome: 'redirect-limit' } });
  });
});
