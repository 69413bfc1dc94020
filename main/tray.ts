/**
 * The tray icon: what the app is doing at a glance, and a menu to act on it.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { SummaryState } from '../common/call-state';
import type { InCallControl } from '../common/ipc-contract';
import type { MenuModule, NativeImageModule, TrayApi, TrayConstructor } from './electron-api';
import { trayIconDataUrl } from './icons';
import { createLogger, type Logger } from './log';

/** The app name as the tray shows it. */
export const APP_NAME = 'Switchboard';

/** What the tray shows. */
export type TrayState =
  | { kind: 'idle' }
  | { kind: 'ringing'; from: string }
  | {
      kind: 'in-call';
      from: string;
      /** What the call is doing, as the renderer summarised it; without it the menu offers Hang up only. */
      state?: SummaryState;
      muted?: true;
      /** Who the call waiting is from. */
      waiting?: string;
      /** The controls the summary says apply now (mute/unmute, hold/resume); the menu offers these and Hang up. */
      controls?: readonly InCallControl[];
    };

/** What the tray menu can ask for. */
export interface TrayActions {
  show(): void;
  /** Answer the ringing call, or the call waiting. */
  answer(): void;
  decline(): void;
  hangup(): void;
  /** Mute, unmute, hold or resume the call in progress. */
  control(action: InCallControl): void;
  quit(): void;
}

const STATE_NOTES: Partial<Record<NonNullable<Extract<TrayState, { kind: 'in-call' }>['state']>, string>> = {
  held: ' (on hold)',
  consulting: ' (consulting)',
  conference: ' (conference)',
  transferring: ' (transferring)',
};

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
      return (
        `${APP_NAME} — On a call with ${state.from}${(state.state && STATE_NOTES[state.state]) ?? ''}${state.muted ? ' (muted)' : ''}` +
        (state.waiting ? ` — call waiting from ${state.waiting}` : '')
      );
  }
}

const CONTROL_LABELS: Record<InCallControl, string> = { mute: 'Mute', unmute: 'Unmute', hold: 'Hold', resume: 'Resume' };

/** The in-call items: the call waiting's Answer/Decline, Mute/Unmute and Hold/Resume where they apply, Hang up. */
function inCallItems(state: Extract<TrayState, { kind: 'in-call' }>, actions: TrayActions): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] = [];
  if (state.waiting) {
    items.push(
      { label: 'Answer call waiting', click: () => actions.answer() },
      { label: 'Decline call waiting', click: () => actions.decline() },
      { type: 'separator' },
    );
  }
  for (const control of state.controls ?? []) items.push({ label: CONTROL_LABELS[control], click: () => actions.control(control) });
  items.push({ label: 'Hang up', click: () => actions.hangup() });
  return items;
}

/** Menu items beside the call's: warnings, the agent's options, support. */
export interface TrayExtras {
  /** Shown as disabled lines (e.g. a shortcut that could not be registered). */
  notes?: string[];
  /** The "Incoming calls in a window" option, where it is a choice (macOS, Windows). */
  incomingWindow?: { checked: boolean; toggle(on: boolean): void };
  /** Copies versions, settings and the last log lines for support. */
  copyDiagnostics?: () => void;
}

function extraItems(extras: TrayExtras): MenuItemConstructorOptions[] {
  const notes: MenuItemConstructorOptions[] = (extras.notes ?? []).map((label) => ({ label, enabled: false }));
  const options: MenuItemConstructorOptions[] = [];
  const incoming = extras.incomingWindow;
  if (incoming) {
    options.push({ label: 'Incoming calls in a window', type: 'checkbox', checked: incoming.checked, click: () => incoming.toggle(!incoming.checked) });
  }
  const copy = extras.copyDiagnostics;
  if (copy) options.push({ label: 'Copy diagnostics', click: () => copy() });
  return [...(notes.length ? [{ type: 'separator' as const }, ...notes] : []), ...(options.length ? [{ type: 'separator' as const }, ...options] : [])];
}

/** The context menu for a state. */
export function trayMenuTemplate(state: TrayState, actions: TrayActions, extras: TrayExtras = {}): MenuItemConstructorOptions[] {
  const callItems: MenuItemConstructorOptions[] =
    state.kind === 'ringing'
      ? [
          { label: 'Answer', click: () => actions.answer() },
          { label: 'Decline', click: () => actions.decline() },
        ]
      : state.kind === 'in-call'
        ? inCallItems(state, actions)
        : [];
  return [
    { label: `Show ${APP_NAME}`, click: () => actions.show() },
    ...(callItems.length ? [{ type: 'separator' as const }, ...callItems] : []),
    ...extraItems(extras),
    { type: 'separator' },
    { label: 'Quit', click: () => actions.quit() },
  ];
}

/** Owns the tray icon and keeps icon, tooltip and menu in step with the call. */
export class TrayController {
  private readonly tray: TrayApi;
  private current: TrayState = { kind: 'idle' };
  private extras: TrayExtras = {};
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

  /** Replaces the items beside the call's (notes, options, diagnostics). */
  setExtras(extras: TrayExtras): void {
    this.extras = extras;
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
    this.tray.setContextMenu(this.electron.Menu.buildFromTemplate(trayMenuTemplate(this.current, this.actions, this.extras)));
    this.log.debug('Tray state', { state: kind });
  }

  private icon(kind: TrayState['kind']) {
    return this.electron.nativeImage.createFromDataURL(trayIconDataUrl(kind));
  }
}
