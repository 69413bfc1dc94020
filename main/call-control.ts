/**
 * `call:control` and `call:transfer-targets`: the agent's in-call controls (hold, transfer,
 * consult, complete, cancel, conference, leave, and reading a call's control state), asked of
 * the backend with the stored credential, which the renderer never holds.
 *
 * A refusal by the backend (404 not your call, 409 not now — "Joe is not available") is an
 * answer, not an error: it comes back as `{ok: false, code, message}` for the app to show.
 */
import { controlHttpRequest, controlSuccess } from '../common/call-control';
import type { CallQualityOutcome, CallQualitySummary } from '../common/call-quality';
import type { CallControlRequest, CallControlResult, TransferTargets } from '../common/ipc-contract';
import { BackendError, type BackendClient } from './backend-client';
import { PublicError } from './ipc';
import { createLogger, type Logger } from './log';
import type { SessionAuthority } from './session-authority';

/** What {@link CallControlService} needs. */
export interface CallControlServiceDeps {
  backend: Pick<BackendClient, 'callControl' | 'getTransferTargets' | 'putCallQuality'>;
  /** Lends the credential; a 401 ends the session there. */
  authority: Pick<SessionAuthority, 'use'>;
  log?: Logger;
}

/** Runs the renderer's call-control requests against the backend. */
export class CallControlService {
  private readonly log: Logger;

  constructor(private readonly deps: CallControlServiceDeps) {
    this.log = deps.log ?? createLogger('call-control');
  }

  /** One request; the backend's answer, or its refusal with the message for the agent. */
  async run(request: CallControlRequest): Promise<CallControlResult> {
    try {
      return controlSuccess(request, await this.deps.authority.use((token) => this.deps.backend.callControl(token, controlHttpRequest(request))));
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      if (request.action !== 'state') this.log.info('Call control refused', { action: request.action, code: error.code ?? error.kind });
      return { ok: false, code: error.code ?? error.kind, message: error.message };
    }
  }

  /** Stores a call's quality summary with its record; a failure is an answer (logged), the call being over. */
  async saveQuality(callId: string, summary: CallQualitySummary): Promise<CallQualityOutcome> {
    try {
      await this.deps.authority.use((token) => this.deps.backend.putCallQuality(token, callId, summary));
      return { ok: true };
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      this.log.warn('Call quality not stored', { code: error.code ?? error.kind });
      return { ok: false, message: error.message };
    }
  }

  /** Where the agent may transfer to now. */
  async targets(): Promise<TransferTargets> {
    try {
      return await this.deps.authority.use((token) => this.deps.backend.getTransferTargets(token));
    } catch (error) {
      if (error instanceof BackendError) throw new PublicError(error.message);
      throw error;
    }
  }
}
