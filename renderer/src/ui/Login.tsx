/**
 * Sign-in form: agent name and password; errors shown in the form, never lost.
 */
import { useState, type FormEvent } from 'react';
import type { SessionInfo } from '../../../common/ipc-contract';
import type { Bridge } from '../bridge';

/** The login screen. */
export function Login({ bridge, notice, onSignedIn }: { bridge: Bridge; notice?: string; onSignedIn: (s: SessionInfo) => void }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim() || !password) {
      setError(!name.trim() ? 'Enter your agent name.' : 'Enter your password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const outcome = await bridge.login(name.trim(), password);
      if (outcome.ok) onSignedIn(outcome.session);
      else setError(outcome.error);
    } catch {
      setError('Sign-in failed. Check the name and try again.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card login" onSubmit={submit} noValidate>
      <h1>Switchboard</h1>
      <p className="muted">Sign in to take calls.</p>
      {notice && <p className="notice">{notice}</p>}
      <label>
        Agent name
        <input data-testid="login-name" autoComplete="username" value={name} onChange={(e) => setName(e.target.value)} autoFocus />
      </label>
      <label>
        Password
        <input
          data-testid="login-password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {error && (
        <p className="error" role="alert" data-testid="login-error">
          {error}
        </p>
      )}
      <button data-testid="login-submit" type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
