/**
 * The agent's session as main keeps it: login, restore, SDK tokens, logout.
 *
 * The refresh credential goes from the backend into the vault and back out to the backend;
 * the renderer only ever receives the agent profile, the SDK endpoints and short-lived
 * SDK tokens.
 */
import { SYSTEM_AWAY_REASON, type AgentStatusInfo, type AgentStatusRequest, type AwayReasons, type ClientConfig, type SdkTokenResponse, type VoiceReport } from '../common/backend-api';
import type { LoginOutcome, SdkToken, SessionInfo } from '../common/ipc-contract';
import { RESTORE_FRESH_MS } from '../common/switchboard-api';
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
  /** The clock (ms), for tests. */
  now?: () => number;
}

/** Shared with the web app's bridge (`common/switchboard-api.ts`). */
export { RESTORE_FRESH_MS };

/** An SDK token is only handed out again with at least this long left. */
const TOKEN_MARGIN_MS = 60_000;

/** The answers a restore needs, for the credential they were asked with. */
interface RestoreAnswers {
  credential: string;
  token: SdkTokenResponse;
  config: ClientConfig;
  at: number;
}

/** A prefetch: its answers, or why there are none (`refused`: any backend refusal; `unreachable`: no answer). */
type Prefetched = { ok: true; answers: RestoreAnswers } | { ok: false; failure: 'refused' | 'unreachable'; error: unknown };

function toSdkToken(token: SdkTokenResponse): SdkToken {
  return { token: token.jwt, expiresAt: Date.parse(token.expires_at) };
}

/** Implements the `session:restore`, `auth:login`, `auth:logout` and `token:sdk` calls. */
export class SessionService {
  private readonly log: Logger;
  private readonly now: () => number;
  /** The stored session's token and config, asked for at app start (`prefetch`); taken once. */
  private early: { settled: boolean; result: Promise<Prefetched> } | null = null;
  /** The last restore's SDK token, for the renderer's first `sdkToken()` right after it; taken once. */
  private kept: { credential: string; token: SdkToken; at: number } | null = null;

  constructor(private readonly deps: SessionServiceDeps) {
    this.log = deps.log ?? createLogger('session');
    this.now = deps.now ?? Date.now;
  }

  /**
   * Asks the backend for the stored session's SDK token and config now, at app start, while
   * the window's page is still loading (over a second on a slow PC), so the renderer's
   * restore finds the answers there. Nothing is decided here: a refused request is asked again
   * by `restore()`, where a refusal ends the session with the renderer listening; one that
   * found no server is asked again only if it had already failed when the restore came (the
   * network may have come up since), so an unreachable server costs one wait, not two.
   */
  prefetch(): void {
    const credential = this.deps.authority.credential();
    if (!credential || this.early) return;
    const at = this.now();
    const early = {
      settled: false,
      result: Promise.all([this.deps.backend.exchangeToken(credential), this.deps.backend.getConfig()]).then(
        ([token, config]): Prefetched => ({ ok: true, answers: { credential, token, config, at } }),
        (error: unknown): Prefetched => ({ ok: false, failure: error instanceof BackendError && error.kind === 'network' ? 'unreachable' : 'refused', error }),
      ),
    };
    void early.result.then(() => (early.settled = true));
    this.early = early;
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
    const early = this.early;
    this.early = null;
    const credential = this.deps.authority.credential();
    if (!credential) return null;
    try {
      const settledBefore = early?.settled ?? false;
      const prefetched = early ? await early.result : null;
      // Signed out or ended meanwhile: this restore is for a session that is gone.
      if (this.deps.authority.credential() !== credential) return null;
      if (prefetched && !prefetched.ok && prefetched.failure === 'unreachable' && !settledBefore) throw prefetched.error;
      const answers = prefetched?.ok && prefetched.answers.credential === credential && this.now() - prefetched.answers.at <= RESTORE_FRESH_MS ? prefetched.answers : null;
      // The token and the config at once: neither needs the other.
      const [token, config] = answers
        ? [answers.token, answers.config]
        : await Promise.all([this.deps.authority.use((current) => this.deps.backend.exchangeToken(current)), this.deps.backend.getConfig()]);
      this.kept = { credential, token: toSdkToken(token), at: answers?.at ?? this.now() };
      this.log.info('Session restored', { agent: token.agent.name, prefetched: answers !== null });
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
      // A new session: nothing asked for the old one is handed out.
      this.early = null;
      this.kept = null;
      this.log.info('Signed in', { agent: login.agent.name });
      return { ok: true, session: { agent: login.agent, sdk: config.sdk } };
    } catch (error) {
      this.log.info('Sign-in failed', { agent: name, reason: messageOf(error) });
      return { ok: false, error: error instanceof BackendError ? error.message : 'Signing in failed. Please try again.' };
    }
  }

  /** Signs out: forgets the credential and revokes it at the backend (best effort). */
  async logout(): Promise<void> {
    this.early = null;
    this.kept = null;
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
    const credential = this.deps.authority.credential();
    if (!credential) {
      this.deps.authority.end(SIGNED_OUT_MESSAGE);
      throw new PublicError(SIGNED_OUT_MESSAGE);
    }
    // The renderer starts its voice session right after the restore: the restore's token, once.
    const kept = this.kept;
    this.kept = null;
    const now = this.now();
    if (kept && kept.credential === credential && now - kept.at <= RESTORE_FRESH_MS && kept.token.expiresAt - now > TOKEN_MARGIN_MS) return kept.token;
    try {
      return toSdkToken(await this.deps.authority.use((credential) => this.deps.backend.exchangeToken(credential)));
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

  /**
   * Away because the PC slept or locked: the backend's built-in reason (`system`, shown as
   * "System (sleep or lock)"). A backend older than that reason refuses it as a bad request;
   * then plain away, so the agent is still taken out of routing while the PC sleeps.
   */
  async awayForSystem(): Promise<AgentStatusInfo> {
    const answer = await this.call(async (token) => {
      try {
        return await this.deps.backend.setStatus(token, 'away', SYSTEM_AWAY_REASON);
      } catch (error) {
        if (error instanceof BackendError && error.status === 400) return null;
        throw error;
      }
    });
    return answer ?? this.set('away');
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
