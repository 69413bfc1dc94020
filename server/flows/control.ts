/**
 * The agent's call control: what the app's in-call buttons do to the call the agent is on —
 * hold / resume, blind transfer, warm transfer (consult, then complete or cancel), three-way
 * conference and leaving it — and what the consulted party's leg events mean.
 *
 * Everything runs on the call's stored state under its row lock (through {@link ControlHost},
 * which `CallFlows` provides), and everything the platform must do is a job added in the same
 * transaction: the steps of one call run in order in a job queue of their own
 * (`control:<call>`). Each change is written to the call's record as a `control` event, so the
 * timeline shows it and the agents' segments count the caller's hold time.
 *
 * How a consult moves the legs (all Voice API transfers into named conversations):
 * - consult: the caller stays where they are and hears music (a stream to their leg); the
 *   agent's leg moves to a new conversation `consult-<call>-<n>`; the party is called into it.
 * - complete: the caller moves into that conversation and the agent's leg is hung up; the party
 *   now owns the call. Before the party answered, the caller is handed over when they do (or
 *   goes to the number's fallback should they not).
 * - conference: the caller moves in; everyone hears everyone.
 * - cancel, or the party declines or leaves: the caller moves in with the agent.
 * - leave: the agent's leg is hung up; the other party stays with the caller and owns the call.
 */
import { randomUUID } from 'node:crypto';
import type { Attempt, CallSession, Consult, FlowLog, PresenceView, Turn } from '../calls/model';
import type { Database } from '../db/database';
import type { JobQueue } from '../jobs/queue';
import type { QueueDirectory } from '../queues/directory';
import type { CallRecordPatch, NewCallEvent } from '../storage/types';
import type { VoiceApi } from '../vonage/voice-api';
import { connectAgentNcco, goodbyeNcco, partyCallRequest, speechBeforeConnect } from './actions';
import type { Ncco } from './ncco';
import type { RouteTarget } from './targets';
import type { FlowUrls } from './urls';

/** A call-control request the call's state does not allow; the route answers `status` with `code`. */
export class CallControlError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CallControlError';
  }
}

/** Where an agent can send a caller (blind transfer). */
export type TransferTarget = { type: 'agent'; agent: string } | { type: 'queue'; queue: string } | { type: 'phone'; number: string };

/** Whom an agent can consult (warm transfer, conference): another agent or an outside number. */
export type ConsultTarget = { type: 'agent'; agent: string } | { type: 'phone'; number: string };

/** What the agent's app is told of a call's hold state. */
export interface HoldState {
  held: boolean;
  /** When the current hold began (ISO), or null. */
  since: string | null;
  /** Seconds held so far in this call, the current hold included. */
  total_s: number;
}

/** The call as its agent's app sees it: hold, and any consult or conference. */
export interface ControlState extends HoldState {
  consult: null | {
    target: ConsultTarget;
    /** ringing: the party has not answered; talking: agent and party, the caller holds; conference: all three. */
    state: 'ringing' | 'talking' | 'conference';
    /** The agent who called the party in. */
    by: string;
  };
}

/** What a caller hears as a blind transfer to an agent starts. */
export const TRANSFER_GREETING = 'Please hold while we transfer your call.';

/** The Voice API requests call control makes. */
export type ControlVoice = Pick<VoiceApi, 'createCall' | 'transfer' | 'hangup'> & Partial<Pick<VoiceApi, 'setMuted' | 'stream' | 'stopStream' | 'talk'>>;

/** One platform step of a call-control change, run in order with the call's other steps. */
export type Step =
  | { op: 'mute'; uuid: string; muted: boolean }
  | { op: 'stream'; uuid: string; url: string }
  | { op: 'stop-stream'; uuid: string }
  /** Speech into a leg (`PUT /v1/calls/{uuid}/talk`), over whatever its NCCO does meanwhile. */
  | { op: 'talk'; uuid: string; text: string }
  | { op: 'transfer'; uuid: string; ncco: Ncco }
  | { op: 'hangup'; uuid: string };

/** What call control needs of the flows (`CallFlows` provides it over its own state and helpers). */
export interface ControlHost {
  db: Database;
  jobs: JobQueue;
  presence: PresenceView;
  queues: QueueDirectory;
  urls: FlowUrls;
  voice: ControlVoice;
  log: FlowLog;
  now(): number;
  withCall<T>(callId: string, work: (turn: Turn, session: CallSession) => Promise<T>): Promise<T | undefined>;
  /** A call's stored state, unlocked (a job's first look). */
  readCall(callId: string): Promise<CallSession | undefined>;
  callOfLeg(legUuid: string): Promise<string | null>;
  record(turn: Turn, conversationUuid: string | null, patch: CallRecordPatch): Promise<void>;
  /** Write a control event to the call's record, in the turn's transaction. */
  recordControl(turn: Turn, event: NewCallEvent): Promise<void>;
  route(turn: Turn, session: CallSession, target: RouteTarget, outcome: string | null): Promise<Ncco>;
  begin(session: CallSession, attempt: Omit<Attempt, 'id' | 'legUuid' | 'answered'>): Attempt;
  release(turn: Turn, session: CallSession, party: Attempt): Promise<void>;
  bind(turn: Turn, session: CallSession, party: Attempt, legUuid: string): Promise<void>;
  /** File a leg with the call without making it a party (a leg placed for a consult that moved on). */
  bindStray(turn: Turn, session: CallSession, legUuid: string, agent: string | null): Promise<void>;
  hangupLater(turn: Turn, uuid: string): Promise<void>;
  takeFallback(turn: Turn, session: CallSession, outcome: string): Promise<void>;
}

const TASK = { steps: 'control-steps', consultDial: 'control-consult-dial' } as const;

const lower = (name: string | null | undefined): string => (name ?? '').toLowerCase();

/** The agent's call control over the stored calls. */
export class CallControl {
  constructor(private readonly host: ControlHost) {
    host.jobs.register(TASK.steps, (p) => this.runSteps(p.steps as Step[]));
    host.jobs.register(TASK.consultDial, (p) => this.placeConsult(String(p.call), String(p.consult)));
  }

  // ── requests from the app ────────────────────────────────────────────────────

  /** The call's control state, for the agent on one of its legs. */
  async state(agent: string, legUuid: string): Promise<ControlState> {
    return this.controlled(agent, legUuid, { party: true }, async (_turn, session) => this.stateOf(session));
  }

  /** Put the caller on hold (music, neither side hears the other) or take them off; setting the current state again changes nothing. */
  async hold(agent: string, legUuid: string, held: boolean): Promise<ControlState> {
    return this.controlled(agent, legUuid, {}, async (turn, session, owner) => {
      if (session.consult) throw new CallControlError(409, 'consulting', 'Finish the consult or conference first');
      const isHeld = session.heldSince !== undefined && session.heldSince !== null;
      if (held !== isHeld && owner.legUuid) {
        if (held) session.heldSince = this.host.now();
        else this.endHold(session);
        await this.steps(turn, session, [
          { op: 'mute', uuid: session.uuid, muted: held },
          { op: 'mute', uuid: owner.legUuid, muted: held },
          held ? { op: 'stream', uuid: session.uuid, url: session.hold.musicUrl } : { op: 'stop-stream', uuid: session.uuid },
        ]);
        await this.note(turn, session, owner, held ? 'hold' : 'resume');
        this.host.log.info({ call: session.uuid, agent: owner.agent, held }, held ? 'caller on hold' : 'caller off hold');
      }
      return this.stateOf(session);
    });
  }

  /**
   * Blind transfer: send the caller to another agent (who must be available: otherwise a 409
   * and nothing changes), a queue or an outside number; the transferring agent's leg is hung up.
   */
  async transfer(agent: string, legUuid: string, target: TransferTarget): Promise<{ status: 'transferring'; target: TransferTarget }> {
    return this.controlled(agent, legUuid, {}, async (turn, session, owner) => {
      if (session.consult) throw new CallControlError(409, 'consulting', 'Finish the consult or conference first');
      let ncco: Ncco;
      let greeting: string | null = null;
      if (target.type === 'agent') {
        if (lower(target.agent) === lower(agent)) throw new CallControlError(400, 'invalid_request', 'You cannot transfer a call to yourself', 'target.agent');
        if (!(await this.host.presence.reserveAgent(turn.sql, target.agent, session.uuid))) {
          throw new CallControlError(409, 'agent_unavailable', `${target.agent} is not available`, 'target.agent');
        }
        session.mode = 'connect';
        session.queue = null;
        // The new agent may decline: the caller then goes on to others, then the fallback, never dropped.
        session.tried = [lower(agent)];
        session.attempts = 0;
        session.attempt = null;
        await this.host.record(turn, session.conversationUuid, { flow_outcome: 'transferred' });
        this.host.begin(session, { agent: target.agent, phone: null, mode: 'connect' });
        // The caller hears the message while the target's app already rings: spoken into the
        // caller's leg through the Voice API after the transfer, not as the NCCO's first
        // action (NCCO actions run in order: the connect would wait for the speech to end).
        // A Voice API port that cannot speak into a leg keeps it in the NCCO.
        greeting = this.host.voice.talk ? TRANSFER_GREETING : null;
        ncco = connectAgentNcco({ agent: target.agent, greeting: greeting ? null : TRANSFER_GREETING, ringTimeoutS: session.ringTimeoutS, musicUrl: session.hold.musicUrl });
      } else {
        if (target.type === 'queue' && !this.host.queues.get(target.queue)) {
          throw new CallControlError(400, 'invalid_request', `There is no queue named "${target.queue}"`, 'target.queue');
        }
        session.attempt = null;
        const routed = await this.host.route(turn, session, target.type === 'queue' ? { type: 'queue', queue: target.queue } : { type: 'phone', number: target.number }, 'transferred');
        // To a number, as to an agent: "please wait" is spoken through the Voice API while the
        // number already rings. A queue keeps its greeting and position in the NCCO, before its
        // line: its agent is offered the call at once either way (the queue manager does that),
        // and spoken through the Voice API they would play over the line's music, or over the
        // agent who answers mid-sentence.
        const split = this.host.voice.talk && target.type === 'phone' ? speechBeforeConnect(routed) : { said: null, rest: routed };
        greeting = split.said;
        ncco = split.rest;
      }
      const steps: Step[] = [];
      // The caller leaves hold with the transfer; their hold time stays on record.
      if (session.heldSince !== undefined && session.heldSince !== null) {
        this.endHold(session);
        steps.push({ op: 'mute', uuid: session.uuid, muted: false }, { op: 'stop-stream', uuid: session.uuid });
      }
      steps.push({ op: 'transfer', uuid: session.uuid, ncco });
      if (owner.legUuid) steps.push({ op: 'hangup', uuid: owner.legUuid });
      if (greeting) steps.push({ op: 'talk', uuid: session.uuid, text: greeting });
      await this.steps(turn, session, steps);
      await this.note(turn, session, owner, 'transfer', { target });
      this.host.log.info({ call: session.uuid, agent, target }, 'blind transfer');
      return { status: 'transferring' as const, target };
    });
  }

  /**
   * Warm transfer, first step: the caller holds (music) while the agent calls `target` in a
   * conversation of their own. The target agent must be available (else a 409, nothing changes).
   */
  async consult(agent: string, legUuid: string, target: ConsultTarget): Promise<ControlState> {
    return this.controlled(agent, legUuid, {}, async (turn, session, owner) => {
      if (session.consult) throw new CallControlError(409, 'consulting', 'A consult is already under way on this call');
      if (!owner.legUuid) throw new CallControlError(409, 'not_answered', 'The call has not been answered yet');
      if (target.type === 'agent') {
        if (lower(target.agent) === lower(agent)) throw new CallControlError(400, 'invalid_request', 'You cannot consult yourself', 'target.agent');
        if (!(await this.host.presence.reserveAgent(turn.sql, target.agent, session.uuid))) {
          throw new CallControlError(409, 'agent_unavailable', `${target.agent} is not available`, 'target.agent');
        }
      }
      session.rooms = (session.rooms ?? 0) + 1;
      const consult: Consult = {
        id: randomUUID(),
        agent: target.type === 'agent' ? target.agent : null,
        phone: target.type === 'phone' ? target.number : null,
        mode: 'dial',
        legUuid: null,
        answered: false,
        state: 'consulting',
        room: `consult-${session.uuid}-${session.rooms}`,
        by: owner.agent ?? agent,
        handOff: false,
      };
      session.consult = consult;
      const wasHeld = session.heldSince !== undefined && session.heldSince !== null;
      // The caller holds for the whole consult (it counts as hold time).
      if (!wasHeld) session.heldSince = this.host.now();
      await this.steps(turn, session, [
        // Already on hold: the music plays and the caller is muted; the agent must be heard again.
        ...(wasHeld ? [{ op: 'mute', uuid: owner.legUuid, muted: false } as const] : [{ op: 'stream', uuid: session.uuid, url: session.hold.musicUrl } as const]),
        { op: 'transfer', uuid: owner.legUuid, ncco: [{ action: 'conversation', name: consult.room, startOnEnter: true }] },
      ]);
      // After the steps above (the same job queue), so the agent is in the conversation first.
      // Never retried: a second try could ring the party twice.
      await this.host.jobs.add(turn.sql, TASK.consultDial, { call: session.uuid, consult: consult.id }, { queueName: `control:${session.uuid}`, maxAttempts: 1 });
      await this.note(turn, session, owner, 'consult', { target });
      this.host.log.info({ call: session.uuid, agent, target }, 'consult');
      return this.stateOf(session);
    });
  }

  /**
   * Warm transfer, done: the caller joins the party and the agent leaves. Before the party
   * answers, the agent leaves now and the caller is put through when they answer.
   */
  async complete(agent: string, legUuid: string): Promise<ControlState> {
    return this.controlled(agent, legUuid, {}, async (turn, session, owner) => {
      const consult = this.consulting(session);
      if (consult.answered) {
        await this.handOver(turn, session, owner, consult);
      } else {
        consult.handOff = true;
        if (owner.legUuid) await this.steps(turn, session, [{ op: 'hangup', uuid: owner.legUuid }]);
        await this.note(turn, session, owner, 'transfer-pending', { target: this.targetOf(consult) });
      }
      return this.stateOf(session);
    });
  }

  /** Warm transfer, abandoned: the party is hung up and the caller is back with the agent. */
  async cancel(agent: string, legUuid: string): Promise<ControlState> {
    return this.controlled(agent, legUuid, {}, async (turn, session, owner) => {
      const consult = this.consulting(session);
      session.consult = null;
      if (!consult.answered) await this.host.release(turn, session, consult);
      const steps: Step[] = [];
      if (consult.legUuid) steps.push({ op: 'hangup', uuid: consult.legUuid });
      await this.steps(turn, session, [...steps, ...this.bringCallerIn(session, consult.room)]);
      await this.note(turn, session, owner, 'consult-cancelled');
      return this.stateOf(session);
    });
  }

  /** Three-way conference: the caller joins the agent and the party, who has answered. */
  async conference(agent: string, legUuid: string): Promise<ControlState> {
    return this.controlled(agent, legUuid, {}, async (turn, session, owner) => {
      const consult = this.consulting(session);
      if (!consult.answered) throw new CallControlError(409, 'not_answered', `${consult.agent ?? consult.phone} has not answered yet`);
      consult.state = 'conference';
      await this.steps(turn, session, this.bringCallerIn(session, consult.room));
      await this.note(turn, session, owner, 'conference', { target: this.targetOf(consult) });
      return this.stateOf(session);
    });
  }

  /**
   * Leave a three-way conference: this agent's leg is hung up and the call goes on between the
   * caller and the other party (who owns it now, when the owner left).
   */
  async leave(agent: string, legUuid: string): Promise<{ status: 'left' }> {
    return this.controlled(agent, legUuid, { party: true }, async (turn, session, owner) => {
      const consult = session.consult;
      if (!consult || consult.state !== 'conference') throw new CallControlError(409, 'not_in_conference', 'The call is not a conference: hang up to end it');
      if (consult.legUuid === legUuid) {
        session.consult = null;
        await this.note(turn, session, consult, 'left-conference');
      } else {
        this.promote(session, consult);
        await this.note(turn, session, owner, 'left-conference');
      }
      await this.steps(turn, session, [{ op: 'hangup', uuid: legUuid }]);
      return { status: 'left' as const };
    });
  }

  /** Where an agent may transfer a call now: agents who are available, and every queue. */
  targets(agent: string): { agents: Array<{ name: string; status: string }>; queues: Array<{ name: string; label: string | null }> } {
    return {
      agents: this.host.presence
        .list()
        .filter((p) => lower(p.name) !== lower(agent))
        .map((p) => ({ name: p.name, status: p.status })),
      queues: this.host.queues.list().map((q) => ({ name: q.name, label: q.settings.label ?? null })),
    };
  }

  // ── what the consulted party's leg does (called by the flows under the call's lock) ──

  /** The consulted party answered: their reservation ends; a pending hand-over happens now. */
  async consultAnswered(turn: Turn, session: CallSession): Promise<void> {
    const consult = session.consult;
    if (!consult || consult.answered) return;
    consult.answered = true;
    await this.host.release(turn, session, consult);
    if (consult.handOff && session.attempt) await this.handOver(turn, session, session.attempt, consult);
  }

  /** The consulted party did not answer: the caller is back with the agent, or — the agent gone — goes to the fallback. */
  async consultFailed(turn: Turn, session: CallSession): Promise<void> {
    const consult = session.consult;
    if (!consult) return;
    session.consult = null;
    await this.host.release(turn, session, consult);
    await this.note(turn, session, consult, 'consult-failed');
    if (session.ended) return;
    if (consult.handOff) {
      session.attempt = null;
      this.endHold(session);
      await this.steps(turn, session, [{ op: 'stop-stream', uuid: session.uuid }, { op: 'mute', uuid: session.uuid, muted: false }]);
      await this.host.takeFallback(turn, session, 'transfer-failed');
      return;
    }
    await this.steps(turn, session, this.bringCallerIn(session, consult.room));
  }

  /** The consulted party hung up: in a consult the caller returns to the agent; a conference goes on without them. */
  async consultLeft(turn: Turn, session: CallSession): Promise<void> {
    const consult = session.consult;
    if (!consult) return;
    session.consult = null;
    await this.note(turn, session, consult, 'consult-ended');
    if (consult.state === 'consulting' && !session.ended) await this.steps(turn, session, this.bringCallerIn(session, consult.room));
  }

  /** The owning agent hung up with a party consulted: the party takes the caller (at once, or on answer). */
  async ownerLeft(turn: Turn, session: CallSession): Promise<void> {
    const consult = session.consult;
    const owner = session.attempt;
    if (!consult || !owner) return;
    if (!consult.answered) {
      consult.handOff = true;
      return;
    }
    if (consult.state === 'conference') {
      this.promote(session, consult);
      await this.note(turn, session, owner, 'left-conference');
      return;
    }
    await this.handOver(turn, session, owner, consult);
  }

  /** The caller hung up: hang up the consulted party and an agent in a consult's conversation (which the caller's leaving does not end). */
  async callerGone(turn: Turn, session: CallSession, owner: Attempt | null): Promise<void> {
    const consult = session.consult;
    session.consult = null;
    const steps: Step[] = [];
    if (consult) {
      if (!consult.answered) await this.host.release(turn, session, consult);
      if (consult.legUuid) steps.push({ op: 'hangup', uuid: consult.legUuid });
    }
    // A dialled owner is hung up by the flows already.
    if ((consult || session.room) && owner?.answered && owner.legUuid && owner.mode !== 'dial') steps.push({ op: 'hangup', uuid: owner.legUuid });
    if (steps.length > 0) await this.steps(turn, session, steps);
  }

  /** The NCCO of the consulted party's leg: who calls, then the consult's conversation. */
  async consultAnswer(callId: string, consultId: string, legUuid: string | undefined): Promise<Ncco> {
    const ncco = await this.host.withCall(callId, async (turn, session) => {
      const consult = session.consult;
      if (session.ended || !consult || consult.id !== consultId) return null;
      if (legUuid && consult.legUuid === null) await this.host.bind(turn, session, consult, legUuid);
      await this.consultAnswered(turn, session);
      const caller = session.caller ? ` about a call from ${session.caller.replace(/^\+?/, '+')}` : '';
      return [
        { action: 'talk', text: `${consult.by} is calling you${caller}.` },
        // No endOnExit: the consult's conversation outlives any one of its members (the flows hang up who must go).
        { action: 'conversation', name: consult.room, startOnEnter: true },
      ] satisfies Ncco;
    });
    return ncco ?? goodbyeNcco('Sorry, this call has ended.');
  }

  // ── inside ───────────────────────────────────────────────────────────────────

  /**
   * Lock the call of a leg and run `work` with the call's owning party, or throw a
   * {@link CallControlError}: unknown leg or not this agent's (404), the call ended or not
   * answered (409). `party`: the consulted agent's leg may ask too.
   */
  private async controlled<T>(agent: string, legUuid: string, options: { party?: boolean }, work: (turn: Turn, session: CallSession, owner: Attempt) => Promise<T>): Promise<T> {
    const notFound = () => new CallControlError(404, 'not_found', 'No call of yours has this leg', 'legUuid');
    const callId = await this.host.callOfLeg(legUuid);
    if (!callId) throw notFound();
    const result = await this.host.withCall(callId, async (turn, session) => {
      const owner = session.attempt;
      const mine = (party: Attempt | null | undefined): party is Attempt => !!party && party.legUuid === legUuid && lower(party.agent) === lower(agent);
      if (!mine(owner) && !(options.party && mine(session.consult) && session.consult.answered)) throw notFound();
      if (session.ended) throw new CallControlError(409, 'call_ended', 'The caller has hung up');
      if (!owner?.answered) throw new CallControlError(409, 'not_answered', 'The call has not been answered yet');
      return { value: await work(turn, session, owner) };
    });
    if (!result) throw notFound();
    return result.value;
  }

  /** The consult under way (not a conference), or a 409. */
  private consulting(session: CallSession): Consult {
    const consult = session.consult;
    if (!consult) throw new CallControlError(409, 'not_consulting', 'There is no consult on this call');
    if (consult.state !== 'consulting') throw new CallControlError(409, 'in_conference', 'The call is a conference: leave it instead');
    return consult;
  }

  /** The caller joins the consult's party and the owner leaves: the party owns the call now. */
  private async handOver(turn: Turn, session: CallSession, owner: Attempt, consult: Consult): Promise<void> {
    const steps = this.bringCallerIn(session, consult.room);
    if (owner.legUuid) steps.push({ op: 'hangup', uuid: owner.legUuid });
    await this.steps(turn, session, steps);
    this.promote(session, consult);
    // The record's agent is the last agent on the call: a phone party leaves it with the agent who transferred.
    await this.host.record(turn, session.conversationUuid, consult.agent ? { agent: consult.agent, flow_outcome: 'transferred' } : { flow_outcome: 'transferred' });
    await this.note(turn, session, owner, 'transfer-completed', { target: this.targetOf(consult) });
    this.host.log.info({ call: session.uuid, from: owner.agent, to: consult.agent ?? consult.phone }, 'warm transfer completed');
  }

  /** The consulted party becomes the call's owner (answered, in dial mode: their leg was placed). */
  private promote(session: CallSession, consult: Consult): void {
    session.attempt = { id: consult.id, agent: consult.agent, phone: consult.phone, mode: 'dial', legUuid: consult.legUuid, answered: true };
    session.consult = null;
  }

  /** Steps that end the caller's hold and move them into `room`; the call's hold time is brought up to date. */
  private bringCallerIn(session: CallSession, room: string): Step[] {
    this.endHold(session);
    session.room = room;
    return [
      { op: 'stop-stream', uuid: session.uuid },
      { op: 'mute', uuid: session.uuid, muted: false },
      // The caller leaving ends the conversation for everyone (the platform does it, even with the backend down).
      { op: 'transfer', uuid: session.uuid, ncco: [{ action: 'conversation', name: room, startOnEnter: true, endOnExit: true }] },
    ];
  }

  private endHold(session: CallSession): void {
    if (session.heldSince === undefined || session.heldSince === null) return;
    session.holdS = (session.holdS ?? 0) + Math.max(0, Math.round((this.host.now() - session.heldSince) / 1000));
    session.heldSince = null;
  }

  private stateOf(session: CallSession): ControlState {
    const since = session.heldSince ?? null;
    const current = since === null ? 0 : Math.max(0, Math.round((this.host.now() - since) / 1000));
    const consult = session.consult;
    return {
      held: since !== null,
      since: since === null ? null : new Date(since).toISOString(),
      total_s: (session.holdS ?? 0) + current,
      consult: consult ? { target: this.targetOf(consult), state: consult.state === 'conference' ? 'conference' : consult.answered ? 'talking' : 'ringing', by: consult.by } : null,
    };
  }

  private targetOf(party: Attempt): ConsultTarget {
    return party.agent ? { type: 'agent', agent: party.agent } : { type: 'phone', number: party.phone ?? '' };
  }

  /** Platform steps of another concern on this call (supervisor monitoring), in order with call control's own. */
  async addSteps(turn: Turn, session: CallSession, steps: Step[]): Promise<void> {
    await this.steps(turn, session, steps);
  }

  /** Add the call's platform steps as one job, run after commit in order with its earlier steps. */
  private async steps(turn: Turn, session: CallSession, steps: Step[]): Promise<void> {
    if (session.ended && steps.every((s) => s.op !== 'hangup')) return;
    await this.host.jobs.add(turn.sql, TASK.steps, { steps }, { queueName: `control:${session.uuid}`, maxAttempts: 1 });
  }

  /** The `control-steps` job: each step in turn; one that fails (a leg already gone) does not stop the rest. */
  private async runSteps(steps: Step[]): Promise<void> {
    const voice = this.host.voice;
    for (const step of steps) {
      try {
        switch (step.op) {
          case 'mute':
            if (!voice.setMuted) throw new Error('this Voice API port cannot mute');
            await voice.setMuted(step.uuid, step.muted);
            break;
          case 'stream':
            if (!voice.stream) throw new Error('this Voice API port cannot stream');
            await voice.stream(step.uuid, step.url, 0);
            break;
          case 'stop-stream':
            await voice.stopStream?.(step.uuid);
            break;
          case 'talk':
            if (!voice.talk) throw new Error('this Voice API port cannot speak into a leg');
            await voice.talk(step.uuid, step.text);
            break;
          case 'transfer':
            await voice.transfer(step.uuid, step.ncco);
            break;
          case 'hangup':
            await voice.hangup(step.uuid);
            break;
        }
      } catch (error) {
        // A stream already stopped or a leg already gone is the usual cause; the call's events say the rest.
        this.host.log.info({ step: step.op, uuid: step.uuid, err: error }, 'call-control step not applied');
      }
    }
  }

  /** The `control-consult-dial` job: call the party into the consult's conversation, then bind the leg (or hang it up if the consult moved on). */
  private async placeConsult(callId: string, consultId: string): Promise<void> {
    const session = await this.host.readCall(callId);
    const consult = session?.consult;
    if (!session || session.ended || !consult || consult.id !== consultId || consult.legUuid !== null) return;
    let created: { uuid: string };
    try {
      created = await this.host.voice.createCall(
        partyCallRequest(consult, session, { answer: this.host.urls.agentAnswer({ conversation: consult.room, call: session.uuid, consult: consult.id }), event: this.host.urls.event() }),
      );
    } catch (error) {
      this.host.log.warn({ call: callId, target: consult.agent ?? consult.phone, err: error }, 'could not call the consulted party');
      await this.host.withCall(callId, async (turn, current) => {
        if (current.consult?.id === consultId && !current.consult.answered) await this.consultFailed(turn, current);
      });
      return;
    }
    await this.host.withCall(callId, async (turn, current) => {
      const now = current.consult;
      if (now?.id === consultId && !current.ended) {
        if (now.legUuid === null) await this.host.bind(turn, current, now, created.uuid);
        return;
      }
      // The consult was cancelled (or the caller left) while the request was in flight.
      if (current.attempt?.legUuid !== created.uuid && (await this.host.callOfLeg(created.uuid)) === null) {
        await this.host.bindStray(turn, current, created.uuid, consult.agent);
        await this.host.hangupLater(turn, created.uuid);
      }
    });
  }

  /** Write a control event (`hold`, `consult`, …) to the call's record, as the leg of `party`. */
  private async note(turn: Turn, session: CallSession, party: Attempt, action: string, detail: Record<string, unknown> = {}): Promise<void> {
    if (!session.conversationUuid) return;
    const at = new Date(this.host.now()).toISOString();
    await this.host.recordControl(turn, {
      conversation_uuid: session.conversationUuid,
      uuid: party.legUuid,
      kind: 'control',
      status: action,
      agent: party.agent,
      direction: null,
      from: null,
      to: null,
      timestamp: at,
      raw: JSON.stringify({ action, ...detail }),
      received_at: at,
    });
  }
}
