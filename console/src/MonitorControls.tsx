import { useEffect, useState } from 'react';
import type { WallboardCall } from '../../common/console-api';
import { monitor, type MonitorMode, type MonitorState } from './monitor-client';

const MODE_LABEL: Record<MonitorMode, string> = { listen: 'Listening', coach: 'Coaching the agent', barge: 'Barged in: everyone hears you' };
const MODES: Array<{ mode: MonitorMode; label: string; hint: string }> = [
  { mode: 'listen', label: 'Listen', hint: 'hear caller and agent; nobody hears you' },
  { mode: 'coach', label: 'Coach', hint: 'only the agent hears you' },
  { mode: 'barge', label: 'Barge', hint: 'caller and agent hear you' },
];

function useMonitor(): { state: MonitorState | null; message: string | null } {
  const [value, setValue] = useState<{ state: MonitorState | null; message: string | null }>({ state: monitor.current(), message: null });
  useEffect(() => monitor.subscribe((state, message) => setValue({ state, message })), []);
  return value;
}

/** The mode indicator above the calls in progress: what the supervisor is doing, and any refusal. */
export function MonitorStatus() {
  const { state, message } = useMonitor();
  return (
    <div className="monitor-status" data-testid="monitor-status">
      <p role="status" data-mode={state?.mode ?? 'off'} data-phase={state?.phase ?? 'off'} className={state ? `monitor-indicator monitor-${state.mode}` : 'monitor-indicator'}>
        {state ? `${state.phase === 'connecting' ? 'Connecting… ' : ''}${MODE_LABEL[state.mode]}` : 'Not monitoring'}
      </p>
      {message && (
        <p role="alert" className="error" data-testid="monitor-message">
          {message}
        </p>
      )}
    </div>
  );
}

/** Listen / Coach / Barge / Leave for one call in progress (only a call answered by an agent can be monitored). */
export function MonitorControls({ call }: { call: WallboardCall }) {
  const { state } = useMonitor();
  const mine = state?.conversation === call.conversation_uuid;
  const otherCall = state !== null && !mine;
  const working = mine && state.phase !== 'on';
  if (call.state !== 'talking' || !call.agent) return <span className="muted">—</span>;
  const who = `${call.from ?? 'caller'} with ${call.agent}`;
  return (
    <div className="monitor-actions" role="group" aria-label={`Monitor the call of ${who}`} data-testid="monitor-controls">
      {MODES.map(({ mode, label, hint }) => (
        <button
          key={mode}
          type="button"
          data-testid={`monitor-${mode}`}
          aria-pressed={mine && state.mode === mode}
          title={hint}
          disabled={otherCall || working}
          onClick={() => void (mine ? monitor.setMode(mode) : monitor.start(call.conversation_uuid, mode))}
        >
          {label}
        </button>
      ))}
      {mine && (
        <button type="button" data-testid="monitor-leave" disabled={working && state.phase === 'busy'} onClick={() => void monitor.leave()}>
          Leave
        </button>
      )}
    </div>
  );
}
