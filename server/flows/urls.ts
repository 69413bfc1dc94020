/**
 * The backend's own URLs that NCCOs and Voice API calls hand to the platform.
 *
 * Everything is absolute under `PUBLIC_URL`, because the platform (Vonage or the sandbox)
 * calls them from outside.
 */
import { HOLD_MUSIC_PATH } from './hold-music';

/** Webhook paths of the flows. */
export const FLOW_PATHS = {
  answer: '/webhooks/answer',
  fallback: '/webhooks/fallback',
  event: '/webhooks/event',
  dtmf: '/webhooks/dtmf',
  agentAnswer: '/webhooks/agent-answer',
  recording: '/webhooks/recording',
} as const;

/** What the agent-leg answer_url carries: the caller's conversation and why the agent is called. */
export interface AgentAnswerParams {
  /** The named conversation the caller waits in. */
  conversation: string;
  /** The caller's leg, to find the call again. */
  call: string;
  /** Whisper topic (seed 002), said privately to the agent. */
  topic?: string | null;
  /** Queue whose call this is, for the queue's own agent whisper. */
  queue?: string | null;
  /** A consult's id: the leg is a party the agent called about the call (warm transfer). */
  consult?: string | null;
}

/** Builds absolute URLs under the public base URL. */
export class FlowUrls {
  private readonly base: string;

  constructor(publicUrl: string) {
    this.base = publicUrl.replace(/\/+$/, '');
  }

  /** The backend's hold music. */
  holdMusic(): string {
    return `${this.base}${HOLD_MUSIC_PATH}`;
  }

  /** The event_url (the call log's webhook). */
  event(): string {
    return `${this.base}${FLOW_PATHS.event}`;
  }

  /** An IVR menu's input eventUrl: which number's menu, and which attempt this is. */
  dtmf(number: string, attempt: number): string {
    return this.with(FLOW_PATHS.dtmf, { number, attempt: String(attempt) });
  }

  /** The answer_url of an agent leg the backend places with the Voice API. */
  agentAnswer(params: AgentAnswerParams): string {
    const query: Record<string, string> = { conversation: params.conversation, call: params.call };
    if (params.topic) query.topic = params.topic;
    if (params.queue) query.queue = params.queue;
    if (params.consult) query.consult = params.consult;
    return this.with(FLOW_PATHS.agentAnswer, query);
  }

  /** A voicemail recording's eventUrl: the caller's leg it belongs to. */
  recording(call: string): string {
    return this.with(FLOW_PATHS.recording, { call });
  }

  private with(path: string, query: Record<string, string>): string {
    return `${this.base}${path}?${new URLSearchParams(query).toString()}`;
  }
}
