/**
 * A tiny stand-in for the Switchboard backend (contract: common/backend-api.ts), for
 * harness tests that must not depend on the real server. Listens on 127.0.0.1, random port.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the fake received (bodies are kept: tests check what main sent). */
export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

/** A running fake backend. */
export interface FakeBackend {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Agents by name → password. */
  readonly agents: Map<string, string>;
  /** Refresh credentials handed out and still valid. */
  readonly validRefreshTokens: Set<string>;
  /** Every refresh credential ever handed out. */
  readonly issuedRefreshTokens: string[];
  /** Makes every refresh credential invalid (the next token call gets 401). */
  revokeAll(): void;
  /** The agent's status as `GET|PUT /api/agent/status` and the event stream show it. */
  status: 'available' | 'away' | 'busy' | 'wrap-up' | 'offline';
  stop(): Promise<void>;
}

/** Starts the fake on 127.0.0.1 with the given agents. */
export async function startFakeBackend(agents: Record<string, string>): Promise<FakeBackend> {
  const requests: RecordedRequest[] = [];
  const validRefreshTokens = new Set<string>();
  const issuedRefreshTokens: string[] = [];
  const agentMap = new Map(Object.entries(agents));
  let status: FakeBackend['status'] = 'available';
  const statusInfo = () => ({ status, since: new Date().toISOString(), wrap_up_ends_at: null, away_reason: null, reachable: true });

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const authorization = req.headers.authorization ?? null;
      requests.push({ method: req.method ?? 'GET', path: url.pathname, authorization, body });
      route(req.method ?? 'GET', url.pathname, authorization, body, res);
    });
  });

  const bearer = (authorization: string | null) => (authorization?.startsWith('Bearer ') ? authorization.slice(7) : null);
  const send = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, code: string, message: string, field?: string) =>
    send(res, status, { error: { code, message, ...(field ? { field } : {}) } });
  const profile = (name: string) => ({ name, display_name: `${name} (agent)` });

  function route(method: string, path: string, authorization: string | null, body: unknown, res: ServerResponse) {
    const input = (body ?? {}) as Record<string, unknown>;
    if (method === 'POST' && path === '/api/auth/login') {
      if (typeof input.name !== 'string' || !input.name) return error(res, 400, 'invalid_request', 'is required', 'name');
      if (agentMap.get(input.name) !== input.password) return error(res, 401, 'invalid_credentials', 'Invalid name or password');
      const refresh = `rt_${randomBytes(18).toString('hex')}`;
      validRefreshTokens.add(refresh);
      issuedRefreshTokens.push(refresh);
      return send(res, 200, {
        agent: profile(input.name),
        ...(input.client === 'web' ? {} : { refresh_token: refresh }),
        expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
      });
    }
    if (method === 'POST' && path === '/api/auth/token') {
      const refresh = bearer(authorization);
      if (!refresh || !validRefreshTokens.has(refresh)) return error(res, 401, 'session_ended', 'Session ended');
      const name = [...agentMap.keys()][0] ?? 'agent';
      return send(res, 200, {
        agent: profile(name),
        jwt: `jwt_${randomBytes(12).toString('hex')}`,
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      });
    }
    if (method === 'POST' && path === '/api/auth/logout') {
      const refresh = bearer(authorization);
      if (refresh) validRefreshTokens.delete(refresh);
      res.writeHead(204).end();
      return;
    }
    if (method === 'GET' && path === '/api/config') {
      return send(res, 200, {
        sdk: { apiUrl: 'http://127.0.0.1:9/api', websocketUrl: 'ws://127.0.0.1:9' },
        contact_number: '+14155550000',
        internal_secret_field: 'must-not-reach-the-renderer',
      });
    }
    // Call control, for the IPC tests: a hold answers a state; Joe is never available.
    const control = /^\/api\/agent\/calls\/([^/]+)\/(control|hold|transfer)$/.exec(path);
    if (control) {
      const refresh = bearer(authorization);
      if (!refresh || !validRefreshTokens.has(refresh)) return error(res, 401, 'session_ended', 'Session ended');
      const [, , action] = control;
      if (method === 'PUT' && action === 'hold') {
        const held = input.held === true;
        return send(res, 200, { held, since: held ? new Date().toISOString() : null, total_s: 0, consult: null, internal: 'must-not-reach-the-renderer' });
      }
      if (method === 'GET' && action === 'control') return send(res, 200, { held: false, since: null, total_s: 0, consult: null });
      if (method === 'POST' && action === 'transfer') return error(res, 409, 'agent_unavailable', 'Joe is not available', 'target.agent');
    }
    // The agent desk, for the IPC tests: the badge, a wrap-up (one disposition known), a recording.
    if (path === '/api/agent/calls/unseen' || path.startsWith('/api/agent/wrap-ups/') || path.startsWith('/api/voicemails/')) {
      const refresh = bearer(authorization);
      if (!refresh || !validRefreshTokens.has(refresh)) return error(res, 401, 'session_ended', 'Session ended');
      if (method === 'GET' && path === '/api/agent/calls/unseen') return send(res, 200, { missed: 3, seen_up_to: null, internal: 'must-not-reach-the-renderer' });
      if (method === 'PUT' && path.startsWith('/api/agent/wrap-ups/')) {
        if (input.disposition !== 'sale' && input.disposition !== null) return error(res, 400, 'invalid_request', `disposition ${String(input.disposition)} is not on the list`, 'disposition');
        return send(res, 200, { conversation_uuid: decodeURIComponent(path.split('/').at(-1)!), disposition: input.disposition, disposition_label: 'Sale', notes: input.notes, updated_at: new Date().toISOString() });
      }
      if (method === 'GET' && path.endsWith('/audio')) {
        res.writeHead(200, { 'content-type': 'audio/wav' });
        res.end(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40)]));
        return;
      }
    }
    if (path === '/api/agent/status' || path === '/api/agent/events') {
      const refresh = bearer(authorization);
      if (!refresh || !validRefreshTokens.has(refresh)) return error(res, 401, 'session_ended', 'Session ended');
      if (method === 'PUT') {
        if (input.status !== 'available' && input.status !== 'away') return error(res, 400, 'invalid_request', 'must be available or away', 'status');
        status = input.status;
        return send(res, 200, statusInfo());
      }
      if (path === '/api/agent/status') return send(res, 200, statusInfo());
      // The event stream: the status, then silence (no heartbeat) until the client goes.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: status\ndata: ${JSON.stringify(statusInfo())}\n\n`);
      return;
    }
    // Away reasons and the voice session report, for the status line through main.
    if (method === 'GET' && path === '/api/agent/away-reasons') return send(res, 200, { reasons: ['Break', 'Lunch'] });
    if (method === 'PUT' && path === '/api/agent/voice') {
      const refresh = bearer(authorization);
      if (!refresh || !validRefreshTokens.has(refresh)) return error(res, 401, 'session_ended', 'Session ended');
      if (input.state !== 'up' && input.state !== 'down') return error(res, 400, 'invalid_request', 'state is invalid', 'state');
      return send(res, 200, { status: 'available', since: new Date().toISOString(), wrap_up_ends_at: null, away_reason: null, reachable: input.state === 'up' });
    }
    if (method === 'GET' && path === '/api/agent/transfer-targets') {
      return send(res, 200, { agents: [{ name: 'Joe', status: 'away' }], queues: [{ name: 'support', label: 'Support' }] });
    }
    return error(res, 404, 'not_found', `No route ${method} ${path}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    agents: agentMap,
    validRefreshTokens,
    issuedRefreshTokens,
    revokeAll: () => validRefreshTokens.clear(),
    get status() {
      return status;
    },
    set status(next) {
      status = next;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
