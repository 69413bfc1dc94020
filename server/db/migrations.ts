/**
 * The PostgreSQL schema, as numbered migrations (applied by `./migrate`).
 *
 * Append new migrations with the next number; never edit one that has shipped, because
 * databases that already applied it will not run it again.
 *
 * Conventions: times are `timestamptz` (read back as ISO strings in UTC, see `./database`),
 * flags `boolean`. Names agents and queues are known by compare case-insensitively, so
 * their uniqueness is a unique index on `lower(name)` and lookups use `lower(…)` too (the
 * indexes below serve them). `from` and `to` are SQL keywords: their columns are `from_addr`
 * and `to_addr`. JSON documents (event payloads, flow settings) are `text`: they are kept
 * exactly as written and never queried inside.
 */
import type { Migration } from './migrate';

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'agents, credentials, call log, presence, flows, voicemail, login failures, webhook tokens',
    sql: `
      CREATE TABLE agents (
        id            text PRIMARY KEY,
        name          text NOT NULL,
        display_name  text NOT NULL,
        password_hash text NOT NULL,
        disabled      boolean NOT NULL DEFAULT false,
        created_at    timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX agents_name_lower ON agents (lower(name));

      -- Only the SHA-256 of a refresh token is stored, never the token.
      CREATE TABLE refresh_credentials (
        id           text PRIMARY KEY,
        agent_id     text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        token_hash   text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
        created_at   timestamptz NOT NULL,
        expires_at   timestamptz NOT NULL,
        revoked_at   timestamptz,
        last_used_at timestamptz
      );
      CREATE INDEX refresh_credentials_agent ON refresh_credentials (agent_id);
      CREATE INDEX refresh_credentials_expiry ON refresh_credentials (expires_at);

      -- Every event_url payload. Record, input, transfer and notify events may lack a status or a leg uuid.
      CREATE TABLE call_events (
        id                bigserial PRIMARY KEY,
        conversation_uuid text,
        uuid              text,
        kind              text NOT NULL DEFAULT 'status',
        status            text,
        agent             text,
        direction         text,
        from_addr         text,
        to_addr           text,
        timestamp         timestamptz NOT NULL,
        raw               text NOT NULL,
        received_at       timestamptz NOT NULL
      );
      CREATE INDEX call_events_conversation ON call_events (conversation_uuid, timestamp, id);
      -- An agent's legs (call history, missed calls, live legs at start-up).
      CREATE INDEX call_events_agent ON call_events (lower(agent), timestamp) WHERE agent IS NOT NULL;
      CREATE INDEX call_events_leg ON call_events (uuid, status);

      -- One row per conversation, recomputed from its events and what flows set.
      CREATE TABLE calls (
        conversation_uuid text PRIMARY KEY,
        direction         text,
        from_addr         text,
        to_addr           text,
        agent             text,
        status            text NOT NULL,
        started_at        timestamptz NOT NULL,
        answered_at       timestamptz,
        ended_at          timestamptz,
        duration_s        integer,
        flow              text,
        queue             text,
        topic             text,
        queued_at         timestamptz,
        wait_s            integer,
        talk_s            integer,
        outcome           text,
        flow_outcome      text,
        recording_url     text,
        voicemail_url     text,
        updated_at        timestamptz NOT NULL
      );
      CREATE INDEX calls_started ON calls (started_at DESC, conversation_uuid DESC);
      CREATE INDEX calls_agent ON calls (lower(agent), started_at DESC) WHERE agent IS NOT NULL;
      CREATE INDEX calls_queue ON calls (lower(queue), started_at) WHERE queue IS NOT NULL;
      CREATE INDEX calls_outcome ON calls (outcome, started_at);

      CREATE TABLE agent_presence (
        agent_id           text PRIMARY KEY REFERENCES agents(id) ON DELETE CASCADE,
        status             text NOT NULL CHECK (status IN ('available', 'busy', 'away', 'wrap-up', 'offline')),
        since              timestamptz NOT NULL,
        idle_since         timestamptz,
        wrap_up_ends_at    timestamptz,
        resume_status      text CHECK (resume_status IN ('available', 'away', 'offline')),
        last_call_ended_at timestamptz,
        updated_at         timestamptz NOT NULL
      );

      CREATE TABLE number_configs (
        number     text PRIMARY KEY,
        flow       text NOT NULL,
        settings   text NOT NULL,
        updated_at timestamptz NOT NULL
      );

      -- The name's own case is kept; the unique index on lower(name) is the key.
      CREATE TABLE queue_configs (
        name       text NOT NULL,
        settings   text NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE UNIQUE INDEX queue_configs_name_lower ON queue_configs (lower(name));

      CREATE TABLE voicemails (
        id                text PRIMARY KEY,
        conversation_uuid text,
        caller            text,
        number            text,
        queue             text,
        recording_url     text NOT NULL,
        recording_uuid    text UNIQUE,
        duration_s        integer,
        size_bytes        bigint,
        created_at        timestamptz NOT NULL
      );
      CREATE INDEX voicemails_created ON voicemails (created_at DESC, id DESC);

      -- Failed logins per agent name and client address, shared by every backend instance.
      CREATE TABLE login_failures (
        key       text NOT NULL,
        failed_at timestamptz NOT NULL
      );
      CREATE INDEX login_failures_key ON login_failures (key, failed_at);
      CREATE INDEX login_failures_time ON login_failures (failed_at);

      -- Signed-webhook token ids already accepted (replay protection), kept until they expire.
      CREATE TABLE webhook_tokens (
        jti        text PRIMARY KEY,
        expires_at timestamptz NOT NULL
      );
      CREATE INDEX webhook_tokens_expiry ON webhook_tokens (expires_at);
    `,
  },
  {
    version: 2,
    name: 'presence in the database: legs, connections, reservations, timers',
    sql: `
      -- The whole of an agent's presence lives in its row, so any instance can apply the next
      -- change (under SELECT … FOR UPDATE) and a restart loses nothing. version grows with
      -- every write: instances' caches keep the newest row they have seen.
      ALTER TABLE agent_presence
        ADD COLUMN before_status          text CHECK (before_status IN ('available', 'busy', 'away', 'wrap-up', 'offline')),
        ADD COLUMN before_idle_since      timestamptz,
        ADD COLUMN before_wrap_up_ends_at timestamptz,
        ADD COLUMN answered_while_busy    boolean NOT NULL DEFAULT false,
        ADD COLUMN offline_after_call     boolean NOT NULL DEFAULT false,
        ADD COLUMN grace_ends_at          timestamptz,
        ADD COLUMN reserved_call          text,
        ADD COLUMN reserved_at            timestamptz,
        ADD COLUMN version                bigint NOT NULL DEFAULT 0;
      CREATE INDEX agent_presence_reserved ON agent_presence (reserved_at) WHERE reserved_call IS NOT NULL;

      -- An agent's legs: live ones (ended_at null) keep them busy; ended ones are kept a while
      -- so a late event for a finished leg changes nothing.
      CREATE TABLE agent_legs (
        agent_id  text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        leg_uuid  text NOT NULL,
        answered  boolean NOT NULL DEFAULT false,
        seen_at   timestamptz NOT NULL DEFAULT now(),
        ended_at  timestamptz,
        PRIMARY KEY (agent_id, leg_uuid)
      );
      CREATE INDEX agent_legs_ended ON agent_legs (ended_at) WHERE ended_at IS NOT NULL;
      CREATE INDEX agent_legs_live ON agent_legs (seen_at) WHERE ended_at IS NULL;

      -- Open live connections (the app's event stream), on whichever instance holds them;
      -- seen_at is that instance's heartbeat, so a dead instance's rows stop counting.
      CREATE TABLE agent_connections (
        id          text PRIMARY KEY,
        agent_id    text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        instance_id text NOT NULL,
        opened_at   timestamptz NOT NULL DEFAULT now(),
        seen_at     timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX agent_connections_agent ON agent_connections (agent_id, seen_at);
      CREATE INDEX agent_connections_instance ON agent_connections (instance_id);
    `,
  },
  {
    version: 3,
    name: 'durable call model: calls being put through, agent legs, queue lines, processed webhooks',
    // Queried by server/calls/store.ts; a call's routing state is the flows' JSON (server/flows/runtime.ts).
    sql: `
    CREATE TABLE flow_calls (
      id                text PRIMARY KEY,
      conversation_uuid text,
      state             jsonb NOT NULL,
      ended             boolean NOT NULL DEFAULT false,
      created_at        timestamptz NOT NULL DEFAULT now(),
      updated_at        timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX flow_calls_open ON flow_calls (created_at) WHERE NOT ended;
    CREATE INDEX flow_calls_conversation ON flow_calls (conversation_uuid);
    CREATE TABLE flow_legs (
      leg_uuid   text PRIMARY KEY,
      call_id    text NOT NULL REFERENCES flow_calls(id) ON DELETE CASCADE,
      agent      text,
      context    jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX flow_legs_call ON flow_legs (call_id);
    CREATE TABLE queue_entries (
      call_id           text PRIMARY KEY REFERENCES flow_calls(id) ON DELETE CASCADE,
      queue             text NOT NULL,
      joined_at         timestamptz NOT NULL,
      offering          text,
      declined          jsonb NOT NULL DEFAULT '{}'::jsonb,
      last_announced_at timestamptz NOT NULL
    );
    CREATE INDEX queue_entries_line ON queue_entries (lower(queue), joined_at);
    CREATE TABLE processed_webhooks (
      key        text PRIMARY KEY,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX processed_webhooks_age ON processed_webhooks (created_at);
  `,
  },
  {
    version: 4,
    name: 'call segments: each agent leg of a call, for agents\' handle time',
    // Written by server/storage/call-log-pg.ts with each call's row (call-log.ts callSegments).
    sql: `
    CREATE TABLE call_segments (
      conversation_uuid text NOT NULL,
      leg_uuid          text NOT NULL,
      agent             text,
      party             text,
      offered_at        timestamptz NOT NULL,
      answered_at       timestamptz,
      ended_at          timestamptz,
      end_status        text,
      talk_s            integer,
      hold_s            integer NOT NULL DEFAULT 0,
      PRIMARY KEY (conversation_uuid, leg_uuid)
    );
    -- An agent's history (handle time).
    CREATE INDEX call_segments_agent ON call_segments (lower(agent), offered_at) WHERE agent IS NOT NULL;
    -- Filing an agent leg's events with the customer's call when the flows bind it.
    CREATE INDEX call_events_leg_first ON call_events (uuid, id) WHERE kind = 'status';
  `,
  },
  {
    version: 5,
    name: 'report indexes: agent_calls, queue_stats_daily, call list orders',
    // Read by server/storage/call-log-pg.ts (callsOfAgent, missedCallsOfAgent, findCalls, queueStats).
    sql: `
    -- Each call's agents, kept with the call's row (call-log-pg.ts refreshAgentCalls): an agent
    -- answered it (calls.agent) or has an event in it; missed when one of the agent's legs
    -- ended unanswered. started_at is the call's, so one index scan gives an agent's calls
    -- newest first (history, missed calls, the admin search by agent) and an index-only count.
    CREATE TABLE agent_calls (
      conversation_uuid text NOT NULL REFERENCES calls(conversation_uuid) ON DELETE CASCADE,
      agent_key         text NOT NULL,  -- lower(agent)
      started_at        timestamptz NOT NULL,
      missed            boolean NOT NULL,
      PRIMARY KEY (conversation_uuid, agent_key)
    );
    CREATE INDEX agent_calls_history ON agent_calls (agent_key, started_at DESC, conversation_uuid DESC);
    CREATE INDEX agent_calls_missed ON agent_calls (agent_key, started_at DESC, conversation_uuid DESC) WHERE missed;
    INSERT INTO agent_calls (conversation_uuid, agent_key, started_at, missed)
    SELECT x.conversation_uuid, lower(x.agent), c.started_at, bool_or(x.missed)
    FROM (
      SELECT conversation_uuid, agent, false AS missed FROM calls WHERE agent IS NOT NULL
      UNION ALL
      SELECT e.conversation_uuid, e.agent,
             e.kind = 'status' AND e.status IN ('rejected', 'cancelled', 'timeout', 'failed', 'busy', 'unanswered')
             AND NOT EXISTS (SELECT 1 FROM call_events a WHERE a.uuid = e.uuid AND a.status = 'answered')
      FROM call_events e WHERE e.agent IS NOT NULL AND e.conversation_uuid IS NOT NULL
    ) x JOIN calls c ON c.conversation_uuid = x.conversation_uuid
    GROUP BY x.conversation_uuid, lower(x.agent), c.started_at;

    -- Queue figures per UTC day of the calls' start, kept by a trigger on calls: finished calls
    -- with a queue, counted by outcome ('' for none) and, for answered ones, wait (wait_key;
    -- -1 otherwise or when unknown). queueStats reads whole days here and the partial days
    -- at a period's ends from calls (calls_queue_stats).
    CREATE TABLE queue_stats_daily (
      day      date NOT NULL,
      queue    text NOT NULL,
      outcome  text NOT NULL,
      wait_key integer NOT NULL,
      calls    integer NOT NULL,
      PRIMARY KEY (day, queue, outcome, wait_key)
    );
    CREATE FUNCTION queue_stats_daily_track() RETURNS trigger LANGUAGE plpgsql AS $fn$
    DECLARE
      old_in boolean := TG_OP <> 'INSERT' AND OLD.queue IS NOT NULL AND OLD.ended_at IS NOT NULL;
      new_in boolean := TG_OP <> 'DELETE' AND NEW.queue IS NOT NULL AND NEW.ended_at IS NOT NULL;
      old_day date; old_outcome text; old_wait integer;
      new_day date; new_outcome text; new_wait integer;
    BEGIN
      IF old_in THEN
        old_day := (OLD.started_at AT TIME ZONE 'UTC')::date;
        old_outcome := coalesce(OLD.outcome, '');
        old_wait := CASE WHEN OLD.outcome = 'answered' THEN coalesce(OLD.wait_s, -1) ELSE -1 END;
      END IF;
      IF new_in THEN
        new_day := (NEW.started_at AT TIME ZONE 'UTC')::date;
        new_outcome := coalesce(NEW.outcome, '');
        new_wait := CASE WHEN NEW.outcome = 'answered' THEN coalesce(NEW.wait_s, -1) ELSE -1 END;
      END IF;
      IF old_in AND new_in AND old_day = new_day AND OLD.queue = NEW.queue AND old_outcome = new_outcome AND old_wait = new_wait THEN
        RETURN NULL;
      END IF;
      IF old_in THEN
        UPDATE queue_stats_daily SET calls = calls - 1
         WHERE day = old_day AND queue = OLD.queue AND outcome = old_outcome AND wait_key = old_wait;
      END IF;
      IF new_in THEN
        INSERT INTO queue_stats_daily AS s (day, queue, outcome, wait_key, calls) VALUES (new_day, NEW.queue, new_outcome, new_wait, 1)
        ON CONFLICT (day, queue, outcome, wait_key) DO UPDATE SET calls = s.calls + 1;
      END IF;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER calls_queue_stats_daily AFTER INSERT OR UPDATE OR DELETE ON calls
      FOR EACH ROW EXECUTE FUNCTION queue_stats_daily_track();
    INSERT INTO queue_stats_daily (day, queue, outcome, wait_key, calls)
    SELECT (started_at AT TIME ZONE 'UTC')::date, queue, coalesce(outcome, ''),
           CASE WHEN outcome = 'answered' THEN coalesce(wait_s, -1) ELSE -1 END, count(*)
    FROM calls WHERE queue IS NOT NULL AND ended_at IS NOT NULL
    GROUP BY 1, 2, 3, 4;
    -- The partial days at a period's ends, read from the index alone.
    CREATE INDEX calls_queue_stats ON calls (started_at) INCLUDE (queue, outcome, wait_s) WHERE queue IS NOT NULL AND ended_at IS NOT NULL;

    -- The admin search's filters in the list's order (newest first, ties by conversation),
    -- replacing the two-column ones; calls_agent served the old agent match only.
    DROP INDEX calls_agent;
    DROP INDEX calls_queue;
    DROP INDEX calls_outcome;
    -- queue INCLUDEd: an index-only scan must be able to recompute lower(queue) (the capped count).
    CREATE INDEX calls_queue_started ON calls (lower(queue), started_at DESC, conversation_uuid DESC) INCLUDE (queue) WHERE queue IS NOT NULL;
    CREATE INDEX calls_outcome_started ON calls (outcome, started_at DESC, conversation_uuid DESC);
  `,
  },
  {
    version: 6,
    name: 'agent desk: missed calls seen, voicemail handling, dispositions, after-call work',
    // Read and written by server/desk/store.ts and the voicemail repository (storage/flow-pg.ts).
    sql: `
    -- How far each agent has looked at their missed calls: the badge counts those started later.
    CREATE TABLE agent_history_seen (
      agent_key  text PRIMARY KEY,  -- lower(agent)
      seen_up_to timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );

    -- Who marked a voicemail handled, and when (null: not handled).
    ALTER TABLE voicemails ADD COLUMN handled_by text, ADD COLUMN handled_at timestamptz;

    -- The operator's list of dispositions an agent picks from after a call, in order.
    CREATE TABLE dispositions (
      code     text PRIMARY KEY,
      label    text NOT NULL,
      position integer NOT NULL
    );
    INSERT INTO dispositions (code, label, position) VALUES
      ('resolved', 'Resolved', 0), ('follow-up', 'Follow-up needed', 1), ('escalated', 'Escalated', 2), ('wrong-number', 'Wrong number', 3);

    -- An agent's after-call work on a call: one row per call and agent, so agents never see another's notes.
    -- The disposition is kept as its code and label at the time (the list may change later).
    CREATE TABLE call_wrapups (
      conversation_uuid text NOT NULL REFERENCES calls(conversation_uuid) ON DELETE CASCADE,
      agent_key         text NOT NULL,
      agent             text NOT NULL,
      disposition       text,
      disposition_label text,
      notes             text NOT NULL DEFAULT '',
      updated_at        timestamptz NOT NULL,
      PRIMARY KEY (conversation_uuid, agent_key)
    );
  `,
  },
  {
    version: 7,
    name: 'away reasons, the agent away reason and voice reachability in presence',
    sql: `
      -- The reasons an agent may give for being away, in the order the app lists them.
      CREATE TABLE away_reasons (
        position integer PRIMARY KEY,
        label    text NOT NULL CHECK (length(label) BETWEEN 1 AND 40)
      );
      CREATE UNIQUE INDEX away_reasons_label_lower ON away_reasons (lower(label));
      INSERT INTO away_reasons (position, label) VALUES (1, 'Break'), (2, 'Lunch'), (3, 'Meeting'), (4, 'Training');

      -- The reason the agent gave when they chose away (kept while away, also through a call).
      -- The app reports its voice session: down (voice_down) or up until voice_until (a lease it
      -- renews); routing offers calls only to an agent whose voice session is up.
      ALTER TABLE agent_presence
        ADD COLUMN away_reason text,
        ADD COLUMN voice_down  boolean NOT NULL DEFAULT false,
        ADD COLUMN voice_until timestamptz;
    `,
  },
  {
    version: 8,
    name: 'call quality per agent leg',
    // Written by server/calls/quality.ts: the app's summary of a leg's WebRTC stats at hang-up.
    sql: `
    CREATE TABLE call_quality (
      leg_uuid          text PRIMARY KEY,
      conversation_uuid text,
      agent_key         text NOT NULL,  -- lower(agent)
      mos_avg           double precision NOT NULL,
      mos_min           double precision NOT NULL,
      loss_pct          double precision NOT NULL,
      jitter_avg_ms     double precision NOT NULL,
      jitter_max_ms     double precision NOT NULL,
      rtt_avg_ms        double precision,
      label             text NOT NULL,
      samples           integer NOT NULL,
      packets_received  bigint NOT NULL,
      packets_lost      bigint NOT NULL,
      reported_at       timestamptz NOT NULL
    );
    CREATE INDEX call_quality_conversation ON call_quality (conversation_uuid) WHERE conversation_uuid IS NOT NULL;
  `,
  },
  {
    version: 9,
    name: 'operator console: people and roles, their sessions, the audit log, wallboard notifications, status history',
    // Read and written by server/console/ (users.ts, session.ts, audit.ts, wallboard.ts, agent-day.ts).
    sql: `
    -- Admins and supervisors who sign in to the console (agents are another table: an agent is never a console user).
    CREATE TABLE console_users (
      id            text PRIMARY KEY,
      name          text NOT NULL,
      display_name  text NOT NULL,
      role          text NOT NULL CHECK (role IN ('admin', 'supervisor')),
      password_hash text NOT NULL,
      disabled      boolean NOT NULL DEFAULT false,
      created_at    timestamptz NOT NULL
    );
    CREATE UNIQUE INDEX console_users_name_lower ON console_users (lower(name));

    -- Console sessions: only the SHA-256 of the cookie's token; the CSRF token is the session's own.
    CREATE TABLE console_sessions (
      id           text PRIMARY KEY,
      user_id      text NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
      token_hash   text NOT NULL UNIQUE CHECK (length(token_hash) = 64),
      csrf_token   text NOT NULL,
      created_at   timestamptz NOT NULL,
      expires_at   timestamptz NOT NULL,
      last_used_at timestamptz,
      revoked_at   timestamptz
    );
    CREATE INDEX console_sessions_user ON console_sessions (user_id);
    CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);

    -- Every configuration change: who (a console user, or the admin token), when, what, before and after (JSON text).
    CREATE TABLE audit_log (
      id         bigserial PRIMARY KEY,
      at         timestamptz NOT NULL,
      actor      text NOT NULL,
      actor_role text NOT NULL,
      action     text NOT NULL,
      target     text,
      before     text,
      after      text
    );
    CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);

    -- The wallboard: any instance's write to what it shows notifies every instance (once per
    -- transaction: PostgreSQL folds identical notifications of one transaction into one).
    CREATE FUNCTION wallboard_notify() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      PERFORM pg_notify('wallboard', '');
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER calls_wallboard AFTER INSERT OR UPDATE OR DELETE ON calls FOR EACH STATEMENT EXECUTE FUNCTION wallboard_notify();
    CREATE TRIGGER queue_entries_wallboard AFTER INSERT OR UPDATE OR DELETE ON queue_entries FOR EACH STATEMENT EXECUTE FUNCTION wallboard_notify();
    CREATE TRIGGER call_segments_wallboard AFTER INSERT OR UPDATE OR DELETE ON call_segments FOR EACH STATEMENT EXECUTE FUNCTION wallboard_notify();

    -- Each agent's statuses over time (an agent's day: time per status), kept by a trigger on
    -- agent_presence so presence itself need not know.
    CREATE TABLE agent_status_log (
      id       bigserial PRIMARY KEY,
      agent_id text NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
      status   text NOT NULL,
      since    timestamptz NOT NULL
    );
    CREATE INDEX agent_status_log_agent ON agent_status_log (agent_id, since);
    CREATE FUNCTION agent_status_log_track() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status THEN
        INSERT INTO agent_status_log (agent_id, status, since) VALUES (NEW.agent_id, NEW.status, NEW.since);
      END IF;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER agent_presence_status_log AFTER INSERT OR UPDATE ON agent_presence FOR EACH ROW EXECUTE FUNCTION agent_status_log_track();
    INSERT INTO agent_status_log (agent_id, status, since) SELECT agent_id, status, since FROM agent_presence;
  `,
  },
  {
    version: 10,
    name: 'voicemail work in the console: assigned to an agent, handled (by whom, when)',
    // Read and written by server/console/voicemails.ts. IF NOT EXISTS: the agent app's inbox
    // may add the same handled columns (same names and types), whichever migration runs first.
    sql: `
    ALTER TABLE voicemails
      ADD COLUMN IF NOT EXISTS assigned_to text,
      ADD COLUMN IF NOT EXISTS assigned_at timestamptz,
      ADD COLUMN IF NOT EXISTS handled_at  timestamptz,
      ADD COLUMN IF NOT EXISTS handled_by  text;
    CREATE INDEX IF NOT EXISTS voicemails_queue_created ON voicemails (lower(queue), created_at DESC, id DESC);
  `,
  },
  {
    version: 11,
    name: 'console call log: indexes for its number and disposition filters',
    // Read by server/console/call-log.ts. Each index is in the list's order (newest first, ties
    // by conversation), so a filtered page is one index range walked until the page is full.
    sql: `
    CREATE INDEX calls_from_started ON calls (from_addr, started_at DESC, conversation_uuid DESC);
    CREATE INDEX calls_to_started ON calls (to_addr, started_at DESC, conversation_uuid DESC);
    -- A disposition's calls (the wrap-ups that chose it), joined to calls by conversation.
    CREATE INDEX call_wrapups_disposition ON call_wrapups (disposition, conversation_uuid) WHERE disposition IS NOT NULL;
  `,
  },
];
