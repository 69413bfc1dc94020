/**
 * The agent desk's queries (migration 6): how far each agent has seen their missed calls,
 * the operator's dispositions, and each agent's after-call work on a call. Everything is
 * keyed by the agent's lower-cased name, like `agent_calls`, and scoped by it: an agent
 * reads and writes only rows of calls in their own history.
 */
import type { AgentCall, Disposition, MissedBadge, WrapUp } from '../../common/agent-desk';
import { MISSED_BADGE_CAP } from '../../common/agent-desk';
import type { CallLogRecord } from '../../common/backend-api';
import type { Sql, Database } from '../db/database';

interface WrapUpRow {
  conversation_uuid: string;
  disposition: string | null;
  disposition_label: string | null;
  notes: string;
  updated_at: string;
}

/** Why a wrap-up could not be saved. */
export type WrapUpRefusal = 'not_found' | 'unknown_disposition';

/** The desk's rows over the shared pool. */
export class DeskStore {
  constructor(private readonly db: Database) {}

  /** The agent's view of their calls: missed by them or not, and their own after-call work. */
  async enrich(agent: string, calls: CallLogRecord[]): Promise<Array<CallLogRecord & Omit<AgentCall, keyof CallLogRecord>>> {
    if (calls.length === 0) return [];
    const ids = calls.map((c) => c.conversation_uuid);
    const [missed, wrapUps] = await Promise.all([
      this.db.query<{ conversation_uuid: string; missed: boolean }>(
        'SELECT conversation_uuid, missed FROM agent_calls WHERE agent_key = lower($1) AND conversation_uuid = ANY($2::text[])',
        [agent, ids],
      ),
      this.db.query<WrapUpRow>(
        'SELECT conversation_uuid, disposition, disposition_label, notes, updated_at FROM call_wrapups WHERE agent_key = lower($1) AND conversation_uuid = ANY($2::text[])',
        [agent, ids],
      ),
    ]);
    const missedOf = new Map(missed.rows.map((r) => [r.conversation_uuid, r.missed]));
    const wrapUpOf = new Map(wrapUps.rows.map((r) => [r.conversation_uuid, r]));
    return calls.map((call) => {
      const wrapUp = wrapUpOf.get(call.conversation_uuid);
      return {
        ...call,
        missed: missedOf.get(call.conversation_uuid) ?? false,
        disposition: wrapUp?.disposition ?? null,
        disposition_label: wrapUp?.disposition_label ?? null,
        notes: wrapUp?.notes ?? null,
      };
    });
  }

  /** Missed calls started after what the agent has seen (all of them before they first looked), capped. */
  async unseen(agent: string): Promise<MissedBadge> {
    const { rows } = await this.db.query<{ missed: number; seen_up_to: string | null }>(
      `SELECT (SELECT count(*) FROM (SELECT 1 FROM agent_calls a
                 WHERE a.agent_key = lower($1) AND a.missed AND a.started_at > coalesce(s.seen_up_to, '-infinity')
                 ORDER BY a.started_at DESC LIMIT $2) capped)::int AS missed,
              s.seen_up_to
         FROM (SELECT NULL) one LEFT JOIN agent_history_seen s ON s.agent_key = lower($1)`,
      [agent, MISSED_BADGE_CAP],
    );
    return rows[0] ?? { missed: 0, seen_up_to: null };
  }

  /** The agent has seen their missed calls up to `upTo` (never moved back, never past `now`). */
  async markSeen(agent: string, upTo: string, now: Date): Promise<MissedBadge> {
    const at = new Date(Math.min(Date.parse(upTo), now.getTime())).toISOString();
    await this.db.query(
      `INSERT INTO agent_history_seen AS s (agent_key, seen_up_to, updated_at) VALUES (lower($1), $2, $3)
       ON CONFLICT (agent_key) DO UPDATE SET seen_up_to = GREATEST(s.seen_up_to, excluded.seen_up_to), updated_at = excluded.updated_at`,
      [agent, at, now.toISOString()],
    );
    return this.unseen(agent);
  }

  /** The operator's dispositions, in order. */
  async dispositions(sql: Sql = this.db): Promise<Disposition[]> {
    const { rows } = await sql.query<Disposition>('SELECT code, label FROM dispositions ORDER BY position, code');
    return rows;
  }

  /** Replace the list (one transaction: every instance reads the old list or the new one). */
  async replaceDispositions(list: Disposition[]): Promise<Disposition[]> {
    return this.db.tx(async (sql) => {
      await sql.query('DELETE FROM dispositions');
      if (list.length > 0) {
        await sql.query(
          'INSERT INTO dispositions (code, label, position) SELECT * FROM unnest($1::text[], $2::text[], $3::int[])',
          [list.map((d) => d.code), list.map((d) => d.label), list.map((_, i) => i)],
        );
      }
      return this.dispositions(sql);
    });
  }

  /**
   * Save the agent's disposition and notes on a call of their history. `not_found` when the call
   * is not in it (another agent's, or none: the same answer, so nothing leaks), `unknown_disposition`
   * when the code is not on the list.
   */
  async saveWrapUp(agent: string, conversationUuid: string, disposition: string | null, notes: string, now: Date): Promise<WrapUp | WrapUpRefusal> {
    return this.db.tx(async (sql) => {
      const [mine, label] = await Promise.all([
        sql.query('SELECT 1 FROM agent_calls WHERE agent_key = lower($1) AND conversation_uuid = $2', [agent, conversationUuid]),
        disposition === null ? Promise.resolve({ rows: [{ label: null }] }) : sql.query<{ label: string }>('SELECT label FROM dispositions WHERE code = $1', [disposition]),
      ]);
      if (mine.rows.length === 0) return 'not_found';
      const found = label.rows[0];
      if (!found) return 'unknown_disposition';
      const { rows } = await sql.query<WrapUpRow>(
        `INSERT INTO call_wrapups AS w (conversation_uuid, agent_key, agent, disposition, disposition_label, notes, updated_at)
         VALUES ($1, lower($2), $2, $3, $4, $5, $6)
         ON CONFLICT (conversation_uuid, agent_key) DO UPDATE
           SET disposition = excluded.disposition, disposition_label = excluded.disposition_label, notes = excluded.notes, updated_at = excluded.updated_at
         RETURNING conversation_uuid, disposition, disposition_label, notes, updated_at`,
        [conversationUuid, agent, disposition, found.label, notes, now.toISOString()],
      );
      const saved = rows[0];
      if (!saved) throw new Error('the wrap-up was not written');
      return saved;
    });
  }

  /**
   * Change the notes of a call of the agent's history after wrap-up, keeping the disposition
   * (none if there was no wrap-up yet); `not_found` for a call not in their history.
   */
  async editNotes(agent: string, conversationUuid: string, notes: string, now: Date): Promise<WrapUp | 'not_found'> {
    return this.db.tx(async (sql) => {
      const mine = await sql.query('SELECT 1 FROM agent_calls WHERE agent_key = lower($1) AND conversation_uuid = $2', [agent, conversationUuid]);
      if (mine.rows.length === 0) return 'not_found';
      const { rows } = await sql.query<WrapUpRow>(
        `INSERT INTO call_wrapups AS w (conversation_uuid, agent_key, agent, disposition, disposition_label, notes, updated_at)
         VALUES ($1, lower($2), $2, NULL, NULL, $3, $4)
         ON CONFLICT (conversation_uuid, agent_key) DO UPDATE SET notes = excluded.notes, updated_at = excluded.updated_at
         RETURNING conversation_uuid, disposition, disposition_label, notes, updated_at`,
        [conversationUuid, agent, notes, now.toISOString()],
      );
      const saved = rows[0];
      if (!saved) throw new Error('the notes were not written');
      return saved;
    });
  }

  /** Every agent's after-call work on a call (the operator's view). */
  async wrapUpsOf(conversationUuid: string): Promise<Array<WrapUp & { agent: string }>> {
    const { rows } = await this.db.query<WrapUpRow & { agent: string }>(
      'SELECT conversation_uuid, agent, disposition, disposition_label, notes, updated_at FROM call_wrapups WHERE conversation_uuid = $1 ORDER BY updated_at',
      [conversationUuid],
    );
    return rows;
  }
}
