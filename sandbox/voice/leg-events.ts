/**
 * What a leg reports to its event URL: status events (with the billing fields of
 * `completed`), and the call's other events (transfer, record, input, errors), in the
 * call's order through {@link Webhooks}.
 */
import type { ApplicationRecord, Webhook } from '../state/store';
import type { Webhooks } from './webhooks';
import type { Leg, LegStatus } from './legs';

/** Stands in for "no application" on calls to unlinked numbers (no webhooks go anywhere). */
export const detachedApp: ApplicationRecord = { id: '', name: '(none)', public_key: '', capabilities: {}, created_at: '' };

export class LegEvents {
  constructor(private readonly webhooks: Webhooks) {}

  /** The payload fields every event of a leg carries. */
  base(leg: Leg): Record<string, unknown> {
    return { from: leg.from, to: leg.to, uuid: leg.uuid, conversation_uuid: leg.conversation.id, timestamp: new Date().toISOString() };
  }

  /** The leg's event webhook: its own (Voice API, connect eventUrl) or the application's. */
  hook(leg: Leg): Webhook | undefined {
    return leg.eventHook ?? leg.app.capabilities.voice?.webhooks.event_url;
  }

  /** Sends a non-status event of a leg (record, input without NCCO, errors) in the call's order. */
  send(leg: Leg, payload: Record<string, unknown>, hook = this.hook(leg)): void {
    if (leg.app === detachedApp) return;
    this.webhooks.event(leg.conversation.id, hook, { ...this.base(leg), ...payload }, leg.app);
  }

  /** Sends a status event; `completed` carries the call's duration and (zero) price. */
  status(leg: Leg, status: LegStatus): void {
    if (leg.app === detachedApp) return;
    const payload: Record<string, unknown> = { ...this.base(leg), status, direction: leg.direction };
    if (status === 'completed') {
      const start = leg.answeredAt ?? leg.createdAt;
      const end = leg.endedAt ?? new Date();
      Object.assign(payload, {
        duration: String(leg.answeredAt ? Math.round((end.getTime() - start.getTime()) / 1000) : 0),
        start_time: start.toISOString(),
        end_time: end.toISOString(),
        rate: '0.00000000',
        price: '0',
        network: 'sandbox',
      });
    }
    this.webhooks.event(leg.conversation.id, this.hook(leg), payload, leg.app);
  }
}
