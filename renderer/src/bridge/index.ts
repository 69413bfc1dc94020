/**
 * How the UI reaches what it may not touch itself: in Electron the preload's
 * `window.switchboard` (main holds the credential); as a web page, the backend directly,
 * with the credential in an HttpOnly cookie the page's scripts cannot read.
 */
import type { SwitchboardApi } from '../../../common/switchboard-api';
import { WebAlerts } from '../alerts/web-alerts';
import { createBrowserBridge } from './browser';
import type { EarlyRequests } from '../early/early-requests';

/** The API the UI uses, whichever shell it runs in. */
export type Bridge = SwitchboardApi;

declare global {
  interface Window {
    switchboard?: SwitchboardApi;
  }
}

/** The bridge of the shell the UI runs in, and the web app's own alerts. */
export interface ResolvedShell {
  bridge: Bridge;
  shell: 'desktop' | 'browser';
  alerts?: WebAlerts;
}

/** The token and config requests the page's early script sent (`../early/early-requests.ts`), once. */
function takeEarlyRequests(): EarlyRequests | null {
  const early = window.__switchboardEarly ?? null;
  // Looked once: an early-requests script that has not run yet will send nothing.
  window.__switchboardEarly = null;
  return early;
}

/**
 * Picks the desktop bridge when the preload exposed it, the browser bridge otherwise. Only the
 * web app gets `alerts` (ring and notification): the desktop app's main rings and notifies.
 */
export function resolveBridge(): ResolvedShell {
  if (window.switchboard) return { bridge: window.switchboard, shell: 'desktop' };
  const alerts = new WebAlerts({ AudioContext: window.AudioContext, Notification: window.Notification, focus: () => window.focus() });
  return { bridge: createBrowserBridge(window.location.origin, alerts, takeEarlyRequests()), shell: 'browser', alerts };
}
