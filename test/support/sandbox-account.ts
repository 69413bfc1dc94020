/**
 * A sandbox with an application and a linked number, and a recording webhook server
 * standing in for a backend: for sandbox tests that need no real backend.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../sandbox/server';

/** One webhook request the recorder received. */
export interface Recorded {
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown> | null;
  headers: IncomingHttpHeaders;
  /** The body exactly as received (what a signed webhook's `payload_hash` covers). */
  raw: string;
}

/**
 * How the webhook server misbehaves on a path: wait before answering, answer an HTTP error
 * or a body of its own, or drop the connection; for the next `times` requests (default all).
 */
export interface Misbehaviour {
  delayMs?: number;
  status?: number;
  body?: string;
  destroy?: boolean;
  times?: number;
}

/** A sandbox account for tests. */
export interface SandboxAccount {
  sandbox: RunningSandbox;
  applicationId: string;
  privateKey: string;
  number: string;
  hooks: Recorded[];
  /** What the answer webhook returns next (an NCCO). */
  setNcco(ncco: unknown): void;
  /** What another path of the webhook server returns: JSON (e.g. an input eventUrl's NCCO) or raw bytes (audio); default `{}`. */
  respond(path: string, body: unknown): void;
  /** Base URL of the recording webhook server, for eventUrls in NCCOs. */
  hookUrl: string;
  /** Makes a path of the webhook server misbehave (`null`: behave again). */
  misbehave(path: string, how: Misbehaviour | null): void;
  /** The account's signature secret, which signs every webhook. */
  signatureSecret: string;
  /** Headers for the account's own APIs (basic auth with the API key and secret). */
  accountHeaders: Record<string, string>;
  stop(): Promise<void>;
}

/** Starts a sandbox and a recording webhook server on loopback. */
export async function startSandboxAccount(number = '14155550199'): Promise<SandboxAccount> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-sandbox-'));
  const sandbox = await startSandbox({ port: 0, host: '127.0.0.1', dataDir, mediaAddress: '127.0.0.1', verbose: false });
  const hooks: Recorded[] = [];
  let ncco: unknown = [{ action: 'talk', text: 'Hello' }];
  const responses = new Map<string, unknown>();
  const misbehaviours = new Map<string, Misbehaviour>();
  const recorder: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', async () => {
      hooks.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        body: raw ? JSON.parse(raw) : null,
        headers: req.headers,
        raw,
      });
      const how = misbehaviours.get(url.pathname);
      if (how) {
        if (how.times !== undefined && --how.times <= 0) misbehaviours.delete(url.pathname);
        if (how.delayMs) await new Promise((resolve) => setTimeout(resolve, how.delayMs));
        if (how.destroy) return req.socket.destroy();
        if (how.status !== undefined || how.body !== undefined) {
          res.statusCode = how.status ?? 200;
          res.end(how.body ?? '');
          return;
        }
      }
      const response = url.pathname === '/answer' ? ncco : (responses.get(url.pathname) ?? {});
      if (Buffer.isBuffer(response)) {
        res.setHeader('content-type', 'application/octet-stream');
        res.end(response);
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(response));
    });
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const address = recorder.address();
  const hookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const { api_key, api_secret } = sandbox.store.account;
  const headers = { authorization: `Basic ${Buffer.from(`${api_key}:${api_secret}`).toString('base64')}`, 'content-type': 'application/json' };
  const created = await fetch(`${sandbox.url}/v2/applications`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      name: 'test',
      capabilities: {
        voice: {
          webhooks: {
            answer_url: { address: `${hookUrl}/answer`, http_method: 'GET' },
            event_url: { address: `${hookUrl}/event`, http_method: 'POST' },
          },
        },
      },
    }),
  });
  const app = (await created.json()) as { id: string; keys: { private_key: string } };
  await fetch(`${sandbox.url}/sandbox/v1/numbers`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ msisdn: number, application_id: app.id }),
  });
  return {
    sandbox,
    applicationId: app.id,
    privateKey: app.keys.private_key,
    number,
    hooks,
    setNcco: (next) => (ncco = next),
    respond: (path, body) => responses.set(path, body),
    hookUrl,
    misbehave: (path, how) => (how ? misbehaviours.set(path, { ...how }) : misbehaviours.delete(path)),
    signatureSecret: sandbox.store.account.signature_secret,
    accountHeaders: headers,
    async stop() {
      await sandbox.close();
      recorder.closeAllConnections();
      await new Promise<void>((resolve) => recorder.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
