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
import { run, runMigrations, type Runner, type Task, Logger } from 'graphile-worker';
import type { Database, Sql } from '../db/database';

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
      const { rows } = await sql.query<{ id: string | number | null }>(
        'SELECT id FROM graphile_worker.add_job($1, $2::json, queue_name => $3, run_at => $4, max_attempts => $5, job_key => $6)',
        [task, JSON.stringify(payload), options.queueName ?? null, runAt, options.maxAttempts ?? 5, options.jobKey ?? null],
      );
      if (rows[0]?.id != null) return;
      if (attempt >= 5) throw new Error(`job "${task}" (key ${options.jobKey ?? 'none'}) could not be added`);
    }
  }

  /** Cancel a keyed job that has not started (part of the transaction `sql` belongs to). */
  async remove(sql: Sql, jobKey: string): Promise<void> {
    await sql.query('SELECT graphile_worker.remove_job($1)', [jobKey]);
  }

  /**
   * Hand back jobs locked longer than `olderThanS`: their instance died while running them
   * (graphile-worker would wait 4 hours). Our jobs take seconds and are safe to run twice.
   * Reads graphile-worker's job table directly; `force_unlock_workers` is its own function.
   */
  async releaseAbandoned(sql: Sql, olderThanS: number): Promise<number> {
    const { rows } = await sql.query<{ workers: string[] | null }>(
      `SELECT array_agg(DISTINCT locked_by) AS workers FROM graphile_worker._private_jobs
        WHERE locked_at IS NOT NULL AND locked_at < now() - make_interval(secs => $1)`,
      [olderThanS],
    );
    const workers = rows[0]?.workers ?? [];
    if (workers.length > 0) await sql.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [workers]);
    return workers.length;
  }

  /** Start running jobs on this instance. */
  async start(): Promise<void> {
    if (this.runner) return;
    await installJobSchema(this.db);
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
    this.runner = await run({
      pgPool: this.db.pool,
      taskList,
      concurrency: this.options.concurrency ?? 8,
      pollInterval: this.options.pollIntervalMs ?? 1000,
      noHandleSignals: true,
      logger: quietLogger(this.options.log),
    });
  }

  /** Stop taking jobs and wait for running ones to finish. */
  async stop(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    if (runner) await runner.stop();
  }
}
