/**
 * Dialling out: a number field with a keypad; the number is checked (E.164) before the call
 * is placed, with the reason shown in place when it is not a valid number.
 */
import { useState, type FormEvent } from 'react';
import type { DialOutcome } from '../softphone/softphone';
import { DIAL_KEYS, Keypad } from './Keypad';

/** The dial pad shown while no call is in progress. */
export function Dialer({ ready, onDial }: { ready: boolean; onDial: (number: string) => Promise<DialOutcome> }) {
  const [number, setNumber] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const outcome = await onDial(number);
      setError(outcome.ok ? null : outcome.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card dialer" data-testid="dialer" onSubmit={(e) => void submit(e)} noValidate>
      <label>
        Call a number
        <input
          data-testid="dial-number"
          type="tel"
          inputMode="tel"
          autoComplete="off"
          placeholder="+1 415 555 0100"
          value={number}
          aria-invalid={error !== null}
          aria-describedby={error ? 'dial-error' : undefined}
          onChange={(e) => {
            setNumber(e.target.value);
            setError(null);
          }}
        />
      </label>
      <Keypad keys={DIAL_KEYS} label="Keypad" testIdPrefix="dial-key" onKey={(key) => setNumber((n) => n + key)} />
      {error && (
        <p className="error" id="dial-error" data-testid="dial-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="answer" data-testid="dial-button" disabled={!ready || busy || number.trim() === ''}>
        Call
      </button>
    </form>
  );
}
