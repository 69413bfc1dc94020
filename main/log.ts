/**
 * A tiny named logger over the console.
 *
 * Each module creates its own (`createLogger('vault')`) so a log line says where it came
 * from. Callers pass facts, never secrets: no tokens, passwords or credentials go in here.
 */

/** Extra facts attached to a log line, printed as JSON. */
export type LogFields = Record<string, unknown>;

/** What every main-process module logs through. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** The console methods the logger writes to (a test can pass a recorder). */
export type LogSink = Pick<Console, 'debug' | 'info' | 'warn' | 'error'>;

/** A log level. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where every line goes besides the console (the log file: `main/logging.ts`). */
const fileSinks = new Set<(level: LogLevel, line: string) => void>();

/** Adds a sink that receives every formatted line of every logger; returns its removal. */
export function addLogSink(sink: (level: LogLevel, line: string) => void): () => void {
  fileSinks.add(sink);
  return () => void fileSinks.delete(sink);
}

function toSinks(level: LogLevel, line: string): void {
  for (const sink of fileSinks) {
    try {
      sink(level, line);
    } catch {
      // A full disk must not take the app down with it.
    }
  }
}

/**
 * Creates a logger whose lines start with `[switchboard:<name>]`.
 *
 * Debug lines are printed only when `SWITCHBOARD_DEBUG` is set, so a normal day's log
 * stays readable.
 */
export function createLogger(name: string, sink: LogSink = console): Logger {
  const prefix = `[switchboard:${name}]`;
  const format = (message: string, fields?: LogFields) =>
    fields && Object.keys(fields).length > 0 ? `${prefix} ${message} ${safeJson(fields)}` : `${prefix} ${message}`;
  const write = (level: LogLevel, message: string, fields?: LogFields) => {
    const line = format(message, fields);
    sink[level](line);
    toSinks(level, line);
  };
  return {
    debug: (message, fields) => {
      if (process.env.SWITCHBOARD_DEBUG) write('debug', message, fields);
    },
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

function safeJson(fields: LogFields): string {
  try {
    return JSON.stringify(fields, (_key, value: unknown) => (value instanceof Error ? value.message : value));
  } catch {
    return '{…}';
  }
}

/** A logger that keeps its lines in memory: for tests that assert something was logged. */
export interface RecordingLogger extends Logger {
  readonly lines: Array<{ level: 'debug' | 'info' | 'warn' | 'error'; message: string; fields?: LogFields }>;
}

/** Creates a {@link RecordingLogger}. */
export function createRecordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  const record =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields) => {
      lines.push(fields ? { level, message, fields } : { level, message });
    };
  return { lines, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}
