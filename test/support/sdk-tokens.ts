/**
 * Client SDK tokens for tests: valid ones from `@vonage/jwt`, and the expired or odd ones it
 * will not make.
 */
import { createSign, randomUUID } from 'node:crypto';
import { tokenGenerate } from '@vonage/jwt';

/** Signs arbitrary claims as an application JWT (RS256), for tokens `tokenGenerate` will not make. */
export function signToken(privateKey: string, claims: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const head = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${head}.${createSign('RSA-SHA256').update(head).sign(privateKey).toString('base64url')}`;
}

/** A user's SDK token for an application, valid for `ttlS` seconds. */
export function userToken(applicationId: string, privateKey: string, user: string, ttlS = 600): string {
  return tokenGenerate(applicationId, privateKey, { subject: user, ttl: ttlS });
}

/** A user's token that expired an hour ago. */
export function expiredUserToken(applicationId: string, privateKey: string, user: string): string {
  const now = Math.floor(Date.now() / 1000);
  return signToken(privateKey, { application_id: applicationId, sub: user, iat: now - 7200, exp: now - 3600, jti: randomUUID() });
}
