/**
 * Logger options: pino through Fastify, with secrets redacted.
 */
import type { FastifyServerOptions } from 'fastify';
import type { LogLevel } from './config';

/** Where log lines go: anything with `write(line)`. Defaults to stdout. */
export interface LogDestination {
  write(line: string): void;
}

/**
 * Paths pino replaces with `[redacted]` wherever they appear in a log object.
 *
 * Our own code never logs these; the list is the safety net for a future
 * `log.info({ body })` or a serialised request with headers.
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  ...['password', 'refresh_token', 'token', 'jwt', 'mobile_api_key', 'privateKey', 'private_key', 'password_hash', 'token_hash'].flatMap(
    (key) => [key, `*.${key}`, `*.*.${key}`],
  ),
];

/**
 * Fastify's `logger` option for a level and an optional destination.
 *
 * JSON lines (pino) with {@link REDACT_PATHS} censored; tests pass a destination to read them.
 */
export function loggerOptions(level: LogLevel, destination?: LogDestination): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    ...(destination ? { stream: destination } : {}),
  };
}
