/**
 * A rig for driving the call flows in unit tests: a fresh PostgreSQL database per test (the
 * calls' state, the directories, the job queue), a real {@link JobQueue} running the flows'
 * timers and effects, and doubles for presence, the Voice API and the call record.
 *
 * Time is the rig's clock (the flows' `now`). The job queue compares a job's `run_at` with the
 * database's own clock, so the rig keeps the two apart: a job the flows add for (rig) time `t`
 * is stored for (real) time `t - offset`, and {@link FlowRig.advance} moves the clock and
 * every pending job's `run_at` earlier by the same amount, one due job at a time, so timers
 * (queue waits and announcements, whisper waits, declined-agent pauses) fire in order, each
 * at its own time on the rig's clock.
 */
import type { CallContext } from '../../../../common/call-context';
import { openDatabase, type Database, type Sql } from '../../../../server/db/database';
import { CallContexts } from '../../../../server/flows/contexts';
import type { Ncco } from '../../../../server/flows/ncco';
import { CallFlows, type CallSession, type FlowEvent, type PresenceView, type VoicePort } from '../../../../server/flows/runtime';
import { FlowUrls } from '../../../../server/flows/urls';
import { JobQueue, type AddJobOptions, type JobLog } from '../../../../server/jobs/queue';
import { NumberDirectory } from '../../../../server/numbers/directory';
import { numberSettings, type NumberSettingsInput } from '../../../../server/numbers/schema';
import { QueueDirectory } from '../../../../server/queues/directory';
import { queueSettings, type QueueSettingsInput } from '../../../../server/queues/schema';
import { createPgStorage } from '../../../../server/storage/pg';
import type { Storage } from '../../../../server/storage/types';
import type { CreateCallRequest, CreatedCall } from '../../../../server/vonage/voice-api';
import { createTestDatabase, type TestDatabase } from '../../../support/test-database';

export const PUBLIC_URL = 'http://127.0.0.1:3030';
export const MUSIC = `${PUBLIC_URL}/assets/hold-music.wav`;
/** Where the rig's clock starts. */
export const START = '2026-03-02T09:00:00.000Z';

/** How long {@link FlowRig.settle} waits for the jobs to run out (ms). */
const SETTLE_MS = 10_000;

/**
 * Agents with a status and an idle time, and reservations, in memory.
 *
 * Like `server/agents/presence.ts`: only an `available` agent is reservable, an agent
 * reserved for one call is not reserved for another until released, `reserveNext` takes
 * `prefer` first, then the longest idle. Every change (a status set, a reservation, a
 * release) is reported to `onChange` listeners with the agent's status and reservation, as
 * the real presence reports every instance's changes. Reservations are not part of the
 * caller's transaction (a transaction rolled back keeps them): tests that roll transactions
 * back must not rely on them.
 */
export class FakePresence implements PresenceView {
  private readonly agents = new Map<string, { name: string; status: string; idleSince: string | null }>();
  /** Lower-case name → the call the agent is reserved for. */
  private readonly reservations = new Map<string, string>();
  private readonly listeners = new Set<(entry: { status: string; reservedCall: string | null }) => void>();

  /** Set an agent's status (available agents are idle since 08:00 unless told). */
  set(name: string, status: string, idleSince: string | null = status === 'available' ? '2026-03-02T08:00:00.000Z' : null): void {
    this.agents.set(name.toLowerCase(), { name, status, idleSince });
    this.changed(name);
  }

  /** The call an agent is reserved for, or null. */
  reservedFor(name: string): string | null {
    return this.reservations.get(name.toLowerCase()) ?? null;
  }

  async reserveNext(_sql: Sql, request: { callId: string; exclude: string[]; members: string[]; prefer?: string | undefined }): Promise<string | null> {
    const skip = new Set(request.exclude.map((n) => n.toLowerCase()));
    const members = new Set(request.members.map((n) => n.toLowerCase()));
    const prefer = request.prefer?.toLowerCase();
    const preferred = (name: string) => (name.toLowerCase() === prefer ? 0 : 1);
    const picked = [...this.agents.values()]
      .filter((a) => this.reservable(a.name) && !skip.has(a.name.toLowerCase()) && (members.size === 0 || members.has(a.name.toLowerCase())))
      .sort(
        (a, b) =>
          preferred(a.name) - preferred(b.name) ||
          (a.idleSince ?? '\uffff').localeCompare(b.idleSince ?? '\uffff') ||
          a.name.toLowerCase().localeCompare(b.name.toLowerCase()),
      )[0];
    if (!picked) return null;
    this.reservations.set(picked.name.toLowerCase(), request.callId);
    this.changed(picked.name);
    return picked.name;
  }

  async reserveAgent(_sql: Sql, name: string, callId: string): Promise<boolean> {
    const key = name.toLowerCase();
    if (this.agents.get(key)?.status !== 'available') return false;
    const holder = this.reservations.get(key);
    if (holder === callId) return true;
    if (holder !== undefined) return false;
    this.reservations.set(key, callId);
    this.changed(key);
    return true;
  }

  async release(_sql: Sql, name: string, callId: string): Promise<void> {
    const key = name.toLowerCase();
    if (this.reservations.get(key) !== callId) return;
    this.reservations.delete(key);
    this.changed(key);
  }

  list() {
    return [...this.agents.values()];
  }

  onChange(listener: (entry: { status: string; reservedCall: string | null }) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private reservable(name: string): boolean {
    const key = name.toLowerCase();
    return this.agents.get(key)?.status === 'available' && !this.reservations.has(key);
  }

  private changed(name: string): void {
    const key = name.toLowerCase();
    const entry = { status: this.agents.get(key)?.status ?? 'offline', reservedCall: this.reservations.get(key) ?? null };
    for (const listener of [...this.listeners]) listener(entry);
  }
}

/** Records every Voice API request; `createCall` answers `agent-leg-N` unless told to fail. */
export class FakeVoice implements VoicePort {
  readonly created: CreateCallRequest[] = [];
  readonly transfers: Array<{ uuid: string; ncco: Ncco }> = [];
  readonly hangups: string[] = [];
  readonly talks: Array<{ uuid: string; text: string }> = [];
  /** Every request in order, as one line each (`transfer caller-1 conversation:consult-…`), for call-control steps. */
  readonly log: string[] = [];
  failCreate = false;

  /** `next`: legs created so far (a second instance continues the numbering). */
  constructor(public next = 0) {}

  async createCall(request: CreateCallRequest): Promise<CreatedCall> {
    this.created.push(request);
    this.log.push(`create ${request.to.map((t) => ('user' in t ? t.user : t.number)).join(',')}`);
    if (this.failCreate) throw new Error('platform says no');
    this.next += 1;
    return { uuid: `agent-leg-${this.next}`, status: 'started', direction: 'outbound', conversation_uuid: `CON-agent-${this.next}` };
  }
  async transfer(uuid: string, ncco: Ncco): Promise<void> {
    this.transfers.push({ uuid, ncco });
    const last = ncco[ncco.length - 1] as { action: string; name?: string } | undefined;
    this.log.push(`transfer ${uuid} ${last?.action === 'conversation' ? `conversation:${last.name}` : (last?.action ?? '')}`);
  }
  async hangup(uuid: string): Promise<void> {
    this.hangups.push(uuid);
    this.log.push(`hangup ${uuid}`);
  }
  async setMuted(uuid: string, muted: boolean): Promise<void> {
    this.log.push(`${muted ? 'mute' : 'unmute'} ${uuid}`);
  }
  async stream(uuid: string, url: string): Promise<void> {
    this.log.push(`stream ${uuid} ${url}`);
  }
  async stopStream(uuid: string): Promise<void> {
    this.log.push(`stop-stream ${uuid}`);
  }
  async talk(uuid: string, text: string): Promise<void> {
    this.talks.push({ uuid, text });
  }
}

/** The rig's clock, and how its times map to the database's. */
class RigTime {
  /** The flows' now (ms). */
  nowMs = Date.parse(START);
  /** Rig time minus real time for jobs' `run_at`: a job due at rig time `t` is stored as `t - offset`. */
  offset = this.nowMs - Date.now();
  /** Job additions under way (outside a transaction the rig awaits: presence listeners). */
  adding = 0;
  /** Job failures reported by the job queue; {@link FlowRig.settle} fails on any. */
  readonly failures: string[] = [];
}

/** The real job queue, with `runAt` (the flows' clock) mapped to the database's clock. */
class RigJobQueue extends JobQueue {
  constructor(
    db: Database,
    log: JobLog,
    private readonly time: RigTime,
  ) {
    super(db, { pollIntervalMs: 20, log });
  }

  override async add(sql: Sql, task: string, payload: Record<string, unknown>, options: AddJobOptions = {}): Promise<void> {
    this.time.adding += 1;
    try {
      const runAt = options.runAt === undefined ? undefined : new Date(new Date(options.runAt).getTime() - this.time.offset);
      await super.add(sql, task, payload, runAt === undefined ? options : { ...options, runAt });
    } finally {
      this.time.adding -= 1;
    }
  }
}

/** Everything a flows test needs, wired. */
export interface FlowRig {
  /** The flows (a new instance after {@link restart}). */
  flows: CallFlows;
  presence: FakePresence;
  /** The Voice API of the current instance (a new one after {@link restart}). */
  voice: FakeVoice;
  /** The rig's clock; move it with {@link advance}. */
  clock: { readonly nowMs: number };
  db: Database;
  jobs: JobQueue;
  storage: Storage;
  numbers: NumberDirectory;
  queues: QueueDirectory;
  contexts: CallContexts;
  /** Every call-record patch, in the order the record jobs applied them (across restarts). */
  records: Array<{ conversation: string; patch: Record<string, unknown> }>;
  /** Call-control events the flows wrote to call records (`hold`, `consult`, …), in order. */
  controls: Array<{ conversation: string | null; leg: string | null; agent: string | null; action: string | null; raw: Record<string, unknown> }>;
  /** What the flows noted on a call's record so far: its patches merged in order (a turn writes its changes as one). */
  recordOf(conversation: string): Record<string, unknown>;
  /** Feed a leg status event (its timestamp, unless given, is unique: not a retried delivery). */
  event(event: Partial<FlowEvent> & { uuid: string; status: string }): Promise<void>;
  /** The context an agent's app is given for a leg. */
  context(leg: string, agent: string): Promise<CallContext | null>;
  /** A call's stored state. */
  session(uuid: string): Promise<CallSession | undefined>;
  /** Wait (bounded) until no job is due or running; fails on a job that failed. */
  settle(): Promise<void>;
  /** Move the clock forward, firing the jobs that fall due in order, and settle. */
  advance(ms: number): Promise<void>;
  /** Replace the flows, job queue, directories and Voice API with new ones on the same database: a restart. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Build flows over a fresh database and fakes, with these numbers and queues configured. */
export async function flowRig(config: { numbers?: Record<string, NumberSettingsInput>; queues?: Record<string, QueueSettingsInput> } = {}): Promise<FlowRig> {
  const database: TestDatabase = await createTestDatabase();
  let db: Database;
  try {
    db = await openDatabase(database.url);
  } catch (error) {
    await database.drop();
    throw error;
  }
  const time = new RigTime();
  const storage = createPgStorage(db, { closeDatabase: false });
  const dateNow = () => new Date(time.nowMs);
  const presence = new FakePresence();
  const records: FlowRig['records'] = [];
  const controls: FlowRig['controls'] = [];
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const jobLog: JobLog = {
    info: () => undefined,
    warn: (object, message) => void time.failures.push(`${message}: ${summary(object)}`),
    error: (object, message) => void time.failures.push(`${message}: ${summary(object)}`),
  };

  /** One backend instance's objects. */
  async function instance(previous?: FakeVoice) {
    const queues = await QueueDirectory.load(storage.queues, dateNow);
    const numbers = await NumberDirectory.load(storage.numbers, dateNow);
    const jobs = new RigJobQueue(db, jobLog, time);
    const voice = new FakeVoice(previous?.next ?? 0);
    const flows = new CallFlows({
      db,
      jobs,
      urls: new FlowUrls(PUBLIC_URL),
      contactNumber: '14155550199',
      numbers,
      queues,
      presence,
      voice,
      calls: {
        updateCallRecord: async (conversation, patch) => {
          records.push({ conversation, patch: { ...patch } });
          return undefined;
        },
        recordEvent: async (event) => {
          controls.push({ conversation: event.conversation_uuid, leg: event.uuid, agent: event.agent, action: event.status, raw: JSON.parse(event.raw) as Record<string, unknown> });
          return undefined;
        },
      },
      log: silent,
      now: () => time.nowMs,
    });
    await jobs.start();
    return { queues, numbers, jobs, voice, flows };
  }

  async function jobsPending(): Promise<Array<{ task: string; state: string }>> {
    const { rows } = await db.query<{ task: string; state: string }>(
      `SELECT t.identifier AS task, CASE WHEN j.locked_at IS NOT NULL THEN 'running' ELSE 'due' END AS state
         FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
        WHERE j.locked_at IS NOT NULL OR (j.attempts < j.max_attempts AND j.run_at <= now())`,
    );
    return rows;
  }

  async function settle(): Promise<void> {
    const deadline = Date.now() + SETTLE_MS;
    for (;;) {
      if (time.failures.length > 0) throw new Error(`a job failed: ${time.failures.join('; ')}`);
      const pending = time.adding === 0 ? await jobsPending() : [{ task: '(being added)', state: 'due' }];
      if (pending.length === 0 && time.adding === 0) return;
      if (Date.now() > deadline) throw new Error(`jobs still pending after ${SETTLE_MS} ms: ${JSON.stringify(pending)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Map rig time to real time afresh (real time passed): pending jobs keep their rig time. */
  async function anchor(): Promise<void> {
    const offset = time.nowMs - Date.now();
    await db.query(`UPDATE graphile_worker._private_jobs SET run_at = run_at - make_interval(secs => $1::float8 / 1000) WHERE locked_at IS NULL`, [offset - time.offset]);
    time.offset = offset;
  }

  /** The rig time of the earliest job not yet due, or null. */
  async function nextJobAt(): Promise<number | null> {
    const { rows } = await db.query<{ at: number | null }>(
      `SELECT (extract(epoch FROM min(run_at)) * 1000)::float8 AS at FROM graphile_worker._private_jobs WHERE locked_at IS NULL AND attempts < max_attempts`,
    );
    const at = rows[0]?.at;
    return at === null || at === undefined ? null : Math.ceil(at + time.offset);
  }

  let current = await instance();
  const rig: FlowRig = {
    flows: current.flows,
    presence,
    voice: current.voice,
    clock: time,
    db,
    jobs: current.jobs,
    storage,
    numbers: current.numbers,
    queues: current.queues,
    contexts: new CallContexts(db),
    records,
    controls,
    recordOf: (conversation) => Object.assign({}, ...records.filter((r) => r.conversation === conversation).map((r) => r.patch)) as Record<string, unknown>,
    event: (event) => rig.flows.handleEvent({ conversation_uuid: null, from: null, to: null, timestamp: uniqueTimestamp(), ...event }),
    context: (leg, agent) => rig.contexts.get(leg, agent),
    session: (uuid) => rig.flows.session(uuid),
    settle,
    async advance(ms) {
      await settle();
      const end = time.nowMs + ms;
      for (let step = 0; ; step += 1) {
        if (step > 1000) throw new Error('advance: jobs keep falling due');
        const next = await nextJobAt();
        const last = next === null || next > end;
        time.nowMs = last ? end : Math.max(time.nowMs, next);
        await anchor();
        await settle();
        if (last) return;
      }
    },
    async restart() {
      await settle();
      current.flows.close();
      await current.jobs.stop();
      current = await instance(current.voice);
      Object.assign(rig, { flows: current.flows, voice: current.voice, jobs: current.jobs, numbers: current.numbers, queues: current.queues });
    },
    async close() {
      current.flows.close();
      try {
        await current.jobs.stop();
      } finally {
        await db.close();
        await database.drop();
      }
    },
  };
  for (const [name, settings] of Object.entries(config.queues ?? {})) await rig.queues.put(name, queueSettings.parse(settings));
  for (const [number, settings] of Object.entries(config.numbers ?? {})) await rig.numbers.put(number, numberSettings.parse(settings));
  return rig;
}

/** Events fed so far: each gets a timestamp of its own. */
let eventSeq = 0;

/** Distinct per event, so no two events of a test look like one retried delivery. */
function uniqueTimestamp(): string {
  eventSeq += 1;
  return new Date(Date.parse(START) + eventSeq).toISOString();
}

function summary(object: object): string {
  const err = (object as { err?: unknown }).err;
  const rest = JSON.stringify({ ...object, err: undefined }) ?? '';
  return err instanceof Error ? `${rest} ${err.stack ?? err.message}` : rest;
}
