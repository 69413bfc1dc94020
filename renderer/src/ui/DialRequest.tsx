/**
 * Click to dial (desktop): a tel:, callto: or sip: link opened the app. The number, checked
 * and formatted by main, is shown with Call and Cancel; nothing is dialled until the agent
 * clicks Call. A link without a callable number is said so here too.
 */
import { useEffect, useRef, useState } from 'react';
import type { DialRequestPayload } from '../../../common/ipc-contract';
import type { Bridge } from '../bridge';
import type { DialOutcome } from '../softphone/softphone';

/** The card, shown while a link waits for the agent's choice. */
export function DialRequest({ bridge, ready, onDial }: { bridge: Bridge; ready: boolean; onDial: (number: string) => Promise<DialOutcome> }) {
  const [request, setRequest] = useState<DialRequestPayload | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  // Subscribed before the phone says ready, so a link that launched the app is not lost.
  useEffect(
    () =>
      bridge.onDialRequest((next) => {
        setRequest(next);
        setError(null);
      }),
    [bridge],
  );
  useEffect(() => {
    if (request) heading.current?.focus();
  }, [request]);

  if (!request) return null;
  const cancel = () => setRequest(null);

  if (!request.ok) {
    return (
      <section className="card dial-request" data-testid="dial-request" aria-labelledby="dial-request-title">
        <h2 id="dial-request-title" ref={heading} tabIndex={-1}>
          Cannot call this link
        </h2>
        <p className="error" data-testid="dial-request-error">
          {request.message}
        </p>
        <button type="button" className="link" data-testid="dial-request-cancel" onClick={cancel}>
          Close
        </button>
      </section>
    );
  }

  const call = async () => {
    setBusy(true);
    try {
      const outcome = await onDial(`+${request.number}`);
      if (outcome.ok) setRequest(null);
      else setError(outcome.message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card dial-request" data-testid="dial-request" aria-labelledby="dial-request-title">
      <h2 id="dial-request-title" ref={heading} tabIndex={-1}>
        Call this number?
      </h2>
      <p className="caller" data-testid="dial-request-number">
        {request.display}
      </p>
      {error && (
        <p className="error" role="alert" data-testid="dial-request-error">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="answer" data-testid="dial-request-call" disabled={!ready || busy} onClick={() => void call()}>
          Call
        </button>
        <button type="button" className="decline" data-testid="dial-request-cancel" onClick={cancel}>
          Cancel
        </button>
      </div>
      {!ready && <p className="hint">You can call once your current call has ended and the phone is connected.</p>}
    </section>
  );
}
