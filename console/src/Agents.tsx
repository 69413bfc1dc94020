import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { AgentDayView, ConsoleRole } from '../../common/console-api';
import { ApiError, api } from './api';
import { duration, phone } from './format';

/** An agent as `GET /api/admin/agents` lists them (the fields the page uses). */
interface AgentRow {
  name: string;
  display_name: string;
  disabled: boolean;
  status: string;
  status_since: string;
}

/** A queue as `GET /api/admin/queues` lists them (the fields the page uses). */
interface QueueRow {
  name: string;
  label: string | null;
  settings: { agents: string[] } & Record<string, unknown>;
}

/** A message after an action: what happened, or the backend's refusal with its field. */
interface Notice {
  kind: 'ok' | 'error';
  text: string;
  field?: string | undefined;
}

function noticeOf(error: unknown): Notice {
  return error instanceof ApiError ? { kind: 'error', text: error.message, field: error.field } : { kind: 'error', text: 'Something went wrong' };
}

/** The agents page: who they are, whether they may sign in, what they serve, and their day. */
export function Agents({ role }: { role: ConsoleRole }) {
  const admin = role === 'admin';
  const [agents, setAgents] = useState<AgentRow[]>([]);
  const [queues, setQueues] = useState<QueueRow[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);

  const reload = useCallback(async () => {
    try {
      const [list, q] = await Promise.all([api<AgentRow[]>('GET', '/api/admin/agents'), api<{ queues: QueueRow[] }>('GET', '/api/admin/queues')]);
      setAgents(list);
      setQueues(q.queues);
    } catch (e) {
      setNotice(noticeOf(e));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  const act = async (work: () => Promise<unknown>, done: string) => {
    setNotice(null);
    try {
      await work();
      setNotice({ kind: 'ok', text: done });
      await reload();
      return true;
    } catch (e) {
      setNotice(noticeOf(e));
      return false;
    }
  };

  const current = agents.find((a) => a.name === selected) ?? null;
  return (
    <section aria-labelledby="agents-title">
      <h1 id="agents-title">Agents</h1>
      {!admin ? <p className="muted">Supervisors see agents and their day; an admin changes them.</p> : null}
      <p className={notice?.kind === 'error' ? 'error' : 'ok'} role={notice?.kind === 'error' ? 'alert' : 'status'} data-testid="agents-notice">
        {notice?.text ?? ''}
      </p>
      {admin ? <NewAgent onCreate={(body) => act(() => api('POST', '/api/admin/agents', body), `Created ${body.name}`)} error={notice} /> : null}
      <table data-testid="agents-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Display name</th>
            <th scope="col">Status</th>
            <th scope="col">Sign-in</th>
            <th scope="col">Queues</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {agents.map((a) => {
            const served = queues.filter((q) => q.settings.agents.length === 0 || q.settings.agents.some((n) => n.toLowerCase() === a.name.toLowerCase()));
            return (
              <tr key={a.name} data-testid={`agent-row-${a.name}`} data-disabled={a.disabled}>
                <th scope="row">{a.name}</th>
                <td>{a.display_name}</td>
                <td>
                  <span className={`presence presence-${a.status}`}>{a.status}</span>
                </td>
                <td>{a.disabled ? 'Disabled' : 'Enabled'}</td>
                <td>{served.map((q) => q.label || q.name).join(', ') || '—'}</td>
                <td>
                  <button type="button" className="secondary" aria-expanded={selected === a.name} onClick={() => setSelected(selected === a.name ? null : a.name)} data-testid={`open-${a.name}`}>
                    {selected === a.name ? 'Close' : 'Open'}
                    <span className="visually-hidden"> {a.name}</span>
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {current ? <AgentPanel key={current.name} agent={current} queues={queues} admin={admin} act={act} /> : null}
      <p className="muted small">
        Away reasons and dispositions have their own lists: <a href="/console/lists">Reasons and dispositions</a>.
      </p>
    </section>
  );
}

function NewAgent({ onCreate, error }: { onCreate: (body: { name: string; display_name: string; password: string }) => Promise<boolean>; error: Notice | null }) {
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await onCreate({ name, display_name: displayName || name, password })) {
      setName('');
      setDisplayName('');
      setPassword('');
    }
  };
  const invalid = (field: string) => (error?.kind === 'error' && error.field === field ? true : undefined);
  return (
    <form className="inline-form card" onSubmit={(e) => void submit(e)} aria-labelledby="new-agent-title">
      <h2 id="new-agent-title">New agent</h2>
      <label>
        Name
        <input data-testid="new-agent-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={invalid('name')} required />
      </label>
      <label>
        Display name
        <input data-testid="new-agent-display" value={displayName} onChange={(e) => setDisplayName(e.target.value)} aria-invalid={invalid('display_name')} />
      </label>
      <label>
        Password (8 characters or more)
        <input data-testid="new-agent-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={invalid('password')} required />
      </label>
      <button type="submit" data-testid="new-agent-submit">
        Create agent
      </button>
    </form>
  );
}

function AgentPanel({ agent, queues, admin, act }: { agent: AgentRow; queues: QueueRow[]; admin: boolean; act: (work: () => Promise<unknown>, done: string) => Promise<boolean> }) {
  const [displayName, setDisplayName] = useState(agent.display_name);
  const [password, setPassword] = useState('');
  const path = `/api/admin/agents/${encodeURIComponent(agent.name)}`;

  const setServes = (queue: QueueRow, serves: boolean) => {
    const others = queue.settings.agents.filter((n) => n.toLowerCase() !== agent.name.toLowerCase());
    const settings = { ...queue.settings, agents: serves ? [...others, agent.name] : others };
    return act(() => api('PUT', `/api/admin/queues/${encodeURIComponent(queue.name)}`, settings), `${agent.name} ${serves ? 'now serves' : 'no longer serves'} ${queue.label || queue.name}`);
  };

  return (
    <section className="card panel" aria-labelledby="agent-panel-title" data-testid="agent-panel">
      <h2 id="agent-panel-title">{agent.display_name}</h2>
      {admin ? (
        <div className="panel-grid">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void act(() => api('PATCH', path, { display_name: displayName }), 'Display name saved');
            }}
          >
            <label>
              Display name
              <input data-testid="edit-display-name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
            </label>
            <button type="submit">Save name</button>
          </form>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void act(() => api('POST', `${path}/password`, { password }), `Password reset; ${agent.name} is signed out everywhere`).then((ok) => ok && setPassword(''));
            }}
          >
            <label>
              New password
              <input data-testid="reset-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
            <button type="submit">Reset password</button>
          </form>
          <div>
            {agent.disabled ? (
              <button type="button" data-testid="enable-agent" onClick={() => void act(() => api('POST', `${path}/enable`), `${agent.name} may sign in again`)}>
                Enable {agent.name}
              </button>
            ) : (
              <button type="button" className="danger" data-testid="disable-agent" onClick={() => void act(() => api('POST', `${path}/disable`), `${agent.name} is disabled and signed out`)}>
                Disable {agent.name}
              </button>
            )}
          </div>
          <fieldset>
            <legend>Queues served</legend>
            {queues.length === 0 ? <p className="muted">No queues are configured.</p> : null}
            {queues.map((q) => {
              const everyone = q.settings.agents.length === 0;
              const serves = everyone || q.settings.agents.some((n) => n.toLowerCase() === agent.name.toLowerCase());
              return (
                <label className="check" key={q.name}>
                  <input type="checkbox" checked={serves} disabled={everyone} onChange={(e) => void setServes(q, e.target.checked)} data-testid={`serves-${q.name}`} />
                  {q.label || q.name}
                  {everyone ? <span className="muted"> (every agent: the queue names none)</span> : null}
                </label>
              );
            })}
          </fieldset>
        </div>
      ) : null}
      <AgentDay name={agent.name} />
    </section>
  );
}

const STATUS_ORDER = ['available', 'busy', 'wrap-up', 'away', 'offline'];

function AgentDay({ name }: { name: string }) {
  const [date, setDate] = useState(() => new Date().toISOString().slice(0, 10));
  const [day, setDay] = useState<AgentDayView | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let live = true;
    api<AgentDayView>('GET', `/api/console/agents/${encodeURIComponent(name)}/day?date=${date}`).then(
      (d) => live && (setDay(d), setError('')),
      (e: unknown) => live && setError(e instanceof ApiError ? e.message : 'The day could not be read'),
    );
    return () => {
      live = false;
    };
  }, [name, date]);
  const statuses = day ? [...STATUS_ORDER.filter((s) => s in day.time_in_status), ...Object.keys(day.time_in_status).filter((s) => !STATUS_ORDER.includes(s))] : [];
  return (
    <div className="day" data-testid="agent-day">
      <h3>Day (UTC)</h3>
      <label className="inline">
        Date
        <input type="date" value={date} onChange={(e) => setDate(e.target.value)} data-testid="day-date" />
      </label>
      <p className="error" role="alert">
        {error}
      </p>
      {day ? (
        <>
          <dl className="totals">
            <div>
              <dt>Calls offered</dt>
              <dd data-testid="day-offered">{day.totals.offered}</dd>
            </div>
            <div>
              <dt>Answered</dt>
              <dd>{day.totals.answered}</dd>
            </div>
            <div>
              <dt>Talk</dt>
              <dd>{duration(day.totals.talk_s)}</dd>
            </div>
            <div>
              <dt>Hold</dt>
              <dd>{duration(day.totals.hold_s)}</dd>
            </div>
            <div>
              <dt>Wrap-up</dt>
              <dd>{duration(day.totals.wrap_up_s)}</dd>
            </div>
            <div>
              <dt>Handle time</dt>
              <dd>{duration(day.totals.handle_s)}</dd>
            </div>
            {statuses.map((s) => (
              <div key={s}>
                <dt>Time {s}</dt>
                <dd data-testid={`day-status-${s}`}>{duration(day.time_in_status[s] ?? 0)}</dd>
              </div>
            ))}
          </dl>
          {day.calls.length > 0 ? (
            <table>
              <thead>
                <tr>
                  <th scope="col">Offered</th>
                  <th scope="col">Party</th>
                  <th scope="col">Queue</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Talk</th>
                  <th scope="col">Handle</th>
                </tr>
              </thead>
              <tbody>
                {day.calls.map((c) => (
                  <tr key={c.leg_uuid}>
                    <td>{new Date(c.offered_at).toLocaleTimeString()}</td>
                    <td>{phone(c.party)}</td>
                    <td>{c.queue ?? '—'}</td>
                    <td>{c.answered_at ? 'answered' : (c.end_status ?? c.outcome ?? '—')}</td>
                    <td>{duration(c.talk_s ?? 0)}</td>
                    <td>{duration(c.handle_s)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No calls this day.</p>
          )}
        </>
      ) : null}
    </div>
  );
}
