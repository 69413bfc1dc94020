/**
 * The agent's status: what the contact center sees (available, busy, away, wrap-up,
 * offline), kept current by the backend's pushed events, with the agent's own choice of
 * available or away.
 */
import { useEffect, useState } from 'react';
import type { AgentStatusInfoPayload } from '../../../common/ipc-contract';
import type { Bridge } from '../bridge';
import { formatDuration } from './format';

const LABELS: Record<AgentStatusInfoPayload['status'], string> = {
  available: 'Available',
  busy: 'Busy',
  away: 'Away',
  'wrap-up': 'Wrap-up',
  offline: 'Offline',
};

/** Status badge, wrap-up countdown and the Available / Away choice. */
export function StatusSelector({ bridge }: { bridge: Bridge }) {
  const [info, setInfo] = useState<AgentStatusInfoPayload | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const off = bridge.onStatusChanged((status) => {
      setInfo(status);
      setError(null);
    });
    bridge
      .getStatus()
      // A pushed event may already have arrived; it is at least as new as this answer.
      .then((status) => !cancelled && setInfo((current) => current ?? status))
      .catch((e: unknown) => !cancelled && setError(e instanceof Error ? e.message : 'Could not read your status.'));
    return () => {
      cancelled = true;
      off();
    };
  }, [bridge]);

  const choose = async (status: 'available' | 'away') => {
    setPending(true);
    setError(null);
    try {
      setInfo(await bridge.setStatus(status));
    } catch (e) {
      setError(e instanceof Error ? e.message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '') : 'Could not change your status.');
    } finally {
      setPending(false);
    }
  };

  const status = info?.status;
  return (
    <section className="agent-status" data-testid="agent-status" data-status={status ?? 'unknown'}>
      <span className={`presence presence-${status ?? 'unknown'}`} data-testid="agent-status-label" role="status">
        {status ? LABELS[status] : '…'}
      </span>
      {status === 'wrap-up' && info?.wrap_up_ends_at && <Countdown until={info.wrap_up_ends_at} />}
      <div className="choices" role="group" aria-label="Set your status">
        {(['available', 'away'] as const).map((choice) => (
          <button
            key={choice}
            className={`choice${status === choice ? ' chosen' : ''}`}
            data-testid={`agent-status-${choice}`}
            aria-pressed={status === choice}
            disabled={pending || status === undefined || status === 'busy' || status === choice}
            onClick={() => void choose(choice)}
          >
            {status === 'wrap-up' && choice === 'available' ? 'End wrap-up' : LABELS[choice]}
          </button>
        ))}
      </div>
      {error && (
        <p className="error" data-testid="agent-status-error" role="alert">
          {error}
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
