/**
 * The sandbox's logger: one line an event, prefixed, quiet unless asked.
 */

/** What the sandbox's modules log through. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Logs to stderr when `verbose`, warnings and errors always. */
export function createLogger(verbose: boolean, prefix = 'sandbox'): Logger {
  return {
    info: (m) => {
      if (verbose) console.error(`[${prefix}] ${m}`);
    },
    warn: (m) => console.error(`[${prefix}] warning: ${m}`),
    error: (m) => console.error(`[${prefix}] error: ${m}`),
  };
}
