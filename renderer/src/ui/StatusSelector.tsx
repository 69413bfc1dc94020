/**
 * The agent's one status line: what is true right now (available, on a call, wrap-up with its
 * countdown, away with the reason, offline, reconnecting — never Available while the voice
 * session or the server's link to the app is down), kept current by the backend's pushed
 * events and the softphone, with the agent's own choice of available or away (and a reason
 * from the list the admin configures).
 */
import { useEffect, useId, useState } from 'react';
import type { AgentStatusInfoPayload } from '../../../common/ipc-contract';
import type { Bridge } from '../bridge';
import type { SoftphoneView } from '../softphone/softphone';
import { formatDuration } from './format';
import { statusLine } from './status-line';
import type { AgentStatusState } from './use-agent-status';

/**
 * Status line, wrap-up countdown and the Available / Away choice. The status comes from the
 * page's one {@link AgentStatusState}; the away reasons are read once `startedUp`.
 */
export function StatusSelector({ bridge, view, onCall, agentStatus, startedUp = true }: { bridge: Bridge; view: SoftphoneView; onCall: boolean; agentStatus: AgentStatusState; startedUp?: boolean }) {
  const { info, readError, set: setInfo } = agentStatus;
  const [reasons, setReasons] = useState<string[]>([]);
  const [reason, setReason] = useState('');
  const [pending, setPending] = useState(false);
  // A refusal is kept with the status it refused: a newer status (pushed, or the answer to a
  // change) makes it old news, and it is no longer shown.
  const [refusal, setRefusal] = useState<{ message: string; against: AgentStatusInfoPayload | null } | null>(null);
  const error = refusal !== null && refusal.against === info ? refusal.message : null;
  const reasonId = useId();

  useEffect(() => {
    if (!startedUp) return;
    let cancelled = false;
    bridge
      .getAwayReasons()
      .then((list) => !cancelled && setReasons(list.reasons))
      .catch(() => undefined); // no list: plain away still works
    return () => {
      cancelled = true;
    };
  }, [bridge, startedUp]);

  const choose = async (status: 'available' | 'away', why = reason) => {
    setPending(true);
    setRefusal(null);
    try {
      setInfo(await bridge.setStatus(status, status === 'away' && why ? why : undefined));
    } catch (e) {
      const message = e instanceof Error ? e.message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '') : 'Could not change your status.';
      setRefusal({ message, against: info });
    } finally {
      setPending(false);
    }
  };

  const status = info?.status;
  const line = statusLine({ presence: info, connection: view.connection, onCall, noAudio: view.noAudio });
  return (
    <section className="agent-status" data-testid="agent-status" data-status={status ?? 'unknown'}>
      <p className={`status-line presence presence-${line.tone}`} data-testid="status" data-line={line.tone} data-voice={view.connection.kind} role="status">
        <span data-testid="agent-status-label">{line.label}</span>
        {line.countdown && <Countdown until={line.countdown} />}
        {line.detail && (
          <span className="status-detail" data-testid="status-detail">
            {line.detail}
          </span>
        )}
      </p>
      <div className="choices" role="group" aria-label="Set your status">
        {(['available', 'away'] as const).map((choice) => (
          <button
            key={choice}
            className={`choice${status === choice ? ' chosen' : ''}`}
            data-testid={`agent-status-${choice}`}
            aria-pressed={status === choice}
            disabled={pending || status === undefined || status === 'busy' || (status === choice && (choice === 'available' || (info?.away_reason ?? '') === reason))}
            onClick={() => void choose(choice)}
          >
            {status === 'wrap-up' && choice === 'available' ? 'End wrap-up' : choice === 'available' ? 'Available' : 'Away'}
          </button>
        ))}
        {reasons.length > 0 && (
          <>
            <label className="visually-hidden" htmlFor={reasonId}>
              Away reason
            </label>
            <select
              id={reasonId}
              data-testid="away-reason"
              value={reason}
              disabled={pending || status === 'busy'}
              onChange={(event) => {
                setReason(event.target.value);
                // Already away: the new reason applies at once.
                if (status === 'away') void choose('away', event.target.value);
              }}
            >
              <option value="">No reason</option>
              {reasons.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </>
        )}
      </div>
      {(error ?? readError) && (
        <p className="error" data-testid="agent-status-error" role="alert">
          {error ?? readError}
        </p>
      )}
    </section>
  );
}

function Countdown({ until }: { until: string }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  return (
    <span className="countdown" data-testid="wrap-up-countdown">
      {formatDuration(Math.ceil((Date.parse(until) - now) / 1000))}
    </span>
  );
}
