/**
 * The web app's first two requests — the SDK token (which also says who is signed in) and the
 * SDK's endpoints — sent while the page is still being parsed, not after the app's bundle has
 * run. The bundle (React, the Client SDK, the UI: over 1.5 MB) takes a slow machine most of a
 * second to download, compile and evaluate; this script is a few hundred bytes, built on its
 * own as a classic script (renderer/vite.config.ts, `earlyRequestsScript`) that the HTML loads
 * `async`, beside the bundle, so both answers are there when the softphone starts. Should the
 * bundle ever run first, the bridge finds nothing here and sends its own. The browser bridge's
 * first `restoreSession` takes them (`takeEarlyRequests` in `../bridge/index.ts`).
 *
 * The desktop app has its own bridge (the preload's `window.switchboard`, which exists before
 * any page script runs; main holds the credential), so nothing is sent there.
 *
 * It imports nothing: it is its own bundle.
 */

/** The two requests, as `fetch` answers them (or fails). */
export interface EarlyRequests {
  token: Promise<Response>;
  config: Promise<Response>;
}

declare global {
  interface Window {
    /**
     * Set by this script, taken by the bridge, which leaves null: a script that runs after
     * the bridge has looked (it is `async`) sends nothing.
     */
    __switchboardEarly?: EarlyRequests | null;
  }
}

if (!('switchboard' in window) && window.__switchboardEarly === undefined && /^https?:$/.test(window.location.protocol)) {
  const init: RequestInit = { credentials: 'same-origin', headers: { 'content-type': 'application/json' } };
  const early: EarlyRequests = {
    token: fetch(`${window.location.origin}/api/auth/token`, { ...init, method: 'POST', body: '{}' }),
    config: fetch(`${window.location.origin}/api/config`, init),
  };
  // The bridge handles their failures when it takes them; until then they are not unhandled.
  early.token.catch(() => undefined);
  early.config.catch(() => undefined);
  window.__switchboardEarly = early;
}
