/**
 * The in-process stream of stored call events.
 *
 * The event webhook publishes each event after it is committed (and after agent presence
 * has seen it), so subscribers such as call routing ("the agent declined: offer the next
 * one") act only on events that are safely stored.
 */
import type { CallEventRecord, CallRecord } from '../storage/types';
import type { CallEventPayload } from './call-log';

/** One stored event, with the call's record as it stands after it and the agent of its leg. */
export interface StoredCallEvent {
  event: CallEventRecord;
  /** The validated payload (dtmf, recording_url, custom fields… are here). */
  payload: CallEventPayload;
  /** The call's record after this event; null for an event outside any conversation. */
  call: CallRecord | null;
  /** The agent whose leg this is, or null. */
  agent: { id: string; name: string } | null;
}

/** A subscriber; it may be async, but the webhook does not wait for it. */
export type CallEventListener = (stored: StoredCallEvent) => void | Promise<void>;

/** Where subscriber failures are reported; a pino logger fits. */
export interface CallEventsLog {
  error(object: object, message: string): void;
}

/**
 * A typed publish/subscribe hub for stored call events.
 *
 * Listeners run synchronously in subscription order; one that throws or rejects is logged and
 * does not stop the others or fail the webhook.
 */
export class CallEvents {
  private readonly listeners = new Set<CallEventListener>();

  constructor(private readonly log?: CallEventsLog) {}

  /** Subscribe; returns the unsubscribe function. */
  subscribe(listener: CallEventListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** Deliver a stored event to every subscriber. */
  emit(stored: StoredCallEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        const result = listener(stored);
        if (result instanceof Promise) result.catch((error: unknown) => this.report(error, stored));
      } catch (error) {
        this.report(error, stored);
      }
    }
  }

  private report(error: unknown, stored: StoredCallEvent): void {
    this.log?.error({ err: error, conversation_uuid: stored.event.conversation_uuid, uuid: stored.event.uuid }, 'call event subscriber failed');
  }
}
