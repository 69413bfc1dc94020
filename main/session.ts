/**
 * The agent's session as main keeps it: login, restore, SDK tokens, logout.
 *
 * The refresh credential goes from the backend into the vault and back out to the backend;
 * the renderer only ever receives the agent profile, the SDK endpoints and short-lived
 * SDK tokens.
 */
import type { AgentStatusInfo, AgentStatusRequest, AwayReasons, VoiceReport } from '../common/backend-api';
import type { LoginOutcome, SdkToken, SessionInfo } from '../common/ipc-contract';
import { BackendError, type BackendClient } from './backend-client';
import { PublicError } from './ipc';
import { createLogger, type Logger } from './log';
import type { TokenVault } from './vault';

/** What the agent reads when main holds no credential. */
export const SIGNED_OUT_MESSAGE = 'You are signed out. Please sign in.';

/** What the session service needs from around it. */
export interface SessionServiceDeps {
  backend: Pick<BackendClient, 'login' | 'exchangeToken' | 'logout' | 'getConfig'>;
  vault: Pick<TokenVault, 'read' | 'save' | 'clear'>;
  /** Main lost the session (credential revoked): the renderer must show the login. */
  onSessionEnded(reason: string): void;
  /** The agent signed out: tray back to idle, ringing stopped. */
  onSignedOut(): void;
  log?: Logger;
}

/** Implements the `session:restore`, `auth:login`, `auth:logout` and `token:sdk` calls. */
export class SessionService {
  private readonly log: Logger;

  constructor(private readonly deps: SessionServiceDeps) {
    this.log = deps.log ?? createLogger('session');
  }

  /**
   * The stored session if it is still alive, else null.
   *
   * Alive means the backend still exchanges the credential for a token. A 401 clears the
   * vault. When the server cannot be reached the credential is kept (it may well be
   * valid) and the renderer shows the login, where the agent sees the connection error.
   */
  async restore(): Promise<SessionInfo | null> {
    const entry = this.deps.vault.read();
    if (!entry) return null;
    try {
      const token = await this.deps.backend.exchangeToken(entry.refreshToken);
      const config = await this.deps.backend.getConfig();
      this.log.info('Session restored', { agent: token.agent.name });
      return { agent: token.agent, sdk: config.sdk };
    } catch (error) {
      if (error instanceof BackendError && error.kind === 'unauthorized') {
        this.log.info('Stored session was revoked or expired; cleared', { agent: entry.agent.name });
        this.deps.vault.clear();
      } else {
        this.log.warn('Could not restore the session', { reason: messageOf(error) });
      }
      return null;
    }
  }

  /** Signs in with a name and password; the outcome carries a message for the form. */
  async login(name: string, password: string): Promise<LoginOutcome> {
    try {
      const login = await this.deps.backend.login(name, password);
      const config = await this.deps.backend.getConfig();
      this.deps.vault.save({ refreshToken: login.refreshToken, agent: login.agent });
      this.log.info('Signed in', { agent: login.agent.name });
      return { ok: true, session: { agent: login.agent, sdk: config.sdk } };
    } catch (error) {
      this.log.info('Sign-in failed', { agent: name, reason: messageOf(error) });
      return { ok: false, error: error instanceof BackendError ? error.message : 'Signing in failed. Please try again.' };
    }
  }

  /** Signs out: revokes the credential at the backend (best effort) and forgets it. */
  async logout(): Promise<void> {
    const entry = this.deps.vault.read();
    this.deps.vault.clear();
    this.deps.onSignedOut();
    if (!entry) return;
    try {
      await this.deps.backend.logout(entry.refreshToken);
      this.log.info('Signed out', { agent: entry.agent.name });
    } catch (error) {
      // The local copy is gone either way; the server expires the credential on its own.
      this.log.warn('Could not revoke the session at the server', { reason: messageOf(error) });
    }
  }

  /** A fresh SDK token; on a revoked credential the session ends. */
  async sdkToken(): Promise<SdkToken> {
    const entry = this.deps.vault.read();
    if (!entry) {
      this.deps.onSessionEnded(SIGNED_OUT_MESSAGE);
      throw new PublicError(SIGNED_OUT_MESSAGE);
    }
    try {
      const token = await this.deps.backend.exchangeToken(entry.refreshToken);
      const expiresAt = Date.parse(token.expires_at);
      if (Number.isNaN(expiresAt)) throw new BackendError('protocol', 'The Switchboard server sent an unreadable token.');
      return { token: token.jwt, expiresAt };
    } catch (error) {
      if (error instanceof BackendError) {
        if (error.kind === 'unauthorized') {
          this.log.info('Session ended by the server', { agent: entry.agent.name });
          this.deps.vault.clear();
          this.deps.onSessionEnded(error.message);
        }
        throw new PublicError(error.message);
      }
      throw error;
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What {@link AgentStatusService} needs. */
export interface AgentStatusServiceDeps {
  backend: Pick<BackendClient, 'getStatus' | 'setStatus' | 'getAwayReasons' | 'reportVoice'>;
  /** The stored refresh credential, or null when signed out. */
  credential(): string | null;
}

/** Implements `status:get` and `status:set`: the backend call with the stored credential. */
export class AgentStatusService {
  constructor(private readonly deps: AgentStatusServiceDeps) {}

  /** The agent's status at the backend. */
  async get(): Promise<AgentStatusInfo> {
    return this.call((token) => this.deps.backend.getStatus(token));
  }

  /** Choose available or away (`reason`: the agent's away reason, or `system` when the app chose); the backend's refusal (on a call) reaches the agent as is. */
  async set(status: AgentStatusRequest['status'], reason?: string): Promise<AgentStatusInfo> {
    return this.call((token) => this.deps.backend.setStatus(token, status, reason));
  }

  /** The away reasons the admin configured. */
  async awayReasons(): Promise<AwayReasons> {
    return this.call((token) => this.deps.backend.getAwayReasons(token));
  }

  /** The renderer's voice session is up or down: the backend routes calls only while up. */
  async reportVoice(state: VoiceReport['state']): Promise<AgentStatusInfo> {
    return this.call((token) => this.deps.backend.reportVoice(token, state));
  }

  private async call<T>(operation: (token: string) => Promise<T>): Promise<T> {
    const token = this.deps.credential();
    if (!token) throw new PublicError(SIGNED_OUT_MESSAGE);
    try {
      return await operation(token);
    } catch (error) {
      if (error instanceof BackendError) throw new PublicError(error.message);
      throw error;
    }
  }
}
