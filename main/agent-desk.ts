/**
 * `desk:request` and `voicemail:audio`: the agent's history, missed-call badge, voicemail inbox,
 * dispositions and after-call work, asked of the backend with the stored credential (the
 * renderer never holds it). Each answer is checked against its action's schema before it
 * crosses to the renderer; a refusal becomes a {@link PublicError} carrying the backend's
 * message ("disposition x is not on the list"), which the app shows.
 */
import { deskAnswerSchemas, deskHttpRequest, voicemailAudioPath, type DeskAnswer, type DeskRequest, type MissedBadge, type VoicemailAudio } from '../common/agent-desk';
import { BackendError, type BackendClient } from './backend-client';
import { PublicError } from './ipc';
import { createLogger, type Logger } from './log';
import type { SessionAuthority } from './session-authority';

/** Longest recording main passes on (120 s of 16-bit 48 kHz WAV is 11.5 MB). */
export const VOICEMAIL_MAX_BYTES = 20 * 1024 * 1024;

/** What {@link AgentDeskService} needs. */
export interface AgentDeskServiceDeps {
  backend: Pick<BackendClient, 'desk' | 'voicemailAudio'>;
  /** Lends the credential; a 401 ends the session there. */
  authority: Pick<SessionAuthority, 'use'>;
  /** Each missed-call badge the backend answered (`unseen`, `seen`): the app icon's badge follows it. */
  onMissedBadge?(badge: MissedBadge): void;
  log?: Logger;
}

/** Runs the renderer's desk requests against the backend. */
export class AgentDeskService {
  private readonly log: Logger;

  constructor(private readonly deps: AgentDeskServiceDeps) {
    this.log = deps.log ?? createLogger('agent-desk');
  }

  /** One request; its answer as the contract promises it. */
  async run<R extends DeskRequest>(request: R): Promise<DeskAnswer<R['action']>> {
    const body = await this.backendCall(request.action, (token) => this.deps.backend.desk(token, deskHttpRequest(request)));
    const parsed = deskAnswerSchemas[request.action].safeParse(body);
    if (!parsed.success) {
      this.log.warn('Desk answer outside the contract', { action: request.action });
      throw new PublicError('The Switchboard server sent an unreadable answer.');
    }
    if (request.action === 'unseen' || request.action === 'seen') this.deps.onMissedBadge?.(parsed.data as MissedBadge);
    return parsed.data as DeskAnswer<R['action']>;
  }

  /** A voicemail's recording, as base64 for the renderer's blob URL. */
  async voicemailAudio(id: string): Promise<VoicemailAudio> {
    const { contentType, bytes } = await this.backendCall('voicemail-audio', (token) => this.deps.backend.voicemailAudio(token, voicemailAudioPath(id), VOICEMAIL_MAX_BYTES));
    const type = /^audio\/[a-z0-9.+-]+$/i.test(contentType) ? contentType.toLowerCase() : 'audio/wav';
    return { contentType: type, base64: Buffer.from(bytes).toString('base64') };
  }

  private async backendCall<T>(action: string, work: (token: string) => Promise<T>): Promise<T> {
    try {
      return await this.deps.authority.use(work);
    } catch (error) {
      if (!(error instanceof BackendError)) throw error;
      this.log.info('Desk request refused', { action, code: error.code ?? error.kind });
      throw new PublicError(error.message);
    }
  }
}
