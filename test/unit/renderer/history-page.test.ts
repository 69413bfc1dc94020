import { describe, expect, it } from 'vitest';
import type { AgentCall } from '../../../common/agent-desk';
import { appendOlderPage, mergeNewestPage, type HistoryList } from '../../../renderer/src/ui/history-page';

const PAGE = 3;

function call(n: number, patch: Partial<AgentCall> = {}): AgentCall {
  return {
    conversation_uuid: `CON-${n}`,
    direction: 'inbound',
    from: '+14155550100',
    to: '+14155550199',
    started_at: new Date(Date.UTC(2026, 11, 7, 9, 0, n)).toISOString(),
    answered_at: null,
    ended_at: null,
    duration_s: null,
    talk_s: null,
    outcome: null,
    missed: false,
    disposition: null,
    disposition_label: null,
    notes: null,
    ...patch,
  };
}

/** A keyset-paged history like the backend's: newest first, the cursor names the last call of a page. */
function backend(history: AgentCall[]) {
  return (cursor?: string) => {
    const start = cursor ? history.findIndex((c) => c.conversation_uuid === cursor) + 1 : 0;
    const calls = history.slice(start, start + PAGE);
    return { calls, next_cursor: start + PAGE < history.length ? calls[calls.length - 1]!.conversation_uuid : null };
  };
}

/** "Show older calls": the page after the list's cursor, appended. */
function more(list: HistoryList, read: ReturnType<typeof backend>): HistoryList {
  return appendOlderPage(list, list.next!, read(list.next!))!;
}

const ids = (list: HistoryList) => list.calls.map((c) => c.conversation_uuid);

describe('the open Recent calls list read again', () => {
  it('the first read is the page', () => {
    const read = backend([call(5), call(4), call(3), call(2), call(1)]);
    expect(mergeNewestPage(null, read())).toEqual({ calls: read().calls, next: 'CON-3' });
  });

  it('a call that ended since appears on top; the older pages loaded stay, once each, and "Show older calls" goes on from the oldest shown', () => {
    const older = [call(7), call(6), call(5), call(4), call(3), call(2), call(1)];
    let list = mergeNewestPage(null, backend(older)());
    list = more(list, backend(older)); // 7..2 shown, cursor after 2
    expect(ids(list)).toEqual(['CON-7', 'CON-6', 'CON-5', 'CON-4', 'CON-3', 'CON-2']);

    const now = [call(9), call(8), ...older];
    const read = backend(now);
    list = mergeNewestPage(list, read());
    expect(ids(list)).toEqual(['CON-9', 'CON-8', 'CON-7', 'CON-6', 'CON-5', 'CON-4', 'CON-3', 'CON-2']);
    list = more(list, read);
    expect(ids(list)).toEqual(now.map((c) => c.conversation_uuid));
    expect(list.next).toBeNull();
  });

  it('with only the first page shown, the calls pushed off it stay and the cursor still follows them', () => {
    const older = [call(6), call(5), call(4), call(3), call(2), call(1)];
    let list = mergeNewestPage(null, backend(older)());
    const now = [call(8), call(7), ...older];
    const read = backend(now);
    list = mergeNewestPage(list, read());
    expect(ids(list)).toEqual(['CON-8', 'CON-7', 'CON-6', 'CON-5', 'CON-4']);
    list = more(list, read);
    expect(ids(list)).toEqual(now.map((c) => c.conversation_uuid));
    expect(list.next).toBeNull();
  });

  it('a call shown in progress is replaced by its finished record, in place', () => {
    const before = [call(3), call(2), call(1)];
    let list = mergeNewestPage(null, backend(before)());
    expect(list.calls[0]!.outcome).toBeNull();
    const after = [call(3, { outcome: 'answered', ended_at: '2026-12-07T09:01:00.000Z', talk_s: 40 }), call(2), call(1)];
    list = mergeNewestPage(list, backend(after)());
    expect(ids(list)).toEqual(['CON-3', 'CON-2', 'CON-1']);
    expect(list.calls[0]).toMatchObject({ outcome: 'answered', talk_s: 40 });
    expect(list.next).toBeNull();
  });

  it('a short history that grows past a page keeps every call and has nothing older to load', () => {
    let list = mergeNewestPage(null, backend([call(2), call(1)])());
    expect(list.next).toBeNull();
    const read = backend([call(4), call(3), call(2), call(1)]);
    list = mergeNewestPage(list, read());
    expect(ids(list)).toEqual(['CON-4', 'CON-3', 'CON-2', 'CON-1']);
    expect(list.next).toBeNull();
  });

  it('more than a page of calls since: the list starts again from the newest page, and older calls follow with no gap', () => {
    const older = [call(4), call(3), call(2), call(1)];
    let list = mergeNewestPage(null, backend(older)());
    list = more(list, backend(older)); // 4..1 shown, nothing older
    const now = [call(9), call(8), call(7), call(6), call(5), ...older];
    const read = backend(now);
    list = mergeNewestPage(list, read());
    expect(ids(list)).toEqual(['CON-9', 'CON-8', 'CON-7']);
    while (list.next !== null) list = more(list, read);
    expect(ids(list)).toEqual(now.map((c) => c.conversation_uuid));
  });
});

describe('"Show older calls"', () => {
  const history = [call(6), call(5), call(4), call(3), call(2), call(1)];
  const read = backend(history);

  it('appends the page after the cursor', () => {
    const list = mergeNewestPage(null, read());
    expect(ids(appendOlderPage(list, 'CON-4', read('CON-4'))!)).toEqual(history.map((c) => c.conversation_uuid));
  });

  it('leaves the list as it is when it moved on since the page was asked for (a refresh started it again)', () => {
    const list = mergeNewestPage(null, read());
    const moved = mergeNewestPage(null, backend([call(9), call(8), call(7), ...history])());
    expect(appendOlderPage(moved, list.next!, read(list.next!))).toBe(moved);
    expect(appendOlderPage(null, 'CON-4', read('CON-4'))).toBeNull();
  });

  it('never repeats a call already shown', () => {
    const list: HistoryList = { calls: [call(6), call(5), call(4), call(3)], next: 'CON-4' };
    expect(ids(appendOlderPage(list, 'CON-4', read('CON-4'))!)).toEqual(history.map((c) => c.conversation_uuid));
  });
});
