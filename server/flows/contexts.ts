/**
 * The context of each agent leg, for the agent's app (`GET /api/calls/:legUuid/context`).
 *
 * Stored with the leg (`flow_legs.context`) by whichever instance bound it. A leg's invite can
 * reach the app before the backend has learned the leg's uuid (the platform rings while the
 * Voice API call or the leg's first event is still on its way), so a lookup may wait briefly:
 * it polls the table, because the answer may be written by another instance.
 */
import type { CallContext } from '../../common/call-context';
import { legContext } from '../calls/store';
import type { Sql } from '../db/database';

/** How often a waiting lookup looks again. */
const POLL_MS = 50;

/** Agent-leg contexts, with waiting lookups. */
export class CallContexts {
  constructor(private readonly sql: Sql) {}

  /** The context of a leg, if it is this agent's. */
  get(legUuid: string, agent: string): Promise<CallContext | null> {
    return legContext(this.sql, legUuid, agent);
  }

  /** The context of a leg, waiting up to `waitMs` for it to become known. */
  async waitFor(legUuid: string, agent: string, waitMs: number): Promise<CallContext | null> {
    const deadline = Date.now() + Math.max(0, waitMs);
    for (;;) {
      const context = await this.get(legUuid, agent);
      if (context || Date.now() >= deadline) return context;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
