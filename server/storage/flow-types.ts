/**
 * Storage interfaces of the call flows: each number's flow, the queues, voicemail.
 *
 * Settings are kept as JSON text: the flow modules own their schemas (`server/numbers`,
 * `server/queues`) and validate on the way in and on load, so the table layout does not
 * change with every new setting. Timestamps are ISO 8601 strings in UTC.
 */

/** One number's flow configuration as stored. */
export interface NumberConfigRecord {
  /** E.164 digits without `+`, as Vonage writes numbers. */
  number: string;
  /** inbound, ivr, custom, whisper or queue. */
  flow: string;
  /** The whole configuration as JSON (flow included). */
  settings: string;
  updated_at: string;
}

/** Every number's flow. */
export interface NumberConfigRepository {
  /** All numbers, by number. */
  list(): Promise<NumberConfigRecord[]>;
  /** Create or replace a number's configuration. */
  put(record: NumberConfigRecord): Promise<void>;
  /** Remove a number's configuration; false when there was none. */
  delete(number: string): Promise<boolean>;
}

/** One queue's settings as stored. */
export interface QueueConfigRecord {
  /** Unique regardless of case. */
  name: string;
  /** The settings as JSON. */
  settings: string;
  updated_at: string;
}

/** Queue definitions. */
export interface QueueConfigRepository {
  /** All queues, by name. */
  list(): Promise<QueueConfigRecord[]>;
  /** Create or replace a queue (the name's case is updated too). */
  put(record: QueueConfigRecord): Promise<void>;
  /** Remove a queue; false when there was none. */
  delete(name: string): Promise<boolean>;
}

/** A voicemail as stored: who left it, where, and where the platform keeps the audio. */
export interface VoicemailRecord {
  id: string;
  conversation_uuid: string | null;
  /** The caller's number. */
  caller: string | null;
  /** The number they dialled. */
  number: string | null;
  /** The queue they left it from, if any. */
  queue: string | null;
  /** The platform's recording URL (fetched with the application JWT, never given to clients). */
  recording_url: string;
  recording_uuid: string | null;
  duration_s: number | null;
  size_bytes: number | null;
  created_at: string;
  /** The agent who marked it handled, and when; null while nobody has. */
  handled_by: string | null;
  handled_at: string | null;
}

/** Fields of a new voicemail. */
export type NewVoicemail = Omit<VoicemailRecord, 'id' | 'handled_by' | 'handled_at'>;

/** Voicemail. */
export interface VoicemailRepository {
  /** Store a voicemail; a second one with the same recording_uuid returns the first. */
  create(voicemail: NewVoicemail): Promise<VoicemailRecord>;
  /** Newest first. */
  list(limit: number): Promise<VoicemailRecord[]>;
  /** One voicemail, or null. */
  get(id: string): Promise<VoicemailRecord | null>;
  /** Mark handled by `handledBy` at `at`, or not handled (`handledBy` null); the record after, or null when there is none. */
  setHandled(id: string, handledBy: string | null, at: string): Promise<VoicemailRecord | null>;
}
