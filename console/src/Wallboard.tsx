import { useEffect, useState } from 'react';
import { awayReasonText } from '../../common/backend-api';
import type { WallboardSnapshot } from '../../common/console-api';
import { api } from './api';
import { duration, phone, since } from './format';
import { MonitorControls, MonitorStatus } from './MonitorControls';

const STATUS_LABEL: Record<string, string> = {
  available: 'Available',
  busy: 'On a call',
  away: 'Away',
  'wrap-up': 'Wrap-up',
  offline: 'Offline',
};

const CALL_STATE_LABEL: Record<string, string> = { waiting: 'Waiting', ringing: 'Ringing', talking: 'Talking', 'in-flow': 'In menu / flow' };

/**
 * The live wallboard: the backend pushes the whole board on every change (server-sent
 * events); the page only counts the seconds between pushes, on a clock set by the server's.
 */
export function Wallboard() {
  const [board, setBoard] = useState<WallboardSnapshot | null>(null);
  const [offsetMs, setOffsetMs] = useState(0);
  const [connected, setConnected] = useState(false);
  const [now, setNow] = useState(() => Date.now());
  const [large, setLarge] = useState(() => localStorage.getItem('console.largeType') === '1');

  useEffect(() => {
    const source = new EventSource('/api/console/wallboard/events');
    source.addEventListener('board', (event) => {
      const next = JSON.parse((event as MessageEvent<string>).data) as WallboardSnapshot;
      setOffsetMs(Date.parse(next.at) - Date.now());
      setBoard(next);
      setConnected(true);
    });
    source.onerror = () => {
      setConnected(false);
      // Signed out elsewhere, or the session ended: the session read's 401 shows the sign-in.
      api('GET', '/api/console/session').catch(() => undefined);
    };
    return () => source.close();
  }, []);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    localStorage.setItem('console.largeType', large ? '1' : '0');
    document.body.classList.toggle('large-type', large);
    return () => document.body.classList.remove('large-type');
  }, [large]);

  const serverNow = now + offsetMs;
  return (
    <section aria-labelledby="wallboard-title" data-testid="wallboard">
      <div className="page-bar">
        <h1 id="wallboard-title">Wallboard</h1>
        <span className={connected ? 'live live-on' : 'live'} role="status" data-testid="wallboard-live">
          {connected ? 'Live' : 'Connecting…'}
        </span>
        <button type="button" className="secondary" aria-pressed={large} onClick={() => setLarge(!large)} data-testid="large-type">
          Large type
        </button>
      </div>
      {board === null ? (
        <p className="muted">Loading the board…</p>
      ) : (
        <>
          <h2>Queues</h2>
          {board.queues.length === 0 ? (
            <p className="muted">No queues are configured.</p>
          ) : (
            <div className="tiles" data-testid="wallboard-queues">
              {board.queues.map((q) => (
                <article className="tile" key={q.name} data-testid={`queue-${q.name}`} aria-label={`Queue ${q.label || q.name}`}>
                  <h3>{q.label || q.name}</h3>
                  <dl>
                    <div>
                      <dt>Waiting</dt>
                      <dd data-testid="queue-waiting" className={q.waiting > 0 ? 'hot' : ''}>
                        {q.waiting}
                      </dd>
                    </div>
                    <div>
                      <dt>Longest wait</dt>
                      <dd data-testid="queue-longest">{q.oldest_waiting_since ? duration(since(q.oldest_waiting_since, serverNow)) : '—'}</dd>
                    </div>
                    <div>
                      <dt>Answered today</dt>
                      <dd data-testid="queue-answered">{q.answered_today}</dd>
                    </div>
                    <div>
                      <dt>Abandoned today</dt>
                      <dd data-testid="queue-abandoned">{q.abandoned_today}</dd>
                    </div>
                    <div>
                      <dt>Service level ({q.service_level_target_s} s target)</dt>
                      <dd data-testid="queue-sl">{q.service_level === null ? '—' : `${Math.round(q.service_level * 100)} %`}</dd>
                    </div>
                  </dl>
                </article>
              ))}
            </div>
          )}

          <h2>Agents</h2>
          <table data-testid="wallboard-agents">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Status</th>
                <th scope="col">Time in status</th>
                <th scope="col">Current call</th>
                <th scope="col">Call time</th>
              </tr>
            </thead>
            <tbody>
              {board.agents.map((a) => (
                <tr key={a.name} data-testid={`agent-${a.name}`} data-status={a.status}>
                  <th scope="row">{a.display_name}</th>
                  <td>
                    <span className={`presence presence-${a.status}`}>{STATUS_LABEL[a.status] ?? a.status}</span>
                    {a.reason ? <span className="muted"> · {awayReasonText(a.reason)}</span> : null}
                  </td>
                  <td className="num">{duration(since(a.since, serverNow))}</td>
                  <td data-testid="agent-call">{a.call ? `${a.call.state === 'ringing' ? 'Ringing: ' : ''}${phone(a.call.from)}${a.call.queue ? ` · ${a.call.queue}` : a.call.flow ? ` · ${a.call.flow}` : ''}` : '—'}</td>
                  <td className="num">{a.call ? duration(since(a.call.since, serverNow)) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <h2>Calls in progress</h2>
          <MonitorStatus />
          {board.calls.length === 0 ? (
            <p className="muted" data-testid="no-calls">
              No calls right now.
            </p>
          ) : (
            <table data-testid="wallboard-calls">
              <thead>
                <tr>
                  <th scope="col">Caller</th>
                  <th scope="col">Number</th>
                  <th scope="col">Flow</th>
                  <th scope="col">Agent</th>
                  <th scope="col">State</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Monitor</th>
                </tr>
              </thead>
              <tbody>
                {board.calls.map((c) => (
                  <tr key={c.conversation_uuid} data-testid="call-row" data-state={c.state}>
                    <th scope="row">{phone(c.from)}</th>
                    <td>{phone(c.to)}</td>
                    <td>{[c.flow, c.queue].filter(Boolean).join(' · ') || '—'}</td>
                    <td data-testid="call-agent">{c.agent ?? '—'}</td>
                    <td data-testid="call-state">{CALL_STATE_LABEL[c.state] ?? c.state}</td>
                    <td className="num">{duration(since(c.started_at, serverNow))}</td>
                    <td>
                      <MonitorControls call={c} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
