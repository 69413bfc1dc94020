import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecordingLogger } from '../../../main/log';
import { APP_SCHEME_PRIVILEGES, appUrlFor, createAppProtocolHandler, registerAppScheme, resolveAppFile, serveAppScheme } from '../../../main/protocol';

let root: string;
let outside: string;

beforeAll(() => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'sb-protocol-'));
  root = path.join(base, 'renderer');
  outside = path.join(base, 'secret.txt');
  mkdirSync(path.join(root, 'assets'), { recursive: true });
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(root, 'assets', 'app 1.js'), 'console.log(1)');
  writeFileSync(outside, 'not for pages');
});

afterAll(() => rmSync(path.dirname(root), { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('names files of the renderer folder, and nothing outside it', () => {
    expect(appUrlFor(root, path.join(root, 'index.html'))).toBe('app://switchboard/index.html');
    expect(appUrlFor(root, path.join(root, 'assets', 'app 1.js'))).toBe('app://switchboard/assets/app%201.js');
    expect(() => appUrlFor(root, outside)).toThrow(/not inside/);
  });

  it.each([
    ['app://switchboard/index.html', 'index.html'],
    ['app://switchboard/assets/app%201.js?v=1#x', 'assets/app 1.js'],
    ['app://switchboard/assets/../index.html', 'index.html'],
  ])('resolves %s inside the folder', (url, file) => {
    expect(resolveAppFile(root, url)).toBe(path.join(root, file));
  });

  // The URL parser removes dot segments first, so these stay in the folder (and miss).
  it.each(['app://switchboard/../secret.txt', 'app://switchboard/%2e%2e/secret.txt'])('keeps %s inside the folder', (url) => {
    expect(resolveAppFile(root, url)).toBe(path.join(root, 'secret.txt'));
  });

  it.each([
    'app://switchboard/..%2fsecret.txt',
    'app://switchboard/..%5csecret.txt',
    'app://switchboard/assets%2f..%2f..%2fsecret.txt',
    'app://switchboard/index.html%00.js',
    'app://switchboard/%E0%A4%A',
    'app://switchboard/',
    'app://other/index.html',
    'file:///etc/passwd',
    'https://switchboard/index.html',
  ])('refuses %s', (url) => {
    expect(resolveAppFile(root, url)).toBeNull();
  });

  it('serves files with their type, and answers 404 for a missing or outside file, 405 for a write', async () => {
    const log = createRecordingLogger();
    const handler = createAppProtocolHandler(root, log);
    const page = await handler(new Request('app://switchboard/index.html'));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>app</title>');
    const script = await handler(new Request('app://switchboard/assets/app%201.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await handler(new Request('app://switchboard/missing.js'))).status).toBe(404);
    const escape = await handler(new Request('app://switchboard/..%2fsecret.txt'));
    expect(escape.status).toBe(404);
    expect(await escape.text()).toBe('');
    expect(log.lines.some((record) => record.message.includes('outside the app'))).toBe(true);
    expect((await handler(new Request('app://switchboard/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('registers the scheme privileged (secure, standard, no CSP bypass) and serves it', async () => {
    const registered: unknown[] = [];
    registerAppScheme({ registerSchemesAsPrivileged: (schemes) => registered.push(...schemes) });
    expect(registered).toEqual([{ scheme: 'app', privileges: APP_SCHEME_PRIVILEGES }]);
    expect(APP_SCHEME_PRIVILEGES).not.toHaveProperty('bypassCSP');
    const handlers = new Map<string, (request: Request) => Response | Promise<Response>>();
    serveAppScheme({ handle: (scheme, handler) => void handlers.set(scheme, handler) }, root);
    expect((await handlers.get('app')!(new Request('app://switchboard/index.html'))).status).toBe(200);
  });
});
