/**
 * Refresh credentials: the long-lived, opaque tokens agents log in for.
 *
 * Only their SHA-256 is stored; a stolen database copy yields no usable token. SHA-256
 * (not a slow hash) is enough because the tokens are 256-bit random values, not guessable
 * passwords.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AgentRecord, RefreshCredentialRecord, Storage } from '../storage/types';

/** How long a refresh credential lives: 30 days. */
export const REFRESH_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** The shape of an issued token: 32 random bytes in base64url. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * SHA-256 hex of a token, as stored.
 *
 * Lookups hash the presented token and compare hashes, so the token itself is never needed at rest.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A freshly issued credential: the token goes to the client once and is never stored. */
export interface IssuedCredential {
  token: string;
  record: RefreshCredentialRecord;
}

/**
 * Create and store a new refresh credential for an agent.
 *
 * 32 random bytes, base64url; valid for {@link REFRESH_TTL_MS} from `now`.
 */
export async function issueRefreshCredential(storage: Storage, agent: AgentRecord, now: Date): Promise<IssuedCredential> {
  const token = randomBytes(32).toString('base64url');
  const record = await storage.credentials.create({
    agent_id: agent.id,
    token_hash: hashToken(token),
    created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + REFRESH_TTL_MS).toISOString(),
  });
  return { token, record };
}

/** Why a presented credential was refused. */
export type CredentialProblem = 'malformed' | 'unknown' | 'revoked' | 'expired' | 'agent_disabled';

/** The outcome of checking a presented token. */
export type CredentialCheck =
  | { ok: true; agent: AgentRecord; credential: RefreshCredentialRecord }
  | { ok: false; problem: CredentialProblem; credential?: RefreshCredentialRecord };

/**
 * Look up a presented token and decide whether it still authenticates its agent.
 *
 * Checks revocation, expiry and the agent's disabled flag; records the use when valid.
 */
export async function checkRefreshCredential(storage: Storage, token: string, now: Date): Promise<CredentialCheck> {
  if (!TOKEN_PATTERN.test(token)) return { ok: false, problem: 'malformed' };
  const credential = await storage.credentials.findByTokenHash(hashToken(token));
  if (!credential) return { ok: false, problem: 'unknown' };
  if (credential.revoked_at !== null) return { ok: false, problem: 'revoked', credential };
  if (Date.parse(credential.expires_at) <= now.getTime()) return { ok: false, problem: 'expired', credential };
  const agent = await storage.agents.findById(credential.agent_id);
  if (!agent || agent.disabled) return { ok: false, problem: 'agent_disabled', credential };
  await storage.credentials.markUsed(credential.id, now.toISOString());
  return { ok: true, agent, credential };
}
