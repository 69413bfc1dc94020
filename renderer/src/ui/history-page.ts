/**
 * The Recent calls list kept current while it is open: the newest page read again, merged
 * with what the agent already loaded ("Show older calls"), so a refresh adds the calls that
 * arrived and updates the ones shown without losing the older pages or repeating a call.
 */
import type { AgentCall } from '../../../common/agent-desk';

/** What the list shows: the calls, newest first, and the cursor of the page after them. */
export interface HistoryList {
  calls: AgentCall[];
  next: string | null;
}

/**
 * `shown` with the newest page read again. The page replaces the calls it holds (a record
 * finished, notes saved); calls already shown below it stay, in their order, and so does the
 * cursor after them (the history is keyset paged, so that cursor still follows the oldest
 * call shown). When the page is the whole history (no cursor after it), it is the list.
 */
export function mergeNewestPage(shown: HistoryList | null, page: { calls: AgentCall[]; next_cursor: string | null }): HistoryList {
  if (shown === null || page.next_cursor === null) return { calls: page.calls, next: page.next_cursor };
  const inPage = new Set(page.calls.map((call) => call.conversation_uuid));
  const below = shown.calls.filter((call) => !inPage.has(call.conversation_uuid));
  return below.length === 0 ? { calls: page.calls, next: page.next_cursor } : { calls: [...page.calls, ...below], next: shown.next };
}
