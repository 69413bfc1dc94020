/**
 * After-call work: while the agent is in wrap-up (the backend's presence, `WRAP_UP_S`), a panel
 * for the call just finished — the time left, a disposition from the operator's list, notes —
 * saved to the call's record (the agent's own row of it) and shown in Recent calls. "End
 * wrap-up" saves what was written and makes the agent available at once.
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { AgentCall, Disposition } from '../../../common/agent-desk';
import { NOTES_MAX } from '../../../common/agent-desk';
import type { AgentStatusInfoPayload } from '../../../common/ipc-contract';
import type { Bridge } from '../bridge';
import { formatCaller, formatDuration } from './format';
import { callBackNumber, errorText } from './RecentCalls';

/** The panel, shown only during wrap-up. */
export function WrapUpPanel({ bridge, status }: { bridge: Bridge; status: AgentStatusInfoPayload | null }) {
  if (status?.status !== 'wrap-up') return null;
  // Keyed by the wrap-up's start: a new wrap-up starts a new form.
  return <WrapUpForm key={status.since} bridge={bridge} endsAt={status.wrap_up_ends_at} />;
}

function WrapUpForm({ bridge, endsAt }: { bridge: Bridge; endsAt: string | null }) {
  const [call, setCall] = useState<AgentCall | null | undefined>(undefined);
  const [dispositions, setDispositions] = useState<Disposition[]>([]);
  const [disposition, setDisposition] = useState('');
  const [notes, setNotes] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = useId();

  useEffect(() => {
    let cancelled = false;
    // The call just finished is the agent's newest call they did not miss.
    Promise.all([bridge.desk({ action: 'history' }), bridge.desk({ action: 'dispositions' })]).then(
      ([page, list]) => {
        if (cancelled) return;
        const last = page.calls.find((c) => !c.missed && c.answered_at !== null) ?? null;
        setCall(last);
        setDispositions(list.dispositions);
        if (last) {
          setDisposition(last.disposition ?? '');
          setNotes(last.notes ?? '');
        }
      },
      (e: unknown) => {
        if (cancelled) return;
        setCall(null);
        setError(errorText(e, 'Could not load the call.'));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [bridge]);

  const save = async (): Promise<boolean> => {
    if (!call) return false;
    setBusy(true);
    setError(null);
    try {
      const result = await bridge.desk({ action: 'wrap-up', conversationUuid: call.conversation_uuid, disposition: disposition || null, notes });
      setSaved(result.disposition_label ? `Saved: ${result.disposition_label}` : 'Saved');
      return true;
    } catch (e) {
      setError(errorText(e, 'Could not save.'));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void save();
  };

  const endEarly = async () => {
    if (call && (disposition || notes) && !(await save())) return;
    setBusy(true);
    try {
      await bridge.setStatus('available');
    } catch (e) {
      setError(errorText(e, 'Could not end the wrap-up.'));
    } finally {
      setBusy(false);
    }
  };

  const party = call ? (call.direction === 'outbound' ? call.to : call.from) : null;
  return (
    <form className="card wrap-up" data-testid="wrap-up" aria-labelledby={`${ids}-title`} onSubmit={submit}>
      <div className="desk-head">
        <h2 id={`${ids}-title`} className="panel-title">
          After-call work
        </h2>
        {endsAt && <WrapUpLeft until={endsAt} />}
      </div>
      {call === undefined && <p className="muted">Loading the call…</p>}
      {call === null && !error && <p className="muted">No answered call to note.</p>}
      {call && (
        <>
          <p className="caller-small" data-testid="wrap-up-call">
            {party ? formatCaller(callBackNumber(call) ?? party) : 'Unknown'}
          </p>
          <label>
            Disposition
            <select data-testid="wrap-up-disposition" value={disposition} onChange={(e) => { setDisposition(e.target.value); setSaved(null); }}>
              <option value="">— none —</option>
              {dispositions.map((d) => (
                <option key={d.code} value={d.code}>
                  {d.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Notes
            <textarea data-testid="wrap-up-notes" rows={3} maxLength={NOTES_MAX} value={notes} onChange={(e) => { setNotes(e.target.value); setSaved(null); }} />
          </label>
        </>
      )}
      <div role="alert" className="call-error">
        {error && <span data-testid="wrap-up-error">{error}</span>}
      </div>
      <p className="hint" role="status" data-testid="wrap-up-saved">
        {saved}
      </p>
      <div className="actions">
        {call && (
          <button type="submit" className="secondary" data-testid="wrap-up-save" disabled={busy}>
            Save
          </button>
        )}
        <button type="button" data-testid="wrap-up-end" disabled={busy} onClick={() => void endEarly()}>
          End wrap-up
        </button>
      </div>
    </form>
  );
}

function WrapUpLeft({ until }: { until: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className="countdown" data-testid="wrap-up-left">
      {formatDuration(Math.ceil((Date.parse(until) - now) / 1000))} left
    </span>
  );
}
