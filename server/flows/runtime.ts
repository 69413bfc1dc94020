/**
 * The call flows at run time: which NCCO each call gets, and what happens next.
 *
 * The answer_url picks the flow from the number called (`server/numbers`), or the outbound
 * flow for a call an agent places from the app. Flows that put a caller through to agents
 * keep a small in-memory record of the call (a {@link CallSession}) and follow the agent legs'
 * status events (`ctx.callEvents`): an agent who declines or does not answer is followed by
 * the next available agent (longest idle first), then by the number's fallback. Two ways of
 * reaching an agent are used:
 *
 * - connect (inbound, IVR): the caller's NCCO connects the agent's app; on failure the
 *   backend transfers the caller's leg (Voice API `PUT /v1/calls/{uuid}`) to a new NCCO;
 * - dial (whisper, queue): the caller waits in a named conversation and the backend calls the
 *   agent (Voice API `POST /v1/calls`) with an answer_url that joins that conversation.
 *
 * Answers are built from memory; the call record is updated without holding the answer up.
 * Live calls are not persisted: a restarted backend serves new calls, not ones in progress.
 */
import { randomUUID } from 'node:crypto';
import type { CallContext } from '../../common/call-context';
import type { NumberDirectory } from '../numbers/directory';
import { numberSettings, type InboundSettings, type NumberFlowName, type NumberSettings, type WhisperSettings } from '../numbers/schema';
import type { QueueDirectory } from '../queues/directory';
import { QueueManager, type QueueHost } from '../queues/manager';
import type { CallRecordPatch } from '../storage/types';
import type { VoiceApi } from '../vonage/voice-api';
import { TERMINAL_STATUSES } from '../webhooks/call-log';
import { agentJoinNcco, connectAgentNcco, connectPhoneNcco, goodbyeNcco, holdConversationName, voicemailNcco, type HoldSpot } from './actions';
import type { CallContexts } from './contexts';
import { inboundCallNcco, nextAgentNcco } from './inbound';
import { ivrChoice, ivrConnectGreeting, ivrMenuNcco } from './ivr';
import type { AnswerContext, Ncco } from './ncco';
import { dialledNumber, outboundCallNcco } from './outbound';
import type { RouteTarget } from './targets';
import type { FlowUrls } from './urls';
import { whisperCallerNcco, whisperText } from './whisper';

/** Redirects one call may take (queue → queue → …) before it is ended politely. */
export const MAX_REDIRECTS = 5;
/** Seconds past an agent's ring time after which they are free for other calls whatever happened. */
const RING_GRACE_S = 15;
/** How long a finished call is remembered, for late events and a voicemail's recording webhook. */
const LINGER_MS = 10 * 60_000;
/** A call whose end was never reported is forgotten after this long (twice Vonage's 2 h limit). */
const FORGET_MS = 4 * 60 * 60_000;

/** Said when the number called has a flow the backend no longer knows how to run. */
const NOT_IN_SERVICE = 'Sorry, this number is not in service. Goodbye.';

/** What the flows need to know of agent presence (`server/agents/presence.ts`). */
export interface PresenceView {
  /** Available agents, longest idle first, leaving out these names. */
  availableLongestIdle(exclude?: readonly string[]): ReadonlyArray<{ name: string }>;
  /** Every agent's status. */
  list(): ReadonlyArray<{ name: string; status: string; idleSince: string | null }>;
  /** Called on every change; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** The Voice API calls the flows make. */
export type VoicePort = Pick<VoiceApi, 'createCall' | 'transfer' | 'hangup' | 'talk'>;

/** Where the flows write what they decided about a call. */
export interface CallRecordWriter {
  updateCallRecord(conversationUuid: string, patch: CallRecordPatch): Promise<unknown>;
}

/** A leg status event, as the event webhook stored it. */
export interface FlowEvent {
  uuid: string | null;
  conversation_uuid: string | null;
  status: string | null;
  from: string | null;
  to: string | null;
}

/** Timers, injectable so tests can drive time. */
export interface FlowTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Where the flows log; a pino logger fits. */
export interface FlowLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Everything {@link CallFlows} works with. */
export interface FlowDeps {
  urls: FlowUrls;
  /** The contact center's number: outbound calls show it as their caller id. */
  contactNumber: string | null;
  numbers: NumberDirectory;
  queues: QueueDirectory;
  presence: PresenceView;
  voice: VoicePort;
  calls: CallRecordWriter;
  /** Agent-leg contexts the agents' apps read (`GET /api/calls/:legUuid/context`). */
  contexts: CallContexts;
  log: FlowLog;
  now?: () => number;
  timers?: FlowTimers;
}

/** One try at putting a caller through to an agent (or an outside phone). */
export interface Attempt {
  agent: string | null;
  phone: string | null;
  mode: 'connect' | 'dial';
  /** The agent's leg, once known. */
  legUuid: string | null;
  answered: boolean;
}

/** A call the flows are putting through, keyed by the caller's leg. */
export interface CallSession {
  readonly uuid: string;
  /** When the flows first saw it (ms). */
  readonly startedAt: number;
  readonly conversationUuid: string | null;
  /** The number called (E.164 digits). */
  readonly number: string;
  readonly caller: string | null;
  readonly flow: NumberFlowName;
  readonly label: string | null;
  readonly topic: string | null;
  /** The queue the caller waits in now. */
  queue: string | null;
  /** How agents are reached now. */
  mode: 'connect' | 'dial';
  /** Where the caller waits in dial mode. */
  hold: HoldSpot;
  ringTimeoutS: number;
  maxAttempts: number;
  /** Agents offered the call so far (lower case), and how many. */
  tried: Set<string>;
  attempts: number;
  attempt: Attempt | null;
  fallback: RouteTarget;
  fallbackUsed: boolean;
  redirects: number;
  /** The number's default agent (inbound), rung when presence shows nobody available. */
  defaultAgent: string | null;
  /** Whisper: the agent or phone to call first. */
  fixed: { type: 'agent'; agent: string } | { type: 'phone'; number: string } | null;
  /** Whisper: waiting for an agent to become available, until this time. */
  waitUntil: number | null;
  waitTimer: unknown;
  ended: boolean;
}

/** What the agent-leg answer_url receives. */
export interface AgentAnswerRequest {
  conversation: string;
  call: string;
  topic?: string | undefined;
  queue?: string | undefined;
  /** The agent's leg. */
  uuid?: string | undefined;
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

const realTimers: FlowTimers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** The call flows. */
export class CallFlows implements QueueHost {
  private readonly sessions = new Map<string, CallSession>();
  /** Agent legs by uuid → their call. */
  private readonly legs = new Map<string, CallSession>();
  /** Agents being rung right now (lower case) → the attempt, so two calls never ring one agent at once. */
  private readonly ringing = new Map<string, Attempt>();
  private readonly queueManager: QueueManager;
  private readonly now: () => number;
  private readonly timers: FlowTimers;
  private readonly unsubscribe: () => void;
  private readonly defaultInbound: InboundSettings;

  constructor(private readonly deps: FlowDeps) {
    this.now = deps.now ?? Date.now;
    this.timers = deps.timers ?? realTimers;
    this.defaultInbound = numberSettings.parse({ flow: 'inbound' }) as InboundSettings;
    this.queueManager = new QueueManager({ directory: deps.queues, presence: deps.presence, host: this, now: this.now, timers: this.timers, log: deps.log });
    this.unsubscribe = deps.presence.onChange(() => this.presenceChanged());
  }

  /** The queues' live state (supervisor view). */
  get queues(): QueueManager {
    return this.queueManager;
  }

  /** Stop timers and listeners (shutdown). */
  close(): void {
    this.unsubscribe();
    this.queueManager.close();
    for (const session of this.sessions.values()) this.clearWait(session);
  }

  // ── answer_url ────────────────────────────────────────────────────────────────

  /**
   * The NCCO for a leg the platform asks about: outbound when an app user placed it,
   * otherwise the flow of the number called (the inbound flow when it has none).
   */
  answer(context: AnswerContext): Ncco {
    if (context.from_user) return this.outbound(context);
    const number = (context.to ?? '').replace(/^\+/, '');
    const config = this.deps.numbers.get(number);
    const uuid = context.uuid ?? randomUUID();
    const settings = config?.settings ?? this.defaultInbound;
    switch (settings.flow) {
      case 'inbound':
        return this.startInbound(this.newSession(context, uuid, number, settings), settings);
      case 'ivr':
        this.newSession(context, uuid, number, settings);
        this.record(context.conversation_uuid, { flow: 'ivr' });
        return ivrMenuNcco(settings, this.deps.urls.dtmf(number, 1), 1);
      case 'custom':
        this.record(context.conversation_uuid, { flow: 'custom' });
        return settings.ncco;
      case 'whisper':
        return this.startWhisper(this.newSession(context, uuid, number, settings), settings);
      case 'queue': {
        const session = this.newSession(context, uuid, number, settings);
        this.record(context.conversation_uuid, { flow: 'queue' });
        return this.queueManager.join(session, settings.queue);
      }
    }
  }

  /** The NCCO for the fallback_answer_url: the answer_url failed, so apologise. */
  fallbackAnswer(): Ncco {
    return goodbyeNcco('Sorry, we cannot take your call right now. Please try again later. Goodbye.');
  }

  private outbound(context: AnswerContext): Ncco {
    this.record(context.conversation_uuid, { flow: 'outbound', agent: context.from_user ?? null });
    return outboundCallNcco(dialledNumber(context), this.deps.contactNumber);
  }

  private newSession(context: AnswerContext, uuid: string, number: string, settings: NumberSettings): CallSession {
    const routing =
      settings.flow === 'inbound' || settings.flow === 'ivr' || settings.flow === 'whisper'
        ? { ringTimeoutS: settings.ring_timeout_s, maxAttempts: settings.max_attempts, fallback: settings.fallback }
        : { ringTimeoutS: 20, maxAttempts: 3, fallback: { type: 'voicemail' } as RouteTarget };
    this.forgetStale();
    const session: CallSession = {
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
      tried: new Set(),
      attempts: 0,
      attempt: null,
      fallbackUsed: false,
      redirects: 0,
      defaultAgent: settings.flow === 'inbound' ? settings.default_agent : null,
      fixed: settings.flow === 'whisper' ? settings.agent : null,
      waitUntil: null,
      waitTimer: undefined,
      ended: false,
    };
    this.sessions.set(uuid, session);
    return session;
  }

  /** Drop calls whose end never arrived (lost events), so memory stays bounded. */
  private forgetStale(): void {
    const cutoff = this.now() - FORGET_MS;
    for (const [uuid, session] of this.sessions) {
      if (session.startedAt >= cutoff) break; // insertion order is time order
      this.clearWait(session);
      this.queueManager.leave(session);
      this.sessions.delete(uuid);
      for (const [leg, owner] of this.legs) if (owner === session) this.legs.delete(leg);
    }
  }

  private startInbound(session: CallSession, settings: InboundSettings): Ncco {
    this.record(session.conversationUuid, { flow: 'inbound' });
    const agent = this.pickAgent(session);
    if (!agent) {
      session.fallbackUsed = true;
      return this.route(session, session.fallback, 'no-agents');
    }
    this.begin(session, { agent, phone: null, mode: 'connect' });
    return inboundCallNcco(settings, agent, session.hold.musicUrl);
  }

  private startWhisper(session: CallSession, settings: WhisperSettings): Ncco {
    this.record(session.conversationUuid, { flow: 'whisper', topic: settings.topic });
    session.waitUntil = this.now() + settings.max_wait_s * 1000;
    session.waitTimer = this.timers.setTimeout(() => this.whisperWaitOver(session), settings.max_wait_s * 1000);
    // Call the agent once the caller has their NCCO.
    this.timers.setTimeout(() => this.offerNext(session), 0);
    return whisperCallerNcco(settings, session.hold);
  }

  // ── IVR input ─────────────────────────────────────────────────────────────────

  /** The NCCO that continues an IVR call after the caller pressed a key (or none). */
  dtmf(request: DtmfRequest): Ncco {
    const config = this.deps.numbers.get(request.number);
    if (!config || config.settings.flow !== 'ivr') return goodbyeNcco(NOT_IN_SERVICE);
    const settings = config.settings;
    const uuid = request.uuid ?? randomUUID();
    const session =
      this.sessions.get(uuid) ??
      this.newSession({ uuid, to: request.number, ...(request.from ? { from: request.from } : {}), ...(request.conversation_uuid ? { conversation_uuid: request.conversation_uuid } : {}) }, uuid, request.number, settings);
    const choice = ivrChoice(settings, request.digits, request.attempt);
    switch (choice.kind) {
      case 'repeat':
        return ivrMenuNcco(settings, this.deps.urls.dtmf(request.number, choice.attempt), choice.attempt);
      case 'option':
        return this.route(session, choice.target, null);
      case 'fallback':
        session.fallbackUsed = true;
        return this.route(session, choice.target, 'no-choice');
    }
  }

  // ── agent legs placed with the Voice API ──────────────────────────────────────

  /**
   * The NCCO of an agent leg the backend placed: a private whisper (the campaign topic, or
   * the queue's own words), then the caller's conversation.
   */
  agentAnswer(request: AgentAnswerRequest): Ncco {
    const session = this.sessions.get(request.call);
    if (session?.ended) return goodbyeNcco('Sorry, the caller has hung up.');
    const attempt = session?.attempt;
    if (session && attempt && attempt.mode === 'dial' && (request.uuid === undefined || attempt.legUuid === null || attempt.legUuid === request.uuid)) {
      if (request.uuid && attempt.legUuid === null) this.bindLeg(session, attempt, request.uuid);
      this.answered(session, attempt);
    }
    const topic = session?.topic ?? request.topic ?? null;
    const queue = session?.queue ?? request.queue ?? null;
    const whisper = topic ? whisperText(topic) : queue ? (this.deps.queues.get(queue)?.settings.agent_whisper ?? null) : null;
    return agentJoinNcco(session?.hold.conversation ?? request.conversation, whisper);
  }

  // ── events ────────────────────────────────────────────────────────────────────

  /** Follow a stored leg status event. */
  handleEvent(event: FlowEvent): void {
    const { uuid, status } = event;
    if (!uuid || !status) return;
    const caller = this.sessions.get(uuid);
    if (caller) {
      if (TERMINAL_STATUSES.has(status)) this.callerGone(caller);
      return;
    }
    const session = this.legs.get(uuid) ?? this.claimLeg(event);
    if (!session) return;
    const attempt = session.attempt;
    if (!attempt || attempt.legUuid !== uuid) {
      // A leg the call has moved on from: make sure it stops ringing.
      if (!TERMINAL_STATUSES.has(status) && status !== 'answered' && session.mode === 'dial') void this.hangupQuietly(uuid);
      return;
    }
    if (status === 'answered') {
      this.answered(session, attempt);
      return;
    }
    if (!TERMINAL_STATUSES.has(status)) return;
    if (attempt.answered) {
      // The agent finished. In connect mode the caller's NCCO moved on to the music: end the call.
      session.attempt = null;
      if (attempt.mode === 'connect' && !session.ended) void this.hangupQuietly(session.uuid);
      return;
    }
    this.attemptFailed(session, attempt, status);
  }

  /**
   * A first event of an agent leg whose uuid is not known yet: match it to the attempt ringing
   * that agent (or phone). Should two calls ring the same agent (an explicit IVR choice), the
   * one whose conversation the leg is in wins: a connect leg joins the caller's conversation.
   */
  private claimLeg(event: FlowEvent): CallSession | undefined {
    const to = event.to?.toLowerCase();
    if (!to || !event.uuid) return undefined;
    const candidates = [...this.sessions.values()].filter((session) => {
      const attempt = session.attempt;
      return attempt !== null && attempt.legUuid === null && !session.ended && (attempt.agent ?? attempt.phone ?? '').toLowerCase() === to;
    });
    const session = candidates.find((s) => s.attempt?.mode === 'connect' && s.conversationUuid === event.conversation_uuid) ?? candidates[0];
    if (!session?.attempt) return undefined;
    this.bindLeg(session, session.attempt, event.uuid);
    return session;
  }

  private bindLeg(session: CallSession, attempt: Attempt, legUuid: string): void {
    attempt.legUuid = legUuid;
    this.legs.set(legUuid, session);
    if (!attempt.agent) return;
    const context: CallContext = {
      leg_uuid: legUuid,
      call_uuid: session.uuid,
      flow: session.flow,
      number: session.number || null,
      caller: session.caller,
      topic: session.topic,
      queue: session.queue,
      label: session.label,
    };
    this.deps.contexts.set(attempt.agent, context);
  }

  private answered(session: CallSession, attempt: Attempt): void {
    if (attempt.answered) return;
    attempt.answered = true;
    this.release(attempt);
    this.clearWait(session);
    this.record(session.conversationUuid, { agent: attempt.agent ?? attempt.phone });
    if (session.queue) this.queueManager.answered(session);
    this.deps.log.info({ call: session.uuid, agent: attempt.agent, flow: session.flow }, 'agent answered');
  }

  private attemptFailed(session: CallSession, attempt: Attempt, status: string): void {
    session.attempt = null;
    this.release(attempt);
    if (attempt.agent) session.tried.add(attempt.agent.toLowerCase());
    this.deps.log.info({ call: session.uuid, agent: attempt.agent, status }, 'agent did not take the call');
    if (session.ended) return;
    // The agent who declined stays on record until someone answers.
    if (attempt.agent) this.record(session.conversationUuid, { agent: attempt.agent });
    if (session.queue) {
      this.queueManager.offerFailed(session, attempt.agent);
      return;
    }
    this.offerNext(session);
  }

  /** The caller's leg ended: stop ringing agents, leave any queue, forget the call later. */
  private callerGone(session: CallSession): void {
    if (session.ended) return;
    session.ended = true;
    this.clearWait(session);
    const attempt = session.attempt;
    session.attempt = null;
    if (attempt) {
      this.release(attempt);
      // A dialled agent still ringing, or still hearing the whisper (not yet in the conversation
      // that would end with the caller), must not be left on the line.
      if (attempt.mode === 'dial' && attempt.legUuid) void this.hangupQuietly(attempt.legUuid);
    }
    this.queueManager.leave(session);
    this.timers.setTimeout(() => {
      this.sessions.delete(session.uuid);
      for (const [leg, owner] of this.legs) if (owner === session) this.legs.delete(leg);
    }, LINGER_MS);
  }

  private presenceChanged(): void {
    for (const session of this.sessions.values()) {
      if (!session.ended && session.flow === 'whisper' && !session.queue && !session.attempt && session.waitUntil !== null) this.offerNext(session);
    }
    this.queueManager.dispatch();
  }

  // ── routing ───────────────────────────────────────────────────────────────────

  /**
   * Offer the call to the next agent; when there is none (or enough were tried), wait for one
   * (whisper, within its wait) or take the fallback.
   */
  private offerNext(session: CallSession): void {
    if (session.ended || session.attempt) return;
    if (session.fixed?.type === 'phone') {
      if (session.attempts === 0) {
        void this.dial(session, { agent: null, phone: session.fixed.number, mode: 'dial' });
        return;
      }
    } else if (session.attempts < session.maxAttempts) {
      const agent = this.pickAgent(session);
      if (agent) {
        if (session.mode === 'connect') {
          this.begin(session, { agent, phone: null, mode: 'connect' });
          this.transfer(session, nextAgentNcco(session.ringTimeoutS, agent, session.hold.musicUrl));
        } else {
          void this.dial(session, { agent, phone: null, mode: 'dial' });
        }
        return;
      }
      if (session.waitUntil !== null && this.now() < session.waitUntil) return; // presence will wake it
    }
    this.takeFallback(session, 'no-answer');
  }

  private takeFallback(session: CallSession, outcome: string): void {
    this.clearWait(session);
    const target: RouteTarget = session.fallbackUsed ? { type: 'disconnect' } : session.fallback;
    session.fallbackUsed = true;
    this.transfer(session, this.route(session, target, outcome));
  }

  private whisperWaitOver(session: CallSession): void {
    session.waitTimer = undefined;
    session.waitUntil = null;
    if (session.ended || session.queue || session.attempt?.answered) return;
    const attempt = session.attempt;
    session.attempt = null;
    if (attempt) {
      this.release(attempt);
      if (attempt.legUuid) void this.hangupQuietly(attempt.legUuid);
    }
    this.takeFallback(session, 'timeout');
  }

  /** The agent to offer the call to next, or null. */
  private pickAgent(session: CallSession): string | null {
    const exclude = [...session.tried, ...this.ringing.keys()];
    const fixed = session.fixed?.type === 'agent' ? session.fixed.agent : null;
    const available = this.deps.presence.availableLongestIdle(exclude);
    if (fixed && available.some((a) => a.name.toLowerCase() === fixed.toLowerCase())) return fixed;
    const first = available[0]?.name;
    if (first) return first;
    const fallbackAgent = session.defaultAgent;
    if (fallbackAgent && !session.tried.has(fallbackAgent.toLowerCase()) && !this.ringing.has(fallbackAgent.toLowerCase())) return fallbackAgent;
    return null;
  }

  /**
   * The NCCO that sends the caller to a target.
   *
   * Used for answers (synchronously) and for transfers. `outcome` is noted on the call record
   * (why the flow redirected: no-agents, timeout, overflow, no-answer, no-choice).
   */
  route(session: CallSession, target: RouteTarget, outcome: string | null): Ncco {
    session.redirects += 1;
    if (outcome) this.record(session.conversationUuid, { flow_outcome: outcome });
    if (session.redirects > MAX_REDIRECTS) {
      this.record(session.conversationUuid, { flow_outcome: 'redirect-limit' });
      return goodbyeNcco();
    }
    switch (target.type) {
      case 'agent':
        session.mode = 'connect';
        session.queue = null;
        this.begin(session, { agent: target.agent, phone: null, mode: 'connect' });
        return connectAgentNcco({ agent: target.agent, greeting: ivrConnectGreeting(target.agent), ringTimeoutS: session.ringTimeoutS, musicUrl: session.hold.musicUrl });
      case 'queue':
        this.record(session.conversationUuid, { flow_outcome: outcome ?? 'queued' });
        return this.queueManager.join(session, target.queue);
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

  private begin(session: CallSession, attempt: Omit<Attempt, 'legUuid' | 'answered'>): Attempt {
    const started: Attempt = { ...attempt, legUuid: null, answered: false };
    session.attempt = started;
    session.attempts += 1;
    if (started.agent) {
      this.ringing.set(started.agent.toLowerCase(), started);
      // Should the leg's events never come, the agent must not stay reserved for this call.
      this.timers.setTimeout(() => {
        if (!started.answered) this.release(started);
      }, (session.ringTimeoutS + RING_GRACE_S) * 1000);
    }
    return started;
  }

  private release(attempt: Attempt): void {
    const key = attempt.agent?.toLowerCase();
    if (key && this.ringing.get(key) === attempt) this.ringing.delete(key);
  }

  /** Place a Voice API call to an agent (or phone) that will join the caller's conversation. */
  private async dial(session: CallSession, target: Omit<Attempt, 'legUuid' | 'answered'>): Promise<void> {
    const attempt = this.begin(session, target);
    const caller = session.caller && /^[0-9]{6,15}$/.test(session.caller.replace(/^\+/, '')) ? session.caller.replace(/^\+/, '') : session.number;
    try {
      const created = await this.deps.voice.createCall({
        to: [attempt.agent ? { type: 'app', user: attempt.agent } : { type: 'phone', number: attempt.phone ?? '' }],
        // An app sees the caller's number; a phone must be shown one of our numbers (seed 002: the campaign number).
        from: { type: 'phone', number: attempt.agent ? caller : session.number },
        answer_url: [
          this.deps.urls.agentAnswer({ conversation: session.hold.conversation, call: session.uuid, topic: session.topic, queue: session.queue }),
        ],
        answer_method: 'GET',
        event_url: [this.deps.urls.event()],
        event_method: 'POST',
        ringing_timer: session.ringTimeoutS,
      });
      if (session.attempt !== attempt) {
        // The call moved on (caller hung up, timeout) while the request was in flight.
        if (!attempt.answered && attempt.legUuid === null) void this.hangupQuietly(created.uuid);
        return;
      }
      if (attempt.legUuid === null) this.bindLeg(session, attempt, created.uuid);
    } catch (error) {
      this.deps.log.warn({ call: session.uuid, agent: attempt.agent, err: error }, 'could not call the agent');
      if (session.attempt === attempt) this.attemptFailed(session, attempt, 'failed');
    }
  }

  private transfer(session: CallSession, ncco: Ncco): void {
    if (session.ended) return;
    this.deps.voice.transfer(session.uuid, ncco).catch((error: unknown) => {
      // A caller left in the music would wait forever: end the call instead.
      this.deps.log.error({ call: session.uuid, err: error }, 'transfer failed; hanging up the caller');
      void this.hangupQuietly(session.uuid);
    });
  }

  private async hangupQuietly(uuid: string): Promise<void> {
    try {
      await this.deps.voice.hangup(uuid);
    } catch (error) {
      // Usually the leg had ended already.
      this.deps.log.info({ uuid, err: error }, 'hangup not applied');
    }
  }

  private clearWait(session: CallSession): void {
    if (session.waitTimer !== undefined) this.timers.clearTimeout(session.waitTimer);
    session.waitTimer = undefined;
    session.waitUntil = null;
  }

  private record(conversationUuid: string | null | undefined, patch: CallRecordPatch): void {
    if (!conversationUuid) return;
    this.deps.calls.updateCallRecord(conversationUuid, patch).catch((error: unknown) => {
      this.deps.log.error({ conversation_uuid: conversationUuid, err: error }, 'could not update the call record');
    });
  }

  // ── QueueHost ─────────────────────────────────────────────────────────────────

  /** {@inheritDoc QueueHost.offer} */
  offer(session: CallSession, agent: string): void {
    void this.dial(session, { agent, phone: null, mode: 'dial' });
  }

  /** {@inheritDoc QueueHost.redirect} */
  redirect(session: CallSession, target: RouteTarget, outcome: string): void {
    if (session.ended) return;
    const attempt = session.attempt;
    session.attempt = null;
    if (attempt && !attempt.answered) {
      this.release(attempt);
      if (attempt.legUuid) void this.hangupQuietly(attempt.legUuid);
    }
    session.queue = null;
    this.transfer(session, this.route(session, target, outcome));
  }

  /** {@inheritDoc QueueHost.announce} */
  announce(session: CallSession, text: string): void {
    if (session.ended) return;
    this.deps.voice.talk(session.uuid, text).catch((error: unknown) => this.deps.log.info({ call: session.uuid, err: error }, 'announcement not played'));
  }

  /** {@inheritDoc QueueHost.ringingAgents} */
  ringingAgents(): string[] {
    return [...this.ringing.keys()];
  }

  /** {@inheritDoc QueueHost.noteQueued} */
  noteQueued(session: CallSession, queue: string, hold: HoldSpot): void {
    session.queue = queue;
    session.mode = 'dial';
    session.hold = hold;
    session.ringTimeoutS = this.deps.queues.get(queue)?.settings.ring_timeout_s ?? session.ringTimeoutS;
    this.record(session.conversationUuid, { queue, queued_at: new Date(this.now()).toISOString() });
  }

  /** {@inheritDoc QueueHost.holdMusicUrl} */
  holdMusicUrl(): string {
    return this.deps.urls.holdMusic();
  }

  /** A call by its caller's leg (for the voicemail webhook), while remembered. */
  session(uuid: string): CallSession | undefined {
    return this.sessions.get(uuid);
  }
}
