/**
 * The call model's routing decisions, as pure functions of the call's stored state: whom to
 * offer a call to next, when to wait and when to give up for the fallback, where a redirect
 * leads, and what a queue does with a new caller and whom its dispatcher may offer. No I/O:
 * the flows (`server/flows/runtime.ts`) and the queues (`server/queues/manager.ts`) reserve
 * agents (SQL) and carry the steps out under the call's lock.
 *
 * A decision that needs an agent comes in two halves: a plan naming the reservation to ask
 * presence for ({@link offerPlan}), then the step for what presence answered
 * ({@link afterReservation}).
 */
import type { RouteTarget } from '../flows/targets';

/** What the offer rules read of a call. */
export interface OfferCall {
  ended: boolean;
  /** An attempt is ringing (or answered): nothing to offer. */
  ringing: boolean;
  mode: 'connect' | 'dial';
  attempts: number;
  maxAttempts: number;
  /** Agents tried so far (lower case). */
  tried: readonly string[];
  /** The number's default agent, offered first while available (inbound). */
  defaultAgent: string | null;
  /** Whisper: the agent or phone to call first. */
  fixed: { type: 'agent'; agent: string } | { type: 'phone'; number: string } | null;
  /** Whisper: waiting for an agent until this time (ms), or null. */
  waitUntil: number | null;
}

/** What to do to offer a call: nothing, call a fixed phone, ask presence for an agent, or the fallback. */
export type OfferPlan =
  | { kind: 'none' }
  | { kind: 'dial-phone'; number: string }
  | { kind: 'reserve'; prefer: string | undefined; exclude: readonly string[] }
  | { kind: 'fallback'; outcome: 'no-answer' };

/** Plan the next offer of a call that is not ringing anyone. */
export function offerPlan(call: OfferCall): OfferPlan {
  if (call.ended || call.ringing) return { kind: 'none' };
  if (call.fixed?.type === 'phone') return call.attempts === 0 ? { kind: 'dial-phone', number: call.fixed.number } : { kind: 'fallback', outcome: 'no-answer' };
  if (call.attempts >= call.maxAttempts) return { kind: 'fallback', outcome: 'no-answer' };
  return { kind: 'reserve', prefer: preferredAgent(call), exclude: call.tried };
}

/** The agent to offer first while available: the whisper's fixed agent, else the number's default agent (the seed's "calls go to Jane"). */
export function preferredAgent(call: Pick<OfferCall, 'fixed' | 'defaultAgent'>): string | undefined {
  return call.fixed?.type === 'agent' ? call.fixed.agent : (call.defaultAgent ?? undefined);
}

/** The step once presence answered a {@link offerPlan} `reserve`. */
export type OfferStep = { kind: 'connect'; agent: string } | { kind: 'dial'; agent: string } | { kind: 'wait' } | { kind: 'fallback'; outcome: 'no-answer' };

/**
 * Ring the reserved agent (a connect transfer or a placed call, by the call's mode); with no
 * agent, wait while the whisper's wait lasts (a presence change wakes the call), else the fallback.
 */
export function afterReservation(call: Pick<OfferCall, 'mode' | 'waitUntil'>, agent: string | null, now: number): OfferStep {
  if (agent) return call.mode === 'connect' ? { kind: 'connect', agent } : { kind: 'dial', agent };
  if (call.waitUntil !== null && now < call.waitUntil) return { kind: 'wait' };
  return { kind: 'fallback', outcome: 'no-answer' };
}

/** Where a call goes when the flow gives up: the number's fallback once, then a polite goodbye. */
export function fallbackTarget(call: { fallbackUsed: boolean; fallback: RouteTarget }): RouteTarget {
  return call.fallbackUsed ? { type: 'disconnect' } : call.fallback;
}

/** Redirects one call may take (queue → queue → …) before it is ended politely. */
export const MAX_REDIRECTS = 5;

/**
 * Whether one more redirect is allowed: `redirects` is the count including this one. Past the
 * limit the call gets a goodbye and `redirect-limit` on its record (a loop of queues ends).
 */
export function redirectAllowed(redirects: number): boolean {
  return redirects <= MAX_REDIRECTS;
}

/**
 * Whether an explicit agent target (IVR option, default route) may be offered the call: not if
 * tried on this call already. When not — or when presence refuses — the number's fallback, once.
 */
export function mayOfferAgent(call: { tried: readonly string[] }, agent: string): boolean {
  return !call.tried.includes(agent.toLowerCase());
}

/** What a queue does with a caller who arrives, by the queue's rules. */
export type QueueArrival =
  | { kind: 'no-agents'; target: RouteTarget }
  | { kind: 'overflow'; target: RouteTarget }
  | { kind: 'enqueue'; position: number };

/**
 * No agent serving the queue (none of its agents available, busy or in wrap-up) sends the
 * caller to its no-agents target; a full line to its overflow target; else the caller joins
 * at the end.
 */
export function queueArrival(
  settings: { max_length: number; on_no_agents: RouteTarget; on_overflow: RouteTarget },
  line: { serving: number; waiting: number },
): QueueArrival {
  if (line.serving === 0) return { kind: 'no-agents', target: settings.on_no_agents };
  if (line.waiting >= settings.max_length) return { kind: 'overflow', target: settings.on_overflow };
  return { kind: 'enqueue', position: line.waiting + 1 };
}

/** Statuses in which an agent counts as serving a queue (for the no-agents rule). */
export const SERVING_STATUSES: ReadonlySet<string> = new Set(['available', 'busy', 'wrap-up']);

/** How many of these agents serve a queue whose members are `members` (lower case; none = everyone). */
export function servingCount(agents: ReadonlyArray<{ name: string; status: string }>, members: readonly string[]): number {
  const wanted = new Set(members.map((m) => m.toLowerCase()));
  return agents.filter((a) => (wanted.size === 0 || wanted.has(a.name.toLowerCase())) && SERVING_STATUSES.has(a.status)).length;
}

/** An agent who declined a caller is not offered that caller again for this long. */
export const RETRY_AFTER_MS = 30_000;

/** The reservation a queue's dispatcher asks for a waiting caller: the queue's agents, less those who declined them within {@link RETRY_AFTER_MS}. */
export function dispatchRequest(entry: { declined: Readonly<Record<string, string>> }, members: readonly string[], now: number): { exclude: string[]; members: string[] } {
  return {
    exclude: Object.entries(entry.declined)
      .filter(([, at]) => now - Date.parse(at) < RETRY_AFTER_MS)
      .map(([name]) => name),
    members: members.map((m) => m.toLowerCase()),
  };
}
