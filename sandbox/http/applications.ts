/**
 * Applications API v2 subset and number linking: what an operator (or `npm run platform`)
 * uses to set the account up. Basic auth with the account's API key and secret.
 */
import { generateKeyPairSync, randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApplicationRecord, SandboxStore } from '../state/store';
import { sendError, sendValidationError } from './errors';
import { phoneNumber } from './schemas';

const webhook = z.object({
  address: z.url({ protocol: /^https?$/ }),
  http_method: z.enum(['GET', 'POST']).default('POST'),
  connect_timeout: z.number().int().positive().optional(),
  socket_timeout: z.number().int().positive().optional(),
});

const applicationBody = z.object({
  name: z.string().min(1).max(100),
  capabilities: z
    .object({
      voice: z
        .object({
          webhooks: z.object({
            answer_url: webhook.optional(),
            event_url: webhook.optional(),
            fallback_answer_url: webhook.optional(),
          }),
          signed_callbacks: z.boolean().optional(),
        })
        .optional(),
      rtc: z.object({ webhooks: z.object({ event_url: webhook.optional() }) }).optional(),
    })
    .default({}),
  keys: z.object({ public_key: z.string().min(1) }).optional(),
});

const numberBody = z.object({
  msisdn: phoneNumber,
  application_id: z.string().min(1).nullable(),
  country: z.string().length(2).default('US'),
});

function same(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function basicAuthOk(store: SandboxStore, request: FastifyRequest): boolean {
  const match = /^basic\s+(.+)$/i.exec(request.headers.authorization ?? '');
  if (!match) return false;
  const [key, secret] = Buffer.from(match[1]!, 'base64').toString('utf8').split(':');
  return same(key ?? '', store.account.api_key) && same(secret ?? '', store.account.api_secret);
}

function present(app: ApplicationRecord, privateKey?: string) {
  return {
    id: app.id,
    name: app.name,
    capabilities: app.capabilities,
    keys: { public_key: app.public_key, ...(privateKey ? { private_key: privateKey } : {}) },
    _links: { self: { href: `/v2/applications/${app.id}` } },
  };
}

/** Registers `/v2/applications` and `/sandbox/v1/numbers`. */
export function registerApplicationRoutes(root: FastifyInstance, store: SandboxStore): void {
  root.register(async (app) => {
    // Every route in this scope needs the account's credentials: checked on the routed
    // request, not on the raw URL (which a client could escape).
    app.addHook('preHandler', async (request, reply) => {
      if (!basicAuthOk(store, request)) return sendError(reply, 401, 'unauthorized', 'Basic authentication with the API key and secret is required');
    });

    app.post('/v2/applications', async (request, reply) => {
      const parsed = applicationBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      let publicKey = parsed.data.keys?.public_key;
      let privateKey: string | undefined;
      if (!publicKey) {
        const pair = generateKeyPairSync('rsa', {
          modulusLength: 2048,
          publicKeyEncoding: { type: 'spki', format: 'pem' },
          privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        });
        publicKey = pair.publicKey;
        privateKey = pair.privateKey;
      }
      const record: ApplicationRecord = {
        id: randomUUID(),
        name: parsed.data.name,
        public_key: publicKey,
        capabilities: parsed.data.capabilities,
        created_at: new Date().toISOString(),
      };
      store.saveApplication(record);
      return reply.code(201).send(present(record, privateKey));
    });

    app.get('/v2/applications', async () => {
      const list = store.applications().map((a) => present(a));
      return { total_items: list.length, _embedded: { applications: list } };
    });

    app.get<{ Params: { id: string } }>('/v2/applications/:id', async (request, reply) => {
      const record = store.application(request.params.id);
      if (!record) return sendError(reply, 404, 'not_found', `Application ${request.params.id} does not exist`);
      return present(record);
    });

    app.put<{ Params: { id: string } }>('/v2/applications/:id', async (request, reply) => {
      const record = store.application(request.params.id);
      if (!record) return sendError(reply, 404, 'not_found', `Application ${request.params.id} does not exist`);
      const parsed = applicationBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      const updated: ApplicationRecord = {
        ...record,
        name: parsed.data.name,
        capabilities: parsed.data.capabilities,
        public_key: parsed.data.keys?.public_key ?? record.public_key,
      };
      store.saveApplication(updated);
      return present(updated);
    });

    app.delete<{ Params: { id: string } }>('/v2/applications/:id', async (request, reply) => {
      if (!store.deleteApplication(request.params.id)) return sendError(reply, 404, 'not_found', `Application ${request.params.id} does not exist`);
      return reply.code(204).send();
    });

    app.post('/sandbox/v1/numbers', async (request, reply) => {
      const parsed = numberBody.safeParse(request.body);
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      const { application_id } = parsed.data;
      if (application_id && !store.application(application_id)) {
        return sendError(reply, 400, 'validation_error', `Invalid application_id: application ${application_id} does not exist`, [
          { name: 'application_id', reason: 'does not exist' },
        ]);
      }
      const msisdn = parsed.data.msisdn.replace('+', '');
      store.saveNumber({ msisdn, country: parsed.data.country.toUpperCase(), type: 'landline', application_id });
      return reply.code(201).send({ msisdn, app_id: application_id });
    });
  });

  root.get('/sandbox/v1/numbers', async () => ({
    count: store.numbers().length,
    numbers: store.numbers().map((n) => ({ msisdn: n.msisdn, country: n.country, type: n.type, app_id: n.application_id })),
  }));
}
