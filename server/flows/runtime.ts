/**
 * The call flows at run time: which NCCO each call gets, and what happens next — with every
 * call's state in PostgreSQL, so any backend instance can take any webhook and a restart
 * loses nothing.
 *
 * The answer_url picks the flow from the number called (`server/numbers`), or the outbound
 * flow for a call an agent places from the app. Flows that put a caller through to agents
 * keep the call's routing state (a {@link CallSession}) in `flow_calls` and follow the agent
 * legs' status events: an agent who declines or does not answer is followed by the next
 * available agent (longest idle first), then by the number's fallback. Two ways of reaching
 * an agent are used:
 *
 * - connect (inbound, IVR): the caller's NCCO connects the agent's app; on failure the
 *   backend transfers the caller's leg (Voice API `PUT /v1/calls/{uuid}`) to a new NCCO;
 * - dial (whisper, queue): the caller waits in a named conversation and the backend calls the
 *   agent (Voice API `POST /v1/calls`) with an answer_url that joins that conversation.
 *
 * Each webhook is one transaction that locks the call's row first ({@link CallFlows.withCall}),
 * so two instances apply one call's webhooks one after the other. An agent is rung for one
 * caller at a time across every instance: presence reserves them (`SELECT … FOR UPDATE SKIP
 * LOCKED`). What must happen outside the database — Voice API requests, call-record updates,
 * timers — is added as a job in the same transaction (`server/jobs/queue.ts`) and runs after
 * it commits, on whichever instance takes it; every job re-reads the call and does nothing
 * when the call has moved on, so running one twice is harmless.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from '../../common/call-context';
import type { Attempt, CallSession, FlowLog, PresenceView, Turn } from '../calls/model';
import { afterReservation, fallbackTarget, mayOfferAgent, offerPlan, preferredAgent, redirectAllowed } from '../calls/routing';
import { legEventRule } from '../calls/rules';
import { bindLeg, callOfLeg, firstDelivery, insertCall, lockCall, lockCallMonitoredBy, lockCallOfEvent, readCall, saveCall, type LockedCall } from '../calls/store';
import { leaveToTransaction, type Database, type Sql } from '../db/database';
import type { JobQueue } from '../jobs/queue';
import type { NumberDirectory } from '../numbers/directory';
import { numberSettings, type InboundSettings, type NumberSettings, type WhisperSettings } from '../numbers/schema';
import type { QueueDirectory } from '../queues/directory';
import { QueueManager, type QueueHost } from '../queues/manager';
import { MONITOR_FLOW, type CallRecordPatch, type NewCallEvent } from '../storage/types';
import { CallControl } from './control';
import { SupervisorMonitor } from './monitor';
import { TERMINAL_STATUSES } from '../webhooks/call-log';
import type { VoiceApi } from '../vonage/voice-api';
import { agentJoinNcco, connectAgentNcco, connectPhoneNcco, goodbyeNcco, holdConversationName, partyCallRequest, voicemailNcco, type HoldSpot } from './actions';
import { inboundCallNcco, nextAgentNcco } from './inbound';
import { ivrChoice, ivrConnectGreeting, ivrMenuNcco } from './ivr';
import type { AnswerContext, Ncco } from './ncco';
import { dialledNumber, outboundCallNcco } from './outbound';
import type { RouteTarget } from './targets';
import type { FlowUrls } from './urls';
import { whisperCallerNcco, whisperText } from './whisper';

export { MAX_REDIRECTS } from '../calls/routing';

/** Said when the number called has a flow the backend no longer knows how to run. */
const NOT_IN_SERVICE = 'Sorry, this number is not in service. Goodbye.';


/** The Voice API calls the flows make (hold needs the optional ones; a port without them refuses hold). */
export type VoicePort = Pick<VoiceApi, 'createCall' | 'transfer' | 'hangup' | 'talk'> & Partial<Pick<VoiceApi, 'setMuted' | 'stream' | 'stopStream'>>;

export { CallControlError, type ConsultTarget, type ControlState, type HoldState, type TransferTarget } from './control';

/** Where the flows write what they decided about a call. */
export interface CallRecordWriter {
  /** `within`: the flow's own transaction, so the record changes exactly when the decision commits. */
  updateCallRecord(conversationUuid: string, patch: CallRecordPatch, at?: string, within?: Sql): Promise<unknown>;
  /** Store an event of the call (call control's `control` events), in the flow's transaction. */
  recordEvent(event: NewCallEvent, summarize: undefined, within: Sql): Promise<unknown>;
}

/** A leg status event, as the event webhook stored it. */
export interface FlowEvent {
  uuid: string | null;
  conversation_uuid: string | null;
  status: string | null;
  from: string | null;
  to: string | null;
  /** The platform's timestamp, part of the key that tells a retried delivery from a new event. */
  timestamp?: string | null;
}


/** Everything {@link CallFlows} works with. */
export interface FlowDeps {
  db: Database;
  jobs: JobQueue;
  urls: FlowUrls;
  /** The contact center's number: outbound calls show it as their caller id. */
  contactNumber: string | null;
  numbers: NumberDirectory;
  queues: QueueDirectory;
  presence: PresenceView;
  voice: VoicePort;
  calls: CallRecordWriter;
  log: FlowLog;
  now?: () => number;
}



/** What the agent-leg answer_url receives. */
export interface AgentAnswerRequest {
  conversation: string;
  call: string;
  topic?: string | undefined;
  queue?: string | undefined;
  /** The agent's leg. */
  uuid?: string | undefined;
  /** A consult's id: the leg is a party an agent called about the call. */
  consult?: string | undefined;
}

/** What the IVR's input eventUrl receives. */
export interface DtmfRequest {
  number: string;
  attempt: number;
  uuid?: string | undefined;
  conversation_uuid?: string | undefined;
  from?: string | undefined;
  digits?: string | undefined;
}


/** What tells a retried delivery of a leg's status event from a new one. */
export function eventKey(event: { uuid: string | null; status: string | null; timestamp?: string | null | undefined }): string {
  return `${event.uuid ?? ''}:${event.status ?? ''}:${event.timestamp ?? ''}`;
}

export type { Attempt, CallSession, FlowLog, PresenceView, Turn } from '../calls/model';

/** Job tasks of the flows. */
const TASK = {
  dial: 'flow-dial',
  offer: 'flow-offer',
  whisperWait: 'flow-whisper-wait',
  presence: 'flow-presence',
  transfer: 'voice-transfer',
  hangup: 'voice-hangup',
  talk: 'voice-talk',
} as const;

/** The call flows. */
export class CallFlows implements QueueHost {
  private readonly queueManager: QueueManager;
  private readonly now: () => number;
  private readonly unsubscribe: () => void;
  private readonly defaultInbound: InboundSettings;
  /** The agent's call control (hold, transfers, consult, conference): `server/flows/control.ts`. */
  readonly control: CallControl;
  /** Supervisors listening, coaching, barging: `server/flows/monitor.ts`. */
  readonly monitor: SupervisorMonitor;

  constructor(private readonly deps: FlowDeps) {
    this.now = deps.now ?? Date.now;
    this.defaultInbound = numberSettings.parse({ flow: 'inbound' }) as InboundSettings;
    this.queueManager = new QueueManager({ db: deps.db, jobs: deps.jobs, directory: deps.queues, presence: deps.presence, host: this, now: this.now, log: deps.log });
    this.registerJobs();
    this.control = new CallControl({
      db: deps.db,
      jobs: deps.jobs,
      presence: deps.presence,
      queues: deps.queues,
      urls: deps.urls,
      voice: deps.voice,
      log: deps.log,
      now: () => this.now(),
      withCall: (callId, work) => this.withCall(callId, work),
      readCall: (callId) => readCall<CallSession>(deps.db, callId),
      callOfLeg: (legUuid) => callOfLeg(deps.db, legUuid),
      record: (turn, conversationUuid, patch) => this.record(turn, conversationUuid, patch),
      recordControl: async (turn, event) => {
        await deps.calls.recordEvent(event, undefined, turn.sql);
      },
      route: (turn, session, target, outcome) => this.route(turn, session, target, outcome),
      begin: (session, attempt) => this.begin(session, attempt),
      release: (turn, session, party) => this.release(turn, session, party),
      bind: (turn, session, party, legUuid) => this.bind(turn, session, party, legUuid),
      bindStray: async (turn, session, legUuid, agent) => {
        await bindLeg(turn.sql, legUuid, session.uuid, agent, null, new Date(this.now()).toISOString());
      },
      hangupLater: (turn, uuid) => this.hangupLater(turn, uuid),
      takeFallback: (turn, session, outcome) => this.takeFallback(turn, session, outcome),
    });
    this.monitor = new SupervisorMonitor({
      db: deps.db,
      control: this.control,
      now: () => this.now(),
      withCall: (callId, work) => this.withCall(callId, work),
      recordControl: async (turn, event) => {
        await deps.calls.recordEvent(event, undefined, turn.sql);
      },
    });
    // Any instance's presence change that leaves an agent free (available, reserved for no
    // call) may let a waiting caller be offered: one keyed job looks. A change to anything
    // else (reserved, busy, wrap-up, away, offline, unreachable) frees no one.
    this.unsubscribe = deps.presence.onChange((entry) => {
      if (entry.status !== 'available' || entry.reservedCall !== null || entry.reachable === false) return;
      deps.jobs.add(deps.db, TASK.presence, {}, { jobKey: TASK.presence }).catch((error: unknown) => deps.log.warn({ err: error }, 'could not schedule routing after a presence change'));
    });
  }

  /** The queues (supervisor view, dispatch). */
  get queues(): QueueManager {
    return this.queueManager;
  }

  /** Stop listening (shutdown); the jobs stop with the job queue. */
  close(): void {
    this.unsubscribe();
  }

  // ── transactions ──────────────────────────────────────────────────────────────

  /**
   * Run `work` on a call under its row lock, and save what it changed. Returns undefined
   * when the call is unknown (finished long ago, or never ours). `call` is its id, or its row
   * as `within` locked it already.
   */
  async withCall<T>(call: string | LockedCall, work: (turn: Turn, session: CallSession) => Promise<T>, within?: Sql): Promise<T | undefined> {
    const callId = typeof call === 'string' ? call : call.id;
    const run = async (sql: Sql): Promise<T | undefined> => {
      const row = typeof call === 'string' ? await lockCall<CallSession>(sql, callId) : (call as LockedCall<CallSession>);
      if (!row) return undefined;
      const session = row.state;
      const turn: Turn = { sql };
      const result = await work(turn, session);
      await this.commitTurn(turn, callId, session);
      return result;
    };
    // Inside the caller's transaction when given one (the event webhook's), else a new one.
    return within ? run(within) : this.deps.db.tx(run);
  }

  // ── answer_url ────────────────────────────────────────────────────────────────

  /**
   * The NCCO for a leg the platform asks about: outbound when an app user placed it,
   * otherwise the flow of the number called (the inbound flow when it has none).
   */
  async answer(context: AnswerContext): Promise<Ncco> {
    if (context.from_user && context.custom_data?.monitor !== undefined) {
      // A supervisor's own leg is not a call of the contact center: marked so the wallboard,
      // the call log and the reports leave it out (its steps are on the monitored call's timeline).
      await this.record(this.deps.db, context.conversation_uuid, { flow: MONITOR_FLOW });
      return this.monitor.answer(context.from_user, context.custom_data, context.uuid);
    }
    if (context.from_user) return this.outbound(context);
    const number = (context.to ?? '').replace(/^\+/, '');
    const config = this.deps.numbers.get(number);
    const uuid = context.uuid ?? randomUUID();
    const settings = config?.settings ?? this.defaultInbound;
    if (settings.flow === 'custom') {
      await this.record(this.deps.db, context.conversation_uuid, { flow: 'custom' });
      return settings.ncco;
    }
    return this.deps.db.tx(async (sql) => {
      const turn: Turn = { sql };
      const session = this.newSession(context, uuid, number, settings);
      if (!(await insertCall(sql, uuid, session.conversationUuid, session))) {
        // The platform asked again for a call we already answered: the same answer.
        const known = await lockCall<CallSession>(sql, uuid);
        return known?.state.firstNcco ?? goodbyeNcco(NOT_IN_SERVICE);
      }
      let ncco: Ncco;
      switch (settings.flow) {
        case 'inbound':
          ncco = await this.startInbound(turn, session, settings);
          break;
        case 'ivr':
          await this.record(turn, session.conversationUuid, { flow: 'ivr' });
          ncco = ivrMenuNcco(settings, this.deps.urls.dtmf(number, 1), 1);
          break;
        case 'whisper':
          ncco = await this.startWhisper(turn, session, settings);
          break;
        case 'queue':
          await this.record(turn, session.conversationUuid, { flow: 'queue' });
          ncco = await this.queueManager.join(turn, session, settings.queue);
          break;
      }
      session.firstNcco = ncco;
      await this.commitTurn(turn, uuid, session);
      return ncco;
    });
  }

  /** The NCCO for the fallback_answer_url: the answer_url failed, so apologise. */
  fallbackAnswer(): Ncco {
    return goodbyeNcco('Sorry, we cannot take your call right now. Please try again later. Goodbye.');
  }

  private async outbound(context: AnswerContext): Promise<Ncco> {
    await this.record(this.deps.db, context.conversation_uuid, { flow: 'outbound', agent: context.from_user ?? null });
    return outboundCallNcco(dialledNumber(context), this.deps.contactNumber);
  }

  private newSession(context: AnswerContext, uuid: string, number: string, settings: NumberSettings): CallSession {
    const routing =
      settings.flow === 'inbound' || settings.flow === 'ivr' || settings.flow === 'whisper'
        ? { ringTimeoutS: settings.ring_timeout_s, maxAttempts: settings.max_attempts, fallback: settings.fallback }
        : { ringTimeoutS: 20, maxAttempts: 3, fallback: { type: 'voicemail' } as RouteTarget };
    return {
      uuid,
      startedAt: this.now(),
      conversationUuid: context.conversation_uuid ?? null,
      number,
      caller: context.from ?? null,
      flow: settings.flow,
      label: settings.label ?? null,
      topic: settings.flow === 'whisper' ? settings.topic : null,
      queue: null,
      mode: settings.flow === 'whisper' || settings.flow === 'queue' ? 'dial' : 'connect',
      hold: { conversation: holdConversationName(settings.flow === 'whisper' ? 'whisper' : 'hold', uuid), musicUrl: this.deps.urls.holdMusic() },
      ...routing,
      tried: [],
      attempts: 0,
      attempt: null,
      fallbackUsed: false,
      redirects: 0,
      defaultAgent: settings.flow === 'inbound' ? settings.default_agent : null,
      fixed: settings.flow === 'whisper' ? settings.agent : null,
      waitUntil: null,
      ended: false,
      firstNcco: null,
    };
  }

  private async startInbound(turn: Turn, session: CallSession, settings: InboundSettings): Promise<Ncco> {
    await this.record(turn, session.conversationUuid, { flow: 'inbound' });
    const agent = await this.pickAgent(turn, session);
    if (!agent) {
      session.fallbackUsed = true;
      return this.route(turn, session, session.fallback, 'no-agents');
    }
    this.begin(session, { agent, phone: null, mode: 'connect' });
    return inboundCallNcco(settings, agent, session.hold.musicUrl);
  }

  private async startWhisper(turn: Turn, session: CallSession, settings: WhisperSettings): Promise<Ncco> {
    await this.record(turn, session.conversationUuid, { flow: 'whisper', topic: settings.topic });
    session.waitUntil = this.now() + settings.max_wait_s * 1000;
    await this.deps.jobs.add(turn.sql, TASK.whisperWait, { call: session.uuid }, { runAt: new Date(session.waitUntil), jobKey: `whisper-wait:${session.uuid}` });
    // Call the agent once the caller has their NCCO (the job runs after this answer commits).
    await this.deps.jobs.add(turn.sql, TASK.offer, { call: session.uuid });
    return whisperCallerNcco(settings, session.hold);
  }

  // ── IVR input ─────────────────────────────────────────────────────────────────

  /** The NCCO that continues an IVR call after the caller pressed a key (or none). */
  async dtmf(request: DtmfRequest): Promise<Ncco> {
    const config = this.deps.numbers.get(request.number);
    if (!config || config.settings.flow !== 'ivr') return goodbyeNcco(NOT_IN_SERVICE);
    const settings = config.settings;
    const uuid = request.uuid ?? randomUUID();
    return this.deps.db.tx(async (sql) => {
      const turn: Turn = { sql };
      let session = (await lockCall<CallSession>(sql, uuid))?.state;
      if (!session) {
        const context: AnswerContext = { uuid, to: request.number };
        if (request.from) context.from = request.from;
        if (request.conversation_uuid) context.conversation_uuid = request.conversation_uuid;
        session = this.newSession(context, uuid, request.number, settings);
        await insertCall(sql, uuid, session.conversationUuid, session);
      }
      const choice = ivrChoice(settings, request.digits, request.attempt);
      let ncco: Ncco;
      switch (choice.kind) {
        case 'repeat':
          ncco = ivrMenuNcco(settings, this.deps.urls.dtmf(request.number, choice.attempt), choice.attempt);
          break;
        case 'option':
          ncco = await this.route(turn, session, choice.target, null);
          break;
        case 'fallback':
          session.fallbackUsed = true;
          ncco = await this.route(turn, session, choice.target, 'no-choice');
          break;
      }
      await this.commitTurn(turn, uuid, session);
      return ncco;
    });
  }

  // ── agent legs placed with the Voice API ──────────────────────────────────────

  /**
   * The NCCO of an agent leg the backend placed: a private whisper (the campaign topic, or
   * the queue's own words), then the caller's conversation.
   */
  async agentAnswer(request: AgentAnswerRequest): Promise<Ncco> {
    if (request.consult) return this.control.consultAnswer(request.call, request.consult, request.uuid);
    const known = await this.withCall(request.call, async (turn, session) => {
      if (session.ended) return { ended: true as const };
      const attempt = session.attempt;
      if (attempt && attempt.mode === 'dial' && (request.uuid === undefined || attempt.legUuid === null || attempt.legUuid === request.uuid)) {
        if (request.uuid && attempt.legUuid === null) await this.bind(turn, session, attempt, request.uuid);
        await this.answered(turn, session, attempt);
      }
      return { ended: false as const, topic: session.topic, queue: session.queue, conversation: session.hold.conversation };
    });
    if (known?.ended) return goodbyeNcco('Sorry, the caller has hung up.');
    const topic = known?.topic ?? request.topic ?? null;
    const queue = known?.queue ?? request.queue ?? null;
    const whisper = topic ? whisperText(topic) : queue ? (this.deps.queues.get(queue)?.settings.agent_whisper ?? null) : null;
    return agentJoinNcco(known?.conversation ?? request.conversation, whisper);
  }

  // ── events ────────────────────────────────────────────────────────────────────

  /**
   * Follow a stored leg status event. On its own it is one transaction that finds and locks
   * the call (`lockCallOfEvent`) and applies a retried delivery once. Inside the event
   * webhook's transaction (`within`), the webhook did both and passes the call it locked.
   */
  async handleEvent(event: FlowEvent, within?: Sql, lockedCall?: LockedCall | null): Promise<void> {
    const { uuid, status } = event;
    if (!uuid || !status) return;
    const apply = async (sql: Sql): Promise<void> => {
      const call = lockedCall !== undefined ? lockedCall : await lockCallOfEvent(sql, { uuid, to: event.to, conversation_uuid: event.conversation_uuid });
      if (!call) {
        // A supervisor's leg that ended (page closed, network gone) leaves the call it monitored.
        if (!TERMINAL_STATUSES.has(status)) return;
        const monitored = await lockCallMonitoredBy(sql, uuid);
        if (monitored) await this.withCall(monitored, (turn, session) => this.monitor.legEnded(turn, session, uuid), sql);
        return;
      }
      if (within === undefined && !(await firstDelivery(sql, eventKey(event)))) return;
      await this.withCall(call, (turn, session) => this.applyLegEvent(turn, session, uuid, status, event.to), sql);
    };
    await (within ? apply(within) : this.deps.db.tx(apply));
  }

  /** Carry out what {@link legEventRule} decides for a leg's status event, under the call's lock. */
  private async applyLegEvent(turn: Turn, session: CallSession, uuid: string, status: string, to: string | null): Promise<void> {
    const decision = legEventRule(session, { uuid, status, to });
    if (decision.bind && session.attempt) await this.bind(turn, session, session.attempt, uuid);
    if (decision.bindConsult && session.consult) await this.bind(turn, session, session.consult, uuid);
    const attempt = session.attempt;
    switch (decision.action) {
      case 'caller-gone':
        await this.callerGone(turn, session);
        return;
      case 'hangup-stale-leg':
        await this.hangupLater(turn, uuid);
        return;
      case 'agent-answered':
        if (attempt) await this.answered(turn, session, attempt);
        return;
      case 'agent-finished':
        // The caller must not be left alone in the music or the conversation.
        session.attempt = null;
        if (!session.ended) await this.hangupLater(turn, session.uuid);
        await this.monitor.callEnded(turn, session);
        return;
      case 'owner-left-to-consult':
        await this.control.ownerLeft(turn, session);
        return;
      case 'attempt-failed':
        if (attempt) await this.attemptFailed(turn, session, attempt, status);
        return;
      case 'consult-answered':
        await this.control.consultAnswered(turn, session);
        return;
      case 'consult-failed':
        await this.control.consultFailed(turn, session);
        return;
      case 'consult-left':
        await this.control.consultLeft(turn, session);
        return;
      case 'none':
        return;
    }
  }

  private async bind(turn: Turn, session: CallSession, attempt: Attempt, legUuid: string): Promise<void> {
    attempt.legUuid = legUuid;
    const context: CallContext | null = attempt.agent
      ? {
          leg_uuid: legUuid,
          call_uuid: session.uuid,
          flow: session.flow,
          number: session.number || null,
          caller: session.caller,
          topic: session.topic,
          queue: session.queue,
          label: session.label,
        }
      : null;
    await bindLeg(turn.sql, legUuid, session.uuid, attempt.agent, context, new Date(this.now()).toISOString());
  }

  private async answered(turn: Turn, session: CallSession, attempt: Attempt): Promise<void> {
    if (attempt.answered) return;
    attempt.answered = true;
    await this.release(turn, session, attempt);
    await this.clearWait(turn, session);
    await this.record(turn, session.conversationUuid, { agent: attempt.agent ?? attempt.phone });
    if (session.queue) await this.queueManager.answered(turn, session);
    this.deps.log.info({ call: session.uuid, agent: attempt.agent, flow: session.flow }, 'agent answered');
  }

  private async attemptFailed(turn: Turn, session: CallSession, attempt: Attempt, status: string): Promise<void> {
    session.attempt = null;
    await this.release(turn, session, attempt);
    if (attempt.agent && !session.tried.includes(attempt.agent.toLowerCase())) session.tried.push(attempt.agent.toLowerCase());
    this.deps.log.info({ call: session.uuid, agent: attempt.agent, status }, 'agent did not take the call');
    if (session.ended) return;
    // The agent who declined stays on record until someone answers.
    if (attempt.agent) await this.record(turn, session.conversationUuid, { agent: attempt.agent });
    if (session.queue) {
      await this.queueManager.offerFailed(turn, session, attempt.agent);
      return;
    }
    await this.offerNext(turn, session);
  }

  /** The caller's leg ended: stop ringing agents, leave any queue. */
  private async callerGone(turn: Turn, session: CallSession): Promise<void> {
    if (session.ended) return;
    session.ended = true;
    await this.clearWait(turn, session);
    const attempt = session.attempt;
    session.attempt = null;
    if (attempt) {
      await this.release(turn, session, attempt);
      // A dialled agent still ringing, or still hearing the whisper (not yet in the conversation
      // that would end with the caller), must not be left on the line.
      if (attempt.mode === 'dial' && attempt.legUuid) await this.hangupLater(turn, attempt.legUuid);
    }
    await this.control.callerGone(turn, session, attempt);
    await this.monitor.callEnded(turn, session);
    await this.queueManager.leave(turn, session);
  }

  /** Whisper callers waiting for an agent, and every queue: someone may be free now. */
  private async presenceChanged(): Promise<void> {
    const { rows } = await this.deps.db.query<{ id: string }>(
      `SELECT id FROM flow_calls
        WHERE NOT ended AND state->>'flow' = 'whisper' AND state->'queue' = 'null'::jsonb
          AND state->'attempt' = 'null'::jsonb AND state->'waitUntil' <> 'null'::jsonb
        ORDER BY created_at LIMIT 200`,
    );
    for (const { id } of rows) {
      await this.withCall(id, async (turn, session) => {
        if (!session.ended && !session.queue && !session.attempt && session.waitUntil !== null) await this.offerNext(turn, session);
      });
    }
    await this.queueManager.requestDispatch(this.deps.db);
  }

  // ── routing ───────────────────────────────────────────────────────────────────

  /**
   * Offer the call to the next agent; when there is none (or enough were tried), wait for one
   * (whisper, within its wait) or take the fallback.
   */
  private async offerNext(turn: Turn, session: CallSession): Promise<void> {
    const call = { ...session, ringing: session.attempt !== null };
    const plan = offerPlan(call);
    switch (plan.kind) {
      case 'none':
        return;
      case 'dial-phone':
        await this.dial(turn, session, { agent: null, phone: plan.number, mode: 'dial' });
        return;
      case 'fallback':
        await this.takeFallback(turn, session, plan.outcome);
        return;
      case 'reserve':
        break;
    }
    const agent = await this.deps.presence.reserveNext(turn.sql, { callId: session.uuid, exclude: [...plan.exclude], members: [], prefer: plan.prefer });
    const step = afterReservation(session, agent, this.now());
    switch (step.kind) {
      case 'connect':
        this.begin(session, { agent: step.agent, phone: null, mode: 'connect' });
        await this.transfer(turn, session, nextAgentNcco(session.ringTimeoutS, step.agent, session.hold.musicUrl));
        return;
      case 'dial':
        await this.dial(turn, session, { agent: step.agent, phone: null, mode: 'dial' });
        return;
      case 'wait':
        return; // a presence change will wake it
      case 'fallback':
        await this.takeFallback(turn, session, step.outcome);
        return;
    }
  }

  private async takeFallback(turn: Turn, session: CallSession, outcome: string): Promise<void> {
    await this.clearWait(turn, session);
    const target = fallbackTarget(session);
    session.fallbackUsed = true;
    await this.transfer(turn, session, await this.route(turn, session, target, outcome));
  }

  private async whisperWaitOver(callId: string): Promise<void> {
    await this.withCall(callId, async (turn, session) => {
      // Whatever ended the wait (an answer, the fallback, the caller leaving) cleared it: this
      // job ran late (taken just before it was cancelled) or twice, and must change nothing.
      if (session.waitUntil === null) return;
      session.waitUntil = null;
      if (session.ended || session.queue || session.attempt?.answered) return;
      const attempt = session.attempt;
      session.attempt = null;
      if (attempt) {
        await this.release(turn, session, attempt);
        if (attempt.legUuid) await this.hangupLater(turn, attempt.legUuid);
      }
      await this.takeFallback(turn, session, 'timeout');
    });
  }

  /**
   * Reserve the agent to offer the call to next, or null: the whisper's fixed agent or the
   * number's default agent first, else the longest-idle available one — each only while
   * available (never away, offline, in wrap-up or ringing for another caller) and not tried yet.
   */
  private async pickAgent(turn: Turn, session: CallSession): Promise<string | null> {
    return this.deps.presence.reserveNext(turn.sql, { callId: session.uuid, exclude: session.tried, members: [], prefer: preferredAgent(session) });
  }

  /**
   * The NCCO that sends the caller to a target.
   *
   * Used for answers and for transfers. `outcome` is noted on the call record (why the flow
   * redirected: no-agents, timeout, overflow, no-answer, no-choice).
   */
  async route(turn: Turn, session: CallSession, target: RouteTarget, outcome: string | null): Promise<Ncco> {
    session.redirects += 1;
    if (outcome) await this.record(turn, session.conversationUuid, { flow_outcome: outcome });
    if (!redirectAllowed(session.redirects)) {
      await this.record(turn, session.conversationUuid, { flow_outcome: 'redirect-limit' });
      return goodbyeNcco();
    }
    switch (target.type) {
      case 'agent': {
        session.mode = 'connect';
        session.queue = null;
        // An explicit choice still honours presence: an agent who is away, offline, in
        // wrap-up or ringing elsewhere is passed over for the number's fallback.
        const reserved = mayOfferAgent(session, target.agent) && (await this.deps.presence.reserveAgent(turn.sql, target.agent, session.uuid));
        if (!reserved) {
          if (session.fallbackUsed) return goodbyeNcco();
          session.fallbackUsed = true;
          return this.route(turn, session, session.fallback, 'agent-unavailable');
        }
        this.begin(session, { agent: target.agent, phone: null, mode: 'connect' });
        return connectAgentNcco({ agent: target.agent, greeting: ivrConnectGreeting(target.agent), ringTimeoutS: session.ringTimeoutS, musicUrl: session.hold.musicUrl });
      }
      case 'queue':
        await this.record(turn, session.conversationUuid, { flow_outcome: outcome ?? 'queued' });
        return this.queueManager.join(turn, session, target.queue);
      case 'phone':
        session.attempt = null;
        return connectPhoneNcco(target.number, session.number || this.deps.contactNumber || target.number, session.ringTimeoutS);
      case 'voicemail':
        session.attempt = null;
        return voicemailNcco(this.deps.urls.recording(session.uuid), target.greeting);
      case 'disconnect':
        session.attempt = null;
        return goodbyeNcco(target.message);
    }
  }

  /** Record a new attempt (its agent, if any, is reserved already). */
  private begin(session: CallSession, attempt: Omit<Attempt, 'id' | 'legUuid' | 'answered'>): Attempt {
    const started: Attempt = { ...attempt, id: randomUUID(), legUuid: null, answered: false };
    session.attempt = started;
    session.attempts += 1;
    return started;
  }

  private async release(turn: Turn, session: CallSession, attempt: Attempt): Promise<void> {
    if (attempt.agent) await this.deps.presence.release(turn.sql, attempt.agent, session.uuid);
  }

  /** Call an agent (or phone) who will join the caller's conversation: a job places the call after commit. */
  private async dial(turn: Turn, session: CallSession, target: Omit<Attempt, 'id' | 'legUuid' | 'answered'>): Promise<void> {
    const attempt = this.begin(session, target);
    // Never retried: a second try could ring the agent twice.
    await this.deps.jobs.add(turn.sql, TASK.dial, { call: session.uuid, attempt: attempt.id }, { maxAttempts: 1 });
  }

  /** The `flow-dial` job: place the Voice API call, then bind its leg (or hang it up if the call moved on). */
  private async placeDial(callId: string, attemptId: string): Promise<void> {
    const session = await readCall<CallSession>(this.deps.db, callId);
    const attempt = session?.attempt;
    if (!session || session.ended || !attempt || attempt.id !== attemptId || attempt.legUuid !== null) return;
    let created: { uuid: string };
    try {
      // Seed 002: a phone is shown the campaign number.
      created = await this.deps.voice.createCall(
        partyCallRequest(attempt, session, {
          answer: this.deps.urls.agentAnswer({ conversation: session.hold.conversation, call: session.uuid, topic: session.topic, queue: session.queue }),
          event: this.deps.urls.event(),
        }),
      );
    } catch (error) {
      this.deps.log.warn({ call: callId, agent: attempt.agent, err: error }, 'could not call the agent');
      await this.withCall(callId, async (turn, current) => {
        if (current.attempt?.id === attemptId && !current.attempt.answered) await this.attemptFailed(turn, current, current.attempt, 'failed');
      });
      return;
    }
    await this.withCall(callId, async (turn, current) => {
      const now = current.attempt;
      if (now?.id === attemptId && !current.ended) {
        if (now.legUuid === null) await this.bind(turn, current, now, created.uuid);
        return;
      }
      // The call moved on (caller hung up, timeout) while the request was in flight. A leg its
      // own events bound already was dealt with by whatever moved the call on (it may be over).
      if (!(now?.id === attemptId && now.answered) && (await callOfLeg(turn.sql, created.uuid)) === null) {
        // Still a leg of this call: the call log files its events with the caller's, not as a call of its own.
        await bindLeg(turn.sql, created.uuid, callId, attempt.agent, null, new Date(this.now()).toISOString());
        await this.hangupLater(turn, created.uuid);
      }
    });
  }

  private async transfer(turn: Turn, session: CallSession, ncco: Ncco): Promise<void> {
    if (session.ended) return;
    await this.deps.jobs.add(turn.sql, TASK.transfer, { uuid: session.uuid, ncco }, { maxAttempts: 1 });
  }

  private async hangupLater(turn: Turn, uuid: string): Promise<void> {
    await this.deps.jobs.add(turn.sql, TASK.hangup, { uuid }, { maxAttempts: 3 });
  }

  private async clearWait(turn: Turn, session: CallSession): Promise<void> {
    if (session.waitUntil === null) return;
    session.waitUntil = null;
    await this.deps.jobs.remove(turn.sql, `whisper-wait:${session.uuid}`);
  }

  /**
   * Note something on the call's record. Within a turn the changes are merged and written
   * once, in the same transaction as the decision ({@link flushRecords}); given the pool, at once.
   */
  private async record(target: Turn | Database, conversationUuid: string | null | undefined, patch: CallRecordPatch): Promise<void> {
    if (!conversationUuid) return;
    if ('pool' in target) {
      await this.deps.calls.updateCallRecord(conversationUuid, patch, new Date(this.now()).toISOString());
      return;
    }
    target.patches ??= new Map();
    target.patches.set(conversationUuid, { ...target.patches.get(conversationUuid), ...patch });
  }

  /**
   * End a turn on a call: write the call's state and its call-record changes. The state is
   * final: its write goes out at once, with the record's first statements, and is left to the
   * transaction, whose COMMIT follows it.
   */
  private async commitTurn(turn: Turn, callId: string, session: CallSession): Promise<void> {
    leaveToTransaction(saveCall(turn.sql, callId, session, session.ended));
    await this.flushRecords(turn);
  }

  /** Write a turn's call-record changes (one update per conversation) before its transaction commits. */
  private async flushRecords(turn: Turn): Promise<void> {
    const patches = turn.patches;
    if (!patches) return;
    turn.patches = undefined;
    const at = new Date(this.now()).toISOString();
    for (const [conversationUuid, patch] of patches) await this.deps.calls.updateCallRecord(conversationUuid, patch, at, turn.sql);
  }


  // ── jobs ──────────────────────────────────────────────────────────────────────

  private registerJobs(): void {
    const { jobs, voice, log } = this.deps;
    const text = (value: unknown): string => (typeof value === 'string' ? value : '');
    jobs.register(TASK.dial, (p) => this.placeDial(text(p.call), text(p.attempt)));
    jobs.register(TASK.offer, async (p) => {
      await this.withCall(text(p.call), (turn, session) => this.offerNext(turn, session));
    });
    jobs.register(TASK.whisperWait, (p) => this.whisperWaitOver(text(p.call)));
    jobs.register(TASK.presence, () => this.presenceChanged());
    jobs.register(TASK.transfer, async (p) => {
      const uuid = text(p.uuid);
      try {
        await voice.transfer(uuid, p.ncco as Ncco);
      } catch (error) {
        // A caller left in the music would wait forever: end the call instead.
        log.error({ call: uuid, err: error }, 'transfer failed; hanging up the caller');
        await voice.hangup(uuid).catch(() => undefined);
      }
    });
    jobs.register(TASK.hangup, async (p) => {
      try {
        await voice.hangup(text(p.uuid));
      } catch (error) {
        // Usually the leg had ended already.
        log.info({ uuid: p.uuid, err: error }, 'hangup not applied');
      }
    });
    jobs.register(TASK.talk, async (p) => {
      await voice.talk(text(p.uuid), text(p.text)).catch((error: unknown) => log.info({ call: p.uuid, err: error }, 'announcement not played'));
    });
  }

  // ── QueueHost ─────────────────────────────────────────────────────────────────

  /** {@inheritDoc QueueHost.offer} */
  async offer(turn: Turn, session: CallSession, agent: string): Promise<void> {
    await this.dial(turn, session, { agent, phone: null, mode: 'dial' });
  }

  /** {@inheritDoc QueueHost.redirect} */
  async redirect(turn: Turn, session: CallSession, target: RouteTarget, outcome: string): Promise<void> {
    if (session.ended) return;
    const attempt = session.attempt;
    session.attempt = null;
    if (attempt && !attempt.answered) {
      await this.release(turn, session, attempt);
      if (attempt.legUuid) await this.hangupLater(turn, attempt.legUuid);
    }
    session.queue = null;
    await this.transfer(turn, session, await this.route(turn, session, target, outcome));
  }

  /** {@inheritDoc QueueHost.announce} */
  async announce(turn: Turn, session: CallSession, text: string): Promise<void> {
    if (session.ended) return;
    await this.deps.jobs.add(turn.sql, TASK.talk, { uuid: session.uuid, text }, { maxAttempts: 1 });
  }

  /** {@inheritDoc QueueHost.noteQueued} */
  async noteQueued(turn: Turn, session: CallSession, queue: string, hold: HoldSpot): Promise<void> {
    session.queue = queue;
    session.mode = 'dial';
    session.hold = hold;
    session.ringTimeoutS = this.deps.queues.get(queue)?.settings.ring_timeout_s ?? session.ringTimeoutS;
    await this.record(turn, session.conversationUuid, { queue, queued_at: new Date(this.now()).toISOString() });
  }

  /** {@inheritDoc QueueHost.noteTurnedAway} */
  async noteTurnedAway(turn: Turn, session: CallSession, queue: string): Promise<void> {
    await this.record(turn, session.conversationUuid, { queue, queued_at: new Date(this.now()).toISOString() });
  }

  /** {@inheritDoc QueueHost.holdMusicUrl} */
  holdMusicUrl(): string {
    return this.deps.urls.holdMusic();
  }

  /** A call by its caller's leg (for the voicemail webhook), while it is stored. */
  async session(uuid: string): Promise<CallSession | undefined> {
    return readCall<CallSession>(this.deps.db, uuid);
  }
}
