/**
 * The live wallboard: per queue, per agent and per call in progress, pushed to every open
 * console page as it changes (server-sent events, `GET /api/console/wallboard/events`).
 *
 * What changes it, on any instance, reaches every instance: presence through its own
 * LISTEN (`presence.onChange`), the call record, its segments and the queue lines through
 * channel `wallboard`, which triggers on those tables notify (migration 9). A change only
 * marks the board dirty; one recomputation (a handful of indexed queries) runs at a time,
 * and the board is sent only when it differs from the last one sent. Nothing is polled:
 * times in status and call durations are counted by the page from the timestamps.
 */
import type { WallboardAgent, WallboardCall, WallboardQueue, WallboardSnapshot } from '../../common/console-api';
import type { AppContext } from '../context';
import { listen, type Listener } from '../db/listen';
import { MONITOR_FLOW } from '../storage/types';
import { formatEvent, type StreamSink } from '../agents/streams';

/** Service level target when a queue names none, in seconds (the queue report's default). */
export const DEFAULT_SERVICE_LEVEL_S = 20;
/** Calls open for longer than this are not "in progress" (the platform ends calls after 2 h; stale rows are left to reconciliation). */
const IN_PROGRESS_WINDOW_MS = 4 * 60 * 60 * 1000;
/** Changes arriving within this many ms of each other are folded into one push. */
const COALESCE_MS = 25;

interface CallRow {
  conversation_uuid: string;
  from_addr: string | null;
  to_addr: string | null;
  direction: string | null;
  flow: string | null;
  queue: string | null;
  agent: string | null;
  started_at: string;
  answered_at: string | null;
}

interface SegmentRow {
  conversation_uuid: string;
  agent: string;
  offered_at: string;
  answered_at: string | null;
}

/** UTC midnight of `now`. */
export function dayStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

function targetOf(settingsText: string): { label: string; target: number } {
  try {
    const settings = JSON.parse(settingsText) as { label?: unknown; service_level_s?: unknown };
    const target = typeof settings.service_level_s === 'number' && settings.service_level_s > 0 ? settings.service_level_s : DEFAULT_SERVICE_LEVEL_S;
    return { label: typeof settings.label === 'string' ? settings.label : '', target };
  } catch {
    return { label: '', target: DEFAULT_SERVICE_LEVEL_S };
  }
}

/** Read the board from the database and presence's cache. */
export async function computeWallboard(ctx: Pick<AppContext, 'db' | 'presence' | 'now'>): Promise<WallboardSnapshot> {
  const now = ctx.now();
  const today = dayStart(now);
  const queueRows = (await ctx.db.query<{ name: string; settings: string }>('SELECT name, settings FROM queue_configs ORDER BY lower(name)')).rows;
  const queues = queueRows.map((r) => ({ name: r.name, ...targetOf(r.settings) }));
  const [waitingRows, todayRows, callRows, agentRows] = await Promise.all([
    ctx.db.query<{ q: string; waiting: number; oldest: string; conversations: string[] }>(
      `SELECT lower(e.queue) AS q, count(*)::int AS waiting, min(e.joined_at) AS oldest, array_agg(f.conversation_uuid) AS conversations
         FROM queue_entries e JOIN flow_calls f ON f.id = e.call_id GROUP BY 1`,
    ),
    ctx.db.query<{ q: string; offered: number; answered: number; abandoned: number; within: number }>(
      `SELECT lower(c.queue) AS q, count(*)::int AS offered,
              count(*) FILTER (WHERE c.outcome = 'answered')::int AS answered,
              count(*) FILTER (WHERE c.outcome IN ('abandoned', 'missed'))::int AS abandoned,
              count(*) FILTER (WHERE c.outcome = 'answered' AND c.wait_s <= coalesce(t.target, $3))::int AS within
         FROM calls c LEFT JOIN unnest($4::text[], $5::int[]) AS t(q, target) ON t.q = lower(c.queue)
        WHERE c.queue IS NOT NULL AND c.ended_at IS NOT NULL AND c.started_at >= $1 AND c.started_at < $2
        GROUP BY 1`,
      [today.toISOString(), now.toISOString(), DEFAULT_SERVICE_LEVEL_S, queues.map((q) => q.name.toLowerCase()), queues.map((q) => q.target)],
    ),
    ctx.db.query<CallRow>(
      `SELECT conversation_uuid, from_addr, to_addr, direction, flow, queue, agent, started_at, answered_at
         FROM calls WHERE ended_at IS NULL AND started_at > $1 AND flow IS DISTINCT FROM $2 ORDER BY started_at, conversation_uuid`,
      [new Date(now.getTime() - IN_PROGRESS_WINDOW_MS).toISOString(), MONITOR_FLOW],
    ),
    ctx.db.query<{ id: string; display_name: string; disabled: boolean }>('SELECT id, display_name, disabled FROM agents'),
  ]);
  const open = callRows.rows.map((c) => c.conversation_uuid);
  const segments =
    open.length === 0
      ? []
      : (
          await ctx.db.query<SegmentRow>(
            `SELECT conversation_uuid, agent, offered_at, answered_at FROM call_segments
              WHERE conversation_uuid = ANY($1::text[]) AND ended_at IS NULL AND agent IS NOT NULL ORDER BY offered_at`,
            [open],
          )
        ).rows;

  const waiting = new Map(waitingRows.rows.map((r) => [r.q, r]));
  const queued = new Set(waitingRows.rows.flatMap((r) => r.conversations));
  const stats = new Map(todayRows.rows.map((r) => [r.q, r]));
  const boardQueues: WallboardQueue[] = queues.map((q) => {
    const w = waiting.get(q.name.toLowerCase());
    const s = stats.get(q.name.toLowerCase());
    const offered = s?.offered ?? 0;
    return {
      name: q.name,
      label: q.label,
      waiting: w?.waiting ?? 0,
      oldest_waiting_since: w?.oldest ?? null,
      offered_today: offered,
      answered_today: s?.answered ?? 0,
      abandoned_today: s?.abandoned ?? 0,
      answered_within_target: s?.within ?? 0,
      service_level_target_s: q.target,
      service_level: offered > 0 ? Math.round(((s?.within ?? 0) / offered) * 1000) / 1000 : null,
    };
  });

  // The newest open segment of each call and of each agent: who is talking (or being rung) on what.
  const byCall = new Map<string, SegmentRow>();
  const byAgent = new Map<string, SegmentRow>();
  for (const s of segments) {
    const current = byCall.get(s.conversation_uuid);
    if (!current || s.answered_at !== null || current.answered_at === null) byCall.set(s.conversation_uuid, s);
    byAgent.set(s.agent.toLowerCase(), s);
  }
  const calls: WallboardCall[] = callRows.rows.map((c) => {
    const seg = byCall.get(c.conversation_uuid);
    const state: WallboardCall['state'] = seg?.answered_at ? 'talking' : queued.has(c.conversation_uuid) ? 'waiting' : seg ? 'ringing' : c.answered_at && c.agent ? 'talking' : 'in-flow';
    return {
      conversation_uuid: c.conversation_uuid,
      from: c.from_addr,
      to: c.to_addr,
      direction: c.direction,
      flow: c.flow,
      queue: c.queue,
      agent: seg?.agent ?? c.agent,
      state,
      started_at: c.started_at,
      answered_at: seg?.answered_at ?? c.answered_at,
    };
  });
  const callById = new Map(callRows.rows.map((c) => [c.conversation_uuid, c]));
  const agentInfo = new Map(agentRows.rows.map((a) => [a.id, a]));
  const agents: WallboardAgent[] = ctx.presence
    .list()
    .filter((p) => agentInfo.get(p.agentId)?.disabled !== true)
    .map((p) => {
      const seg = byAgent.get(p.name.toLowerCase());
      const call = seg ? callById.get(seg.conversation_uuid) : undefined;
      return {
        name: p.name,
        display_name: agentInfo.get(p.agentId)?.display_name ?? p.name,
        status: p.status,
        reason: p.awayReason,
        since: p.since,
        call:
          seg && call
            ? { conversation_uuid: call.conversation_uuid, from: call.from_addr, flow: call.flow, queue: call.queue, state: seg.answered_at ? 'talking' : 'ringing', since: seg.answered_at ?? seg.offered_at }
            : null,
      };
    });
  return { at: now.toISOString(), day_start: today.toISOString(), queues: boardQueues, agents, calls };
}

/** Keeps the open wallboard streams and pushes the board to them when it changes. */
export class Wallboard {
  private readonly sinks = new Set<StreamSink>();
  private listener: Listener | null = null;
  private unsubscribe: (() => void) | null = null;
  private dirty = false;
  private running: Promise<void> | null = null;
  private lastSent = '';
  private closed = false;

  constructor(private readonly ctx: Pick<AppContext, 'db' | 'presence' | 'now'> & { log: { warn(o: object, m: string): void; info?(o: object, m: string): void } }) {}

  /** LISTEN on `wallboard` and follow presence. */
  async start(): Promise<void> {
    this.unsubscribe = this.ctx.presence.onChange(() => this.changed());
    this.listener = await listen(this.ctx.db.url, 'wallboard', { onNotify: () => this.changed(), onConnect: () => this.changed() }, { log: this.ctx.log, applicationName: 'switchboard-wallboard' });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    for (const sink of this.sinks) sink.end();
    this.sinks.clear();
    await this.listener?.close();
    await this.running;
  }

  /** Number of open streams. */
  get size(): number {
    return this.sinks.size;
  }

  /** Add a stream: it gets the board at once, then every change. Returns the function that forgets it. */
  async add(sink: StreamSink): Promise<() => void> {
    // In the set before the first board's queries: a change committed while they run is not
    // dropped for this stream (`changed()` ignores changes while no stream is open).
    this.sinks.add(sink);
    let board: WallboardSnapshot;
    try {
      board = await computeWallboard(this.ctx);
    } catch (error) {
      this.sinks.delete(sink);
      throw error;
    }
    sink.write(formatEvent('board', board));
    // A push computed while those queries ran may have reached this stream before its first
    // board, which can be the older of the two: send the board once more to every stream.
    this.lastSent = '';
    this.changed();
    return () => void this.sinks.delete(sink);
  }

  /** Something the board shows may have changed. */
  changed(): void {
    if (this.closed || this.sinks.size === 0) return;
    this.dirty = true;
    this.running ??= this.run().finally(() => {
      this.running = null;
      if (this.dirty) this.changed();
    });
  }

  private async run(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, COALESCE_MS));
    while (this.dirty && !this.closed) {
      this.dirty = false;
      let board: WallboardSnapshot;
      try {
        board = await computeWallboard(this.ctx);
      } catch (error) {
        this.ctx.log.warn({ err: error }, 'wallboard could not be computed');
        return;
      }
      // The clock alone changing is no news: the page counts time itself.
      const text = JSON.stringify({ ...board, at: '' });
      if (text === this.lastSent) continue;
      this.lastSent = text;
      const chunk = formatEvent('board', board);
      for (const sink of this.sinks) sink.write(chunk);
    }
  }
}
