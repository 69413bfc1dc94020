/**
 * How the UI reaches what it may not touch itself: in Electron the preload's
 * `window.switchboard` (main holds the credential); as a web page, the backend directly,
 * with the credential in an HttpOnly cookie the page's scripts cannot read.
 */
import type { SwitchboardApi } from '../../../preload/api';
import { createBrowserBridge } from './browser';

/** The API the UI uses, whichever shell it runs in. */
export type Bridge = SwitchboardApi;

declare global {
  interface Window {
    switchboard?: SwitchboardApi;
  }
}

/** Picks the desktop bridge when the preload exposed it, the browser bridge otherwise. */
export function resolveBridge(): { bridge: Bridge; shell: 'desktop' | 'browser' } {
  if (window.switchboard) return { bridge: window.switchboard, shell: 'desktop' };
  return { bridge: createBrowserBridge(window.location.origin), shell: 'browser' };
}
