import { useEffect, useState } from 'react';
import type { AuditEntry, AuditPage } from '../../common/console-api';
import { ApiError, api } from './api';

/** What changed between before and after, one line per top-level field. */
function changes(entry: AuditEntry): string[] {
  const before = (entry.before ?? {}) as Record<string, unknown>;
  const after = (entry.after ?? {}) as Record<string, unknown>;
  if (typeof before !== 'object' || typeof after !== 'object') return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const lines: string[] = [];
  for (const key of keys) {
    const a = JSON.stringify(before[key]);
    const b = JSON.stringify(after[key]);
    if (a !== b && key !== 'updated_at' && key !== 'status_since') lines.push(`${key}: ${a ?? '—'} → ${b ?? '—'}`);
  }
  return lines;
}

/** The audit log: every configuration change, newest first. */
export function Audit() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState('');

  const load = async (before: number | null) => {
    try {
      const page = await api<AuditPage>('GET', `/api/console/audit?limit=50${before ? `&before=${before}` : ''}`);
      setEntries((current) => (before ? [...current, ...page.entries] : page.entries));
      setNext(page.next_before);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'The audit log could not be read');
    }
  };
  useEffect(() => void load(null), []);

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <p className="error" role="alert">
        {error}
      </p>
      <table data-testid="audit">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Target</th>
            <th scope="col">Changed</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-testid="audit-row">
              <td>{new Date(e.at).toLocaleString()}</td>
              <td>
                {e.actor} <span className="muted">({e.actor_role})</span>
              </td>
              <td>{e.action}</td>
              <td>{e.target ?? '—'}</td>
              <td>
                <ul className="changes">
                  {changes(e).map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {entries.length === 0 && !error ? <p className="muted">No changes yet.</p> : null}
      {next !== null ? (
        <button type="button" className="secondary" onClick={() => void load(next)}>
          Older changes
        </button>
      ) : null}
    </section>
  );
}
