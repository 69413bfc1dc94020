/**
 * Recent calls: the agent's history (direction, number, time, duration, outcome, their own
 * disposition and notes, which they may edit later), newest first and paged, with one-click call-back; and the
 * missed-call badge, which counts the missed calls the agent has not seen yet. Opening the
 * list marks them seen in the backend (per agent, so the badge is the same on the web and the
 * desktop and after a restart). The open list reads its newest page again after each call
 * ends and when the agent comes back to the window (`read-again.ts`), so a call that just
 * ended appears without Refresh.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { NOTES_MAX, type AgentCall, type MissedBadge } from '../../../common/agent-desk';
import type { Bridge } from '../bridge';
import { useReadAfterCallEnd, useReadOrder, useReadWhileShown } from './read-again';
import { formatCaller, formatDuration } from './format';
import { appendOlderPage, mergeNewestPage, type HistoryList } from './history-page';

/** How often the badge is read while nothing happens (a call ending reads it again soon after). */
const BADGE_POLL_MS = 20_000;

/** A message fit for the screen from a failed bridge call (Electron prefixes its own words). */
export function errorText(error: unknown, fallback: string): string {
  const message = error instanceof Error ? error.message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '') : '';
  return message || fallback;
}

/** The missed-call badge, read on sign-in (once `enabled`: after the voice session's start), every {@link BADGE_POLL_MS} and after each call ends (`lastCallEnd`, from `useLastCallEnd`). */
export function useMissedBadge(bridge: Bridge, lastCallEnd: number | null, enabled = true): { badge: MissedBadge | null; set: (badge: MissedBadge) => void } {
  const [badge, setBadge] = useState<MissedBadge | null>(null);
  const read = useCallback(() => {
    bridge.desk({ action: 'unseen' }).then(setBadge, () => undefined);
  }, [bridge]);
  useEffect(() => {
    if (!enabled) return;
    read();
    const timer = setInterval(read, BADGE_POLL_MS);
    return () => clearInterval(timer);
  }, [read, enabled]);
  useReadAfterCallEnd(lastCallEnd, read);
  return { badge, set: setBadge };
}

/** The badge's text: the count, "99+" past the cap (one rule with the favicon and the desktop icon). */
export { badgeText } from '../../../common/app-badge';

/** The number to call back: the caller of an inbound call, the number dialled of an outbound one; null for an agent or nothing. */
export function callBackNumber(call: Pick<AgentCall, 'direction' | 'from' | 'to'>): string | null {
  const party = call.direction === 'outbound' ? call.to : call.from;
  return party && /^\+?[0-9]{6,15}$/.test(party) ? party : null;
}

const OUTCOMES: Record<string, string> = {
  answered: 'Answered',
  abandoned: 'Caller hung up',
  missed: 'Missed',
  voicemail: 'Voicemail',
  overflow: 'Overflowed',
  timeout: 'Timed out in queue',
  failed: 'Failed',
  busy: 'Busy',
  unanswered: 'No answer',
};

function outcomeText(call: AgentCall): string {
  if (call.missed) return call.outcome === 'answered' ? 'Missed (answered by a colleague)' : 'Missed';
  if (call.outcome === null) return call.ended_at ? 'Ended' : 'In progress';
  return OUTCOMES[call.outcome] ?? call.outcome;
}

/** Time of day for today's calls, date and time for older ones. */
export function formatWhen(iso: string, now = new Date()): string {
  const at = new Date(iso);
  const sameDay = at.toDateString() === now.toDateString();
  return sameDay ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : at.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * The history screen. `onCallBack` dials through the softphone (the same path as the dial pad);
 * `lastCallEnd` (from `useLastCallEnd`) is when the agent's last call ended, after which the
 * newest page is read again.
 */
export function RecentCalls({
  bridge,
  canCall,
  onCallBack,
  onSeen,
  lastCallEnd = null,
}: {
  bridge: Bridge;
  canCall: boolean;
  onCallBack: (number: string) => Promise<{ ok: true } | { ok: false; message: string }>;
  onSeen: (badge: MissedBadge) => void;
  lastCallEnd?: number | null;
}) {
  const [list, setList] = useState<HistoryList | null>(null);
  /** A read the agent asked for is going on (the first read, Refresh, "Show older calls"). */
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const calls = list?.calls ?? null;
  const order = useReadOrder(list);

  /**
   * Reads the newest page and merges it with what is shown. `background` (after a call, the
   * window shown again): nothing is disabled, no error is cleared, and a failure stays quiet
   * once a list is shown, since it is still right up to then and the next read tries again.
   */
  const readNewest: (background: boolean) => Promise<void> = useCallback(
    async (background: boolean) => {
      if (!background) {
        setLoading(true);
        setError(null);
      }
      try {
        const page = await order.read(() => bridge.desk({ action: 'history' }), () => void readNewest(true));
        if (page === undefined) return;
        setList((shown) => mergeNewestPage(shown, page));
        // The newest missed call shown is seen (not "now": one arriving meanwhile must still
        // count), and only while the agent can see the list (not in a hidden window).
        const newestMissed = document.visibilityState === 'hidden' ? undefined : page.calls.find((c) => c.missed);
        if (newestMissed) onSeen(await bridge.desk({ action: 'seen', upTo: newestMissed.started_at }));
      } catch (e) {
        if (!background || order.shown() === null) setError(errorText(e, 'Could not load your calls.'));
      } finally {
        if (!background) setLoading(false);
      }
    },
    [bridge, onSeen, order],
  );

  /** "Show older calls": the page after `cursor`, appended while it still follows the list. */
  const readOlder = useCallback(
    async (cursor: string) => {
      setLoading(true);
      setError(null);
      try {
        const page = await bridge.desk({ action: 'history', cursor });
        setList((shown) => appendOlderPage(shown, cursor, page));
      } catch (e) {
        setError(errorText(e, 'Could not load your calls.'));
      } finally {
        setLoading(false);
      }
    },
    [bridge],
  );

  useEffect(() => {
    void readNewest(false);
    heading.current?.focus();
  }, [readNewest]);

  const readAgain = useCallback(() => void readNewest(true), [readNewest]);
  useReadAfterCallEnd(lastCallEnd, readAgain);
  useReadWhileShown(readAgain);

  /** Saves a call's notes (the disposition stays); answers an error for the agent, or null. */
  const saveNotes = useCallback(
    async (conversationUuid: string, notes: string): Promise<string | null> => {
      try {
        const saved = await bridge.desk({ action: 'notes', conversationUuid, notes });
        order.edited();
        setList((shown) => shown && { ...shown, calls: shown.calls.map((c) => (c.conversation_uuid === conversationUuid ? { ...c, notes: saved.notes || null } : c)) });
        return null;
      } catch (e) {
        return errorText(e, 'Could not save the notes.');
      }
    },
    [bridge, order],
  );

  return (
    <section className="card desk-view" data-testid="recent-calls" aria-labelledby="recent-calls-title">
      <div className="desk-head">
        <h2 id="recent-calls-title" className="panel-title" tabIndex={-1} ref={heading}>
          Recent calls
        </h2>
        {/* aria-disabled, not disabled: a focused button that is disabled drops the focus to the page. */}
        <button type="button" className="small secondary" data-testid="recent-calls-refresh" aria-disabled={loading} onClick={() => {
            if (!loading) void readNewest(false);
          }}>
          Refresh
        </button>
      </div>
      <div role="alert" className="call-error">
        {error && <span data-testid="recent-calls-error">{error}</span>}
      </div>
      {calls === null ? (
        <p className="muted">Loading…</p>
      ) : calls.length === 0 ? (
        <p className="muted" data-testid="recent-calls-empty">
          No calls yet.
        </p>
      ) : (
        <ul className="desk-list">
          {calls.map((call) => (
            <CallRow key={call.conversation_uuid} call={call} canCall={canCall} onCallBack={onCallBack} onSaveNotes={saveNotes} />
          ))}
        </ul>
      )}
      {list?.next && (
        <button type="button" className="secondary small" data-testid="recent-calls-more" aria-disabled={loading} onClick={() => {
            if (!loading && list.next !== null) void readOlder(list.next);
          }}>
          Show older calls
        </button>
      )}
    </section>
  );
}

function CallRow({
  call,
  canCall,
  onCallBack,
  onSaveNotes,
}: {
  call: AgentCall;
  canCall: boolean;
  onCallBack: (number: string) => Promise<{ ok: true } | { ok: false; message: string }>;
  onSaveNotes: (conversationUuid: string, notes: string) => Promise<string | null>;
}) {
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState(false);
  const number = callBackNumber(call);
  const party = call.direction === 'outbound' ? call.to : call.from;
  const direction = call.missed ? 'Missed' : call.direction === 'outbound' ? 'Outgoing' : 'Incoming';
  const seconds = call.talk_s ?? call.duration_s;
  return (
    <li className={`desk-item${call.missed ? ' missed' : ''}`} data-testid="history-row" data-conversation={call.conversation_uuid} data-missed={call.missed}>
      <div className="desk-item-main">
        <span className="desk-direction" data-testid="history-direction">
          {direction}
        </span>
        <span className="caller-small" data-testid="history-number">
          {party ? formatCaller(party) : 'Unknown'}
        </span>
        <span className="muted desk-meta">
          <time dateTime={call.started_at}>{formatWhen(call.started_at)}</time>
          {seconds !== null && <span data-testid="history-duration"> · {formatDuration(seconds)}</span>}
          <span data-testid="history-outcome"> · {outcomeText(call)}</span>
        </span>
        {(call.disposition_label || call.notes) && (
          <span className="desk-notes">
            {call.disposition_label && <strong data-testid="history-disposition">{call.disposition_label}</strong>}
            {call.notes && <span data-testid="history-notes">{call.notes}</span>}
          </span>
        )}
        {error && (
          <span className="error" role="alert">
            {error}
          </span>
        )}
        {editing && <NotesEditor call={call} onSave={onSaveNotes} onClose={() => setEditing(false)} />}
      </div>
      {!editing && (
        <button type="button" className="small secondary" data-testid="history-edit-notes" onClick={() => setEditing(true)}>
          {call.notes ? 'Edit notes' : 'Add notes'}
          <span className="visually-hidden"> for the call with {party ? formatCaller(party) : 'an unknown number'}</span>
        </button>
      )}
      {number && (
        <button
          type="button"
          className="small secondary"
          data-testid="history-callback"
          disabled={!canCall}
          onClick={() =>
            void onCallBack(number).then((outcome) => setError(outcome.ok ? null : outcome.message))
          }
        >
          Call back<span className="visually-hidden"> {formatCaller(number)}</span>
        </button>
      )}
    </li>
  );
}

/** The notes of one call, edited in place: Save keeps them (the disposition stays), Escape or Cancel leaves them. */
function NotesEditor({ call, onSave, onClose }: { call: AgentCall; onSave: (conversationUuid: string, notes: string) => Promise<string | null>; onClose: () => void }) {
  const [notes, setNotes] = useState(call.notes ?? '');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  const id = `notes-${call.conversation_uuid}`;
  useEffect(() => field.current?.focus(), []);
  const save = async () => {
    setSaving(true);
    const failed = await onSave(call.conversation_uuid, notes);
    setSaving(false);
    if (failed) setError(failed);
    else onClose();
  };
  return (
    <form
      className="notes-editor"
      data-testid="history-notes-editor"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <label htmlFor={id}>Notes</label>
      <textarea id={id} ref={field} data-testid="history-notes-input" value={notes} maxLength={NOTES_MAX} rows={3} onChange={(event) => setNotes(event.target.value)} aria-describedby={error ? `${id}-error` : undefined} />
      {error && (
        <span className="error" id={`${id}-error`} role="alert" data-testid="history-notes-error">
          {error}
        </span>
      )}
      <div className="actions">
        <button type="submit" className="small" data-testid="history-notes-save" disabled={saving}>
          {saving ? 'Saving…' : 'Save notes'}
        </button>
        <button type="button" className="small secondary" data-testid="history-notes-cancel" onClick={onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
