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
import { SIGNED_OUT_MESSAGE, type SessionAuthority } from './session-authority';

export { SIGNED_OUT_MESSAGE };

/** What the session service needs from around it. */
export interface SessionServiceDeps {
  backend: Pick<BackendClient, 'login' | 'exchangeToken' | 'logout' | 'getConfig'>;
  /** Owns the credential and ends the session (`main/session-authority.ts`). */
  authority: SessionAuthority;
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
   * Alive means the backend still exchanges the credential for a token. A 401 ends the
   * session through the authority (the login shows why). When the server cannot be reached
   * the credential is kept (it may well be valid) and the renderer shows the login, where
   * the agent sees the connection error.
   */
  async restore(): Promise<SessionInfo | null> {
    if (!this.deps.authority.credential()) return null;
    try {
      const token = await this.deps.authority.use((credential) => this.deps.backend.exchangeToken(credential));
      const config = await this.deps.backend.getConfig();
      this.log.info('Session restored', { agent: token.agent.name });
      return { agent: token.agent, sdk: config.sdk };
    } catch (error) {
      if (!(error instanceof BackendError && error.kind === 'unauthorized')) this.log.warn('Could not restore the session', { reason: messageOf(error) });
      return null;
    }
  }

  /** Signs in with a name and password; the outcome carries a message for the form (a 401 here is a wrong password, not an ended session). */
  async login(name: string, password: string): Promise<LoginOutcome> {
    try {
      const login = await this.deps.backend.login(name, password);
      const config = await this.deps.backend.getConfig();
      this.deps.authority.begin({ refreshToken: login.refreshToken, agent: login.agent });
      this.log.info('Signed in', { agent: login.agent.name });
      return { ok: true, session: { agent: login.agent, sdk: config.sdk } };
    } catch (error) {
      this.log.info('Sign-in failed', { agent: name, reason: messageOf(error) });
      return { ok: false, error: error instanceof BackendError ? error.message : 'Signing in failed. Please try again.' };
    }
  }

  /** Signs out: forgets the credential and revokes it at the backend (best effort). */
  async logout(): Promise<void> {
    const entry = this.deps.authority.signOut();
    if (!entry) return;
    try {
      await this.deps.backend.logout(entry.refreshToken);
      this.log.info('Signed out', { agent: entry.agent.name });
    } catch (error) {
      // The local copy is gone either way; the server expires the credential on its own.
      this.log.warn('Could not revoke the session at the server', { reason: messageOf(error) });
    }
  }

  /** A fresh SDK token; on a revoked credential (or none) the session ends. */
  async sdkToken(): Promise<SdkToken> {
    if (!this.deps.authority.credential()) {
      this.deps.authority.end(SIGNED_OUT_MESSAGE);
      throw new PublicError(SIGNED_OUT_MESSAGE);
    }
    try {
      const token = await this.deps.authority.use((credential) => this.deps.backend.exchangeToken(credential));
      return { token: token.jwt, expiresAt: Date.parse(token.expires_at) };
    } catch (error) {
      if (error instanceof BackendError) throw new PublicError(error.message);
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
  /** Lends the credential; a 401 ends the session there. */
  authority: Pick<SessionAuthority, 'use'>;
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
    try {
      return await this.deps.authority.use(operation);
    } catch (error) {
      if (error instanceof BackendError) throw new PublicError(error.message);
      throw error;
    }
  }
}
