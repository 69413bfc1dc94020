import type { BrowserWindowConstructorOptions } from 'electron';
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type { BrowserWindowApi } from '../../../main/electron-api';
import { createRecordingLogger } from '../../../main/log';
import { MainWindowController } from '../../../main/main-window';
import { Ringer } from '../../../main/ringer';
import { electronEvent, FakeWebContents } from './fakes';

/** A BrowserWindow fake recording its options and calls. */
class FakeWindow extends EventEmitter implements BrowserWindowApi {
  static created: FakeWindow[] = [];
  readonly webContents = new FakeWebContents();
  loaded: string[] = [];
  visible = false;
  focused = false;
  destroyed = false;
  minimized = false;

  constructor(readonly options: BrowserWindowConstructorOptions = {}) {
    super();
    FakeWindow.created.push(this);
  }

  loadFile(filePath: string): Promise<void> {
    this.loaded.push(filePath);
    return Promise.resolve();
  }

  loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    return Promise.resolve();
  }

  show(): void {
    this.visible = true;
  }

  hide(): void {
    this.visible = false;
  }

  showInactive(): void {
    this.visible = true;
  }

  minimize(): void {
    this.minimized = true;
  }

  focus(): void {
    this.focused = true;
  }

  isVisible(): boolean {
    return this.visible;
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  restore(): void {
    this.minimized = false;
  }

  destroy(): void {
    this.destroyed = true;
    this.emit('closed');
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** A click on the close button. */
  close(): void {
    const event = electronEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) this.destroy();
  }
}

describe('Ringer', () => {
  it('rings in a hidden, sandboxed window without preload, and stops by destroying it', () => {
    FakeWindow.created = [];
    const ringer = new Ringer(FakeWindow, { ringUrl: 'app://switchboard/ring.html', log: createRecordingLogger() });
    expect(ringer.isRinging).toBe(false);
    ringer.start();
    ringer.start();
    expect(FakeWindow.created).toHaveLength(1);
    const window = FakeWindow.created[0]!;
    expect(window.options).toMatchObject({ show: false, skipTaskbar: true });
    expect(window.options.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, backgroundThrottling: false });
    expect(window.options.webPreferences?.preload).toBeUndefined();
    expect(window.loaded).toEqual(['app://switchboard/ring.html']);
    expect(ringer.isRinging).toBe(true);
    ringer.stop();
    expect(window.destroyed).toBe(true);
    expect(ringer.isRinging).toBe(false);
  });
});

describe('MainWindowController', () => {
  function setup() {
    FakeWindow.created = [];
    let quitting = false;
    const onCreated = vi.fn();
    const controller = new MainWindowController(FakeWindow, {
      rendererUrl: 'app://switchboard/index.html',
      preloadPath: '/app/preload.cjs',
      isQuitting: () => quitting,
      onCreated,
      log: createRecordingLogger(),
    });
    return { controller, onCreated, quit: () => (quitting = true) };
  }

  it('creates a ~420×640 window with the preload, shows it when ready', () => {
    const { controller, onCreated } = setup();
    const window = controller.create() as FakeWindow;
    expect(window.options).toMatchObject({ width: 420, height: 640, show: false });
    expect(window.options.webPreferences).toMatchObject({ preload: '/app/preload.cjs', sandbox: true, contextIsolation: true });
    expect(onCreated).toHaveBeenCalledWith(window);
    expect(window.loaded).toEqual(['app://switchboard/index.html']);
    window.emit('ready-to-show');
    expect(window.visible).toBe(true);
  });

  it('hides on close until the app quits', () => {
    const { controller, quit } = setup();
    const window = controller.create() as FakeWindow;
    window.show();
    window.close();
    expect(window.destroyed).toBe(false);
    expect(window.visible).toBe(false);
    quit();
    window.close();
    expect(window.destroyed).toBe(true);
  });

  it('show() recreates a window that is gone, and focuses it', () => {
    const { controller } = setup();
    const first = controller.create() as FakeWindow;
    first.destroy();
    controller.show();
    expect(FakeWindow.created).toHaveLength(2);
    expect(FakeWindow.created[1]!.visible).toBe(true);
    expect(FakeWindow.created[1]!.focused).toBe(true);
  });
});
