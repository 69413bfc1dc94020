/**
 * The sandbox's logger: one line an event, prefixed, quiet unless asked.
 */

/** What the sandbox's modules log through. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Where log lines go: stderr unless a launcher collects them (the tests keep them to show with a failure). */
export type LogSink = (line: string) => void;

const toStderr: LogSink = (line) => console.error(line);

/** Logs to `sink` (stderr by default): info when `verbose`, warnings and errors always. */
export function createLogger(verbose: boolean, prefix = 'sandbox', sink: LogSink = toStderr): Logger {
  return {
    info: (m) => {
      if (verbose) sink(`[${prefix}] ${m}`);
    },
    warn: (m) => sink(`[${prefix}] warning: ${m}`),
    error: (m) => sink(`[${prefix}] error: ${m}`),
  };
}
