/**
 * The console's "call this number" button: a test call from one of the embedded platform's
 * simulated phones to a configured number, so an operator hears the flow they just saved.
 *
 * Only the local Vonage-compatible platform (`sandbox/`) has phones that can be told to call
 * (`POST /sandbox/v1/phone/calls`); a real Vonage account has none, so against the Vonage
 * cloud the button is unavailable and says why. The platform is the one the backend already
 * talks to (`VONAGE_API_URL`), so no further setting is needed.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { TestCallView, TestCallsView } from '../../common/console-api';
import type { ServerConfig } from '../config';
import { parseLocated } from '../flows/issues';
import { phoneDigits } from '../flows/targets';
import { HttpError } from '../http/errors';
import type { NumberDirectory } from './directory';
import { numberParam } from './schema';

/** The simulated phone test calls come from when the operator names none (the number `npm run platform` prints). */
export const TEST_CALLER = '14155550100';

/** How long the backend waits for the platform's phone API. */
const PLATFORM_TIMEOUT_MS = 5_000;

/** Hosts of the Vonage cloud, where no simulated phone exists. */
const VONAGE_CLOUD = /(^|\.)(vonage|nexmo)\.com$/i;

/** The platform's phone API base, or null (with the reason) against the Vonage cloud. */
export function testCallPlatform(config: Pick<ServerConfig, 'sdk'>): { url: string; reason: null } | { url: null; reason: string } {
  const host = new URL(config.sdk.apiUrl).hostname;
  if (VONAGE_CLOUD.test(host)) {
    return { url: null, reason: 'Test calls need the embedded platform (npm run platform); with a Vonage account, call the number from a phone.' };
  }
  return { url: `${config.sdk.apiUrl}/sandbox/v1/phone/calls`, reason: null };
}

/** `POST /api/admin/numbers/:number/test-call`: who calls (optional). */
const testCallRequest = z.strictObject({ from: phoneDigits.optional() }).default({});
const uuidParam = z.strictObject({ uuid: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a call id') });

/** The platform's description of a phone call, reduced to what the console shows. */
const platformCall = z.object({
  uuid: z.string(),
  from: z.string(),
  to: z.string(),
  status: z.string(),
  heard: z.array(z.object({ type: z.string(), text: z.string().optional() })).default([]),
});

function testCallView(data: unknown): TestCallView {
  const call = platformCall.parse(data);
  return { uuid: call.uuid, from: call.from, to: call.to, status: call.status, heard: call.heard.flatMap((h) => (h.type === 'talk' && h.text ? [h.text] : [])) };
}

/** Ask the platform; a refusal or silence becomes a 502 in words. */
async function platform(url: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(PLATFORM_TIMEOUT_MS) });
  } catch {
    throw new HttpError(502, 'platform_unreachable', 'The embedded platform did not answer; is it running?');
  }
  if (response.status === 404) throw new HttpError(404, 'not_found', 'The platform has no such test call', { field: 'uuid' });
  if (!response.ok) throw new HttpError(502, 'platform_refused', `The platform refused the test call (HTTP ${response.status})`);
  return response;
}

/**
 * Register `GET /api/admin/test-calls`, `POST /api/admin/numbers/:number/test-call`,
 * `GET|DELETE /api/admin/test-calls/:uuid` on a scope already behind the admin guard.
 */
export function registerTestCallRoutes(scope: FastifyInstance, config: Pick<ServerConfig, 'sdk'>, numbers: NumberDirectory): void {
  const target = testCallPlatform(config);
  const platformUrl = (): string => {
    if (target.url === null) throw new HttpError(409, 'test_calls_unavailable', target.reason);
    return target.url;
  };

  scope.get('/api/admin/test-calls', async (): Promise<TestCallsView> => ({ available: target.url !== null, reason: target.reason, from: TEST_CALLER }));

  scope.post('/api/admin/numbers/:number/test-call', async (request, reply): Promise<TestCallView> => {
    const { number } = parseLocated(numberParam, request.params);
    const { from = TEST_CALLER } = parseLocated(testCallRequest, request.body ?? {});
    if (!numbers.get(number)) throw new HttpError(404, 'not_found', `Number ${number} has no flow configured`, { field: 'number' });
    const url = platformUrl();
    const placed = (await (await platform(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ from, to: number }) })).json()) as { uuid?: unknown };
    if (typeof placed.uuid !== 'string') throw new HttpError(502, 'platform_refused', 'The platform answered without a call id');
    request.log.info({ number, from, call: placed.uuid }, 'test call placed');
    void reply.code(201);
    return { uuid: placed.uuid, from, to: number, status: 'started', heard: [] };
  });

  scope.get('/api/admin/test-calls/:uuid', async (request): Promise<TestCallView> => {
    const { uuid } = parseLocated(uuidParam, request.params);
    return testCallView(await (await platform(`${platformUrl()}/${uuid}`)).json());
  });

  scope.delete('/api/admin/test-calls/:uuid', async (request, reply) => {
    const { uuid } = parseLocated(uuidParam, request.params);
    await platform(`${platformUrl()}/${uuid}`, { method: 'DELETE' });
    request.log.info({ call: uuid }, 'test call hung up');
    return reply.code(204).send();
  });
}
