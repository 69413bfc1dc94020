/**
 * The phone: connection status, the incoming call, the call in progress.
 */
import { useEffect, useMemo, useState } from 'react';
import type { SessionInfo, ShortcutStatus } from '../../../common/ipc-contract';
import type { Bridge } from '../bridge';
import { Softphone, type SoftphoneView } from '../softphone/softphone';
import { CallContextLines } from './CallContextLines';
import { Dialer } from './Dialer';
import { formatCaller, formatDuration } from './format';
import { StatusSelector } from './StatusSelector';

/** Signed-in view of one agent. */
export function Phone({ bridge, session, onSignOut }: { bridge: Bridge; session: SessionInfo; onSignOut: () => void }) {
  const softphone = useMemo(() => new Softphone(bridge, session), [bridge, session]);
  const [view, setView] = useState<SoftphoneView>(softphone.current);
  const [shortcuts, setShortcuts] = useState<ShortcutStatus | null>(null);

  useEffect(() => {
    const off = [
      softphone.subscribe(setView),
      bridge.onCallCommand((command) => {
        if (command.action === 'answer') void softphone.answer(command.callId);
        else if (command.action === 'decline') void softphone.decline(command.callId);
        else void softphone.hangup(command.callId);
      }),
      bridge.onShortcutStatus(setShortcuts),
    ];
    void bridge.getShortcutStatus().then(setShortcuts).catch(() => undefined);
    void softphone.start();
    // Main queues commands (an incoming call's answer!) until this point.
    bridge.ready();
    return () => {
      for (const unsubscribe of off) unsubscribe();
      void softphone.stop();
    };
  }, [bridge, softphone]);

  const signOut = async () => {
    await softphone.stop();
    onSignOut();
  };

  const failedShortcuts = shortcuts
    ? (['answer', 'hangup'] as const).filter((k) => !shortcuts[k].registered && shortcuts[k].accelerator)
    : [];

  return (
    <div className="phone">
      <header className="bar">
        <div>
          <strong>{session.agent.display_name}</strong>
          <ConnectionBadge view={view} />
        </div>
        <button className="link" onClick={() => void signOut()} disabled={view.call.kind === 'active'}>
          Sign out
        </button>
      </header>
      <StatusSelector bridge={bridge} />
      {failedShortcuts.length > 0 && shortcuts && (
        <p className="warning" role="alert" data-testid="shortcut-warning">
          {failedShortcuts
            .map((k) => `The ${k === 'answer' ? 'answer' : 'hang-up'} shortcut ${shortcuts[k].accelerator} could not be registered${shortcuts[k].error ? ` (${shortcuts[k].error})` : ''}.`)
            .join(' ')}{' '}
          Use the buttons instead.
        </p>
      )}
      {view.notice && <p className="notice">{view.notice}</p>}
      <CallPanel view={view} softphone={softphone} shortcuts={shortcuts} />
    </div>
  );
}

function ConnectionBadge({ view }: { view: SoftphoneView }) {
  const c = view.connection;
  const text =
    c.kind === 'ready'
      ? view.call.kind === 'active'
        ? 'On a call'
        : 'Ready to receive calls'
      : c.kind === 'connecting'
        ? 'Connecting…'
        : c.kind === 'reconnecting'
          ? 'Reconnecting…'
          : c.message;
  return (
    <span className={`status status-${c.kind}`} data-testid="status" role="status">
      {text}
    </span>
  );
}

function CallPanel({ view, softphone, shortcuts }: { view: SoftphoneView; softphone: Softphone; shortcuts: ShortcutStatus | null }) {
  const call = view.call;
  switch (call.kind) {
    case 'idle':
      return (
        <>
          <p className="muted center idle">{view.connection.kind === 'ready' ? 'Waiting for calls.' : ' '}</p>
          <Dialer ready={view.connection.kind === 'ready'} onDial={(number) => softphone.dial(number)} />
        </>
      );
    case 'dialing':
    case 'outgoing':
      return (
        <section className="card outgoing" data-testid="outgoing-call">
          <p className="label" data-testid="outgoing-status">
            {call.kind === 'outgoing' && call.phase === 'ringing' ? 'Ringing…' : 'Calling…'}
          </p>
          <p className="caller" data-testid="outgoing-to">
            {formatCaller(call.from)}
          </p>
          <div className="actions">
            <button className="decline" data-testid="hangup-button" disabled={call.kind === 'dialing'} onClick={() => call.kind === 'outgoing' && void softphone.hangup(call.callId)}>
              Hang up
            </button>
          </div>
        </section>
      );
    case 'ringing':
    case 'answering':
      return (
        <section className="card incoming" data-testid="incoming-call" aria-live="assertive">
          <p className="label">Incoming call</p>
          <p className="caller" data-testid="incoming-from">
            {formatCaller(call.from)}
          </p>
          <CallContextLines context={view.context} />
          <div className="actions">
            <button className="answer" data-testid="answer-button" disabled={call.kind === 'answering'} onClick={() => void softphone.answer(call.callId)}>
              {call.kind === 'answering' ? 'Answering…' : 'Answer'}
            </button>
            <button className="decline" data-testid="decline-button" disabled={call.kind === 'answering'} onClick={() => void softphone.decline(call.callId)}>
              Decline
            </button>
          </div>
          {shortcuts?.answer.registered && <p className="hint">Press {shortcuts.answer.accelerator} to answer</p>}
        </section>
      );
    case 'active':
      return (
        <section className="card in-call" data-testid="in-call">
          <p className="label">On a call with</p>
          <p className="caller" data-testid="in-call-with">
            {formatCaller(call.from)}
          </p>
          <CallContextLines context={view.context} />
          <Timer since={call.answeredAt} />
          <p
            className="stats"
            data-testid="audio-stats"
            data-packets-received={view.audio?.packetsReceived ?? 0}
            data-packets-sent={view.audio?.packetsSent ?? 0}
          >
            Audio ↓ {view.audio?.packetsReceived ?? 0} · ↑ {view.audio?.packetsSent ?? 0} packets
          </p>
          <div className="actions">
            <button className="decline" data-testid="hangup-button" onClick={() => void softphone.hangup(call.callId)}>
              Hang up
            </button>
          </div>
          {shortcuts?.hangup.registered && <p className="hint">Press {shortcuts.hangup.accelerator} to hang up</p>}
        </section>
      );
    case 'ending':
      return <p className="muted center">Ending call…</p>;
    case 'ended':
      return (
        <section className="card ended" data-testid="call-ended">
          <p className="label">{endedText(call.reason)}</p>
          <p className="caller">{formatCaller(call.from)}</p>
          {call.message && <p className="error">{call.message}</p>}
        </section>
      );
  }
}

function endedText(reason: string): string {
  switch (reason) {
    case 'completed':
      return 'Call ended';
    case 'declined':
      return 'Call declined';
    case 'missed':
      return 'Missed call';
    case 'answered-elsewhere':
      return 'Answered on another device';
    case 'cancelled':
      return 'Call cancelled';
    case 'no-answer':
      return 'No answer';
    default:
      return 'Call failed';
  }
}

function Timer({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, []);
  return (
    <p className="timer" data-testid="call-timer">
      {formatDuration((now - since) / 1000)}
    </p>
  );
}
