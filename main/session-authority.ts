/**
 * The one owner of the agent's session in main.
 *
 * It holds the vault (the refresh credential), lends the credential to every backend call
 * through {@link SessionAuthority.use}, and ends the session in one place: a 401 from any
 * request (token exchange, status, desk, call control, quality, call context), the status
 * stream's 401 or its `session-ended` event all come to {@link SessionAuthority.end}, which
 * forgets the credential and tells the app once (`session:ended` to the renderer, alerts
 * stopped, stream closed). Services never clear the vault or emit `session:ended` themselves.
 */
import type { AgentProfile } from '../common/backend-api';
import { BackendError } from './backend-client';
import { createLogger, type Logger } from './log';
import type { TokenVault, VaultEntry } from './vault';

/** What the agent reads when main holds no credential. */
export const SIGNED_OUT_MESSAGE = 'You are signed out. Please sign in.';

/** What the authority needs. */
export interface SessionAuthorityDeps {
  vault: Pick<TokenVault, 'read' | 'save' | 'clear'>;
  /**
   * The session is over: `reason` when the backend ended it (shown on the login screen),
   * undefined when the agent signed out. Called once per session.
   */
  onEnded(reason: string | undefined): void;
  log?: Logger;
}

/** Owns the credential; every 401 ends the session through here. */
export class SessionAuthority {
  private readonly log: Logger;

  constructor(private readonly deps: SessionAuthorityDeps) {
    this.log = deps.log ?? createLogger('session');
  }

  /** The stored refresh credential, or null when signed out. */
  credential(): string | null {
    return this.deps.vault.read()?.refreshToken ?? null;
  }

  /** The signed-in agent, or null. */
  agent(): AgentProfile | null {
    return this.deps.vault.read()?.agent ?? null;
  }

  /** The stored entry (credential and profile), or null. */
  entry(): VaultEntry | null {
    return this.deps.vault.read();
  }

  /** A new sign-in: the credential replaces any previous one. */
  begin(entry: VaultEntry): void {
    this.deps.vault.save(entry);
  }

  /**
   * Runs one backend call with the credential.
   *
   * Without a credential nothing is sent: it throws a `signed-out` {@link BackendError}. A
   * 401 ends the session (if the refused credential is still the current one: an old
   * request's 401 must not end a newer sign-in) and the error is rethrown for the caller to
   * turn into its answer.
   */
  async use<T>(operation: (credential: string) => Promise<T>): Promise<T> {
    const credential = this.credential();
    if (!credential) throw new BackendError('signed-out', SIGNED_OUT_MESSAGE, undefined, 'signed_out');
    try {
      return await operation(credential);
    } catch (error) {
      if (error instanceof BackendError && error.kind === 'unauthorized') this.end(error.message, credential);
      throw error;
    }
  }

  /**
   * The backend refused or revoked the session: forget the credential and tell the app,
   * once. `credential`: the one that was refused; when it is no longer the current one
   * (a newer sign-in, or already ended) nothing happens.
   */
  end(reason: string, credential?: string): void {
    const current = this.deps.vault.read();
    if (credential !== undefined && current?.refreshToken !== credential) return;
    this.log.info('Session ended', { agent: current?.agent.name ?? null, reason });
    this.deps.vault.clear();
    this.deps.onEnded(reason);
  }

  /** The agent signed out: the credential is forgotten; returns it for the revocation call. */
  signOut(): VaultEntry | null {
    const entry = this.deps.vault.read();
    this.deps.vault.clear();
    this.deps.onEnded(undefined);
    return entry;
  }
}
