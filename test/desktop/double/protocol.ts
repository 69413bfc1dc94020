/**
 * `protocol`, for the Electron double.
 *
 * Electron serves a privileged custom scheme (`app://switchboard/…`) from main's handler. The
 * Chromium the harness drives cannot be taught a new scheme, so each handled scheme gets a
 * loopback HTTP server that turns every request into a `Request` for `app://<host>/<path>`,
 * runs main's real handler and returns its `Response` — the path guard, content types and
 * status codes are main's own. The double translates URLs both ways: pages load
 * `http://127.0.0.1:<port>/…`, and every URL main sees (frames, navigations, IPC senders) is
 * the `app://` one, as in Electron. 127.0.0.1 is a secure context in Chromium, as a privileged
 * `secure` scheme is in Electron, so the microphone works the same way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CustomScheme } from 'electron';
import { app } from './app';

type Handler = (request: Request) => Response | Promise<Response>;

interface Served {
  scheme: string;
  handler: Handler;
  server: Server;
  /** `http://127.0.0.1:<port>` once listening. */
  origin: string;
  /** The host of the app:// URLs (one per scheme: `switchboard`). */
  host: string | null;
}

/** `protocol`. */
export class ProtocolDouble {
  /** Test: what main declared privileged, in order. */
  readonly privileged: CustomScheme[] = [];
  /** Test: every request a handler answered (app:// URL and status). */
  readonly requests: Array<{ url: string; status: number }> = [];
  private readonly served = new Map<string, Served>();

  constructor(private readonly isReady: () => boolean) {}

  registerSchemesAsPrivileged(customSchemes: CustomScheme[]): void {
    if (this.isReady()) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    this.privileged.push(...customSchemes.map((scheme) => ({ ...scheme, privileges: { ...scheme.privileges } })));
  }

  handle(scheme: string, handler: Handler): void {
    if (!this.isReady()) throw new Error('protocol.handle should be called after app is ready');
    if (this.served.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
    const entry: Served = { scheme, handler, server: createServer(), origin: '', host: null };
    entry.server.on('request', (req, res) => {
      const url = `${scheme}://${entry.host ?? 'localhost'}${req.url ?? '/'}`;
      void (async () => {
        let response: Response;
        try {
          response = await handler(new Request(url, { method: req.method ?? 'GET' }));
        } catch {
          response = new Response(null, { status: 500 });
        }
        this.requests.push({ url, status: response.status });
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      })();
    });
    this.served.set(scheme, entry);
  }

  isProtocolHandled(scheme: string): boolean {
    return this.served.has(scheme);
  }

  unhandle(scheme: string): void {
    const entry = this.served.get(scheme);
    if (!entry) return;
    this.served.delete(scheme);
    entry.server.close();
  }

  /** Test: asks the handler for an app:// URL directly (as a page's fetch would). */
  async fetch(url: string, init?: RequestInit): Promise<Response> {
    const scheme = new URL(url).protocol.slice(0, -1);
    const entry = this.served.get(scheme);
    if (!entry) throw new Error(`net::ERR_UNKNOWN_URL_SCHEME ${url}`);
    return entry.handler(new Request(url, init));
  }

  /** @internal The URL Chromium loads for `url` (an app:// URL of a handled scheme, else itself). */
  async toPageUrl(url: string): Promise<string> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return url;
    }
    const entry = this.served.get(parsed.protocol.slice(0, -1));
    if (!entry) return url;
    if (entry.host !== null && entry.host !== parsed.host) throw new Error(`electron-double: one host per scheme (${entry.host}, not ${parsed.host})`);
    entry.host = parsed.host;
    if (!entry.origin) {
      await new Promise<void>((resolve) => entry.server.listen(0, '127.0.0.1', resolve));
      entry.origin = `http://127.0.0.1:${(entry.server.address() as AddressInfo).port}`;
    }
    return `${entry.origin}${parsed.pathname}${parsed.search}${parsed.hash}`;
  }

  /** @internal The URL main sees for a URL Chromium reports (the app:// one for a served page). */
  toAppUrl(url: string): string {
    for (const entry of this.served.values()) {
      if (entry.origin && (url === entry.origin || url.startsWith(`${entry.origin}/`))) {
        return `${entry.scheme}://${entry.host ?? 'localhost'}${url.slice(entry.origin.length) || '/'}`;
      }
    }
    return url;
  }

  /** @internal Forgets every scheme and stops the servers. */
  resetDouble(): void {
    for (const scheme of [...this.served.keys()]) this.unhandle(scheme);
    this.privileged.length = 0;
    this.requests.length = 0;
  }
}

/** `protocol`: app:// pages reach Chromium through a loopback server. */
export const protocol = new ProtocolDouble(() => app.isReady());
