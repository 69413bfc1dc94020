/**
 * The caller page (`/caller/`): a person calls the contact center from a browser with a
 * real microphone and speaker, and its API.
 *
 * Media is WebRTC to the sandbox, offered by the sandbox as it offers to the Client SDK:
 * `POST /sandbox/v1/caller/offers` creates a peer (G.711) and returns its SDP offer; the page
 * answers with its microphone and `POST /sandbox/v1/caller/calls` applies the answer, waits
 * for the media to connect, and places the call with that peer as the phone's media. From
 * then on the call is an ordinary simulated-phone call: the page reads it, presses keys and
 * hangs up through the phone API. Everything is same-origin, so nothing here answers CORS.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { WebRtcEndpoint } from '../media/webrtc-endpoint';
import type { CallEngine } from '../voice/engine';
import type { PhoneLeg } from '../voice/legs';
import { sendError, sendValidationError } from './errors';
import { phoneNumber } from './schemas';

/** The page's files (hand-written; served as they are, no build step), by name. */
const PAGE_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'caller.js': 'text/javascript; charset=utf-8',
  'caller.css': 'text/css; charset=utf-8',
};
const PAGE_DIR = fileURLToPath(new URL('../caller/', import.meta.url));

/** Only the page's own scripts, styles and API; media from its own peer connection. */
export const CALLER_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "media-src 'self' mediastream: blob:",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** How long an offer waits for the page's answer before its peer is closed. */
const OFFER_TTL_MS = 30_000;
/** Offers waiting at once; more is a runaway page, not a person. */
const MAX_PENDING_OFFERS = 20;
/** How long the media may take to connect once the answer is in. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How often a placed call checks that the browser's peer is still there. */
const WATCH_INTERVAL_MS = 1_000;

const callBody = z.object({
  offer_id: z.string().min(1),
  sdp: z
    .string()
    .max(20_000)
    .refine((sdp) => sdp.startsWith('v=0') && /^m=audio /m.test(sdp) && /^a=ice-ufrag:/m.test(sdp) && /^a=fingerprint:/m.test(sdp), {
      error: 'must be an SDP answer with an audio section, ICE credentials and a DTLS fingerprint',
    }),
  from: phoneNumber,
  to: phoneNumber,
});

interface PendingOffer {
  endpoint: WebRtcEndpoint;
  expiry: NodeJS.Timeout;
}

/** Registers the caller page and its API. */
export function registerCallerRoutes(app: FastifyInstance, engine: CallEngine): void {
  const pending = new Map<string, PendingOffer>();
  app.addHook('onClose', async () => {
    for (const offer of pending.values()) {
      clearTimeout(offer.expiry);
      offer.endpoint.close();
    }
    pending.clear();
  });

  app.get('/caller', async (_request, reply) => reply.redirect('/caller/', 302));
  const sendPage = async (name: string, reply: FastifyReply) => {
    const type = Object.hasOwn(PAGE_FILES, name) ? PAGE_FILES[name] : undefined;
    if (!type) return sendError(reply, 404, 'not_found', `No file ${name}`);
    const body = await readFile(`${PAGE_DIR}${name}`);
    return reply
      .header('content-type', type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('content-security-policy', CALLER_PAGE_CSP)
      .header('permissions-policy', 'microphone=(self), camera=()')
      .send(body);
  };
  app.get('/caller/', async (_request, reply) => sendPage('index.html', reply));
  app.get<{ Params: { file: string } }>('/caller/:file', async (request, reply) => sendPage(request.params.file, reply));

  app.post('/sandbox/v1/caller/offers', async (_request, reply) => {
    if (pending.size >= MAX_PENDING_OFFERS) return sendError(reply, 429, 'too_many_offers', 'Too many calls are being set up; try again shortly');
    const id = randomUUID();
    const endpoint = new WebRtcEndpoint(`caller/${id}`, engine.deps.webrtc);
    let sdp: string;
    try {
      sdp = await endpoint.createOffer();
    } catch (error) {
      endpoint.close();
      engine.log.error(`caller page: could not create a media offer: ${(error as Error).message}`);
      return sendError(reply, 500, 'internal_error', 'Could not create a media offer');
    }
    const expiry = setTimeout(() => {
      pending.delete(id);
      endpoint.close();
    }, OFFER_TTL_MS);
    expiry.unref();
    pending.set(id, { endpoint, expiry });
    return reply.code(201).send({ offer_id: id, sdp });
  });

  app.post('/sandbox/v1/caller/calls', async (request, reply) => {
    const parsed = callBody.safeParse(request.body);
    if (!parsed.success) return sendValidationError(reply, parsed.error);
    const { offer_id, sdp, from, to } = parsed.data;
    const offer = pending.get(offer_id);
    if (!offer) {
      return sendError(reply, 404, 'offer_not_found', 'No such offer (it expired or was used): start the call again', [
        { name: 'offer_id', reason: 'unknown or expired' },
      ]);
    }
    pending.delete(offer_id);
    clearTimeout(offer.expiry);
    const endpoint = offer.endpoint;
    try {
      await endpoint.acceptAnswer(sdp);
    } catch (error) {
      endpoint.close();
      const reason = (error as Error).message;
      return sendError(reply, 400, 'invalid_sdp', `The SDP answer was not accepted: ${reason}`, [{ name: 'sdp', reason }]);
    }
    if (!(await connected(endpoint))) {
      endpoint.close();
      return sendError(reply, 504, 'media_timeout', 'The browser audio did not connect; check that nothing blocks WebRTC to the sandbox');
    }
    const leg = engine.placeInboundCall(from, to, endpoint);
    watchPeer(engine, leg, endpoint);
    return reply.code(201).send({ uuid: leg.uuid, conversation_uuid: leg.conversation.id, status: 'started' });
  });
}

/**
 * Waits for ICE and DTLS to finish, so the caller hears the first prompt from its start
 * (the peer drops audio until it is connected).
 */
async function connected(endpoint: WebRtcEndpoint): Promise<boolean> {
  const deadline = Date.now() + CONNECT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (endpoint.state === 'connected') return true;
    if (endpoint.state === 'failed' || endpoint.state === 'closed') return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

/** Hangs the call up when the browser's peer goes away without saying so (tab closed, network gone). */
function watchPeer(engine: CallEngine, leg: PhoneLeg, endpoint: WebRtcEndpoint): void {
  const timer = setInterval(() => {
    if (leg.isOver) clearInterval(timer);
    else if (endpoint.state === 'failed' || endpoint.state === 'closed') {
      clearInterval(timer);
      engine.hangupPhone(leg);
    }
  }, WATCH_INTERVAL_MS);
  timer.unref();
}
