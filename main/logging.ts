/**
 * The log file support asks agents for: every main-process line (`main/log.ts`) and the
 * renderer's warnings and errors (`log:write`), in `main.log` in the OS's log folder
 * (`app.getPath('logs')`: ~/.config/Switchboard/logs on Linux, ~/Library/Logs/Switchboard on
 * macOS, %APPDATA%\Switchboard\logs on Windows), rotated by electron-log at 1 MB to
 * `main.old.log`. Lines are redacted on the way in: tokens never reach the file.
 */
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import electronLog from 'electron-log/node';
import { addLogSink, type LogLevel } from './log';

/** Rotation size of the log file. */
export const LOG_FILE_MAX_BYTES = 1024 * 1024;

/** Renderer lines accepted per minute (a page in a loop must not fill the disk). */
export const RENDERER_LINES_PER_MINUTE = 120;

/** Bearer credentials, JWTs, and password/token/secret fields, replaced before anything is written. */
export function redact(text: string): string {
  return text
    .replace(/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[jwt]')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]')
    .replace(/("?(?:password|passwd|token|refresh_?token|refreshToken|jwt|secret|authorization|credential)"?\s*[:=]\s*)("[^"]*"|[^\s,}&]+)/gi, '$1[redacted]');
}

/** The open log file. */
export interface LogFile {
  readonly path: string;
  /** The last `count` lines of the file (fewer when it is shorter). */
  tail(count: number): string[];
  /** Writes a line from the renderer (rate-limited). */
  writeRenderer(level: Exclude<LogLevel, 'debug'>, message: string): void;
  /** Stops writing (quit). */
  close(): void;
}

/** Opens `main.log` in `directory` and sends every main-process log line to it. */
export function openLogFile(directory: string, options: { now?: () => number } = {}): LogFile {
  const file = path.join(directory, 'main.log');
  mkdirSync(directory, { recursive: true });
  const logger = electronLog.create({ logId: `switchboard-${directory}` });
  logger.transports.console.level = false;
  logger.transports.file.resolvePathFn = () => file;
  logger.transports.file.maxSize = LOG_FILE_MAX_BYTES;
  logger.transports.file.format = '[{y}-{m}-{d} {h}:{i}:{s}.{ms}] [{level}] {text}';
  const write = (level: LogLevel, line: string) => logger[level](redact(line));
  const remove = addLogSink(write);
  const now = options.now ?? Date.now;
  let windowStart = now();
  let inWindow = 0;
  let dropped = 0;
  return {
    path: file,
    tail: (count) => tailLines(file, count),
    writeRenderer(level, message) {
      if (now() - windowStart >= 60_000) {
        if (dropped > 0) write('warn', `[switchboard:renderer] ${dropped} renderer lines dropped (over ${RENDERER_LINES_PER_MINUTE} a minute)`);
        windowStart = now();
        inWindow = 0;
        dropped = 0;
      }
      if (++inWindow > RENDERER_LINES_PER_MINUTE) {
        dropped += 1;
        return;
      }
      write(level, `[switchboard:renderer] ${message}`);
    },
    close: remove,
  };
}

/** The last lines of a file, reading at most its last 64 KiB. */
function tailLines(file: string, count: number): string[] {
  let fd: number | null = null;
  try {
    const size = statSync(file).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    fd = openSync(file, 'r');
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split(/\r?\n/).filter((line) => line.length > 0);
    // The first line may be cut in half when the read started mid-file.
    if (length < size) lines.shift();
    return lines.slice(-count);
  } catch {
    return [];
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
