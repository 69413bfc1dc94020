/**
 * The queues page: each queue's line right now, and its settings — greeting, hold music,
 * position announcements, agent whisper, who serves it, how long agents ring, maximum wait
 * and length, service-level target, and where calls go on timeout, overflow and when no
 * agent serves it. The form starts from the backend's own schema (`common/queue-settings.ts`),
 * and a refusal appears beside the field it names.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ConsoleRole } from '../../common/console-api';
import { queueSettings } from '../../common/queue-settings';
import { api } from './api';
import { Field, SaveNotice, messageFor, messageOf, useSettingsForm, type Draft, type Notice } from './fields';
import { duration } from './format';


/** A queue as `GET /api/admin/queues` lists it (the fields the page uses). */
interface QueueRow {
  name: string;
  label: string | null;
  waiting: unknown[];
  longest_wait_s: number;
  agents: Array<{ name: string; status: string }>;
  settings: Draft;
}

export function Queues({ role }: { role: ConsoleRole }) {
  const admin = role === 'admin';
  const [queues, setQueues] = useState<QueueRow[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [adding, setAdding] = useState('');
  const [notice, setNotice] = useState<Notice | null>(null);

  const reload = useCallback(async () => {
    try {
      setQueues((await api<{ queues: QueueRow[] }>('GET', '/api/admin/queues')).queues);
    } catch (e) {
      setNotice({ kind: 'error', text: messageOf(e) });
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  const addQueue = (event: FormEvent) => {
    event.preventDefault();
    if (adding.trim() === '') return;
    setSelected(adding.trim());
    setAdding('');
  };

  const current = queues.find((q) => q.name.toLowerCase() === selected?.toLowerCase());
  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queues</h1>
      {!admin ? <p className="muted">Supervisors see the queues; an admin changes them.</p> : null}
      <SaveNotice notice={notice} testId="queues-notice" />
      <table data-testid="queues-table">
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Waiting</th>
            <th scope="col">Longest wait</th>
            <th scope="col">Max wait</th>
            <th scope="col">Max length</th>
            <th scope="col">Service level target</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {queues.map((q) => (
            <tr key={q.name} data-testid={`queue-row-${q.name}`}>
              <th scope="row">
                {q.name}
                {q.label ? <span className="muted small"> {q.label}</span> : null}
              </th>
              <td className="num">{q.waiting.length}</td>
              <td className="num">{duration(q.longest_wait_s)}</td>
              <td className="num" data-testid={`queue-max-wait-${q.name}`}>
                {duration(Number(q.settings.max_wait_s))}
              </td>
              <td className="num">{String(q.settings.max_length)}</td>
              <td className="num" data-testid={`queue-sl-${q.name}`}>
                {String(q.settings.service_level_s)} s
              </td>
              <td>
                <button type="button" className="secondary" aria-expanded={current?.name === q.name} data-testid={`edit-queue-${q.name}`} onClick={() => setSelected(current?.name === q.name ? null : q.name)}>
                  {current?.name === q.name ? 'Close' : admin ? 'Edit' : 'View'}
                  <span className="visually-hidden"> queue {q.name}</span>
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {admin ? (
        <form className="inline-form card" onSubmit={addQueue} aria-labelledby="new-queue-title">
          <h2 id="new-queue-title">New queue</h2>
          <label>
            Name (letters, digits, _ and -)
            <input value={adding} data-testid="new-queue" onChange={(e) => setAdding(e.target.value)} />
          </label>
          <button type="submit">Set it up</button>
        </form>
      ) : null}
      {selected ? (
        <QueueEditor
          key={`${selected}:${JSON.stringify(current?.settings ?? null)}`}
          name={current?.name ?? selected}
          saved={current?.settings ?? null}
          queues={queues.map((q) => q.name)}
          admin={admin}
          onSaved={async (text) => {
            setNotice({ kind: 'ok', text });
            await reload();
          }}
        />
      ) : null}
    </section>
  );
}

function QueueEditor(props: { name: string; saved: Draft | null; queues: string[]; admin: boolean; onSaved: (text: string) => Promise<void> }) {
  const { draft, error, notice, disabled, set, field, target, save } = useSettingsForm({
    initial: () => props.saved ?? { ...queueSettings.parse({}) },
    url: `/api/admin/queues/${encodeURIComponent(props.name)}`,
    admin: props.admin,
    queues: props.queues,
    savedText: () => `Saved queue ${props.name}`,
    onSaved: props.onSaved,
  });
  // The names as typed ("Jane, " mid-word); the list sent is what they split into.
  const [agentsText, setAgentsText] = useState(() => (Array.isArray(draft.agents) ? (draft.agents as string[]).join(', ') : ''));

  return (
    <form className="card panel flow-form" onSubmit={(e) => void save(e)} aria-labelledby="queue-title" data-testid="queue-editor" noValidate>
      <h2 id="queue-title">Queue {props.name}</h2>
      <SaveNotice notice={notice} testId="queue-notice" />
      <fieldset disabled={disabled} className="plain">
        <legend className="visually-hidden">Queue settings</legend>
        {field('label', 'Label', 'text', 'optional')}
        <h3>Waiting</h3>
        {field('greeting', 'Greeting')}
        <Field label="Hold music URL" hint="optional; the backend’s own music otherwise" path="music_on_hold_url" kind="url" error={error} value={draft.music_on_hold_url} onChange={(v) => set('music_on_hold_url', v ?? null)} disabled={disabled} />
        <label className="check">
          <input type="checkbox" checked={draft.announce_position === true} data-testid="field-announce_position" onChange={(e) => set('announce_position', e.target.checked)} />
          Tell callers their place in line
        </label>
        {field('announce_every_s', 'Announce again every (seconds)', 'number')}
        {field('max_wait_s', 'Maximum wait (seconds)', 'number')}
        {field('max_length', 'Maximum callers waiting', 'number')}
        {field('service_level_s', 'Service-level target: answered within (seconds)', 'number')}
        <h3>Agents</h3>
        <Field label="Agents serving it" hint="names separated by commas; empty means every agent" path="agents" error={error} value={agentsText}
          onChange={(v) => {
            const text = typeof v === 'string' ? v : '';
            setAgentsText(text);
            set(
              'agents',
              text
                .split(',')
                .map((n) => n.trim())
                .filter((n) => n !== ''),
            );
          }} disabled={disabled} />
        {field('ring_timeout_s', 'Ring each agent for (seconds)', 'number')}
        <Field label="Whispered to the agent before the caller joins" hint="optional" path="agent_whisper" error={error} value={draft.agent_whisper} onChange={(v) => set('agent_whisper', v ?? null)} disabled={disabled} />
        <h3>Redirects</h3>
        {target('on_timeout', 'After the maximum wait')}
        {target('on_overflow', 'When the line is full')}
        {target('on_no_agents', 'When no agent serves it')}
        <span className="field-error">{messageFor(error, 'name')}</span>
      </fieldset>
      {props.admin ? (
        <button type="submit" data-testid="save-queue">
          Save queue
        </button>
      ) : null}
    </form>
  );
}
