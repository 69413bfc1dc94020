/**
 * Applications API v2 and number linking: what an operator (or `npm run platform`) uses to
 * set the account up. Basic auth with the account's API key and secret.
 *
 * Every capability an application is given is kept and returned as sent (after checking the
 * documented fields of voice, rtc, messages, verify and vbc); only voice and rtc change what
 * the sandbox does. The list pages as the specification says (`page_size` 1-100, default 10;
 * `page` from 1) and links its pages HAL-style (`_links.next` is what the server SDK's
 * `listAllApplications` follows).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ApplicationRecord, SandboxStore } from '../state/store';
import { basicAuthOk } from './account-auth';
import { sendError, sendValidationError } from './errors';
import { phoneNumber } from './schemas';

const webhook = z.object({
  address: z.url({ protocol: /^https?$/ }),
  http_method: z.enum(['GET', 'POST']).default('POST'),
  connect_timeout: z.number().int().positive().optional(),
  socket_timeout: z.number().int().positive().optional(),
});
/** Messages and Verify send their webhooks with POST only (the specification's enum). */
const postWebhook = webhook.extend({ http_method: z.literal('POST').default('POST') });

const capabilities = z
  .object({
    voice: z
      .object({
        webhooks: z.object({
          answer_url: webhook.optional(),
          event_url: webhook.optional(),
          fallback_answer_url: webhook.optional(),
        }),
        signed_callbacks: z.boolean().optional(),
        conversations_ttl: z.number().int().min(1).max(9000).optional(),
        leg_persistence_time: z.number().int().min(1).max(31).optional(),
        region: z.enum(['na-east', 'na-west', 'eu-east', 'eu-west', 'apac-sng', 'apac-australia']).optional(),
      })
      .loose()
      .optional(),
    rtc: z
      .object({ webhooks: z.object({ event_url: webhook.optional() }), signed_callbacks: z.boolean().optional() })
      .loose()
      .optional(),
    messages: z
      .object({
        version: z.string().optional(),
        webhooks: z.object({ inbound_url: postWebhook.optional(), status_url: postWebhook.optional() }).loose().optional(),
        authenticate_inbound_media: z.boolean().optional(),
      })
      .loose()
      .optional(),
    verify: z
      .object({ version: z.string().optional(), webhooks: z.object({ status_url: postWebhook.optional() }).loose().optional() })
      .loose()
      .optional(),
    // "This must be an empty object."
    vbc: z.strictObject({}).optional(),
  })
  // Any other capability (video, meetings, network_apis, …) is kept as sent; it must be an object.
  .catchall(z.record(z.string(), z.unknown()));

const applicationBody = z.object({
  name: z.string().min(1).max(100),
  capabilities: capabilities.default({}),
  keys: z.object({ public_key: z.string().min(1) }).optional(),
});

const listQuery = z.object({
  page_size: z.coerce.number().int('must be a whole number').min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100').default(10),
  page: z.coerce.number().int('must be a whole number').min(1, 'must be 1 or more').default(1),
});

const numberBody = z.object({
  msisdn: phoneNumber,
  application_id: z.string().min(1).nullable(),
  country: z.string().length(2).default('US'),
});

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

    app.get('/v2/applications', async (request, reply) => {
      const parsed = listQuery.safeParse(request.query ?? {});
      if (!parsed.success) return sendValidationError(reply, parsed.error);
      const { page_size: pageSize, page } = parsed.data;
      const all = store.applications();
      const totalPages = Math.ceil(all.length / pageSize);
      const href = (n: number) => ({ href: `/v2/applications?page_size=${pageSize}&page=${n}` });
      return {
        page_size: pageSize,
        page,
        total_items: all.length,
        total_pages: totalPages,
        _embedded: { applications: all.slice((page - 1) * pageSize, page * pageSize).map((a) => present(a)) },
        _links: {
          self: href(page),
          first: href(1),
          last: href(Math.max(totalPages, 1)),
          ...(page > 1 ? { prev: href(Math.min(page - 1, Math.max(totalPages, 1))) } : {}),
          ...(page < totalPages ? { next: href(page + 1) } : {}),
        },
      };
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
