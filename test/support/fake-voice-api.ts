/**
 * A fake Vonage Voice API for backend tests, on 127.0.0.1: records every request; `POST
 * /v1/calls` places `agent-leg-N` (held back until `release()` when started with
 * `holdCalls`, to let a leg's events overtake the reply); `PUT /v1/calls/{uuid}` (transfer,
 * hangup, mute) answers 204 and `/talk` 200; `GET /v1/calls/{uuid}` answers from `legs`, 404
 * for a leg it does not hold.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the backend made. */
export interface VoiceRequest {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
}

/** A running fake. */
export interface FakeVoiceApi {
  url: string;
  requests: VoiceRequest[];
  /** What `GET /v1/calls/:uuid` answers; unknown legs are 404. */
  legs: Map<string, Record<string, unknown>>;
  /** Answer the calls held so far, and from now on at once. */
  release(): void;
  close(): Promise<void>;
}

export async function startFakeVoiceApi(options: { holdCalls?: boolean } = {}): Promise<FakeVoiceApi> {
  const requests: VoiceRequest[] = [];
  const legs = new Map<string, Record<string, unknown>>();
  let held: Array<() => void> = [];
  let holding = options.holdCalls ?? false;
  let placed = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown> | undefined;
      try {
        body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
      } catch {
        body = { unparsed: text };
      }
      const method = req.method ?? 'GET';
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      requests.push({ method, path, body });
      const send = (status: number, payload?: unknown) => {
        if (payload === undefined) {
          res.writeHead(status);
          res.end();
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(payload));
      };
      const leg = /^\/v1\/calls\/([^/]+)$/.exec(path);
      const talk = /^\/v1\/calls\/([^/]+)\/talk$/.exec(path);
      if (method === 'POST' && path === '/v1/calls') {
        placed += 1;
        const n = placed;
        const answer = () => send(201, { uuid: `agent-leg-${n}`, status: 'started', direction: 'outbound', conversation_uuid: `CON-agent-${n}` });
        if (holding) held.push(answer);
        else answer();
      } else if (method === 'PUT' && talk) {
        send(200, { message: 'Talk started', uuid: decodeURIComponent(talk[1] ?? '') });
      } else if (method === 'PUT' && leg) {
        send(204);
      } else if (method === 'GET' && leg) {
        const info = legs.get(decodeURIComponent(leg[1] ?? ''));
        if (info) send(200, info);
        else send(404, { title: 'Not Found', detail: 'no such call' });
      } else {
        send(404, { title: 'Not Found' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    legs,
    release: () => {
      holding = false;
      for (const answer of held) answer();
      held = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
