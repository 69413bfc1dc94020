import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { CallOutcome } from '../../common/backend-api';
import type { ConsoleCallDetail, ConsoleCallPage, ConsoleCallRow } from '../../common/console-api';
import { ApiError, api } from './api';
import { duration, phone } from './format';

/** The filter form's fields, as the API names them. */
const FIELDS = ['from', 'to', 'number', 'agent', 'queue', 'outcome', 'disposition'] as const;
type Filters = Record<(typeof FIELDS)[number], string>;
const EMPTY: Filters = { from: '', to: '', number: '', agent: '', queue: '', outcome: '', disposition: '' };

/** The query string of the filters (datetime-local inputs are the browser's local time: sent as UTC). */
export function filterQuery(filters: Filters): URLSearchParams {
  const params = new URLSearchParams();
  for (const field of FIELDS) {
    const value = filters[field].trim();
    if (!value) continue;
    if (field === 'from' || field === 'to') {
      const ms = Date.parse(value);
      params.set(field, Number.isFinite(ms) ? new Date(ms).toISOString() : value);
    } else params.set(field, value);
  }
  return params;
}

/** Every outcome with its words; a Record, so a new outcome fails the type check until named here (a type import: the page does not bundle zod). */
const OUTCOMES: Record<CallOutcome, string> = {
  answered: 'Answered',
  abandoned: 'Abandoned',
  missed: 'Missed',
  voicemail: 'Voicemail',
  overflow: 'Overflow',
  timeout: 'Timeout',
  failed: 'Failed',
  busy: 'Busy',
  unanswered: 'Unanswered',
};

const seconds = (s: number | null) => (s === null ? '—' : duration(s));

/** The call log: filters, newest calls first page by page, a call's timeline and media, CSV export. */
export function CallLog() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [calls, setCalls] = useState<ConsoleCallRow[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<{ text: string; field?: string | undefined }>({ text: '' });
  const [open, setOpen] = useState<ConsoleCallDetail | null>(null);
  const [agents, setAgents] = useState<string[]>([]);
  const [queues, setQueues] = useState<string[]>([]);
  const [dispositions, setDispositions] = useState<Array<{ code: string; label: string }>>([]);

  useEffect(() => {
    api<Array<{ name: string }>>('GET', '/api/admin/agents').then((a) => setAgents(a.map((x) => x.name)), () => undefined);
    api<{ queues: Array<{ name: string }> }>('GET', '/api/admin/queues').then((q) => setQueues(q.queues.map((x) => x.name)), () => undefined);
    api<{ dispositions: Array<{ code: string; label: string }> }>('GET', '/api/admin/dispositions').then((d) => setDispositions(d.dispositions), () => undefined);
  }, []);

  const load = useCallback(
    async (cursor: string | null) => {
      const params = filterQuery(filters);
      params.set('limit', '50');
      if (cursor) params.set('cursor', cursor);
      try {
        const page = await api<ConsoleCallPage>('GET', `/api/console/calls?${params.toString()}`);
        setCalls((current) => (cursor ? [...(current ?? []), ...page.calls] : page.calls));
        setNext(page.next_cursor);
        setError({ text: '' });
      } catch (e) {
        setError(e instanceof ApiError ? { text: e.message, field: e.field } : { text: 'The call log could not be read' });
      }
    },
    [filters],
  );
  useEffect(() => void load(null), [load]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setOpen(null);
    setFilters({ ...draft });
  };
  const show = async (uuid: string) => {
    try {
      setOpen(await api<ConsoleCallDetail>('GET', `/api/console/calls/${encodeURIComponent(uuid)}`));
    } catch (e) {
      setError({ text: e instanceof ApiError ? e.message : 'The call could not be read' });
    }
  };

  const input = (field: (typeof FIELDS)[number], label: string, type = 'text') => (
    <label>
      {label}
      <input
        type={type}
        value={draft[field]}
        onChange={(e) => setDraft({ ...draft, [field]: e.target.value })}
        aria-invalid={error.field === field ? true : undefined}
        aria-describedby={error.field === field ? 'calls-error' : undefined}
        data-testid={`filter-${field}`}
      />
    </label>
  );
  const select = (field: (typeof FIELDS)[number], label: string, options: Array<{ value: string; label: string }>) => (
    <label>
      {label}
      <select value={draft[field]} onChange={(e) => setDraft({ ...draft, [field]: e.target.value })} data-testid={`filter-${field}`}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <section aria-labelledby="calls-title">
      <h1 id="calls-title">Call log</h1>
      <form className="inline-form" onSubmit={apply} aria-label="Call filters">
        {input('from', 'From', 'datetime-local')}
        {input('to', 'To', 'datetime-local')}
        {input('number', 'Number')}
        {select('agent', 'Agent', agents.map((a) => ({ value: a, label: a })))}
        {select('queue', 'Queue', queues.map((q) => ({ value: q, label: q })))}
        {select('outcome', 'Outcome', Object.entries(OUTCOMES).map(([value, label]) => ({ value, label })))}
        {select('disposition', 'Disposition', dispositions.map((d) => ({ value: d.code, label: d.label })))}
        <button type="submit" data-testid="filter-apply">
          Show calls
        </button>
        <a className="button-link" href={`/api/console/calls.csv?${filterQuery(filters).toString()}`} download data-testid="calls-csv">
          Export CSV
        </a>
      </form>
      <p className="error" role="alert" id="calls-error" data-testid="calls-error">
        {error.text}
      </p>
      {calls !== null && calls.length === 0 ? <p className="muted">No calls match.</p> : null}
      {calls !== null && calls.length > 0 ? (
        <table data-testid="calls">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
              <th scope="col">Queue</th>
              <th scope="col">Agent</th>
              <th scope="col">Outcome</th>
              <th scope="col">Wait</th>
              <th scope="col">Talk</th>
              <th scope="col">Disposition</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {calls.map((c) => (
              <tr key={c.conversation_uuid} data-testid="call-row" data-call={c.conversation_uuid}>
                <td>{new Date(c.started_at).toLocaleString()}</td>
                <th scope="row">{phone(c.from)}</th>
                <td>{phone(c.to)}</td>
                <td>{c.queue ?? '—'}</td>
                <td>{c.agent ?? '—'}</td>
                <td>{c.outcome ? OUTCOMES[c.outcome] : 'in progress'}</td>
                <td className="num">{seconds(c.wait_s)}</td>
                <td className="num">{seconds(c.talk_s)}</td>
                <td>{c.disposition ?? '—'}</td>
                <td>
                  <button type="button" className="secondary" onClick={() => void show(c.conversation_uuid)} data-testid="call-open">
                    Timeline<span className="visually-hidden"> of the call from {phone(c.from)}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {next !== null ? (
        <button type="button" className="secondary panel" onClick={() => void load(next)} data-testid="calls-more">
          More calls
        </button>
      ) : null}
      {open ? <CallDetail detail={open} onClose={() => setOpen(null)} /> : null}
    </section>
  );
}

/** One call: its figures, timeline, legs, quality, wrap-ups and media. */
function CallDetail({ detail, onClose }: { detail: ConsoleCallDetail; onClose: () => void }) {
  const { call } = detail;
  const title = useRef<HTMLHeadingElement>(null);
  // Opening a call moves the focus to it, so a keyboard user lands on what they opened.
  useEffect(() => title.current?.focus(), [call.conversation_uuid]);
  return (
    <section className="card panel" aria-labelledby="call-title" data-testid="call-detail">
      <div className="page-bar">
        <h2 id="call-title" tabIndex={-1} ref={title}>
          Call from {phone(call.from)} to {phone(call.to)}
        </h2>
        <button type="button" className="secondary" onClick={onClose} data-testid="call-close">
          Close
        </button>
      </div>
      <dl className="totals">
        <div>
          <dt>Outcome</dt>
          <dd>{call.outcome ?? call.status}</dd>
        </div>
        <div>
          <dt>Queue</dt>
          <dd>{call.queue ?? '—'}</dd>
        </div>
        <div>
          <dt>Agent</dt>
          <dd>{call.agent ?? '—'}</dd>
        </div>
        <div>
          <dt>Wait</dt>
          <dd>{seconds(call.wait_s)}</dd>
        </div>
        <div>
          <dt>Talk</dt>
          <dd>{seconds(call.talk_s)}</dd>
        </div>
      </dl>
      <h3 className="panel">Timeline</h3>
      <ol className="timeline" data-testid="call-timeline">
        {detail.timeline.map((e, i) => (
          <li key={i} data-kind={e.kind}>
            <time dateTime={e.at}>{new Date(e.at).toLocaleTimeString()}</time> {e.text}
            {e.agent && !e.text.includes(e.agent) ? <span className="muted"> ({e.agent})</span> : null}
          </li>
        ))}
      </ol>
      {detail.quality.length > 0 ? (
        <>
          <h3 className="panel">Quality</h3>
          <table data-testid="call-quality">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">MOS (min)</th>
                <th scope="col">Loss</th>
                <th scope="col">Jitter</th>
                <th scope="col">Round trip</th>
              </tr>
            </thead>
            <tbody>
              {detail.quality.map((q) => (
                <tr key={q.leg_uuid}>
                  <th scope="row">{q.agent}</th>
                  <td className="num">
                    {q.mos_avg.toFixed(2)} ({q.mos_min.toFixed(2)}) {q.label}
                  </td>
                  <td className="num">{q.loss_pct.toFixed(1)} %</td>
                  <td className="num">{q.jitter_avg_ms.toFixed(0)} ms</td>
                  <td className="num">{q.rtt_avg_ms === null ? '—' : `${q.rtt_avg_ms.toFixed(0)} ms`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <h3 className="panel">Notes and disposition</h3>
      {detail.wrapups.length === 0 ? <p className="muted">No wrap-up.</p> : null}
      <ul data-testid="call-wrapups">
        {detail.wrapups.map((w) => (
          <li key={w.agent}>
            <strong>{w.agent}</strong>: {w.disposition ?? 'no disposition'}
            {w.notes ? <p className="notes">{w.notes}</p> : null}
          </li>
        ))}
      </ul>
      {detail.recording_audio_url || detail.voicemails.length > 0 ? <h3 className="panel">Recordings</h3> : null}
      {detail.recording_audio_url ? <audio controls preload="none" src={detail.recording_audio_url} aria-label="Call recording" data-testid="call-recording" /> : null}
      {detail.voicemails.map((v) => (
        <audio key={v.id} controls preload="none" src={v.audio_url} aria-label={`Voicemail (${seconds(v.duration_s)})`} data-testid="call-voicemail" />
      ))}
    </section>
  );
}
