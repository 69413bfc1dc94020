import { EventEmitter } from 'node:events';
import type { BrowserWindowConstructorOptions } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindowApi } from '../../../main/electron-api';
import { createRecordingLogger } from '../../../main/log';
import {
  createAppUrlPolicy,
  createPermissionCheckHandler,
  createPermissionRequestHandler,
  createSecureWindow,
  installAppSecurity,
  isSafeExternalUrl,
} from '../../../main/security';
import { electronEvent, FakeWebContents } from './fakes';

const APP_URL = 'app://switchboard/index.html';
const urls = createAppUrlPolicy([APP_URL, 'app://switchboard/ring.html']);

function guarded() {
  const app = Object.assign(new EventEmitter(), { enableSandbox: vi.fn() });
  const shell = { openExternal: vi.fn(async (_url: string) => undefined) };
  installAppSecurity(app, shell, urls, createRecordingLogger());
  const contents = new FakeWebContents();
  app.emit('web-contents-created', electronEvent(), contents);
  return { app, shell, contents };
}

describe('createSecureWindow', () => {
  it('always sets the secure web preferences', () => {
    const created: BrowserWindowConstructorOptions[] = [];
    class FakeWindow {
      constructor(options: BrowserWindowConstructorOptions = {}) {
        created.push(options);
      }
    }
    createSecureWindow(FakeWindow as unknown as new (o?: BrowserWindowConstructorOptions) => BrowserWindowApi, {
      width: 420,
      preload: '/app/preload.cjs',
      // A caller cannot sneak weaker preferences in.
      ...({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false } } as object),
    });
    expect(created[0]).toMatchObject({ width: 420 });
    expect(created[0]!.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      allowRunningInsecureContent: false,
      autoplayPolicy: 'no-user-gesture-required',
      preload: '/app/preload.cjs',
    });
  });
});

describe('app URL policy', () => {
  it.each([
    [APP_URL, true],
    [`${APP_URL}#/calls?x=1`, true],
    ['app://switchboard/ring.html', true],
    ['app://switchboard/./assets/../index.html', true],
    ['app://switchboard/other.html', false],
    ['app://evil-host/index.html', false],
    ['app://user@switchboard/index.html', false],
    ['app://switchboard:81/index.html', false],
    // The same files through file:// are not the app any more (no file-protocol privileges).
    ['file:///opt/Switchboard/resources/app/dist/renderer/index.html', false],
    ['file:///etc/passwd', false],
    ['https://example.com/index.html', false],
    ['not a url', false],
  ])('%s → %s', (url, expected) => {
    expect(urls.isAppPage(url)).toBe(expected);
  });
});

describe('installAppSecurity', () => {
  it('enables the process sandbox', () => {
    const { app } = guarded();
    expect(app.enableSandbox).toHaveBeenCalledTimes(1);
  });

  it('blocks navigation away from the app pages', () => {
    const { contents } = guarded();
    expect(contents.navigate(`${APP_URL}#/settings`)).toBe(true);
    expect(contents.navigate('https://evil.example/phish')).toBe(false);
    expect(contents.navigate('file:///etc/passwd')).toBe(false);
    expect(contents.navigate('javascript:alert(1)')).toBe(false);
  });

  it('denies every new window and opens only plain http(s) links outside', () => {
    const { contents, shell } = guarded();
    for (const url of ['https://docs.example.com/help', 'http://intranet/wiki', 'file:///etc/passwd', 'javascript:alert(1)', 'mailto:a@b.c', 'https://user:pw@example.com/']) {
      expect(contents.open(url)).toEqual({ action: 'deny' });
    }
    expect(shell.openExternal.mock.calls.map((call) => call[0])).toEqual(['https://docs.example.com/help', 'http://intranet/wiki']);
  });

  it('blocks <webview>', () => {
    const { contents } = guarded();
    const event = electronEvent();
    contents.emit('will-attach-webview', event, {}, {});
    expect(event.defaultPrevented).toBe(true);
  });
});

describe('isSafeExternalUrl', () => {
  it.each([
    ['https://example.com', true],
    ['http://example.com/a?b', true],
    ['HTTPS://EXAMPLE.COM', true],
    ['ftp://example.com', false],
    ['file:///c:/windows', false],
    ['vbscript:msgbox', false],
    ['//example.com', false],
    ['https://user@example.com', false],
  ])('%s → %s', (url, expected) => {
    expect(isSafeExternalUrl(url)).toBe(expected);
  });
});

describe('permissions', () => {
  const request = createPermissionRequestHandler(urls, createRecordingLogger());
  const check = createPermissionCheckHandler(urls);
  const ask = (permission: string, requestingUrl: string, mediaTypes?: Array<'audio' | 'video'>) =>
    new Promise<boolean>((resolve) =>
      request({ getURL: () => requestingUrl }, permission, resolve, { isMainFrame: true, requestingUrl, ...(mediaTypes ? { mediaTypes } : {}) }),
    );

  it('grants the microphone to the app page only', async () => {
    expect(await ask('media', APP_URL, ['audio'])).toBe(true);
    expect(await ask('media', 'https://evil.example/', ['audio'])).toBe(false);
    expect(await ask('media', 'file:///tmp/other.html', ['audio'])).toBe(false);
  });

  it('refuses the camera, and every other permission', async () => {
    expect(await ask('media', APP_URL, ['audio', 'video'])).toBe(false);
    for (const permission of ['notifications', 'geolocation', 'clipboard-read', 'display-capture', 'openExternal', 'fullscreen']) {
      expect(await ask(permission, APP_URL)).toBe(false);
    }
  });

  it('answers checks the same way', () => {
    expect(check(null, 'media', 'app://switchboard', { isMainFrame: true, requestingUrl: APP_URL, mediaType: 'audio' })).toBe(true);
    expect(check({ getURL: () => APP_URL }, 'media', 'app://switchboard', { isMainFrame: true, mediaType: 'audio' })).toBe(true);
    expect(check(null, 'media', 'https://evil.example', { isMainFrame: true, requestingUrl: 'https://evil.example/', mediaType: 'audio' })).toBe(false);
    expect(check(null, 'media', 'app://switchboard', { isMainFrame: true, requestingUrl: APP_URL, mediaType: 'video' })).toBe(false);
    expect(check(null, 'media', 'app://switchboard', { isMainFrame: true })).toBe(false);
    expect(check(null, 'geolocation', 'app://switchboard', { isMainFrame: true, requestingUrl: APP_URL })).toBe(false);
  });
});
