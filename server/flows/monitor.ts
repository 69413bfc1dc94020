/**
 * Supervisor monitoring: a console supervisor listens to a live call, coaches its agent or
 * barges in, from the browser with the Client SDK — built on a named conversation with
 * `canHear` / `canSpeak`, as Vonage documents.
 *
 * - start: unless the call is in a named conversation already (a conference), the agent's leg
 *   and then the caller's (with `endOnExit`, as call control moves callers) move into
 *   `monitor-<call>` by Voice API transfer. The monitoring is stored on the call; the
 *   supervisor's page then places an SDK call (`serverCall` with `{ monitor, call }` as custom
 *   data) and the answer_url gives it {@link monitorNcco}.
 * - coach / barge / listen again: the supervisor's leg is transferred to the same conversation
 *   with the new rights (the platform only changes who hears whom).
 * - leave: the supervisor's leg is hung up; caller and agent stay where they are.
 *
 * Every step is a `control` event on the call's record (`monitor-listen`, `monitor-coach`,
 * `monitor-barge`, `monitor-joined`, `monitor-left`, `monitor-ended`) and, being a change under
 * `/api/admin`, an audit-log entry.
 */
import { randomUUID } from 'node:crypto';
import type { MonitorMode, MonitorView } from '../../common/console-api';
import type { CallSession, Monitoring, Turn } from '../calls/model';
import type { Database } from '../db/database';
import type { NewCallEvent } from '../storage/types';
import { goodbyeNcco } from './actions';
import type { CallControl, Step } from './control';
import type { Ncco } from './ncco';

export const MONITOR_MODES = ['listen', 'coach', 'barge'] as const satisfies readonly MonitorMode[];
export type { MonitorMode, MonitorView };

/** A monitoring request the call's state does not allow; the route answers `status` with `code`. */
export class MonitorError extends Error {
  constructor(
    readonly status: 404 | 409,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MonitorError';
  }
}

/** The Client SDK user of a console supervisor (never an agent's name: agents' names cannot contain ':'). */
export function monitorIdentity(consoleUser: string): string {
  return `supervisor:${consoleUser.toLowerCase().replace(/[^a-z0-9._-]/g, '_')}`;
}

/** The named conversation a monitored call moves into. */
export function monitorRoom(callId: string): string {
  return `monitor-${callId}`;
}

/**
 * The supervisor leg's NCCO: the call's conversation, heard by nobody (listen), by the agent
 * only (coach) or by everyone (barge); the supervisor hears caller and agent in every mode.
 */
export function monitorNcco(room: string, mode: MonitorMode, parties: { caller: string; agent: string }): Ncco {
  const base = { action: 'conversation' as const, name: room, startOnEnter: true };
  if (mode === 'barge') return [base];
  return [{ ...base, canHear: [parties.caller, parties.agent], canSpeak: mode === 'coach' ? [parties.agent] : [] }];
}

/** What monitoring needs of the flows. */
export interface MonitorHost {
  db: Database;
  control: Pick<CallControl, 'addSteps'>;
  now(): number;
  withCall<T>(callId: string, work: (turn: Turn, session: CallSession) => Promise<T>): Promise<T | undefined>;
  recordControl(turn: Turn, event: NewCallEvent): Promise<void>;
}

const NOT_LIVE = 'This call is not in progress with an agent';

export class SupervisorMonitor {
  constructor(private readonly host: MonitorHost) {}

  /** The call's monitoring state, by its conversation (as the wallboard names calls) or its caller's leg. */
  async state(call: string): Promise<MonitorView> {
    const callId = await this.callIdOf(call);
    if (!callId) throw new MonitorError(404, 'not_found', 'No such call');
    const view = await this.host.withCall(callId, async (_turn, session) => viewOf(session));
    if (!view) throw new MonitorError(404, 'not_found', 'No such call');
    return view;
  }

  /** Start monitoring in `mode` (the same supervisor starting again replaces their earlier leg). */
  async start(call: string, supervisor: string, mode: MonitorMode): Promise<MonitorView> {
    return this.live(call, async (turn, session, parties) => {
      const current = session.monitor;
      if (current && current.supervisor !== supervisor) throw new MonitorError(409, 'already_monitored', `${current.supervisor} is monitoring this call`);
      const steps: Step[] = [];
      if (current?.legUuid) steps.push({ op: 'hangup', uuid: current.legUuid });
      if (!session.room) {
        const room = monitorRoom(session.uuid);
        session.room = room;
        steps.push(
          { op: 'transfer', uuid: parties.agent, ncco: [{ action: 'conversation', name: room, startOnEnter: true }] },
          // The caller leaving ends the conversation for everyone, as in call control's conversations.
          { op: 'transfer', uuid: parties.caller, ncco: [{ action: 'conversation', name: room, startOnEnter: true, endOnExit: true }] },
        );
      }
      session.monitor = { id: randomUUID(), supervisor, identity: monitorIdentity(supervisor), mode, legUuid: null };
      await this.host.control.addSteps(turn, session, steps);
      await this.note(turn, session, session.monitor, `monitor-${mode}`);
      return viewOf(session);
    });
  }

  /** Switch between listen, coach and barge; the same mode again changes nothing. */
  async change(call: string, supervisor: string, mode: MonitorMode): Promise<MonitorView> {
    return this.live(call, async (turn, session, parties) => {
      const monitor = this.mine(session, supervisor);
      if (monitor.mode === mode) return viewOf(session);
      monitor.mode = mode;
      if (monitor.legUuid) await this.host.control.addSteps(turn, session, [{ op: 'transfer', uuid: monitor.legUuid, ncco: monitorNcco(session.room!, mode, parties) }]);
      await this.note(turn, session, monitor, `monitor-${mode}`);
      return viewOf(session);
    });
  }

  /** Stop monitoring: the supervisor's leg is hung up. */
  async leave(call: string, supervisor: string): Promise<MonitorView> {
    const callId = await this.callIdOf(call);
    if (!callId) throw new MonitorError(404, 'not_found', 'No such call');
    const view = await this.host.withCall(callId, async (turn, session) => {
      const monitor = this.mine(session, supervisor);
      session.monitor = null;
      if (monitor.legUuid) await this.host.control.addSteps(turn, session, [{ op: 'hangup', uuid: monitor.legUuid }]);
      await this.note(turn, session, monitor, 'monitor-left');
      return viewOf(session);
    });
    if (!view) throw new MonitorError(404, 'not_found', 'No such call');
    return view;
  }

  /** The answer_url for a supervisor's SDK call: the call's conversation with the mode's rights, or a goodbye. */
  async answer(identity: string, customData: Record<string, unknown>, legUuid: string | undefined): Promise<Ncco> {
    const callId = typeof customData.call === 'string' ? customData.call : '';
    const monitorId = customData.monitor;
    const ncco = callId
      ? await this.host.withCall(callId, async (turn, session) => {
          const monitor = session.monitor;
          const parties = partiesOf(session);
          if (!monitor || monitor.id !== monitorId || monitor.identity !== identity || !parties || !session.room) return null;
          if (legUuid && monitor.legUuid !== legUuid) {
            monitor.legUuid = legUuid;
            await this.note(turn, session, monitor, 'monitor-joined');
          }
          return monitorNcco(session.room, monitor.mode, parties);
        })
      : null;
    return ncco ?? goodbyeNcco('This call is no longer available to monitor.');
  }

  /** The supervisor's leg ended without Leave (page closed, network lost): the call is no longer monitored. */
  async legEnded(turn: Turn, session: CallSession, legUuid: string): Promise<void> {
    const monitor = session.monitor;
    if (!monitor || monitor.legUuid !== legUuid) return;
    session.monitor = null;
    await this.note(turn, session, monitor, 'monitor-left');
  }

  /** The call ended (caller gone, or the agent left it): hang up a supervisor still on it. */
  async callEnded(turn: Turn, session: CallSession): Promise<void> {
    const monitor = session.monitor;
    if (!monitor) return;
    session.monitor = null;
    if (monitor.legUuid) await this.host.control.addSteps(turn, session, [{ op: 'hangup', uuid: monitor.legUuid }]);
    await this.note(turn, session, monitor, 'monitor-ended');
  }

  private mine(session: CallSession, supervisor: string): Monitoring {
    const monitor = session.monitor;
    if (!monitor || monitor.supervisor !== supervisor) throw new MonitorError(409, 'not_monitoring', 'You are not monitoring this call');
    return monitor;
  }

  /** Run `work` on a live call (answered by an agent, not in a consult), 409 otherwise. */
  private async live<T>(call: string, work: (turn: Turn, session: CallSession, parties: { caller: string; agent: string }) => Promise<T>): Promise<T> {
    const callId = await this.callIdOf(call);
    if (!callId) throw new MonitorError(409, 'not_live', NOT_LIVE);
    const result = await this.host.withCall(callId, async (turn, session) => {
      const parties = partiesOf(session);
      if (!parties) throw new MonitorError(409, 'not_live', NOT_LIVE);
      if (session.consult?.state === 'consulting') throw new MonitorError(409, 'consulting', 'The agent is consulting; try again once the caller is back or in the conference');
      return { value: await work(turn, session, parties) };
    });
    if (!result) throw new MonitorError(409, 'not_live', NOT_LIVE);
    return result.value;
  }

  private async callIdOf(call: string): Promise<string | null> {
    const { rows } = await this.host.db.query<{ id: string }>(`SELECT id FROM flow_calls WHERE id = $1 OR state->>'conversationUuid' = $1 ORDER BY (id = $1) DESC LIMIT 1`, [call]);
    return rows[0]?.id ?? null;
  }

  private async note(turn: Turn, session: CallSession, monitor: Monitoring, action: string): Promise<void> {
    if (!session.conversationUuid) return;
    const at = new Date(this.host.now()).toISOString();
    await this.host.recordControl(turn, {
      conversation_uuid: session.conversationUuid,
      // No leg: the supervisor's leg is no segment of the call.
      uuid: null,
      kind: 'control',
      status: action,
      agent: null,
      direction: null,
      from: null,
      to: null,
      timestamp: at,
      raw: JSON.stringify({ action, supervisor: monitor.supervisor, mode: monitor.mode, leg: monitor.legUuid }),
      received_at: at,
    });
  }
}

/** Caller's and owning agent's legs of a call that is live with an agent, else null. */
function partiesOf(session: CallSession): { caller: string; agent: string } | null {
  const owner = session.attempt;
  if (session.ended || !owner?.answered || !owner.legUuid || !owner.agent) return null;
  return { caller: session.uuid, agent: owner.legUuid };
}

function viewOf(session: CallSession): MonitorView {
  const m = session.monitor;
  return { call: session.uuid, conversation_uuid: session.conversationUuid, monitor: m ? { id: m.id, supervisor: m.supervisor, mode: m.mode, joined: m.legUuid !== null, leg: m.legUuid } : null };
}
