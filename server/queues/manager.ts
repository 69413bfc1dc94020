/**
 * Live queues (seed 003): who waits where, and which agent is offered whom — in PostgreSQL
 * (`queue_entries`), so every instance sees one line per queue.
 *
 * Callers wait in line in arrival order. Whenever an agent may have become free (a presence
 * change, a caller joining, an agent declining) a dispatch job offers the longest-waiting
 * caller of any queue to the longest-idle available agent of that queue who is not ringing
 * elsewhere and has not just turned that caller down. Dispatch jobs run one at a time across
 * all instances (one named job queue). Arrival checks the no-agents and overflow rules; a
 * keyed timer job per caller applies the timeout redirect, another the position
 * announcements. The flows (`server/flows/runtime.ts`) place the agent calls and transfer callers.
 */
import { dispatchRequest, queueArrival, RETRY_AFTER_MS, servingCount } from '../calls/routing';
import { dequeue, enqueue, queueEntry, queuedCallers, updateQueueEntry } from '../calls/store';
import type { Database, Sql } from '../db/database';
import { holdConversationName, type HoldSpot } from '../flows/actions';
import type { Ncco } from '../flows/ncco';
import { positionText, queueCallerNcco } from '../flows/queue';
import type { CallSession, FlowLog, PresenceView, Turn } from '../calls/model';
import type { RouteTarget } from '../flows/targets';
import type { JobQueue } from '../jobs/queue';
import type { QueueDirectory } from './directory';
import type { QueueConfig } from './schema';

export { RETRY_AFTER_MS } from '../calls/routing';

const TASK = {
  dispatch: 'queue-dispatch',
  timeout: 'queue-timeout',
  announce: 'queue-announce',
} as const;

/** What the queues ask of the flows. */
export interface QueueHost {
  /** Lock a call and work on it (see `CallFlows.withCall`). */
  withCall<T>(callId: string, work: (turn: Turn, session: CallSession) => Promise<T>): Promise<T | undefined>;
  /** Call this agent (reserved already) for this waiting caller. */
  offer(turn: Turn, session: CallSession, agent: string): Promise<void>;
  /** Send a waiting caller elsewhere (timeout). */
  redirect(turn: Turn, session: CallSession, target: RouteTarget, outcome: string): Promise<void>;
  /** The NCCO that sends a caller to a target (overflow, no agents, unknown queue). */
  route(turn: Turn, session: CallSession, target: RouteTarget, outcome: string | null): Promise<Ncco>;
  /** Say something to a waiting caller. */
  announce(turn: Turn, session: CallSession, text: string): Promise<void>;
  /** The caller now waits in this queue, at this spot. */
  noteQueued(turn: Turn, session: CallSession, queue: string, hold: HoldSpot): Promise<void>;
  /** The caller reached this queue but was sent on at once (no agents, overflow): noted on the call record, so queue figures count it. */
  noteTurnedAway(turn: Turn, session: CallSession, queue: string): Promise<void>;
  /** The backend's hold music. */
  holdMusicUrl(): string;
}

/** What {@link QueueManager} works with. */
export interface QueueManagerDeps {
  db: Database;
  jobs: JobQueue;
  directory: QueueDirectory;
  presence: PresenceView;
  host: QueueHost;
  now: () => number;
  log: FlowLog;
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
  constructor(private readonly deps: QueueManagerDeps) {
    const text = (value: unknown): string => (typeof value === 'string' ? value : '');
    deps.jobs.register(TASK.dispatch, () => this.dispatch());
    deps.jobs.register(TASK.timeout, (p) => this.timedOut(text(p.call)));
    deps.jobs.register(TASK.announce, (p) => this.announce(text(p.call)));
  }

  /**
   * Put a caller in line and return their NCCO (greeting, position, waiting with music).
   *
   * An unknown queue ends the call politely; no agent serving the queue applies its
   * no-agents redirect, a full line its overflow redirect.
   */
  async join(turn: Turn, session: CallSession, name: string): Promise<Ncco> {
    const config = this.deps.directory.get(name);
    if (!config) {
      this.deps.log.error({ call: session.uuid, queue: name }, 'call sent to a queue that does not exist');
      return this.deps.host.route(turn, session, { type: 'disconnect' }, 'no-queue');
    }
    const { settings } = config;
    const serving = servingCount(this.deps.presence.list(), settings.agents);
    // Lock the queue's line (an advisory lock per queue name) so two instances cannot both take its last place.
    if (serving > 0) await turn.sql.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`queue:${config.name.toLowerCase()}`]);
    const arrival = queueArrival(settings, { serving, waiting: serving > 0 ? await this.lineLength(turn.sql, config.name) : 0 });
    if (arrival.kind !== 'enqueue') {
      await this.deps.host.noteTurnedAway(turn, session, config.name);
      return this.deps.host.route(turn, session, arrival.target, arrival.kind);
    }

    const hold: HoldSpot = { conversation: holdConversationName('queue', session.uuid), musicUrl: settings.music_on_hold_url ?? this.deps.host.holdMusicUrl() };
    const now = this.deps.now();
    await enqueue(turn.sql, session.uuid, config.name, new Date(now).toISOString());
    await this.deps.jobs.add(turn.sql, TASK.timeout, { call: session.uuid }, { runAt: new Date(now + settings.max_wait_s * 1000), jobKey: `queue-timeout:${session.uuid}` });
    if (settings.announce_position) {
      await this.deps.jobs.add(turn.sql, TASK.announce, { call: session.uuid }, { runAt: new Date(now + settings.announce_every_s * 1000), jobKey: `queue-announce:${session.uuid}` });
    }
    await this.deps.host.noteQueued(turn, session, config.name, hold);
    // Offer the caller once they have their NCCO (the job runs after this commits).
    await this.requestDispatch(turn.sql);
    return queueCallerNcco(settings, arrival.position, hold);
  }

  /** The caller left (hung up or was transferred): out of line; someone else may be offered the agent. */
  async leave(turn: Turn, session: CallSession): Promise<void> {
    if (!(await this.remove(turn.sql, session.uuid))) return;
    await this.requestDispatch(turn.sql);
  }

  /** An agent answered the caller: out of line. */
  async answered(turn: Turn, session: CallSession): Promise<void> {
    await this.remove(turn.sql, session.uuid);
  }

  /** The agent offered this caller declined or did not answer: offer someone else. */
  async offerFailed(turn: Turn, session: CallSession, agent: string | null): Promise<void> {
    const entry = await queueEntry(turn.sql, session.uuid);
    if (!entry) return;
    const declined = { ...entry.declined };
    if (agent) declined[agent.toLowerCase()] = new Date(this.deps.now()).toISOString();
    await updateQueueEntry(turn.sql, session.uuid, { offering: null, declined });
    if (agent) {
      // They may be offered this caller again once the pause is over.
      await this.deps.jobs.add(turn.sql, TASK.dispatch, {}, { runAt: new Date(this.deps.now() + RETRY_AFTER_MS + 10), jobKey: `queue-dispatch-later:${session.uuid}`, queueName: TASK.dispatch });
    }
    await this.requestDispatch(turn.sql);
  }

  /** Ask for a dispatch soon (one pending request stands for any number). */
  async requestDispatch(sql: Sql): Promise<void> {
    await this.deps.jobs.add(sql, TASK.dispatch, {}, { jobKey: TASK.dispatch, queueName: TASK.dispatch });
  }

  /**
   * Offer waiting callers (longest waiting first) to available agents (longest idle first).
   * Each offer is its own transaction under the caller's lock.
   */
  async dispatch(): Promise<void> {
    const entries = (await queuedCallers(this.deps.db)).filter((e) => e.offering === null);
    for (const entry of entries) {
      const config = this.deps.directory.get(entry.queue);
      if (!config) continue;
      await this.deps.host.withCall(entry.call_id, async (turn, session) => {
        const current = await queueEntry(turn.sql, session.uuid);
        if (!current || current.offering !== null || session.ended || session.attempt) return;
        const agent = await this.deps.presence.reserveNext(turn.sql, { callId: session.uuid, ...dispatchRequest(current, config.settings.agents, this.deps.now()) });
        if (!agent) return;
        await updateQueueEntry(turn.sql, session.uuid, { offering: agent });
        await this.deps.host.offer(turn, session, agent);
      });
    }
  }

  /** The supervisor's view of every queue. */
  async snapshot(): Promise<QueueState[]> {
    const now = this.deps.now();
    const presence = this.deps.presence.list();
    const { rows } = await this.deps.db.query<{ call_id: string; queue: string; joined_at: string; offering: string | null; caller: string | null; number: string | null }>(
      `SELECT e.call_id, e.queue, e.joined_at, e.offering, c.state->>'caller' AS caller, c.state->>'number' AS number
         FROM queue_entries e JOIN flow_calls c ON c.id = e.call_id ORDER BY e.joined_at, e.call_id`,
    );
    return this.deps.directory.list().map((config) => {
      const line = rows.filter((r) => r.queue.toLowerCase() === config.name.toLowerCase());
      const members = new Set(config.settings.agents.map((a) => a.toLowerCase()));
      const waitS = (joinedAt: string) => Math.max(0, Math.round((now - Date.parse(joinedAt)) / 1000));
      return {
        name: config.name,
        label: config.settings.label ?? null,
        waiting: line.map((w, index) => ({
          call_uuid: w.call_id,
          caller: w.caller,
          number: w.number ?? '',
          position: index + 1,
          waiting_s: waitS(w.joined_at),
          offered_to: w.offering,
        })),
        longest_wait_s: line[0] ? waitS(line[0].joined_at) : 0,
        agents: presence
          .filter((p) => members.size === 0 || members.has(p.name.toLowerCase()))
          .map((p) => ({ name: p.name, status: p.status, idle_since: p.idleSince })),
        settings: config.settings,
      };
    });
  }


  private async lineLength(sql: Sql, queue: string): Promise<number> {
    const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM queue_entries WHERE lower(queue) = lower($1)', [queue]);
    return rows[0]?.n ?? 0;
  }

  /** The `queue-timeout` job: a caller waited the queue's longest wait. */
  private async timedOut(callId: string): Promise<void> {
    await this.deps.host.withCall(callId, async (turn, session) => {
      const entry = await queueEntry(turn.sql, callId);
      if (!entry || session.ended) return;
      await this.remove(turn.sql, callId);
      const config = this.deps.directory.get(entry.queue);
      await this.deps.host.redirect(turn, session, config?.settings.on_timeout ?? { type: 'voicemail' }, 'timeout');
      await this.requestDispatch(turn.sql);
    });
  }

  /** The `queue-announce` job: tell a waiting caller their place, and plan the next time. */
  private async announce(callId: string): Promise<void> {
    await this.deps.host.withCall(callId, async (turn, session) => {
      const entry = await queueEntry(turn.sql, callId);
      const settings = entry ? this.deps.directory.get(entry.queue)?.settings : undefined;
      if (!entry || !settings?.announce_position || session.ended) return;
      if (entry.offering === null) {
        const { rows } = await turn.sql.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM queue_entries WHERE lower(queue) = lower($1) AND (joined_at, call_id) < ($2::timestamptz, $3)',
          [entry.queue, entry.joined_at, callId],
        );
        await this.deps.host.announce(turn, session, positionText((rows[0]?.n ?? 0) + 1));
        await updateQueueEntry(turn.sql, callId, { lastAnnouncedAt: new Date(this.deps.now()).toISOString() });
      }
      await this.deps.jobs.add(turn.sql, TASK.announce, { call: callId }, { runAt: new Date(this.deps.now() + settings.announce_every_s * 1000), jobKey: `queue-announce:${callId}` });
    });
  }

  /** Out of line, with the caller's timers cancelled. */
  private async remove(sql: Sql, callId: string): Promise<boolean> {
    const removed = await dequeue(sql, callId);
    if (removed) {
      await this.deps.jobs.remove(sql, `queue-timeout:${callId}`);
      await this.deps.jobs.remove(sql, `queue-announce:${callId}`);
    }
    return removed;
  }
}
