/**
 * The sandbox's signed webhooks meet the backend's replay rules: every request, a retry
 * included, carries its own `jti` and a current `iat`, so none is refused as a replay.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installJsonBodyParser } from '../../../server/http/body';
import { installErrorHandlers } from '../../../server/http/errors';
import { captureRawBodies, requireVonageSignature, type ReplayGuard } from '../../../server/webhooks/signature';
import { startSandboxAccount, type SandboxAccount } from '../../support/sandbox-account';
import { waitFor } from '../../support/wait';

interface Seen {
  path: string;
  status: number;
  claims: Record<string, unknown>;
  event?: string;
}

let account: SandboxAccount;
let hooks: FastifyInstance;
let hookUrl: string;
const seen: Seen[] = [];
const claimed = new Set<string>();
let eventFailures = 0;

const claimsOf = (authorization: string | undefined): Record<string, unknown> => {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  return token ? (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>) : {};
};

beforeAll(async () => {
  account = await startSandboxAccount();
  const guard: ReplayGuard = {
    claim: async (jti) => {
      if (claimed.has(jti)) return false;
      claimed.add(jti);
      return true;
    },
  };
  // The backend's webhook scope in miniature, on the system clock the sandbox signs with.
  hooks = Fastify();
  installJsonBodyParser(hooks);
  installErrorHandlers(hooks);
  hooks.addHook('onResponse', async (request, reply) => {
    const body = request.body as { status?: string } | undefined;
    seen.push({ path: request.url.split('?')[0] ?? '', status: reply.statusCode, claims: claimsOf(request.headers.authorization), ...(body?.status ? { event: body.status } : {}) });
  });
  await hooks.register(async (scope) => {
    captureRawBodies(scope);
    const signed = { preHandler: requireVonageSignature({ signatureSecret: account.signatureSecret }, guard, () => new Date()) };
    scope.get('/answer', signed, async () => [{ action: 'talk', text: 'Hello' }]);
    scope.post('/event', signed, async (_request, reply) => {
      // The first event fails after its signature was accepted: Vonage retries a 503.
      if (eventFailures++ === 0) return reply.code(503).send({});
      return reply.code(204).send();
    });
  });
  hookUrl = await hooks.listen({ port: 0, host: '127.0.0.1' });
  const response = await fetch(`${account.sandbox.url}/v2/applications/${account.applicationId}`, {
    method: 'PUT',
    headers: account.accountHeaders,
    body: JSON.stringify({
      name: 'test',
      capabilities: { voice: { webhooks: { answer_url: { address: `${hookUrl}/answer`, http_method: 'GET' }, event_url: { address: `${hookUrl}/event`, http_method: 'POST' } } } },
    }),
  });
  expect(response.status).toBe(200);
});
afterAll(async () => {
  await hooks.close();
  await account.stop();
});

describe('sandbox webhook signatures against the replay rules', () => {
  it('signs each attempt afresh: a retried event has a new jti and is accepted, nothing is refused', async () => {
    const created = await fetch(`${account.sandbox.url}/sandbox/v1/phone/calls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: '+14155550100', to: `+${account.number}` }),
    });
    expect(created.status).toBe(201);
    await waitFor(
      async () => seen.filter((s) => s.path === '/event').map((s) => s.event),
      (events) => events.includes('completed'),
    );

    const events = seen.filter((s) => s.path === '/event');
    // started (503), started again (the retry), then the rest.
    expect(events[0]).toMatchObject({ event: 'started', status: 503 });
    expect(events[1]).toMatchObject({ event: 'started', status: 204 });
    expect(events[1]?.claims.jti).not.toBe(events[0]?.claims.jti);
    expect(seen.find((s) => s.path === '/answer')?.status).toBe(200);
    expect(seen.filter((s) => s.status === 401)).toEqual([]);
    for (const { claims } of seen) {
      expect(claims).toMatchObject({ iss: 'Vonage', jti: expect.any(String), iat: expect.any(Number), payload_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(Math.abs(Number(claims.iat) - Date.now() / 1000)).toBeLessThan(60);
    }
    expect(new Set(seen.map((s) => s.claims.jti)).size).toBe(seen.length);
  });
});
