import { useCallback, useEffect, useState } from 'react';
import type { ConsoleVoicemail, ConsoleVoicemailPage } from '../../common/console-api';
import { ApiError, api } from './api';
import { duration, phone } from './format';

/** The voicemails page: by queue, open or handled; play, assign to an agent, mark handled. */
export function Voicemails() {
  const [queue, setQueue] = useState('');
  const [state, setState] = useState<'open' | 'handled' | 'all'>('open');
  const [queues, setQueues] = useState<Array<{ name: string; label: string | null }>>([]);
  const [agents, setAgents] = useState<string[]>([]);
  const [items, setItems] = useState<ConsoleVoicemail[] | null>(null);
  const [playing, setPlaying] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string }>({ kind: 'ok', text: '' });

  useEffect(() => {
    api<{ queues: Array<{ name: string; label: string | null }> }>('GET', '/api/admin/queues').then((q) => setQueues(q.queues), () => undefined);
    api<Array<{ name: string; disabled: boolean }>>('GET', '/api/admin/agents').then((a) => setAgents(a.filter((x) => !x.disabled).map((x) => x.name)), () => undefined);
  }, []);

  const load = useCallback(async () => {
    const params = new URLSearchParams({ state, limit: '100' });
    if (queue) params.set('queue', queue);
    try {
      setItems((await api<ConsoleVoicemailPage>('GET', `/api/console/voicemails?${params.toString()}`)).voicemails);
    } catch (e) {
      setMessage({ kind: 'error', text: e instanceof ApiError ? e.message : 'Voicemails could not be read' });
    }
  }, [queue, state]);
  useEffect(() => void load(), [load]);

  const act = async (work: () => Promise<ConsoleVoicemail>, done: string) => {
    try {
      await work();
      setMessage({ kind: 'ok', text: done });
      await load();
    } catch (e) {
      setMessage({ kind: 'error', text: e instanceof ApiError ? e.message : 'That did not work' });
    }
  };

  return (
    <section aria-labelledby="voicemails-title">
      <h1 id="voicemails-title">Voicemails</h1>
      <div className="filters">
        <label className="inline">
          Queue
          <select value={queue} onChange={(e) => setQueue(e.target.value)} data-testid="vm-queue">
            <option value="">Every queue</option>
            <option value="-">No queue (shared mailbox)</option>
            {queues.map((q) => (
              <option key={q.name} value={q.name}>
                {q.label || q.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          Show
          <select value={state} onChange={(e) => setState(e.target.value as typeof state)} data-testid="vm-state">
            <option value="open">Not handled</option>
            <option value="handled">Handled</option>
            <option value="all">All</option>
          </select>
        </label>
      </div>
      <p className={message.kind === 'error' ? 'error' : 'ok'} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="vm-notice">
        {message.text}
      </p>
      {items !== null && items.length === 0 ? (
        <p className="muted" data-testid="vm-empty">
          No voicemails here.
        </p>
      ) : null}
      {items !== null && items.length > 0 ? (
        <table data-testid="voicemails">
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Caller</th>
              <th scope="col">Queue</th>
              <th scope="col">Length</th>
              <th scope="col">Message</th>
              <th scope="col">Assigned to</th>
              <th scope="col">Handled</th>
            </tr>
          </thead>
          <tbody>
            {items.map((v) => (
              <tr key={v.id} data-testid="vm-row" data-handled={v.handled_at !== null}>
                <td>{new Date(v.created_at).toLocaleString()}</td>
                <th scope="row">{phone(v.caller)}</th>
                <td>{v.queue ?? '—'}</td>
                <td className="num">{v.duration_s === null ? '—' : duration(v.duration_s)}</td>
                <td>
                  {playing === v.id ? (
                    <audio controls autoPlay src={v.audio_url} data-testid="vm-audio" aria-label={`Voicemail from ${phone(v.caller)}`} />
                  ) : (
                    <button type="button" className="secondary" onClick={() => setPlaying(v.id)} data-testid="vm-play">
                      Play<span className="visually-hidden"> the voicemail from {phone(v.caller)}</span>
                    </button>
                  )}
                </td>
                <td>
                  <label className="inline">
                    <span className="visually-hidden">Assign the voicemail from {phone(v.caller)} to</span>
                    <select
                      value={v.assigned_to ?? ''}
                      data-testid="vm-assign"
                      onChange={(e) =>
                        void act(
                          () => api('POST', `/api/console/voicemails/${v.id}/assign`, { agent: e.target.value || null }),
                          e.target.value ? `Assigned to ${e.target.value}` : 'Unassigned',
                        )
                      }
                    >
                      <option value="">Nobody</option>
                      {[...new Set([...(v.assigned_to ? [v.assigned_to] : []), ...agents])].map((a) => (
                        <option key={a} value={a}>
                          {a}
                        </option>
                      ))}
                    </select>
                  </label>
                </td>
                <td>
                  {v.handled_at ? (
                    <span data-testid="vm-handled">
                      by {v.handled_by ?? '—'}, {new Date(v.handled_at).toLocaleString()}{' '}
                    </span>
                  ) : null}
                  <button
                    type="button"
                    className="secondary"
                    data-testid="vm-toggle-handled"
                    onClick={() => void act(() => api('POST', `/api/console/voicemails/${v.id}/handled`, { handled: v.handled_at === null }), v.handled_at === null ? 'Marked handled' : 'Reopened')}
                  >
                    {v.handled_at === null ? 'Mark handled' : 'Reopen'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
