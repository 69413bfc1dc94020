/**
 * Voicemail: the recording webhook stores a message with its caller and length; agents and
 * the operator list them and play them through the backend.
 *
 * The platform keeps the audio; its `recording_url` is fetched with the application JWT, so
 * the backend proxies it and the URL never reaches a client. Only URLs of the configured
 * platform (or Vonage's own hosts) are stored or fetched: a forged webhook cannot make the
 * backend fetch from anywhere else.
 */
import { z } from 'zod';
import type { CallRecordWriter } from '../flows/runtime';
import { HttpError, parseWith } from '../http/errors';
import type { NewVoicemail, VoicemailRecord, VoicemailRepository } from '../storage/flow-types';
import type { CallRecordPatch } from '../storage/types';

/** Schema of the record action's eventUrl payload (what Vonage sends when a recording is ready). */
export const recordingPayload = z.looseObject({
  recording_url: z.string().min(1, 'is required').max(2048, 'is at most 2048 characters'),
  recording_uuid: z.string().min(1).max(128, 'is at most 128 characters').optional(),
  conversation_uuid: z.string().min(1).max(128, 'is at most 128 characters').optional(),
  start_time: z.string().max(64).refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 time').optional(),
  end_time: z.string().max(64).refine((v) => Number.isFinite(Date.parse(v)), 'must be an ISO 8601 time').optional(),
  size: z.coerce.number().int().min(0).optional(),
});

/** Our own query on the recording eventUrl: the caller's leg. */
const recordingQuery = z.looseObject({ call: z.string().min(1).max(128, 'is at most 128 characters').optional() });

/** A voicemail as clients see it: no platform URL, a playable link instead. */
export interface VoicemailView {
  id: string;
  caller: string | null;
  number: string | null;
  queue: string | null;
  duration_s: number | null;
  created_at: string;
  /** The agent who marked it handled, and when; null while nobody has. */
  handled_by: string | null;
  handled_at: string | null;
  /** Path of the audio on this backend (agents: `/api/voicemails/:id/audio`). */
  audio_url: string;
}

/** What the service knows about the call a recording belongs to. */
export interface RecordedCall {
  caller: string | null;
  number: string | null;
  queue: string | null;
  conversationUuid: string | null;
}

/** What {@link VoicemailService} works with. */
export interface VoicemailDeps {
  repository: VoicemailRepository;
  calls: CallRecordWriter;
  /** The call (by the caller's leg) a recording belongs to, while the flows remember it. */
  callOf: (uuid: string) => Promise<RecordedCall | undefined>;
  /** The platform's API base URL (VONAGE_API_URL): recordings must live there. */
  platformUrl: string;
  /** The backend's public base URL, for the link on the call record. */
  publicUrl: string;
  now: () => Date;
  log: { warn(object: object, message: string): void; error(object: object, message: string): void };
}

/** Hosts of Vonage's own file service, besides the configured platform. */
const VONAGE_HOSTS = /(^|\.)(nexmo|vonage)\.com$/i;

/** Storing and listing voicemail. */
export class VoicemailService {
  private readonly platformOrigin: string;

  constructor(private readonly deps: VoicemailDeps) {
    this.platformOrigin = new URL(deps.platformUrl).origin;
  }

  /** Whether the backend may fetch this recording URL with its application JWT. */
  isPlatformUrl(url: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.username || parsed.password) return false;
    if (parsed.origin === this.platformOrigin) return true;
    return parsed.protocol === 'https:' && VONAGE_HOSTS.test(parsed.hostname);
  }

  /**
   * Handle the recording webhook: validate, store, link it on the call record.
   *
   * Throws a 400 naming the field for a bad payload or a recording URL outside the platform.
   */
  async recorded(query: unknown, body: unknown): Promise<VoicemailRecord> {
    const { call } = parseWith(recordingQuery, query ?? {}, 'query');
    const payload = parseWith(recordingPayload, body ?? {});
    if (!this.isPlatformUrl(payload.recording_url)) {
      this.deps.log.warn({ call }, 'recording URL outside the voice platform refused');
      throw new HttpError(400, 'invalid_request', 'recording_url must be a URL of the voice platform', { field: 'recording_url' });
    }
    const known = call ? await this.deps.callOf(call) : undefined;
    const start = payload.start_time ? Date.parse(payload.start_time) : NaN;
    const end = payload.end_time ? Date.parse(payload.end_time) : NaN;
    const voicemail: NewVoicemail = {
      conversation_uuid: known?.conversationUuid ?? payload.conversation_uuid ?? null,
      caller: known?.caller ?? null,
      number: known?.number ?? null,
      queue: known?.queue ?? null,
      recording_url: payload.recording_url,
      recording_uuid: payload.recording_uuid ?? null,
      duration_s: Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, Math.round((end - start) / 1000)) : null,
      size_bytes: payload.size ?? null,
      created_at: this.deps.now().toISOString(),
    };
    const stored = await this.deps.repository.create(voicemail);
    if (stored.conversation_uuid) {
      const patch: CallRecordPatch = { voicemail_url: `${this.deps.publicUrl}/api/voicemails/${stored.id}/audio`, flow_outcome: 'voicemail' };
      await this.deps.calls.updateCallRecord(stored.conversation_uuid, patch).catch((error: unknown) => {
        this.deps.log.error({ err: error, conversation_uuid: stored.conversation_uuid }, 'could not link the voicemail on the call record');
      });
    }
    return stored;
  }

  /** Newest first, as clients see them. */
  async list(limit: number, audioBase: string): Promise<VoicemailView[]> {
    return (await this.deps.repository.list(limit)).map((v) => view(v, audioBase));
  }

  /** Mark a voicemail handled by `agent` now, or not handled (`agent` null); the record after, or null when there is none. */
  async setHandled(id: string, agent: string | null): Promise<VoicemailRecord | null> {
    return this.deps.repository.setHandled(id, agent, this.deps.now().toISOString());
  }

  /** One voicemail as stored, or null. */
  async get(id: string): Promise<VoicemailRecord | null> {
    return this.deps.repository.get(id);
  }
}

/** The client's view of a voicemail, its audio under `audioBase` (e.g. `/api/voicemails`). */
export function view(voicemail: VoicemailRecord, audioBase: string): VoicemailView {
  return {
    id: voicemail.id,
    caller: voicemail.caller,
    number: voicemail.number,
    queue: voicemail.queue,
    duration_s: voicemail.duration_s,
    created_at: voicemail.created_at,
    handled_by: voicemail.handled_by,
    handled_at: voicemail.handled_at,
    audio_url: `${audioBase}/${voicemail.id}/audio`,
  };
}
