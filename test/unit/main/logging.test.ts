import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../main/log';
import { openLogFile, redact, RENDERER_LINES_PER_MINUTE, type LogFile } from '../../../main/logging';
import { formatDiagnostics } from '../../../main/recovery';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
let dir: string;
let file: LogFile | null = null;

afterEach(() => {
  file?.close();
  file = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('redact', () => {
  it('removes JWTs, bearer credentials and password/token fields', () => {
    expect(redact('jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-DEF_ghi here')).toBe('jwt [jwt] here');
    expect(redact('authorization: Bearer rt_0123456789abcdef')).not.toContain('rt_');
    expect(redact('Bearer rt_0123456789abcdef')).toBe('Bearer [redacted]');
    expect(redact('{"name":"Jane","password":"hunter2hunter2"}')).toBe('{"name":"Jane","password":[redacted]}');
    expect(redact('refresh_token=abc123&x=1')).toBe('refresh_token=[redacted]&x=1');
    expect(redact('nothing secret')).toBe('nothing secret');
  });
});

describe('the log file', () => {
  it('gets every logger’s lines, redacted, and returns the last ones', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sb-log-'));
    file = openLogFile(path.join(dir, 'logs'));
    const log = createLogger('test', silent);
    log.info('first');
    log.warn('with a token', { token: 'rt_secret_value' });
    log.error('last');
    const text = readFileSync(file.path, 'utf8');
    expect(text).toMatch(/\[info\]\s+\[switchboard:test\] first/);
    expect(text).not.toContain('rt_secret_value');
    expect(file.tail(2).map((line) => line.replace(/^\[[^\]]+\] /, '').replace(/\s+/g, ' '))).toEqual([
      '[warn] [switchboard:test] with a token {"token":[redacted]}',
      '[error] [switchboard:test] last',
    ]);
  });

  it('rate-limits renderer lines and says how many it dropped', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sb-log-'));
    let now = 0;
    file = openLogFile(dir, { now: () => now });
    for (let i = 0; i < RENDERER_LINES_PER_MINUTE + 5; i += 1) file.writeRenderer('warn', `line ${i}`);
    now = 61_000;
    file.writeRenderer('error', 'after a minute');
    const text = readFileSync(file.path, 'utf8');
    expect(text).toContain(`line ${RENDERER_LINES_PER_MINUTE - 1}`);
    expect(text).not.toContain(`line ${RENDERER_LINES_PER_MINUTE}\n`);
    expect(text).toContain('5 renderer lines dropped');
    expect(text).toContain('after a minute');
  });

  it('stops writing once closed', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sb-log-'));
    file = openLogFile(dir);
    file.close();
    createLogger('test', silent).info('after close');
    expect(file.tail(10)).toEqual([]);
  });
});

describe('formatDiagnostics', () => {
  it('strips credentials from the server URL and redacts log lines', () => {
    const text = formatDiagnostics({
      appVersion: '1.2.3',
      versions: { electron: '41.0.0' },
      platform: 'linux',
      arch: 'x64',
      osRelease: '6.1',
      desktop: { wayland: false },
      serverUrl: 'https://user:pw@switchboard.example.com/base?key=abc',
      settings: { incomingWindow: true },
      shortcuts: {},
      signedInAs: 'Jane',
      logFile: '/logs/main.log',
      logLines: ['Bearer rt_abcdefabcdef'],
    });
    expect(text).toContain('Server: https://switchboard.example.com/base');
    expect(text).not.toMatch(/pw@|key=abc|rt_abcdef/);
    expect(text).toContain('Versions: electron 41.0.0');
  });
});
