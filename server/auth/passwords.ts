/**
 * Password hashing with argon2id.
 *
 * The library's defaults are argon2id with 19 MiB memory, 2 passes and 1 lane, the OWASP
 * minimum; hashes are self-describing PHC strings, so raising the cost later keeps old
 * hashes verifiable.
 */
import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * Hash a password for storage.
 *
 * Returns an argon2id PHC string with its own random salt.
 */
export async function hashPassword(password: string): Promise<string> {
  return hash(password);
}

/**
 * Check a password against a stored hash.
 *
 * A malformed stored hash counts as a mismatch rather than an error, so one corrupt row
 * cannot turn a login into a 500.
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spend the same time as a real verification, for a name that does not exist.
 *
 * Without it an unknown name would answer measurably faster than a wrong password,
 * telling an attacker which agent names are real.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hash(randomBytes(32).toString('base64url'));
  await verifyPassword(await dummyHash, password);
  return false;
}
