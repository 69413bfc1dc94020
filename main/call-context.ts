/**
 * `call:context`: why an incoming call rings the agent, asked of the backend with the stored
 * credential (the renderer has none).
 *
 * The context only adds to the incoming-call panel, so every failure (signed out, backend
 * unreachable, an answer outside the contract) becomes null: the call still rings.
 */
import { callContextSchema, type CallContext } from '../common/call-context';
import type { BackendClient } from './backend-client';
import { createLogger, type Logger } from './log';
import type { SessionAuthority } from './session-authority';

/** What {@link CallContextService} needs. */
export interface CallContextServiceDeps {
  backend: Pick<BackendClient, 'getCallContext'>;
  /** Lends the credential; a 401 ends the session there. */
  authority: Pick<SessionAuthority, 'use' | 'credential'>;
  log?: Logger;
}

/** Fetches call contexts for the renderer. */
export class CallContextService {
  private readonly log: Logger;

  constructor(private readonly deps: CallContextServiceDeps) {
    this.log = deps.log ?? createLogger('call-context');
  }

  /** The context of the call (the SDK's call id is the agent's leg), or null. */
  async get(callId: string): Promise<CallContext | null> {
    if (!this.deps.authority.credential()) return null;
    try {
      const parsed = callContextSchema.safeParse(await this.deps.authority.use((token) => this.deps.backend.getCallContext(token, callId)));
      if (parsed.success) return parsed.data;
      return null;
    } catch (error) {
      this.log.warn('Could not read the call context', { error: error instanceof Error ? error.message : String(error) });
      return null;
    }
  }
}
