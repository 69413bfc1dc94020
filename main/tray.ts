/**
 * The tray icon: what the app is doing at a glance, and a menu to act on it.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuModule, NativeImageModule, TrayApi, TrayConstructor } from './electron-api';
import { trayIconDataUrl } from './icons';
import { createLogger, type Logger } from './log';

/** The app name as the tray shows it. */
export const APP_NAME = 'Switchboard';

/** What the tray shows. */
export type TrayState = { kind: 'idle' } | { kind: 'ringing'; from: string } | { kind: 'in-call'; from: string };

/** What the tray menu can ask for. */
export interface TrayActions {
  show(): void;
  answer(): void;
  decline(): void;
  hangup(): void;
  quit(): void;
}

/** The Electron modules the tray uses. */
export interface TrayElectron {
  Tray: TrayConstructor;
  Menu: MenuModule;
  nativeImage: NativeImageModule;
}

/** The tooltip for a state. */
export function trayToolTip(state: TrayState): string {
  switch (state.kind) {
    case 'idle':
      return `${APP_NAME} — Ready`;
    case 'ringing':
      return `${APP_NAME} — Incoming call from ${state.from}`;
    case 'in-call':
      return `${APP_NAME} — On a call with ${state.from}`;
  }
}

/** The context menu for a state. */
export function trayMenuTemplate(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const callItems: MenuItemConstructorOptions[] =
    state.kind === 'ringing'
      ? [
          { label: 'Answer', click: () => actions.answer() },
          { label: 'Decline', click: () => actions.decline() },
        ]
      : state.kind === 'in-call'
        ? [{ label: 'Hang up', click: () => actions.hangup() }]
        : [];
  return [
    { label: `Show ${APP_NAME}`, click: () => actions.show() },
    ...(callItems.length ? [{ type: 'separator' as const }, ...callItems] : []),
    { type: 'separator' },
    { label: 'Quit', click: () => actions.quit() },
  ];
}

/** Owns the tray icon and keeps icon, tooltip and menu in step with the call. */
export class TrayController {
  private readonly tray: TrayApi;
  private current: TrayState = { kind: 'idle' };
  private readonly log: Logger;

  constructor(
    private readonly electron: TrayElectron,
    private readonly actions: TrayActions,
    log?: Logger,
  ) {
    this.log = log ?? createLogger('tray');
    this.tray = new electron.Tray(this.icon('idle'));
    // On Windows a click on the icon is how agents bring the window back.
    this.tray.on('click', () => this.actions.show());
    this.render();
  }

  /** The state shown now. */
  state(): TrayState {
    return this.current;
  }

  /** Shows a new state (same state: nothing happens). */
  setState(state: TrayState): void {
    if (JSON.stringify(state) === JSON.stringify(this.current)) return;
    this.current = state;
    this.render();
  }

  /** Removes the icon (on quit). */
  destroy(): void {
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }

  private render(): void {
    if (this.tray.isDestroyed()) return;
    const kind = this.current.kind;
    this.tray.setImage(this.icon(kind));
    this.tray.setToolTip(trayToolTip(this.current));
    this.tray.setContextMenu(this.electron.Menu.buildFromTemplate(trayMenuTemplate(this.current, this.actions)));
    this.log.debug('Tray state', { state: kind });
  }

  private icon(kind: TrayState['kind']) {
    return this.electron.nativeImage.createFromDataURL(trayIconDataUrl(kind));
  }
}
