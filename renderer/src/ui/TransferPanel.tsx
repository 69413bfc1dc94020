/**
 * Transfer and consult: the other agents with their status, the queues, and a number.
 *
 * Transfer sends the caller there at once (blind); Consult calls the agent or number first
 * while the caller holds (warm transfer: then Complete, Cancel or Conference on the call).
 * The list is read when the panel opens and every 5 s while it is open; an agent shown away
 * can still be chosen, and the backend's refusal ("Joe is not available") is shown.
 */
import { useEffect, useState, type FormEvent } from 'react';
import type { ConsultTarget, TransferTarget, TransferTargets } from '../../../common/ipc-contract';
import { checkPhoneNumber } from '../../../common/phone-number';
import type { Bridge } from '../bridge';

const REFRESH_MS = 5000;

const STATUS_LABELS: Record<TransferTargets['agents'][number]['status'], string> = {
  available: 'Available',
  busy: 'On a call',
  away: 'Away',
  'wrap-up': 'Wrap-up',
  offline: 'Offline',
};

/** What the panel asks the call to do. */
export interface TransferActions {
  transfer(target: TransferTarget): Promise<unknown>;
  consult(target: ConsultTarget): Promise<unknown>;
}

/** The transfer panel of the call on screen. */
export function TransferPanel({ bridge, actions, busy, canConsult }: { bridge: Bridge; actions: TransferActions; busy: boolean; canConsult: boolean }) {
  const [targets, setTargets] = useState<TransferTargets | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [number, setNumber] = useState('');
  const [numberError, setNumberError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    const load = () =>
      bridge
        .getTransferTargets()
        .then((loaded) => {
          if (cancelled) return;
          setTargets(loaded);
          setLoadError(null);
        })
        .catch((error: unknown) => !cancelled && setLoadError(error instanceof Error ? error.message.replace(/^Error invoking remote method '[^']+': (Error: )?/, '') : 'Could not load the agents.'));
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [bridge]);

  const phone = (): { type: 'phone'; number: string } | null => {
    const checked = checkPhoneNumber(number);
    if (!checked.ok) {
      setNumberError(checked.message);
      return null;
    }
    setNumberError(null);
    return { type: 'phone', number: checked.digits };
  };
  const submitNumber = (event: FormEvent) => {
    event.preventDefault();
    const target = phone();
    if (target) void actions.transfer(target);
  };

  const agents = [...(targets?.agents ?? [])].sort((a, b) => Number(b.status === 'available') - Number(a.status === 'available') || a.name.localeCompare(b.name));

  return (
    <section className="panel transfer-panel" data-testid="transfer-panel" aria-label="Transfer or consult">
      <h2 className="panel-title">Transfer</h2>
      {loadError && (
        <p className="error" data-testid="transfer-targets-error">
          {loadError}
        </p>
      )}
      <h3 className="panel-subtitle">Agents</h3>
      {targets && agents.length === 0 && <p className="muted">No other agents.</p>}
      {!targets && !loadError && <p className="muted">Loading…</p>}
      <ul className="targets">
        {agents.map((agent) => (
          <li key={agent.name} className="target" data-testid={`transfer-agent-${agent.name}`} data-status={agent.status}>
            <span className="target-name">{agent.name}</span>
            <span className={`presence presence-${agent.status}`}>{STATUS_LABELS[agent.status]}</span>
            <span className="target-actions">
              <button type="button" className="small" data-testid={`transfer-agent-${agent.name}-blind`} disabled={busy} onClick={() => void actions.transfer({ type: 'agent', agent: agent.name })}>
                Transfer<span className="visually-hidden"> to {agent.name}</span>
              </button>
              <button type="button" className="small secondary" data-testid={`transfer-agent-${agent.name}-consult`} disabled={busy || !canConsult} onClick={() => void actions.consult({ type: 'agent', agent: agent.name })}>
                Consult<span className="visually-hidden"> {agent.name}</span>
              </button>
            </span>
          </li>
        ))}
      </ul>
      {targets && targets.queues.length > 0 && (
        <>
          <h3 className="panel-subtitle">Queues</h3>
          <ul className="targets">
            {targets.queues.map((queue) => (
              <li key={queue.name} className="target">
                <span className="target-name">{queue.label ?? queue.name}</span>
                <span className="target-actions">
                  <button type="button" className="small" data-testid={`transfer-queue-${queue.name}`} disabled={busy} onClick={() => void actions.transfer({ type: 'queue', queue: queue.name })}>
                    Transfer<span className="visually-hidden"> to the {queue.label ?? queue.name} queue</span>
                  </button>
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      <form className="transfer-number" onSubmit={submitNumber} noValidate>
        <label>
          A number
          <input
            data-testid="transfer-number"
            type="tel"
            inputMode="tel"
            autoComplete="off"
            placeholder="+1 415 555 0100"
            value={number}
            aria-invalid={numberError !== null}
            aria-describedby={numberError ? 'transfer-number-error' : undefined}
            onChange={(event) => {
              setNumber(event.target.value);
              setNumberError(null);
            }}
          />
        </label>
        {numberError && (
          <p className="error" id="transfer-number-error" data-testid="transfer-number-error">
            {numberError}
          </p>
        )}
        <span className="target-actions">
          <button type="submit" className="small" data-testid="transfer-number-blind" disabled={busy || number.trim() === ''}>
            Transfer
          </button>
          <button
            type="button"
            className="small secondary"
            data-testid="transfer-number-consult"
            disabled={busy || !canConsult || number.trim() === ''}
            onClick={() => {
              const target = phone();
              if (target) void actions.consult(target);
            }}
          >
            Consult
          </button>
        </span>
      </form>
    </section>
  );
}
