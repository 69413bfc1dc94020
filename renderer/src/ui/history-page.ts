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
 * call shown). When the page is the whole history (no cursor after it), it is the list; when
 * it does not reach what is shown (more than a page of calls since), it starts the list again,
 * so no call between the two is skipped.
 */
export function mergeNewestPage(shown: HistoryList | null, page: { calls: AgentCall[]; next_cursor: string | null }): HistoryList {
  const alone = { calls: page.calls, next: page.next_cursor };
  if (shown === null || page.next_cursor === null) return alone;
  const shownIds = new Set(shown.calls.map((call) => call.conversation_uuid));
  const oldest = page.calls[page.calls.length - 1];
  if (oldest === undefined || !shownIds.has(oldest.conversation_uuid)) return alone;
  const inPage = new Set(page.calls.map((call) => call.conversation_uuid));
  const below = shown.calls.filter((call) => !inPage.has(call.conversation_uuid));
  return below.length === 0 ? alone : { calls: [...page.calls, ...below], next: shown.next };
}

/**
 * `shown` with the page after `cursor` appended ("Show older calls"), or unchanged when the list
 * moved on meanwhile (a refresh started it again: the page no longer follows it). A call already
 * shown is not repeated.
 */
export function appendOlderPage(shown: HistoryList | null, cursor: string, page: { calls: AgentCall[]; next_cursor: string | null }): HistoryList | null {
  if (shown === null || shown.next !== cursor) return shown;
  const shownIds = new Set(shown.calls.map((call) => call.conversation_uuid));
  return { calls: [...shown.calls, ...page.calls.filter((call) => !shownIds.has(call.conversation_uuid))], next: page.next_cursor };
}
