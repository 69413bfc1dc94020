/**
 * The agent's call control on the stored call model (`server/flows/control.ts`): hold, blind
 * transfer, and warm transfer — consult, complete, cancel, the party declining or leaving, the
 * agent hanging up mid-consult — three-way conference and leaving it, for a connected call
 * (inbound) and a dialled one (queue), across a restart. The Voice API is the rig's double: its
 * `log` shows each request in order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CallControlError, TRANSFER_GREETING } from '../../../../server/flows/control';
import { queueSettings } from '../../../../common/queue-settings';
import { flowRig, MUSIC, type FlowRig } from './fakes';

const CALLER = '14155550100';
const INBOUND = '14155550199';
const QUEUE = '14155550155';
const ROOM = 'consult-caller-1-1';
const QUEUE_GREETING = queueSettings.parse({}).greeting;

let rig: FlowRig;
afterEach(async () => {
  await rig?.close();
});

beforeEach(async () => {
  rig = await flowRig({
    numbers: { [INBOUND]: { flow: 'inbound' }, [QUEUE]: { flow: 'queue', queue: 'support' } },
    queues: { support: {} },
  });
});

/** An inbound call Jane has answered on leg `app-1`; the Voice API log starts empty after it. */
async function janeOnInboundCall(): Promise<void> {
  rig.presence.set('Jane', 'available', '2026-03-02T08:00:00.000Z');
  await rig.flows.answer({ to: INBOUND, from: CALLER, uuid: 'caller-1', conversation_uuid: 'CON-1' });
  await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'ringing', to: 'Jane' });
  await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'answered', to: 'Jane' });
  rig.presence.set('Jane', 'busy');
  await rig.settle();
  rig.voice.log.length = 0;
}

/** Jane consults Joe, whose app leg (`agent-leg-1`) the backend places; `answer`: Joe answers. */
async function consultJoe(answer: boolean): Promise<void> {
  rig.presence.set('Joe', 'available');
  const state = await rig.flows.control.consult('Jane', 'app-1', { type: 'agent', agent: 'Joe' });
  expect(state).toMatchObject({ held: true, consult: { target: { type: 'agent', agent: 'Joe' }, state: 'ringing', by: 'Jane' } });
  await rig.settle();
  if (answer) {
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'answered', to: 'Joe' });
    await rig.settle();
  }
}

const refusal = async (work: Promise<unknown>): Promise<{ status: number; code: string }> => {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CallControlError);
  const { status, code } = error as CallControlError;
  return { status, code };
};

describe('blind transfer of a connected (inbound) call', () => {
  it('to an agent: the NCCO rings Joe at once, and the caller hears the message through the Voice API meanwhile', async () => {
    await janeOnInboundCall();
    rig.presence.set('Joe', 'available');
    expect(await rig.flows.control.transfer('Jane', 'app-1', { type: 'agent', agent: 'Joe' })).toEqual({ status: 'transferring', target: { type: 'agent', agent: 'Joe' } });
    await rig.settle();
    expect(rig.voice.log).toEqual(['transfer caller-1 stream', 'hangup app-1']);
    const ncco = rig.voice.transfers.at(-1)!.ncco;
    // No talk before the connect: NCCO actions run in order, and the connect would wait for it.
    expect(ncco.map((action) => action.action)).toEqual(['connect', 'stream']);
    expect(ncco[0]).toMatchObject({ endpoint: [{ type: 'app', user: 'Joe' }] });
    expect(rig.voice.talks).toEqual([{ uuid: 'caller-1', text: TRANSFER_GREETING }]);
    expect(rig.presence.reservedFor('Joe')).toBe('caller-1');
  });

  it('to a queue: the caller hears its greeting before its line (in the NCCO, not over the music or an agent); Joe is offered the call at once', async () => {
    await janeOnInboundCall();
    rig.presence.set('Joe', 'available');
    expect(await rig.flows.control.transfer('Jane', 'app-1', { type: 'queue', queue: 'support' })).toEqual({ status: 'transferring', target: { type: 'queue', queue: 'support' } });
    await rig.settle();
    const ncco = rig.voice.transfers.at(-1)!.ncco;
    expect(ncco[0]).toEqual({ action: 'talk', text: expect.stringContaining(QUEUE_GREETING) });
    expect(ncco.at(-1)!.action).toBe('conversation');
    expect(rig.voice.talks).toEqual([]);
    expect(rig.voice.log).toEqual(expect.arrayContaining(['transfer caller-1 conversation:queue-caller-1', 'hangup app-1', 'create Joe']));
    expect(rig.presence.reservedFor('Joe')).toBe('caller-1');
  });

  it('to a number: the NCCO rings the number at once, and the caller hears "please wait" through the Voice API meanwhile', async () => {
    await janeOnInboundCall();
    await rig.flows.control.transfer('Jane', 'app-1', { type: 'phone', number: '14155550177' });
    await rig.settle();
    expect(rig.voice.log).toEqual(['transfer caller-1 connect', 'hangup app-1']);
    const ncco = rig.voice.transfers.at(-1)!.ncco;
    expect(ncco.map((action) => action.action)).toEqual(['connect']);
    expect(ncco[0]).toMatchObject({ endpoint: [{ type: 'phone', number: '14155550177' }] });
    expect(rig.voice.talks).toEqual([{ uuid: 'caller-1', text: 'Please wait while we connect you.' }]);
  });

  it('to a number through a Voice API port that cannot speak into a leg: the NCCO says it first, as before', async () => {
    await janeOnInboundCall();
    Object.defineProperty(rig.voice, 'talk', { value: undefined });
    await rig.flows.control.transfer('Jane', 'app-1', { type: 'phone', number: '14155550177' });
    await rig.settle();
    expect(rig.voice.transfers.at(-1)!.ncco).toEqual([
      { action: 'talk', text: 'Please wait while we connect you.' },
      expect.objectContaining({ action: 'connect', endpoint: [{ type: 'phone', number: '14155550177' }] }),
    ]);
    expect(rig.voice.talks).toEqual([]);
  });
});

describe('warm transfer of a connected (inbound) call', () => {
  it('consult: the caller hears music, Jane moves to a conversation of her own and Joe is called into it', async () => {
    await janeOnInboundCall();
    await consultJoe(false);
    expect(rig.voice.log).toEqual([`stream caller-1 ${MUSIC}`, `transfer app-1 conversation:${ROOM}`, 'create Joe']);
    expect(rig.presence.reservedFor('Joe')).toBe('caller-1');
    const request = rig.voice.created[0]!;
    const answerUrl = new URL(request.answer_url[0]!);
    expect(Object.fromEntries(answerUrl.searchParams)).toMatchObject({ conversation: ROOM, call: 'caller-1' });
    // Joe's answer_url: who calls him, then the consult's conversation.
    const ncco = await rig.flows.agentAnswer({ conversation: ROOM, call: 'caller-1', consult: answerUrl.searchParams.get('consult')!, uuid: 'agent-leg-1' });
    expect(ncco).toEqual([
      { action: 'talk', text: `Jane is calling you about a call from +${CALLER}.` },
      { action: 'conversation', name: ROOM, startOnEnter: true },
    ]);
    expect(rig.presence.reservedFor('Joe')).toBeNull();
    expect((await rig.flows.control.state('Jane', 'app-1')).consult).toMatchObject({ state: 'talking' });
    // Joe sees the caller's context on his leg.
    expect(await rig.context('agent-leg-1', 'Joe')).toMatchObject({ call_uuid: 'caller-1', caller: CALLER });
  });

  it('complete: the caller joins Joe, Jane leaves; Joe owns the call and his hanging up ends it', async () => {
    await janeOnInboundCall();
    await consultJoe(true);
    rig.voice.log.length = 0;
    const state = await rig.flows.control.complete('Jane', 'app-1');
    expect(state.consult).toBeNull();
    expect(state.held).toBe(false);
    await rig.settle();
    expect(rig.voice.log).toEqual(['stop-stream caller-1', 'unmute caller-1', `transfer caller-1 conversation:${ROOM}`, 'hangup app-1']);
    expect(rig.recordOf('CON-1')).toMatchObject({ agent: 'Joe', flow_outcome: 'transferred' });
    expect(rig.controls.map((c) => [c.action, c.agent])).toEqual([
      ['consult', 'Jane'],
      ['transfer-completed', 'Jane'],
    ]);
    // Jane's leg ends: the caller stays with Joe.
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'completed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['app-1']);
    // Jane can no longer control it; Joe can.
    expect(await refusal(rig.flows.control.hold('Jane', 'app-1', true))).toEqual({ status: 404, code: 'not_found' });
    expect(await rig.flows.control.hold('Joe', 'agent-leg-1', true)).toMatchObject({ held: true });
    await rig.flows.control.hold('Joe', 'agent-leg-1', false);
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'completed', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['app-1', 'caller-1']);
  });

  it('cancel while Joe rings: Joe is hung up and released, the caller is back with Jane', async () => {
    await janeOnInboundCall();
    await consultJoe(false);
    rig.voice.log.length = 0;
    const state = await rig.flows.control.cancel('Jane', 'app-1');
    expect(state).toMatchObject({ held: false, consult: null });
    await rig.settle();
    expect(rig.voice.log).toEqual(['hangup agent-leg-1', 'stop-stream caller-1', 'unmute caller-1', `transfer caller-1 conversation:${ROOM}`]);
    expect(rig.presence.reservedFor('Joe')).toBeNull();
    // Joe's leg ends as cancelled: nothing more happens; Jane still owns the call.
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'cancelled', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.log).toHaveLength(4);
    expect(await rig.flows.control.hold('Jane', 'app-1', true)).toMatchObject({ held: true });
  });

  it('Joe declines: the caller is back with Jane, who may consult again (a new conversation)', async () => {
    await janeOnInboundCall();
    await consultJoe(false);
    rig.voice.log.length = 0;
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'rejected', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.log).toEqual(['stop-stream caller-1', 'unmute caller-1', `transfer caller-1 conversation:${ROOM}`]);
    expect((await rig.flows.control.state('Jane', 'app-1')).consult).toBeNull();
    expect(rig.presence.reservedFor('Joe')).toBeNull();
    rig.presence.set('Ann', 'available');
    await rig.flows.control.consult('Jane', 'app-1', { type: 'phone', number: '14155550177' });
    await rig.settle();
    expect(rig.voice.log.slice(3)).toEqual([`stream caller-1 ${MUSIC}`, 'transfer app-1 conversation:consult-caller-1-2', 'create 14155550177']);
    // A phone is shown the number the caller called.
    expect(rig.voice.created[1]?.from).toEqual({ type: 'phone', number: INBOUND });
  });

  it('Joe hangs up during the consult: the caller is back with Jane', async () => {
    await janeOnInboundCall();
    await consultJoe(true);
    rig.voice.log.length = 0;
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'completed', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.log).toEqual(['stop-stream caller-1', 'unmute caller-1', `transfer caller-1 conversation:${ROOM}`]);
    expect(rig.voice.hangups).toEqual([]);
  });

  it('Jane hangs up while talking to Joe: the transfer completes, the caller is not dropped', async () => {
    await janeOnInboundCall();
    await consultJoe(true);
    rig.voice.log.length = 0;
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'completed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.log).toEqual(['stop-stream caller-1', 'unmute caller-1', `transfer caller-1 conversation:${ROOM}`, 'hangup app-1']);
    expect(rig.voice.hangups).not.toContain('caller-1');
    expect(await rig.flows.control.state('Joe', 'agent-leg-1')).toMatchObject({ consult: null, held: false });
  });

  it('complete before Joe answers: Jane leaves now and the caller is put through when he answers', async () => {
    await janeOnInboundCall();
    await consultJoe(false);
    rig.voice.log.length = 0;
    await rig.flows.control.complete('Jane', 'app-1');
    await rig.settle();
    expect(rig.voice.log).toEqual(['hangup app-1']);
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'completed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.log).toEqual(['hangup app-1']);
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'answered', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.log.slice(1, 4)).toEqual(['stop-stream caller-1', 'unmute caller-1', `transfer caller-1 conversation:${ROOM}`]);
    expect(rig.recordOf('CON-1')).toMatchObject({ agent: 'Joe' });
  });

  it('complete before Joe answers, and Joe does not: the caller goes to the fallback (voicemail), never dropped', async () => {
    await janeOnInboundCall();
    await consultJoe(false);
    await rig.flows.control.complete('Jane', 'app-1');
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'completed', to: 'Jane' });
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'timeout', to: 'Joe' });
    await rig.settle();
    const last = rig.voice.transfers.at(-1);
    expect(last?.uuid).toBe('caller-1');
    expect(last?.ncco.some((a) => a.action === 'record')).toBe(true);
    expect(rig.recordOf('CON-1')).toMatchObject({ flow_outcome: 'transfer-failed' });
    expect(rig.voice.hangups).toEqual(['app-1']);
  });

  it('the caller hangs up during the consult: Joe and Jane are hung up, Joe released if still ringing', async () => {
    await janeOnInboundCall();
    await consultJoe(false);
    await rig.settle();
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'ringing', to: 'Joe' });
    await rig.event({ uuid: 'caller-1', conversation_uuid: 'CON-1', status: 'completed', to: INBOUND });
    await rig.settle();
    expect(rig.voice.hangups.sort()).toEqual(['agent-leg-1', 'app-1']);
    expect(rig.presence.reservedFor('Joe')).toBeNull();
  });

  it('a consult survives a restart of the backend in the middle', async () => {
    await janeOnInboundCall();
    await consultJoe(false);
    await rig.restart();
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'answered', to: 'Joe' });
    await rig.settle();
    expect((await rig.flows.control.state('Jane', 'app-1')).consult).toMatchObject({ state: 'talking' });
    await rig.flows.control.complete('Jane', 'app-1');
    await rig.settle();
    expect(rig.voice.log).toEqual(['stop-stream caller-1', 'unmute caller-1', `transfer caller-1 conversation:${ROOM}`, 'hangup app-1']);
  });
});

describe('three-way conference', () => {
  it('brings the caller in; Jane leaves and Joe stays with the caller, owning the call', async () => {
    await janeOnInboundCall();
    await consultJoe(true);
    rig.voice.log.length = 0;
    expect(await rig.flows.control.conference('Jane', 'app-1')).toMatchObject({ held: false, consult: { state: 'conference' } });
    await rig.settle();
    expect(rig.voice.log).toEqual(['stop-stream caller-1', 'unmute caller-1', `transfer caller-1 conversation:${ROOM}`]);
    // Hold and blind transfer wait for the conference to end.
    expect(await refusal(rig.flows.control.hold('Jane', 'app-1', true))).toEqual({ status: 409, code: 'consulting' });
    expect(await refusal(rig.flows.control.transfer('Jane', 'app-1', { type: 'phone', number: '14155550177' }))).toEqual({ status: 409, code: 'consulting' });
    expect(await refusal(rig.flows.control.complete('Jane', 'app-1'))).toEqual({ status: 409, code: 'in_conference' });
    // Joe sees the conference too.
    expect((await rig.flows.control.state('Joe', 'agent-leg-1')).consult).toMatchObject({ state: 'conference', by: 'Jane' });
    expect(await rig.flows.control.leave('Jane', 'app-1')).toEqual({ status: 'left' });
    await rig.settle();
    expect(rig.voice.log.at(-1)).toBe('hangup app-1');
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'completed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['app-1']);
    expect(await rig.flows.control.state('Joe', 'agent-leg-1')).toMatchObject({ consult: null });
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'completed', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['app-1', 'caller-1']);
    expect(rig.controls.map((c) => [c.action, c.agent])).toEqual([
      ['consult', 'Jane'],
      ['conference', 'Jane'],
      ['left-conference', 'Jane'],
    ]);
  });

  it('Joe leaves: Jane and the caller go on', async () => {
    await janeOnInboundCall();
    await consultJoe(true);
    await rig.flows.control.conference('Jane', 'app-1');
    await rig.flows.control.leave('Joe', 'agent-leg-1');
    await rig.settle();
    expect(rig.voice.log.at(-1)).toBe('hangup agent-leg-1');
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'completed', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['agent-leg-1']);
    expect(await rig.flows.control.state('Jane', 'app-1')).toMatchObject({ consult: null });
    expect(await rig.flows.control.hold('Jane', 'app-1', true)).toMatchObject({ held: true });
  });

  it('Jane simply hangs up in a conference: Joe keeps the caller', async () => {
    await janeOnInboundCall();
    await consultJoe(true);
    await rig.flows.control.conference('Jane', 'app-1');
    await rig.settle();
    rig.voice.log.length = 0;
    await rig.event({ uuid: 'app-1', conversation_uuid: 'CON-1', status: 'completed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.log).toEqual([]);
    expect(await rig.flows.control.state('Joe', 'agent-leg-1')).toMatchObject({ consult: null });
  });

  it('the caller hanging up in a conference ends it for both agents', async () => {
    await janeOnInboundCall();
    await consultJoe(true);
    await rig.flows.control.conference('Jane', 'app-1');
    await rig.event({ uuid: 'caller-1', conversation_uuid: 'CON-1', status: 'completed', to: INBOUND });
    await rig.settle();
    expect(rig.voice.hangups.sort()).toEqual(['agent-leg-1', 'app-1']);
  });
});

describe('refusals: nothing changes', () => {
  it('a consult to an agent who is not available, to oneself, or twice; a conference before the answer; nothing to complete or leave', async () => {
    await janeOnInboundCall();
    rig.presence.set('Joe', 'away');
    expect(await refusal(rig.flows.control.consult('Jane', 'app-1', { type: 'agent', agent: 'Joe' }))).toEqual({ status: 409, code: 'agent_unavailable' });
    expect(await refusal(rig.flows.control.consult('Jane', 'app-1', { type: 'agent', agent: 'jane' }))).toEqual({ status: 400, code: 'invalid_request' });
    expect(await refusal(rig.flows.control.complete('Jane', 'app-1'))).toEqual({ status: 409, code: 'not_consulting' });
    expect(await refusal(rig.flows.control.leave('Jane', 'app-1'))).toEqual({ status: 409, code: 'not_in_conference' });
    await rig.settle();
    expect(rig.voice.log).toEqual([]);
    expect(rig.controls).toEqual([]);
    await consultJoe(false);
    expect(await refusal(rig.flows.control.consult('Jane', 'app-1', { type: 'phone', number: '14155550177' }))).toEqual({ status: 409, code: 'consulting' });
    expect(await refusal(rig.flows.control.conference('Jane', 'app-1'))).toEqual({ status: 409, code: 'not_answered' });
    // Joe, ringing, cannot act on the call; someone else's leg is unknown.
    expect(await refusal(rig.flows.control.leave('Joe', 'agent-leg-1'))).toEqual({ status: 404, code: 'not_found' });
    expect(await refusal(rig.flows.control.consult('Joe', 'app-1', { type: 'agent', agent: 'Jane' }))).toEqual({ status: 404, code: 'not_found' });
  });

  it('a consult from hold keeps the music and unmutes Jane only', async () => {
    await janeOnInboundCall();
    await rig.flows.control.hold('Jane', 'app-1', true);
    await rig.settle();
    expect(rig.voice.log).toEqual(['mute caller-1', 'mute app-1', `stream caller-1 ${MUSIC}`]);
    rig.voice.log.length = 0;
    await consultJoe(false);
    expect(rig.voice.log).toEqual(['unmute app-1', `transfer app-1 conversation:${ROOM}`, 'create Joe']);
  });
});

describe('warm transfer of a dialled (queue) call', () => {
  it('moves the agent out of the queue conversation and brings the caller to Joe', async () => {
    rig.presence.set('Jane', 'available');
    await rig.flows.answer({ to: QUEUE, from: CALLER, uuid: 'caller-1', conversation_uuid: 'CON-1' });
    await rig.settle();
    expect(rig.voice.created[0]?.to).toEqual([{ type: 'app', user: 'Jane' }]);
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'answered', to: 'Jane' });
    rig.presence.set('Jane', 'busy');
    await rig.settle();
    rig.voice.log.length = 0;
    rig.presence.set('Joe', 'available');
    await rig.flows.control.consult('Jane', 'agent-leg-1', { type: 'agent', agent: 'Joe' });
    await rig.settle();
    expect(rig.voice.log).toEqual([`stream caller-1 ${MUSIC}`, `transfer agent-leg-1 conversation:${ROOM}`, 'create Joe']);
    await rig.event({ uuid: 'agent-leg-2', conversation_uuid: 'CON-agent-2', status: 'answered', to: 'Joe' });
    await rig.flows.control.complete('Jane', 'agent-leg-1');
    await rig.settle();
    expect(rig.voice.log.slice(3)).toEqual(['stop-stream caller-1', 'unmute caller-1', `transfer caller-1 conversation:${ROOM}`, 'hangup agent-leg-1']);
    // Jane's leg ends: the caller stays; Joe's ends: the caller is hung up.
    await rig.event({ uuid: 'agent-leg-1', conversation_uuid: 'CON-agent-1', status: 'completed', to: 'Jane' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['agent-leg-1']);
    await rig.event({ uuid: 'agent-leg-2', conversation_uuid: 'CON-agent-2', status: 'completed', to: 'Joe' });
    await rig.settle();
    expect(rig.voice.hangups).toEqual(['agent-leg-1', 'caller-1']);
  });
});
