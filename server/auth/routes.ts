/**
 * Login, SDK token exchange, logout, and the seed guide's `POST /api/jwt`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  compatJwtRequest,
  loginRequest,
  type AgentProfile,
  type LoginResponse,
  type SdkTokenResponse,
} from '../../common/backend-api';
import { signOutPresence } from '../agents/sessions';
import type { AppContext } from '../context';
import { HttpError, parseWith } from '../http/errors';
import { SESSION_COOKIE, clearSessionCookie, parseCookies, serializeSessionCookie } from '../http/cookies';
import { isTrustedOrigin } from '../http/security';
import type { AgentRecord, RefreshCredentialRecord } from '../storage/types';
import { REFRESH_TTL_MS, checkRefreshCredential, issueRefreshCredential } from './credentials';
import { verifyAgainstDummy, verifyPassword } from './passwords';
import { LoginRateLimiter } from './rate-limit';
import { mintSdkToken } from './sdk-token';

/** Answer of `POST /api/jwt` (seed guide compatibility). */
export interface CompatJwtResponse {
  user_name: string;
  jwt: string;
  expires_at: string;
}

/** An authenticated agent request. */
export interface AgentAuth {
  agent: AgentRecord;
  credential: RefreshCredentialRecord;
  via: 'bearer' | 'cookie';
}

const INVALID_CREDENTIALS = 'Name or password is incorrect';

function invalidCredentials(): HttpError {
  return new HttpError(401, 'invalid_credentials', INVALID_CREDENTIALS);
}

function unauthorized(message = 'A valid login is required'): HttpError {
  return new HttpError(401, 'unauthorized', message, { headers: { 'WWW-Authenticate': 'Bearer' } });
}

/**
 * The public face of an agent record.
 *
 * Only name and display name: never the id, hash or flags.
 */
export function profileOf(agent: AgentRecord): AgentProfile {
  return { name: agent.name, display_name: agent.display_name };
}

/** The presented refresh token and where it came from, or null. */
function presentedToken(request: FastifyRequest): { token: string; via: 'bearer' | 'cookie' } | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    // A malformed Authorization header is a client bug; do not silently fall back to the cookie.
    if (!match?.[1]) throw unauthorized('The Authorization header must be "Bearer <token>"');
    return { token: match[1], via: 'bearer' };
  }
  const cookie = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

/**
 * Authenticate a request by its refresh credential (Bearer header or session cookie).
 *
 * Throws 401 `unauthorized` for a missing, unknown, revoked or expired credential or a
 * disabled agent, and 403 for a cookie sent from an untrusted origin.
 */
export async function authenticateAgent(ctx: AppContext, request: FastifyRequest): Promise<AgentAuth> {
  const presented = presentedToken(request);
  if (!presented) throw unauthorized();
  if (presented.via === 'cookie' && !isTrustedOrigin(request, ctx.config.corsOrigins)) {
    throw new HttpError(403, 'forbidden_origin', 'This origin may not use the session cookie');
  }
  const check = await checkRefreshCredential(ctx.storage, presented.token, ctx.now());
  if (!check.ok) {
    request.log.info({ problem: check.problem, via: presented.via }, 'credential refused');
    throw unauthorized(check.problem === 'expired' ? 'The login has expired; log in again' : 'A valid login is required');
  }
  return { agent: check.agent, credential: check.credential, via: presented.via };
}

function keysEqual(presented: string, expected: string): boolean {
  // Compare digests, not the strings: equal lengths for timingSafeEqual, no length leak.
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

function cookieIsSecure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

/**
 * Register the auth routes.
 *
 * `POST /api/auth/login`, `/api/auth/token`, `/api/auth/logout` and `/api/jwt`.
 */
export function registerAuthRoutes(app: FastifyInstance, ctx: AppContext): void {
  const { storage, loginLimiter } = ctx;
  const signer = () => ({ applicationId: ctx.config.applicationId, privateKey: ctx.privateKey, ttlS: ctx.config.sdkTokenTtlS });

  app.post('/api/auth/login', async (request, reply): Promise<LoginResponse> => {
    const body = parseWith(loginRequest, request.body);
    const now = ctx.now();
    const key = LoginRateLimiter.key(body.name, request.ip);
    const retryAfter = await loginLimiter.retryAfterS(key, now.getTime());
    if (retryAfter > 0) {
      request.log.warn({ agent: body.name }, 'login refused: too many failed attempts');
      throw new HttpError(429, 'too_many_attempts', `Too many failed attempts; try again in ${retryAfter} seconds`, {
        headers: { 'Retry-After': String(retryAfter) },
      });
    }

    const agent = await storage.agents.findByName(body.name);
    const passwordOk = agent ? await verifyPassword(agent.password_hash, body.password) : await verifyAgainstDummy(body.password);
    if (!agent || !passwordOk || agent.disabled) {
      await loginLimiter.recordFailure(key, now.getTime());
      request.log.info({ agent: body.name, reason: !agent ? 'unknown' : !passwordOk ? 'password' : 'disabled' }, 'login failed');
      throw invalidCredentials();
    }
    await loginLimiter.reset(key);

    const issued = await issueRefreshCredential(storage, agent, now);
    request.log.info({ agent: agent.name, client: body.client }, 'login');
    const response: LoginResponse = { agent: profileOf(agent), expires_at: issued.record.expires_at };
    if (body.client === 'web') {
      // The web client never sees its long-lived credential: it lives in an HttpOnly cookie.
      void reply.header(
        'Set-Cookie',
        serializeSessionCookie(issued.token, { maxAgeS: REFRESH_TTL_MS / 1000, path: '/api', secure: cookieIsSecure(request) }),
      );
    } else {
      response.refresh_token = issued.token;
    }
    return response;
  });

  app.post('/api/auth/token', async (request): Promise<SdkTokenResponse> => {
    const { agent } = await authenticateAgent(ctx, request);
    const token = mintSdkToken(signer(), agent.name);
    request.log.info({ agent: agent.name, expires_at: token.expiresAt }, 'sdk token issued');
    return { agent: profileOf(agent), jwt: token.jwt, expires_at: token.expiresAt };
  });

  app.post('/api/auth/logout', async (request, reply: FastifyReply) => {
    const presented = presentedToken(request);
    if (!presented) throw unauthorized();
    const check = await checkRefreshCredential(storage, presented.token, ctx.now());
    // Logging out with an already dead credential still succeeds: the goal state is reached.
    const credential = check.credential;
    if (credential) {
      await storage.credentials.revoke(credential.id, ctx.now().toISOString());
      await signOutPresence(ctx, credential.agent_id, credential.id);
    }
    request.log.info({ agent: check.ok ? check.agent.name : undefined }, 'logout');
    void reply.header('Set-Cookie', clearSessionCookie(cookieIsSecure(request)));
    return reply.code(204).send();
  });

  app.post('/api/jwt', async (request): Promise<CompatJwtResponse> => {
    const expectedKey = ctx.config.mobileApiKey;
    // Disabled means absent: answer like any unknown route.
    if (expectedKey === null) throw new HttpError(404, 'not_found', `No route for POST /api/jwt`);
    const body = parseWith(compatJwtRequest, request.body);
    if (!keysEqual(body.mobile_api_key, expectedKey)) {
      request.log.warn('compat jwt refused: wrong mobile_api_key');
      throw new HttpError(403, 'forbidden', 'mobile_api_key is not valid', { field: 'mobile_api_key' });
    }
    const agent = await storage.agents.findByName(body.user_name);
    if (!agent || agent.disabled) {
      throw new HttpError(404, 'unknown_agent', `user_name does not name an agent`, { field: 'user_name' });
    }
    const token = mintSdkToken(signer(), agent.name);
    request.log.info({ agent: agent.name }, 'compat sdk token issued');
    return { user_name: agent.name, jwt: token.jwt, expires_at: token.expiresAt };
  });
}
