/**
 * The context of each agent leg, by leg uuid, for the agent's app.
 *
 * A leg's invite can reach the app before the backend has learned the leg's uuid (the
 * platform rings while the Voice API call or the leg's first event is still on its way), so
 * a lookup may wait briefly for it. Entries are forgotten after a while.
 */
import type { CallContext } from '../../common/call-context';

/** How long a context stays readable: through the longest sensible call. */
const KEEP_MS = 4 * 60 * 60 * 1000;

interface Entry {
  agent: string;
  context: CallContext;
  at: number;
}

/** Agent-leg contexts, with waiting lookups. */
export class CallContexts {
  private readonly byLeg = new Map<string, Entry>();
  private readonly waiters = new Map<string, Set<() => void>>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Record the context of an agent's leg and wake anyone waiting for it. */
  set(agent: string, context: CallContext): void {
    this.prune();
    this.byLeg.set(context.leg_uuid, { agent: agent.toLowerCase(), context, at: this.now() });
    const waiting = this.waiters.get(context.leg_uuid);
    this.waiters.delete(context.leg_uuid);
    for (const wake of waiting ?? []) wake();
  }

  /** The context of a leg, if it is this agent's. */
  get(legUuid: string, agent: string): CallContext | null {
    const entry = this.byLeg.get(legUuid);
    return entry && entry.agent === agent.toLowerCase() ? entry.context : null;
  }

  /** The context of a leg, waiting up to `waitMs` for it to become known. */
  async waitFor(legUuid: string, agent: string, waitMs: number): Promise<CallContext | null> {
    if (this.byLeg.has(legUuid) || waitMs <= 0) return this.get(legUuid, agent);
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const set = this.waiters.get(legUuid);
        set?.delete(wake);
        if (set?.size === 0) this.waiters.delete(legUuid);
        resolve();
      }, waitMs);
      let set = this.waiters.get(legUuid);
      if (!set) this.waiters.set(legUuid, (set = new Set()));
      set.add(wake);
    });
    return this.get(legUuid, agent);
  }

  private prune(): void {
    const cutoff = this.now() - KEEP_MS;
    for (const [leg, entry] of this.byLeg) {
      if (entry.at >= cutoff) break; // insertion order is time order
      this.byLeg.delete(leg);
    }
  }
}
