/** `net`. */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { app } from './app';
import { state } from './state';

/**
 * `net`: `fetch` goes through Node's fetch here, recording each request, so a test can prove
 * main used Chromium's stack (with the system proxy and certificates) and not Node's own.
 */
export const net = {
  /** Test: every URL main fetched through `net`, in order. */
  requests: [] as string[],
  fetch(input: string | Request, init?: RequestInit): Promise<Response> {
    if (!app.isReady()) return Promise.reject(new Error('net.fetch is only available once the app is ready'));
    const url = typeof input === 'string' ? input : input.url;
    this.requests.push(url);
    if (!state.config.online) return Promise.reject(new TypeError('net::ERR_INTERNET_DISCONNECTED'));
    return globalThis.fetch(input, init);
  },
  isOnline(): boolean {
    return state.config.online;
  },
  /** Test: the network comes or goes. */
  setOnline(online: boolean): void {
    state.config.online = online;
  },
  /**
   * `net.request`, over Node's http/https (which takes Electron's option shape: protocol,
   * hostname, port, path, method, headers); Electron-only options (session, redirect) are dropped.
   */
  request(options: { protocol?: string; hostname?: string; host?: string; port?: number | string; path?: string; method?: string; headers?: Record<string, string> }) {
    const { protocol = 'http:', hostname, host, port, path: requestPath = '/', method = 'GET', headers = {} } = options;
    net.requests.push(`${protocol}//${hostname ?? host}${port ? `:${port}` : ''}${requestPath}`);
    const transport = protocol === 'https:' ? httpsRequest : httpRequest;
    return transport({ protocol, hostname: hostname ?? host, port, path: requestPath, method, headers });
  },
};
