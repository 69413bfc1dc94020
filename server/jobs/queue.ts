/**
 * Durable jobs and timers on PostgreSQL, through graphile-worker.
 *
 * Everything that must happen later or after a commit — ring timeouts, queue waits and
 * announcements, wrap-up, presence grace, Voice API effects, reconciliation — is a job row
 * in the database, added inside the transaction that decided it (so it exists exactly when
 * that decision was committed). Any instance's runner may take it; graphile-worker locks each
 * job so it runs once, retries it on failure and finds jobs a killed instance left behind.
 * A keyed job (`jobKey`) is replaced by a newer one with the same key and can be removed:
 * that is how a timer is re-armed or cancelled.
 *
 * Handlers must be safe to run twice (a process can die between doing the work and marking
 * the job done): they re-read the state they act on and do nothing when it has moved on.
 */
import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { run, runMigrations, type Runner, type Task, type WorkerEvents, Logger } from 'graphile-worker';
import { prepared, type Database, type Sql } from '../db/database';

/**
 * Advisory-lock class of the worker pools' liveness locks: each instance holds
 * `(POOL_LOCK_CLASS, hashtext(its pool id))` on a connection of its own while it runs, so
 * PostgreSQL drops it the moment the instance dies, and a lock anyone can take again means
 * the pool that locked a job is gone.
 */
const POOL_LOCK_CLASS = 0x53574a51;

/** A job locked this long was taken by an instance that died, whatever its liveness lock says (ours take seconds). */
const ABANDONED_JOB_S = 300;

const ADD_JOB = prepared('SELECT id FROM graphile_worker.add_job($1, $2::json, queue_name => $3, run_at => $4, max_attempts => $5, job_key => $6)');
const REMOVE_JOB = prepared('SELECT graphile_worker.remove_job($1)');

/** What a handler is given besides its payload. */
export interface JobHelpers {
  /** The job's key, if it had one. */
  jobKey: string | null;
  /** 1 on the first try. */
  attempt: number;
}

/** A job's work. Throwing makes the job retry with back-off (up to `maxAttempts`). */
export type JobHandler = (payload: Record<string, unknown>, helpers: JobHelpers) => Promise<void>;

/** Options of {@link JobQueue.add}. */
export interface AddJobOptions {
  /** When to run (default: at once). */
  runAt?: Date | string;
  /** A key: adding again replaces the pending job; {@link JobQueue.remove} cancels it. */
  jobKey?: string;
  /** Tries before giving up (default 5). */
  maxAttempts?: number;
  /** Jobs of one named queue run one at a time, in order (across all instances). */
  queueName?: string;
}

/** Where job failures are reported; a pino logger fits. */
export interface JobLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

/** Options of {@link JobQueue}. */
export interface JobQueueOptions {
  /** Jobs run at once per instance. */
  concurrency?: number;
  /** How often to look for due jobs when no notification came (ms). */
  pollIntervalMs?: number;
  log: JobLog;
}

/**
 * Install graphile-worker's own schema (`graphile_worker`). Idempotent and safe to run from
 * several instances at once; {@link JobQueue.start} calls it.
 */
export async function installJobSchema(db: Database): Promise<void> {
  await runMigrations({ pgPool: db.pool, logger: quietLogger() });
}

function quietLogger(log?: JobLog): Logger {
  return new Logger(() => (level, message, meta) => {
    if (!log) return;
    if (level === 'error') log.error({ meta }, `job queue: ${message}`);
    else if (level === 'warning') log.warn({ meta }, `job queue: ${message}`);
  });
}

/** The backend's jobs: add them in transactions, run them on every instance. */
export class JobQueue {
  private readonly handlers = new Map<string, JobHandler>();
  private runner: Runner | null = null;
  /** The connection holding this instance's liveness lock while the runner runs. */
  private liveness: pg.PoolClient | null = null;

  constructor(
    private readonly db: Database,
    private readonly options: JobQueueOptions,
  ) {}

  /** Register the handler of a task; call before {@link start}. */
  register(task: string, handler: JobHandler): void {
    if (this.handlers.has(task)) throw new Error(`job task "${task}" is registered twice`);
    this.handlers.set(task, handler);
  }

  /**
   * Add a job as part of the transaction `sql` belongs to (or at once, given the pool): it
   * becomes visible to runners when that transaction commits, and never if it rolls back.
   */
  async add(sql: Sql, task: string, payload: Record<string, unknown>, options: AddJobOptions = {}): Promise<void> {
    const runAt = options.runAt === undefined ? null : typeof options.runAt === 'string' ? options.runAt : options.runAt.toISOString();
    // A keyed add loses the race with a runner taking the job of that key at the same moment:
    // add_job then adds nothing and returns no job (graphile/worker#580). Adding again sees the
    // job locked, so it takes the key off it and adds a new one.
    for (let attempt = 1; ; attempt += 1) {
      const { rows } = await sql.query<{ id: string | number | null }>(ADD_JOB, [
        task,
        JSON.stringify(payload),
        options.queueName ?? null,
        runAt,
        options.maxAttempts ?? 5,
        options.jobKey ?? null,
      ]);
      if (rows[0]?.id != null) return;
      if (attempt >= 5) throw new Error(`job "${task}" (key ${options.jobKey ?? 'none'}) could not be added`);
    }
  }

  /** Cancel a keyed job that has not started (part of the transaction `sql` belongs to). */
  async remove(sql: Sql, jobKey: string): Promise<void> {
    await sql.query(REMOVE_JOB, [jobKey]);
  }

  /**
   * Hand back jobs whose instance died while running them (graphile-worker would wait 4
   * hours): those of a worker pool whose liveness lock is free (its instance is gone), and any
   * locked longer than `olderThanS` (an instance older than the lock, or a database
   * connection lost without the process). A job in a named queue also holds the queue: until
   * it is handed back, nothing else in that queue runs. Our jobs take seconds and are safe to
   * run twice. Reads graphile-worker's tables directly; `force_unlock_workers` is its own function.
   */
  async releaseAbandoned(sql: Sql, olderThanS: number): Promise<number> {
    // The try-lock is a transaction lock: released when the statement's transaction ends.
    const { rows } = await sql.query<{ workers: string[] | null }>(
      `SELECT array_agg(DISTINCT locked_by) AS workers FROM (
         SELECT locked_by, locked_at FROM graphile_worker._private_jobs WHERE locked_by IS NOT NULL
         UNION ALL
         SELECT locked_by, locked_at FROM graphile_worker._private_job_queues WHERE locked_by IS NOT NULL
       ) locked
       WHERE locked_at < now() - make_interval(secs => $1) OR pg_try_advisory_xact_lock($2, hashtext(locked_by))`,
      [olderThanS, POOL_LOCK_CLASS],
    );
    const workers = rows[0]?.workers ?? [];
    if (workers.length > 0) await sql.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [workers]);
    return workers.length;
  }

  private schema: Promise<void> | null = null;

  /** Install graphile-worker's schema once per instance (presence adds jobs before the runner starts). */
  installSchema(): Promise<void> {
    this.schema ??= installJobSchema(this.db).catch((error: unknown) => {
      this.schema = null;
      throw error;
    });
    return this.schema;
  }

  /** Start running jobs on this instance. */
  async start(): Promise<void> {
    if (this.runner) return;
    await this.installSchema();
    const taskList: Record<string, Task> = {};
    for (const [name, handler] of this.handlers) {
      taskList[name] = async (payload, helpers) => {
        const body = payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : {};
        try {
          await handler(body, { jobKey: helpers.job.key ?? null, attempt: helpers.job.attempts });
        } catch (error) {
          this.options.log.warn({ task: name, err: error, attempt: helpers.job.attempts }, 'job failed; it will be retried');
          throw error;
        }
      };
    }
    // This instance's liveness lock (see POOL_LOCK_CLASS), held by a connection of its own.
    const liveness = await this.db.pool.connect();
    liveness.on('error', (error) => this.options.log.warn({ err: error }, 'job queue: the liveness connection failed'));
    let locked: Promise<unknown> | null = null;
    const events = new EventEmitter() as WorkerEvents;
    events.on('pool:create', ({ workerPool }) => {
      // Sent as the pool is created, as its workers start looking for jobs (an instance that
      // hands back a job in between only makes it run twice, which every handler allows).
      locked ??= liveness.query('SELECT pg_advisory_lock($1, hashtext($2))', [POOL_LOCK_CLASS, workerPool.id]);
      // Awaited below; until then a failure is not unhandled.
      locked.catch(() => undefined);
    });
    try {
      this.runner = await run({
        pgPool: this.db.pool,
        taskList,
        concurrency: this.options.concurrency ?? 8,
        pollInterval: this.options.pollIntervalMs ?? 1000,
        noHandleSignals: true,
        logger: quietLogger(this.options.log),
        events,
      });
      if (locked === null) throw new Error('graphile-worker started no worker pool');
      await locked;
    } catch (error) {
      await this.runner?.stop().catch(() => undefined);
      this.runner = null;
      liveness.release(true);
      throw error;
    }
    this.liveness = liveness;
    // A killed instance's jobs (and the named queues they hold) are handed back at once.
    const released = await this.releaseAbandoned(this.db, ABANDONED_JOB_S);
    if (released > 0) this.options.log.warn({ workers: released }, 'released jobs that a stopped instance had taken');
  }

  /** Stop taking jobs and wait for running ones to finish. */
  async stop(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    if (runner) await runner.stop();
    // Closing the connection drops the liveness lock.
    this.liveness?.release(true);
    this.liveness = null;
  }
}
