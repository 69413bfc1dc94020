/**
 * Minting Client SDK JWTs with `@vonage/jwt`.
 */
import { tokenGenerate, type ACL } from '@vonage/jwt';

/**
 * The least privilege a Client SDK user needs: its own user, conversations, sessions,
 * devices, media, knocking and legs — and no application-level paths such as `/v1/calls`
 * or `/v2/applications`.
 */
export const SDK_ACL: ACL = {
  paths: {
    '/*/users/**': {},
    '/*/conversations/**': {},
    '/*/sessions/**': {},
    '/*/devices/**': {},
    '/*/image/**': {},
    '/*/media/**': {},
    '/*/knocking/**': {},
    '/*/legs/**': {},
  },
};

/** A minted SDK token. */
export interface SdkToken {
  jwt: string;
  /** The token's `exp`, as an ISO string. */
  expiresAt: string;
}

/** What {@link mintSdkToken} needs. */
export interface SdkTokenSigner {
  applicationId: string;
  /** PEM of the application's RSA private key. */
  privateKey: string;
  ttlS: number;
}

/**
 * Sign an RS256 JWT for a Vonage user.
 *
 * tokenGenerate sets `iat` (now), `exp` (iat + ttl), a random `jti`, `application_id`,
 * `sub` from `subject`, and `acl`. `expiresAt` is read back from the signed token so it is
 * exactly what the platform will enforce.
 */
export function mintSdkToken(signer: SdkTokenSigner, userName: string): SdkToken {
  // tokenGenerate deletes `ttl` from the options it is given, so pass a fresh object.
  const jwt = tokenGenerate(signer.applicationId, signer.privateKey, {
    subject: userName,
    ttl: signer.ttlS,
    acl: SDK_ACL,
  });
  return { jwt, expiresAt: new Date(readExp(jwt) * 1000).toISOString() };
}

function readExp(jwt: string): number {
  const payload = jwt.split('.')[1] ?? '';
  const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (claims && typeof claims === 'object' && 'exp' in claims && typeof claims.exp === 'number') return claims.exp;
  throw new Error('Signed SDK token has no exp claim');
}
