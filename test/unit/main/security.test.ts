import type { BrowserWindowConstructorOptions } from 'electron';
import { afterEach, describe, expect, it } from 'vitest';
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
import { app, BrowserWindow, createEvent, reset, shell } from '../../desktop/double';

const APP_URL = 'app://switchboard/index.html';
const urls = createAppUrlPolicy([APP_URL, 'app://switchboard/ring.html']);

/** The guard installed before ready on the Electron double's app, and a window made after. */
async function guarded() {
  installAppSecurity(app, shell, urls, createRecordingLogger());
  await app.whenReady();
  const contents = new BrowserWindow({ show: false }).webContents;
  return { contents };
}

afterEach(() => reset());

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
  it('enables the process sandbox', async () => {
    expect(app.sandboxEnabled).toBe(false);
    await guarded();
    expect(app.sandboxEnabled).toBe(true);
  });

  it('blocks navigation away from the app pages', async () => {
    const { contents } = await guarded();
    expect(contents.willNavigate(`${APP_URL}#/settings`)).toBe(true);
    expect(contents.willNavigate('https://evil.example/phish')).toBe(false);
    expect(contents.willNavigate('file:///etc/passwd')).toBe(false);
    expect(contents.willNavigate('javascript:alert(1)')).toBe(false);
  });

  it('denies every new window and opens only plain http(s) links outside', async () => {
    const { contents } = await guarded();
    for (const url of ['https://docs.example.com/help', 'http://intranet/wiki', 'file:///etc/passwd', 'javascript:alert(1)', 'mailto:a@b.c', 'https://user:pw@example.com/']) {
      expect(contents.requestWindowOpen(url)).toEqual({ action: 'deny' });
    }
    expect(shell.opened).toEqual(['https://docs.example.com/help', 'http://intranet/wiki']);
  });

  it('blocks <webview>', async () => {
    const { contents } = await guarded();
    const event = createEvent();
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
