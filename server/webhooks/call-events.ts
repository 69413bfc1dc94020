/**
 * The in-process stream of stored call events.
 *
 * The event webhook publishes each event after it is committed (and after agent presence
 * has seen it), so subscribers such as call routing ("the agent declined: offer the next
 * one") act only on events that are safely stored.
 */
import type { LockedCall } from '../calls/store';
import type { Sql } from '../db/database';
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
  /** The flows' call the event's leg belongs to, as the webhook locked it first; null when none, absent when not looked up. */
  flowCall?: LockedCall | null;
}

/**
 * A subscriber. It runs inside the event webhook's transaction (`sql`), which commits only
 * when every subscriber succeeded, before the webhook is answered.
 */
export type CallEventListener = (stored: StoredCallEvent, sql: Sql) => void | Promise<void>;

/** Where subscriber failures are reported; a pino logger fits. */
export interface CallEventsLog {
  error(object: object, message: string): void;
}

/**
 * A typed publish/subscribe hub for stored call events.
 *
 * Listeners run in subscription order, one after the other; one that throws or rejects is
 * logged and does not stop the others.
 */
export class CallEvents {
  private readonly listeners = new Set<CallEventListener>();

  constructor(private readonly log?: CallEventsLog) {}

  /** Subscribe; returns the unsubscribe function. */
  subscribe(listener: CallEventListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Deliver a stored event to every subscriber and wait for them. A subscriber that fails is
   * logged and the failure rethrown once all have run: the webhook then answers 500 and the
   * platform retries it (subscribers apply a retried delivery once).
   */
  async emit(stored: StoredCallEvent, sql: Sql): Promise<void> {
    let failure: unknown;
    for (const listener of [...this.listeners]) {
      try {
        await listener(stored, sql);
      } catch (error) {
        this.report(error, stored);
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }

  private report(error: unknown, stored: StoredCallEvent): void {
    this.log?.error({ err: error, conversation_uuid: stored.event.conversation_uuid, uuid: stored.event.uuid }, 'call event subscriber failed');
  }
}
