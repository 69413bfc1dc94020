/**
 * Vonage's words for a call leg's life, as the Voice API's event webhook and call records
 * use them: one list, shared by the sandbox (which reports them), the backend (which stores
 * and acts on them) and the apps (which read them), instead of a copy in each.
 */

/** Statuses that move a leg forward: it is live on its phone. */
export const PROGRESS_LEG_STATUSES = ['started', 'ringing', 'answered'] as const;

/** Statuses after which a leg is over. */
export const FINAL_LEG_STATUSES = ['completed', 'rejected', 'cancelled', 'timeout', 'failed', 'busy', 'unanswered'] as const;

/** Every status a leg can have. */
export const LEG_STATUSES = [...PROGRESS_LEG_STATUSES, ...FINAL_LEG_STATUSES] as const;

/**
 * Status events reported about a leg that do not change its state: the application's
 * websocket closing (`disconnected`) and answering-machine detection (`human`, `machine`).
 */
export const REPORTED_LEG_STATUSES = ['disconnected', 'human', 'machine'] as const;

export type LegStatus = (typeof LEG_STATUSES)[number];
export type FinalLegStatus = (typeof FINAL_LEG_STATUSES)[number];

const FINAL: ReadonlySet<string> = new Set(FINAL_LEG_STATUSES);

/** Whether a status (as any party wrote it, case aside) ends the leg. */
export function isFinalLegStatus(status: string): status is FinalLegStatus {
  return FINAL.has(status.toLowerCase());
}
