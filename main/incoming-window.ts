/**
 * The incoming-call window: a small always-on-top window with the caller, why the call rings,
 * and Answer / Decline (the shortcuts shown on the buttons, A and D inside it). It is how a
 * Linux agent answers without finding the app (Linux notifications carry no buttons), and an
 * option on macOS and Windows.
 *
 * The page (`renderer/incoming.html`) has no preload and no IPC: its query carries what it
 * shows, and its buttons set the location's hash to `#answer` / `#decline`. Main acts on that
 * in-page navigation only for its own page, in its own window, for the call it is showing.
 */
import type { CallContext } from '../common/call-context';
import { formatPhoneNumber } from '../common/phone-number';
import type { ShortcutConfig } from './config';
import type { BrowserWindowApi, BrowserWindowConstructor } from './electron-api';
import { createLogger, type Logger } from './log';
import { createSecureWindow } from './security';

/** The window's size: a card, not a second app. */
export const INCOMING_WINDOW_SIZE = { width: 360, height: 200 } as const;

/** What the window can ask for. */
export interface IncomingWindowActions {
  answer(callId: string): void;
  decline(callId: string): void;
}

/** Options of {@link IncomingCallWindow}. */
export interface IncomingCallWindowOptions {
  /** The built `incoming.html`'s app:// URL (main/protocol.ts). */
  pageUrl: string;
  /** The global shortcuts, shown on the buttons. */
  accelerators: ShortcutConfig;
  actions: IncomingWindowActions;
  log?: Logger;
}

/** One line saying why the call rings (campaign topic, queue, number dialled), or ''. */
export function describeCallContext(context: CallContext | null): string {
  if (!context) return '';
  const parts: string[] = [];
  if (context.topic) parts.push(`Regarding ${context.topic}`);
  if (context.queue) parts.push(`From the ${context.queue} queue`);
  if (context.number) parts.push(`Dialled ${formatPhoneNumber(context.number)}${context.label ? ` · ${context.label}` : ''}`);
  return parts.join(' — ');
}

interface Showing {
  callId: string;
  from: string;
  waiting: boolean;
  context: string;
  window: BrowserWindowApi;
  /** The load under way: a new one waits for it instead of interrupting it. */
  loading: Promise<void>;
}

/** Shows at most one incoming-call window, for one call. */
export class IncomingCallWindow {
  private current: Showing | null = null;
  private readonly log: Logger;

  constructor(
    private readonly BrowserWindow: BrowserWindowConstructor,
    private readonly options: IncomingCallWindowOptions,
  ) {
    this.log = options.log ?? createLogger('incoming-window');
  }

  /** The call the window is about, or null. */
  showing(): string | null {
    return this.current && !this.current.window.isDestroyed() ? this.current.callId : null;
  }

  /** The window, while it exists (tests). */
  window(): BrowserWindowApi | null {
    return this.showing() ? (this.current?.window ?? null) : null;
  }

  /** Shows the window for a ringing (or waiting) call; the same call again changes nothing. */
  show(callId: string, from: string, options: { waiting?: boolean } = {}): void {
    if (this.showing() === callId) return;
    this.close();
    const window = createSecureWindow(this.BrowserWindow, {
      ...INCOMING_WINDOW_SIZE,
      title: 'Incoming call — Switchboard',
      show: false,
      alwaysOnTop: true,
      resizable: false,
      minimizable: false,
      maximizable: false,
      fullscreenable: false,
      autoHideMenuBar: true,
    });
    const showing: Showing = { callId, from, waiting: options.waiting === true, context: '', window, loading: Promise.resolve() };
    this.current = showing;
    // Shown without taking the focus: the agent may be typing elsewhere, and A / D answer here.
    window.once('ready-to-show', () => window.showInactive());
    window.on('closed', () => {
      if (this.current === showing) this.current = null;
    });
    window.webContents.on('did-navigate-in-page', (_event, url, isMainFrame) => {
      if (isMainFrame) this.chosen(showing, url);
    });
    this.load(showing);
  }

  /** Adds why the call rings, once main learnt it (the window reloads its small page). */
  setContext(callId: string, context: CallContext | null): void {
    const showing = this.current;
    const line = describeCallContext(context);
    if (!showing || showing.callId !== callId || showing.window.isDestroyed() || !line || line === showing.context) return;
    showing.context = line;
    this.load(showing);
  }

  /** Closes the window (the call stopped ringing, or was answered elsewhere). */
  close(): void {
    const showing = this.current;
    this.current = null;
    if (showing && !showing.window.isDestroyed()) showing.window.destroy();
  }

  private load(showing: Showing): void {
    const query: Record<string, string> = {
      callId: showing.callId,
      from: formatPhoneNumber(showing.from),
      answerKey: this.options.accelerators.answer,
      declineKey: this.options.accelerators.hangup,
    };
    if (showing.context) query.context = showing.context;
    if (showing.waiting) query.waiting = '1';
    const url = new URL(this.options.pageUrl);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const load = () => (showing.window.isDestroyed() ? undefined : showing.window.loadURL(url.href));
    // The first load starts at once; a later one (the context) waits for the one under way.
    const started = showing.context ? showing.loading.then(load) : Promise.resolve(load());
    showing.loading = started.catch((error: unknown) => {
      if (!showing.window.isDestroyed()) this.log.error('The incoming-call page failed to load', { error });
    });
  }

  private chosen(showing: Showing, url: string): void {
    const action = actionOf(url, showing.callId);
    if (!action || this.current !== showing) return;
    this.close();
    if (action === 'answer') this.options.actions.answer(showing.callId);
    else this.options.actions.decline(showing.callId);
  }
}

/** `answer` / `decline` for a `#answer` / `#decline` navigation of the page showing `callId`; else null. */
export function actionOf(url: string, callId: string): 'answer' | 'decline' | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'app:' || !parsed.pathname.endsWith('/incoming.html')) return null;
  if (parsed.searchParams.get('callId') !== callId) return null;
  return parsed.hash === '#answer' ? 'answer' : parsed.hash === '#decline' ? 'decline' : null;
}
