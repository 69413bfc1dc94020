import { useState, type FormEvent } from 'react';
import type { ConsoleSessionView } from '../../common/console-api';
import { ApiError, api } from './api';

/** The sign-in form: name and password; the backend's refusal is shown in its words. */
export function SignIn({ onSignedIn }: { onSignedIn: (session: ConsoleSessionView) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await api<ConsoleSessionView>('POST', '/api/console/login', { name, password }));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Sign-in failed');
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title">
        <h1 id="signin-title">Switchboard console</h1>
        <p className="muted">Sign in as an admin or a supervisor.</p>
        <label>
          Name
          <input data-testid="signin-name" autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} required autoFocus />
        </label>
        <label>
          Password
          <input data-testid="signin-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        <p className="error" role="alert" data-testid="signin-error">
          {error}
        </p>
        <button type="submit" disabled={busy} data-testid="signin-submit">
          Sign in
        </button>
      </form>
    </main>
  );
}
