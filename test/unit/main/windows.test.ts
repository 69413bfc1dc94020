import { once } from 'node:events';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRecordingLogger } from '../../../main/log';
import { MainWindowController } from '../../../main/main-window';
import { Ringer } from '../../../main/ringer';
import { app, BrowserWindow, BrowserWindowDouble, reset } from '../../desktop/double';

/** Windows of the Electron double (no browser: no page), after `app` is ready, as Electron requires. */
beforeEach(async () => {
  await reset();
  await app.whenReady();
});
afterAll(() => reset());

const windows = () => BrowserWindowDouble.getAllWindows();

describe('Ringer', () => {
  it('rings in a hidden, sandboxed window without preload, and stops by destroying it', () => {
    const ringer = new Ringer(BrowserWindow, { ringUrl: 'app://switchboard/ring.html', log: createRecordingLogger() });
    expect(ringer.isRinging).toBe(false);
    ringer.start();
    ringer.start();
    expect(windows()).toHaveLength(1);
    const window = windows()[0]!;
    expect(window.constructorOptions).toMatchObject({ show: false, skipTaskbar: true });
    expect(window.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, backgroundThrottling: false });
    expect(window.webPreferences.preload).toBeUndefined();
    expect(window.loadedUrl).toBe('app://switchboard/ring.html');
    expect(window.isVisible()).toBe(false);
    expect(ringer.isRinging).toBe(true);
    ringer.stop();
    expect(window.isDestroyed()).toBe(true);
    expect(ringer.isRinging).toBe(false);
  });
});

describe('MainWindowController', () => {
  function setup() {
    let quitting = false;
    const onCreated = vi.fn();
    const controller = new MainWindowController(BrowserWindow, {
      rendererUrl: 'app://switchboard/index.html',
      preloadPath: '/app/preload.cjs',
      isQuitting: () => quitting,
      onCreated,
      log: createRecordingLogger(),
    });
    return { controller, onCreated, quit: () => (quitting = true) };
  }

  it('creates a ~420×640 window with the preload, shows it when ready', async () => {
    const { controller, onCreated } = setup();
    const window = controller.create() as BrowserWindowDouble;
    expect(window.constructorOptions).toMatchObject({ width: 420, height: 640, show: false });
    expect(window.webPreferences).toMatchObject({ preload: '/app/preload.cjs', sandbox: true, contextIsolation: true });
    expect(onCreated).toHaveBeenCalledWith(window);
    expect(window.loadedUrl).toBe('app://switchboard/index.html');
    // Electron says ready-to-show on a later tick than the load: hidden until then.
    expect(window.isVisible()).toBe(false);
    await once(window, 'ready-to-show');
    expect(window.isVisible()).toBe(true);
  });

  it('hides on close until the app quits', () => {
    const { controller, quit } = setup();
    const window = controller.create() as BrowserWindowDouble;
    window.show();
    window.close();
    expect(window.isDestroyed()).toBe(false);
    expect(window.isVisible()).toBe(false);
    quit();
    window.close();
    expect(window.isDestroyed()).toBe(true);
  });

  it('show() recreates a window that is gone, and focuses it', () => {
    const { controller } = setup();
    const first = controller.create() as BrowserWindowDouble;
    // 'closed' has not arrived yet (Electron emits it after destroy() returns).
    first.destroy();
    controller.show();
    expect(windows()).toHaveLength(1);
    const second = windows()[0]!;
    expect(second).not.toBe(first);
    expect(second.isVisible()).toBe(true);
    expect(second.isFocused()).toBe(true);
  });

  it('show() after the closed event also makes a new window', async () => {
    const { controller } = setup();
    const first = controller.create() as BrowserWindowDouble;
    first.destroy();
    await once(first, 'closed');
    controller.show();
    expect(windows()).toHaveLength(1);
    expect(windows()[0]).not.toBe(first);
  });
});
