/**
 * The one security module of the main process.
 *
 * Every window comes from {@link createSecureWindow}; {@link installAppSecurity} guards
 * every web contents ever created; {@link installPermissionPolicy} decides what pages may
 * use. Nothing else in main weakens or re-decides any of it.
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import type {
  AppApi,
  BrowserWindowApi,
  BrowserWindowConstructor,
  PermissionCheckHandler,
  PermissionRequestHandler,
  SessionApi,
  ShellApi,
  WebContentsApi,
} from './electron-api';
import { createLogger, type Logger } from './log';
import { APP_SCHEME } from './protocol';

/**
 * The web preferences every window gets; callers cannot override them.
 *
 * `autoplayPolicy` lets the softphone's remote-audio element and the ring window play
 * without a click: an agent answering by shortcut never touches the page.
 */
export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  autoplayPolicy: 'no-user-gesture-required',
} as const satisfies WebPreferences;

/** Options of {@link createSecureWindow}: a window's look, plus at most a preload and throttling. */
export interface SecureWindowOptions extends Omit<BrowserWindowConstructorOptions, 'webPreferences'> {
  /** Absolute path of the preload bundle; omitted for pages that need no bridge. */
  preload?: string;
  /** Hidden windows that must keep time (ringing, the SDK's keep-alives) turn throttling off. */
  backgroundThrottling?: boolean;
}

/** Creates a BrowserWindow with {@link SECURE_WEB_PREFERENCES}. */
export function createSecureWindow(BrowserWindow: BrowserWindowConstructor, options: SecureWindowOptions): BrowserWindowApi {
  const { preload, backgroundThrottling, ...windowOptions } = options;
  const webPreferences: WebPreferences = {
    ...SECURE_WEB_PREFERENCES,
    ...(preload ? { preload } : {}),
    ...(backgroundThrottling === undefined ? {} : { backgroundThrottling }),
  };
  return new BrowserWindow({ ...windowOptions, webPreferences });
}

/** Which URLs are the app's own pages. */
export interface AppUrlPolicy {
  /** True for the URL of one of the app's pages (any query or fragment). */
  isAppPage(url: string): boolean;
}

/**
 * Builds the policy from the app's page URLs (`app://switchboard/index.html`, see
 * `main/protocol.ts`).
 *
 * Comparison is on scheme, host and the parsed path, so `app://switchboard/index.html#/x` and
 * `app://switchboard/./index.html` match while another host, scheme, path or a `file://` URL
 * of the same file do not.
 */
export function createAppUrlPolicy(pages: string[]): AppUrlPolicy {
  const allowed = new Set(pages.map((page) => pageKey(page)).filter((key): key is string => key !== null));
  return {
    isAppPage(url: string) {
      const key = pageKey(url);
      return key !== null && allowed.has(key);
    },
  };
}

function pageKey(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.username !== '' || parsed.password !== '' || parsed.port !== '') return null;
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** True for an absolute http(s) URL without credentials: the only kind the OS browser may open. */
export function isSafeExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.username === '' && parsed.password === '';
}

/**
 * What must happen before the app is ready: the process sandbox for every renderer, and
 * the guard ({@link guardWebContents}) on every web contents.
 */
export function installAppSecurity(
  app: Pick<AppApi, 'on' | 'enableSandbox'>,
  shell: ShellApi,
  urls: AppUrlPolicy,
  log: Logger = createLogger('security'),
): void {
  // Sandboxes every renderer, including ones a future change forgets to configure.
  app.enableSandbox();
  // Installed before any window exists, so no web contents escapes the guard.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, shell, urls, log));
}

/**
 * Guards one web contents: navigation away from the app's pages is blocked, new windows are
 * denied (http(s) links open in the OS browser instead) and `<webview>` cannot be attached.
 */
function guardWebContents(contents: WebContentsApi, shell: ShellApi, urls: AppUrlPolicy, log: Logger): void {
  contents.on('will-navigate', (event) => {
    if (urls.isAppPage(event.url)) return;
    event.preventDefault();
    log.warn('Blocked navigation away from the app', { url: describeUrl(event.url) });
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log.warn('Blocked a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) {
      shell.openExternal(url).catch((error: unknown) => log.warn('Could not open a link in the browser', { error }));
    } else {
      log.warn('Denied a new window', { url: describeUrl(url) });
    }
    return { action: 'deny' };
  });
}

/** Only scheme and host go to the log: query strings may carry tokens. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? `${parsed.protocol}//${parsed.host}` : parsed.protocol;
  } catch {
    return '(unparsable)';
  }
}

/**
 * The permission decision: the microphone for the app's own pages, nothing else.
 *
 * Video is refused too: the softphone is audio-only, and a page asking for the camera is
 * not behaving as the app does.
 */
export function isPermissionAllowed(
  urls: AppUrlPolicy,
  permission: string,
  requestingUrl: string | undefined,
  mediaTypes: ReadonlyArray<string> = [],
): boolean {
  if (permission !== 'media') return false;
  if (!requestingUrl || !urls.isAppPage(requestingUrl)) return false;
  return !mediaTypes.includes('video');
}

/** The permission request handler (asked when a page calls getUserMedia and similar). */
export function createPermissionRequestHandler(urls: AppUrlPolicy, log: Logger): PermissionRequestHandler {
  return (webContents, permission, callback, details) => {
    const allowed = isPermissionAllowed(urls, permission, details.requestingUrl || webContents.getURL(), details.mediaTypes);
    if (!allowed) log.warn('Denied a permission request', { permission, url: describeUrl(details.requestingUrl) });
    callback(allowed);
  };
}

/** The permission check handler (asked synchronously, e.g. by enumerateDevices). */
export function createPermissionCheckHandler(urls: AppUrlPolicy): PermissionCheckHandler {
  return (webContents, permission, _requestingOrigin, details) => {
    const url = details.requestingUrl || webContents?.getURL();
    return isPermissionAllowed(urls, permission, url, details.mediaType === 'video' ? ['video'] : []);
  };
}

/** Installs both permission handlers on a session (only possible once the app is ready). */
export function installPermissionPolicy(session: SessionApi, urls: AppUrlPolicy, log: Logger = createLogger('security')): void {
  session.setPermissionRequestHandler(createPermissionRequestHandler(urls, log));
  session.setPermissionCheckHandler(createPermissionCheckHandler(urls));
}
