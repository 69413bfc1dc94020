import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ConsoleRole } from '../../common/console-api';
import { ApiError, api } from './api';

/** A console user as `GET /api/admin/console-users` lists them. */
interface Person {
  name: string;
  display_name: string;
  role: ConsoleRole;
  disabled: boolean;
}

/** The console's own people: admins and supervisors. Admins add them, change roles, disable, reset passwords. */
export function People({ role, me }: { role: ConsoleRole; me: string }) {
  const admin = role === 'admin';
  const [people, setPeople] = useState<Person[]>([]);
  const [notice, setNotice] = useState<{ kind: 'ok' | 'error'; text: string; field?: string | undefined }>({ kind: 'ok', text: '' });
  const [form, setForm] = useState({ name: '', display_name: '', role: 'supervisor' as ConsoleRole, password: '' });

  const reload = useCallback(async () => setPeople(await api<Person[]>('GET', '/api/admin/console-users')), []);
  useEffect(() => void reload().catch(() => undefined), [reload]);

  const act = async (work: () => Promise<unknown>, done: string): Promise<boolean> => {
    try {
      await work();
      setNotice({ kind: 'ok', text: done });
      await reload();
      return true;
    } catch (e) {
      setNotice(e instanceof ApiError ? { kind: 'error', text: e.message, field: e.field } : { kind: 'error', text: 'That did not work' });
      return false;
    }
  };

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const body = { name: form.name, role: form.role, password: form.password, ...(form.display_name ? { display_name: form.display_name } : {}) };
    if (await act(() => api('POST', '/api/admin/console-users', body), `Added ${form.name}`)) setForm({ name: '', display_name: '', role: 'supervisor', password: '' });
  };
  const invalid = (field: string) => (notice.kind === 'error' && notice.field === field ? true : undefined);
  const path = (p: Person) => `/api/admin/console-users/${encodeURIComponent(p.name)}`;

  return (
    <section aria-labelledby="people-title">
      <h1 id="people-title">People</h1>
      <p className="muted">Admins change configuration; supervisors see and monitor.</p>
      <p className={notice.kind === 'error' ? 'error' : 'ok'} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="people-notice">
        {notice.text}
      </p>
      {admin ? (
        <form className="inline-form card" onSubmit={(e) => void create(e)} aria-labelledby="new-person-title">
          <h2 id="new-person-title">New console user</h2>
          <label>
            Name
            <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} aria-invalid={invalid('name')} required data-testid="person-name" />
          </label>
          <label>
            Display name
            <input value={form.display_name} onChange={(e) => setForm({ ...form, display_name: e.target.value })} aria-invalid={invalid('display_name')} />
          </label>
          <label>
            Role
            <select value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as ConsoleRole })} data-testid="person-role">
              <option value="supervisor">Supervisor</option>
              <option value="admin">Admin</option>
            </select>
          </label>
          <label>
            Password (8 characters or more)
            <input type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} aria-invalid={invalid('password')} required data-testid="person-password" />
          </label>
          <button type="submit" data-testid="person-submit">
            Add
          </button>
        </form>
      ) : null}
      <table data-testid="people">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Display name</th>
            <th scope="col">Role</th>
            <th scope="col">Sign-in</th>
            {admin ? (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {people.map((p) => (
            <tr key={p.name} data-testid={`person-${p.name}`}>
              <th scope="row">{p.name}</th>
              <td>{p.display_name}</td>
              <td>{p.role}</td>
              <td>{p.disabled ? 'Disabled' : 'Enabled'}</td>
              {admin ? (
                <td className="row-actions">
                  {p.name !== me ? (
                    <>
                      <button type="button" className="secondary" onClick={() => void act(() => api('PATCH', path(p), { role: p.role === 'admin' ? 'supervisor' : 'admin' }), `${p.name} is now ${p.role === 'admin' ? 'a supervisor' : 'an admin'}`)}>
                        Make {p.role === 'admin' ? 'supervisor' : 'admin'}
                        <span className="visually-hidden"> ({p.name})</span>
                      </button>
                      <button type="button" className="secondary" onClick={() => void act(() => api('POST', `${path(p)}/${p.disabled ? 'enable' : 'disable'}`), `${p.name} ${p.disabled ? 'may sign in again' : 'is disabled and signed out'}`)}>
                        {p.disabled ? 'Enable' : 'Disable'}
                        <span className="visually-hidden"> {p.name}</span>
                      </button>
                    </>
                  ) : (
                    <span className="muted">you</span>
                  )}
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
