/**
 * Live queues (seed 003): who waits where, and which agent is offered whom.
 *
 * Callers wait in line in arrival order. Whenever an agent may have become free (a presence
 * change, a caller joining, an agent declining) the longest-waiting caller of any queue is
 * offered to the longest-idle available agent of that queue who is not ringing elsewhere and
 * has not just turned that caller down. Arrival checks the no-agents and overflow rules; a
 * timer per caller applies the timeout redirect; position announcements go out on a tick.
 * The flows (`server/flows/runtime.ts`) place the agent calls and transfer callers.
 */
import { holdConversationName, type HoldSpot } from '../flows/actions';
import type { Ncco } from '../flows/ncco';
import { positionText, queueCallerNcco } from '../flows/queue';
import type { CallSession, FlowLog, FlowTimers, PresenceView } from '../flows/runtime';
import type { RouteTarget } from '../flows/targets';
import type { QueueDirectory } from './directory';
import type { QueueConfig } from './schema';

/** An agent who declined a caller is not offered that caller again for this long. */
export const RETRY_AFTER_MS = 30_000;
/** How often position announcements are considered. */
const ANNOUNCE_TICK_MS = 5_000;
/** Statuses in which an agent counts as serving a queue (for the no-agents rule). */
const SERVING = new Set(['available', 'busy', 'wrap-up']);

/** What the queues ask of the flows. */
export interface QueueHost {
  /** Call this agent for this waiting caller. */
  offer(session: CallSession, agent: string): void;
  /** Send a waiting caller elsewhere (timeout). */
  redirect(session: CallSession, target: RouteTarget, outcome: string): void;
  /** The NCCO that sends a caller to a target (overflow, no agents, unknown queue). */
  route(session: CallSession, target: RouteTarget, outcome: string | null): Ncco;
  /** Say something to a waiting caller. */
  announce(session: CallSession, text: string): void;
  /** Agents being rung right now (lower case). */
  ringingAgents(): string[];
  /** The caller now waits in this queue, at this spot. */
  noteQueued(session: CallSession, queue: string, hold: HoldSpot): void;
  /** The backend's hold music. */
  holdMusicUrl(): string;
}

/** What {@link QueueManager} works with. */
export interface QueueManagerDeps {
  directory: QueueDirectory;
  presence: PresenceView;
  host: QueueHost;
  now: () => number;
  timers: FlowTimers;
  log: FlowLog;
}

interface Waiting {
  session: CallSession;
  queue: string;
  joinedAt: number;
  /** The agent ringing for this caller now. */
  offering: string | null;
  /** Agents who turned this caller down (lower case) → when. */
  declined: Map<string, number>;
  lastAnnouncedAt: number;
  timeout: unknown;
}

/** One caller in the supervisor's view. */
export interface WaitingCallerState {
  call_uuid: string;
  caller: string | null;
  number: string;
  position: number;
  waiting_s: number;
  /** The agent being rung for this caller, if any. */
  offered_to: string | null;
}

/** One queue in the supervisor's view. */
export interface QueueState {
  name: string;
  label: string | null;
  waiting: WaitingCallerState[];
  longest_wait_s: number;
  /** The queue's agents and their status (every agent when the queue names none). */
  agents: Array<{ name: string; status: string; idle_since: string | null }>;
  settings: QueueConfig['settings'];
}

/** Every queue's line. */
export class QueueManager {
  private readonly lines = new Map<string, Waiting[]>();
  private ticker: unknown;
  private closed = false;
  private dispatching = false;
  private dispatchAgain = false;

  constructor(private readonly deps: QueueManagerDeps) {
    this.scheduleTick();
  }

  /**
   * Put a caller in line and return their NCCO (greeting, position, waiting with music).
   *
   * An unknown queue ends the call politely; no agent serving the queue applies its
   * no-agents redirect, a full line its overflow redirect.
   */
  join(session: CallSession, name: string): Ncco {
    const config = this.deps.directory.get(name);
    if (!config) {
      this.deps.log.error({ call: session.uuid, queue: name }, 'call sent to a queue that does not exist');
      return this.deps.host.route(session, { type: 'disconnect' }, 'no-queue');
    }
    const { settings } = config;
    if (!this.anyoneServing(config)) return this.deps.host.route(session, settings.on_no_agents, 'no-agents');
    const line = this.line(config.name);
    if (line.length >= settings.max_length) return this.deps.host.route(session, settings.on_overflow, 'overflow');

    const hold: HoldSpot = { conversation: holdConversationName('queue', session.uuid), musicUrl: settings.music_on_hold_url ?? this.deps.host.holdMusicUrl() };
    const now = this.deps.now();
    const waiting: Waiting = { session, queue: config.name, joinedAt: now, offering: null, declined: new Map(), lastAnnouncedAt: now, timeout: undefined };
    waiting.timeout = this.deps.timers.setTimeout(() => this.timedOut(waiting), settings.max_wait_s * 1000);
    line.push(waiting);
    this.deps.host.noteQueued(session, config.name, hold);
    // Offer the caller once they have their NCCO.
    this.deps.timers.setTimeout(() => this.dispatch(), 0);
    return queueCallerNcco(settings, line.length, hold);
  }

  /** The caller left (hung up or was transferred): out of line. */
  leave(session: CallSession): void {
    const waiting = this.find(session);
    if (!waiting) return;
    this.remove(waiting);
    this.dispatch();
  }

  /** An agent answered the caller: out of line. */
  answered(session: CallSession): void {
    const waiting = this.find(session);
    if (waiting) this.remove(waiting);
  }

  /** The agent offered this caller declined or did not answer: offer someone else. */
  offerFailed(session: CallSession, agent: string | null): void {
    const waiting = this.find(session);
    if (!waiting) return;
    waiting.offering = null;
    if (agent) {
      waiting.declined.set(agent.toLowerCase(), this.deps.now());
      // They may be offered this caller again once the pause is over.
      this.deps.timers.setTimeout(() => this.dispatch(), RETRY_AFTER_MS + 10);
    }
    this.dispatch();
  }

  /** Offer waiting callers (longest waiting first) to available agents (longest idle first). */
  dispatch(): void {
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        this.dispatchOnce();
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  private dispatchOnce(): void {
    const waiting = [...this.lines.values()].flat().filter((w) => w.offering === null && !w.session.ended);
    waiting.sort((a, b) => a.joinedAt - b.joinedAt);
    const now = this.deps.now();
    for (const entry of waiting) {
      const config = this.deps.directory.get(entry.queue);
      if (!config) continue;
      const recent = [...entry.declined].filter(([, at]) => now - at < RETRY_AFTER_MS).map(([name]) => name);
      const members = new Set(config.settings.agents.map((a) => a.toLowerCase()));
      const agent = this.deps.presence
        .availableLongestIdle([...this.deps.host.ringingAgents(), ...recent])
        .find((a) => members.size === 0 || members.has(a.name.toLowerCase()));
      if (!agent) continue;
      entry.offering = agent.name;
      this.deps.host.offer(entry.session, agent.name);
    }
  }

  /** The supervisor's view of every queue. */
  snapshot(): QueueState[] {
    const now = this.deps.now();
    const presence = this.deps.presence.list();
    return this.deps.directory.list().map((config) => {
      const line = this.lines.get(config.name.toLowerCase()) ?? [];
      const members = new Set(config.settings.agents.map((a) => a.toLowerCase()));
      return {
        name: config.name,
        label: config.settings.label ?? null,
        waiting: line.map((w, index) => ({
          call_uuid: w.session.uuid,
          caller: w.session.caller,
          number: w.session.number,
          position: index + 1,
          waiting_s: Math.max(0, Math.round((now - w.joinedAt) / 1000)),
          offered_to: w.offering,
        })),
        longest_wait_s: line.length > 0 ? Math.max(0, Math.round((now - Math.min(...line.map((w) => w.joinedAt))) / 1000)) : 0,
        agents: presence
          .filter((p) => members.size === 0 || members.has(p.name.toLowerCase()))
          .map((p) => ({ name: p.name, status: p.status, idle_since: p.idleSince })),
        settings: config.settings,
      };
    });
  }

  /** Stop the timers (shutdown). */
  close(): void {
    this.closed = true;
    this.deps.timers.clearTimeout(this.ticker);
    for (const line of this.lines.values()) for (const waiting of line) this.deps.timers.clearTimeout(waiting.timeout);
    this.lines.clear();
  }

  private anyoneServing(config: QueueConfig): boolean {
    const members = new Set(config.settings.agents.map((a) => a.toLowerCase()));
    return this.deps.presence.list().some((p) => SERVING.has(p.status) && (members.size === 0 || members.has(p.name.toLowerCase())));
  }

  private timedOut(waiting: Waiting): void {
    if (!this.find(waiting.session)) return;
    this.remove(waiting);
    const config = this.deps.directory.get(waiting.queue);
    this.deps.host.redirect(waiting.session, config?.settings.on_timeout ?? { type: 'voicemail' }, 'timeout');
    this.dispatch();
  }

  private scheduleTick(): void {
    if (this.closed) return;
    this.ticker = this.deps.timers.setTimeout(() => {
      this.announce();
      this.scheduleTick();
    }, ANNOUNCE_TICK_MS);
  }

  private announce(): void {
    const now = this.deps.now();
    for (const [, line] of this.lines) {
      line.forEach((waiting, index) => {
        const settings = this.deps.directory.get(waiting.queue)?.settings;
        if (!settings?.announce_position || waiting.offering !== null) return;
        if (now - waiting.lastAnnouncedAt < settings.announce_every_s * 1000) return;
        waiting.lastAnnouncedAt = now;
        this.deps.host.announce(waiting.session, positionText(index + 1));
      });
    }
  }

  private line(name: string): Waiting[] {
    const key = name.toLowerCase();
    let line = this.lines.get(key);
    if (!line) this.lines.set(key, (line = []));
    return line;
  }

  private find(session: CallSession): Waiting | undefined {
    for (const line of this.lines.values()) {
      const found = line.find((w) => w.session === session);
      if (found) return found;
    }
    return undefined;
  }

  private remove(waiting: Waiting): void {
    this.deps.timers.clearTimeout(waiting.timeout);
    const line = this.lines.get(waiting.queue.toLowerCase());
    if (!line) return;
    const index = line.indexOf(waiting);
    if (index >= 0) line.splice(index, 1);
  }
}
