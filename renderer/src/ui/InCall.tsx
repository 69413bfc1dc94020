/**
 * The call in progress: who, how long, what it is doing, and its controls — mute, hold,
 * keypad, transfer (blind or warm), the consult's complete / conference / cancel, leaving a
 * conference, hang up — each with its in-app key (M, H, K, T; the digits send tones).
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { CallContext } from '../../../common/call-context';
import type { QualityReading } from '../../../common/call-quality';
import type { MicWarnings } from '../../../common/mic-watch';
import type { AnsweredCall } from '../../../common/call-state';
import type { ConsultTarget, TransferTarget } from '../../../common/ipc-contract';
import type { Bridge } from '../bridge';
import type { AudioStats, Softphone } from '../softphone/softphone';
import { CallContextLines } from './CallContextLines';
import { CallQuality, MicWarningsLine } from './CallQuality';
import { formatCaller, formatDuration } from './format';
import { KeyHint, useShortcutKeys } from './keyboard';
import { DTMF_KEYS, Keypad } from './Keypad';
import { TransferPanel } from './TransferPanel';

type Panel = 'keypad' | 'transfer' | null;

/** How the agent reads a party: an agent's name, a formatted number, a queue's name. */
export function describeParty(target: ConsultTarget | TransferTarget): string {
  switch (target.type) {
    case 'agent':
      return target.agent;
    case 'phone':
      return formatCaller(`+${target.number}`);
    case 'queue':
      return `the ${target.queue} queue`;
  }
}

/** The current time, ticking. */
function useNow(intervalMs = 500): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Elapsed time since `since`, as m:ss. */
export function Elapsed({ since, testId, className }: { since: number; testId: string; className?: string }) {
  const now = useNow();
  return (
    <span className={className} data-testid={testId}>
      {formatDuration((now - since) / 1000)}
    </span>
  );
}

/** The in-call card of the call on screen. */
export function InCall({
  call,
  context,
  audio,
  softphone,
  bridge,
  hangupHint,
  quality = null,
  micWarnings = null,
}: {
  call: AnsweredCall;
  context: CallContext | null;
  audio: AudioStats | null;
  softphone: Softphone;
  bridge: Bridge;
  hangupHint: string | null;
  /** Live call quality, and the microphone's warnings (talking while muted, silence). */
  quality?: QualityReading | null;
  micWarnings?: MicWarnings | null;
}) {
  const [panel, setPanel] = useState<Panel>(null);
  const [pending, setPending] = useState(false);
  const [sent, setSent] = useState('');
  const { callId } = call;

  const canMute = call.kind !== 'transferring';
  const canHold = call.kind === 'active' || call.kind === 'held';
  const canKeypad = call.kind === 'active' || call.kind === 'consulting' || call.kind === 'conferenced';
  const canTransfer = call.kind === 'active' || call.kind === 'held';
  const shown: Panel = (panel === 'keypad' && !canKeypad) || (panel === 'transfer' && !canTransfer) ? null : panel;

  /** Runs one backend action at a time; the outcome's message is shown by the phone's alert region. */
  const run = async (work: () => Promise<{ ok: boolean }>, then?: () => void) => {
    if (pending) return;
    setPending(true);
    try {
      if ((await work()).ok) then?.();
    } finally {
      setPending(false);
    }
  };
  const toggleMute = () => void softphone.setMuted(callId, !call.muted);
  const toggleHold = () => void run(() => softphone.setHold(callId, call.kind !== 'held'));
  const send = (digits: string) => {
    setSent((s) => (s + digits).slice(-24));
    void softphone.sendDigits(callId, digits);
  };
  const togglePanel = (which: Exclude<Panel, null>) => setPanel((current) => (current === which ? null : which));

  useShortcutKeys(true, (key) => {
    if (key === 'm' && canMute) toggleMute();
    else if (key === 'h' && canHold && !pending) toggleHold();
    else if (key === 'k' && canKeypad) togglePanel('keypad');
    else if (key === 't' && canTransfer) togglePanel('transfer');
    else if (key === 'Escape' && shown) setPanel(null);
    else if (/^[0-9*#]$/.test(key) && canKeypad) send(key);
    else return false;
    return true;
  });

  return (
    <section className={`card in-call state-${call.kind}`} data-testid="in-call" data-state={call.kind} data-muted={call.muted}>
      <p className="label">On a call with</p>
      <p className="caller" data-testid="in-call-with">
        {formatCaller(call.from)}
      </p>
      <CallContextLines context={context} />
      <p className="timer">
        <Elapsed since={call.answeredAt} testId="call-timer" />
      </p>
      <CallStateLine call={call} />
      {call.muted && (
        <p className="muted-indicator" data-testid="muted-indicator">
          Microphone muted: the caller cannot hear you.
        </p>
      )}
      {micWarnings && <MicWarningsLine warnings={micWarnings} muted={call.muted} />}
      <CallQuality quality={quality} />
      <p className="stats" data-testid="audio-stats" data-packets-received={audio?.packetsReceived ?? 0} data-packets-sent={audio?.packetsSent ?? 0} data-energy-received={audio?.energyReceived ?? 0}>
        Audio ↓ {audio?.packetsReceived ?? 0} · ↑ {audio?.packetsSent ?? 0} packets
      </p>
      <div className="controls" role="group" aria-label="Call controls">
        <button type="button" className={`control${call.muted ? ' on' : ''}`} data-testid="mute-button" data-active={call.muted} aria-keyshortcuts="M" disabled={!canMute} onClick={toggleMute}>
          {call.muted ? 'Unmute' : 'Mute'} <KeyHint shortcut="M" />
        </button>
        <button
          type="button"
          className={`control${call.kind === 'held' ? ' on' : ''}`}
          data-testid="hold-button"
          data-active={call.kind === 'held'}
          aria-keyshortcuts="H"
          disabled={!canHold || pending}
          onClick={toggleHold}
        >
          {call.kind === 'held' ? 'Resume' : 'Hold'} <KeyHint shortcut="H" />
        </button>
        <PanelButton panel="keypad" shown={shown} label="Keypad" shortcut="K" disabled={!canKeypad} onToggle={togglePanel} />
        <PanelButton panel="transfer" shown={shown} label="Transfer" shortcut="T" disabled={!canTransfer} onToggle={togglePanel} />
      </div>
      {shown === 'keypad' && (
        <div className="panel" id="in-call-keypad" data-testid="keypad-panel">
          <Keypad keys={DTMF_KEYS} label="Send tones" testIdPrefix="dtmf-key" onKey={send} />
          <p className="hint">
            Sent: <output data-testid="dtmf-sent">{sent}</output> · the keyboard&apos;s digits, * and # send too
          </p>
        </div>
      )}
      {shown === 'transfer' && (
        <div id="in-call-transfer">
          <TransferPanel
            bridge={bridge}
            busy={pending}
            canConsult={call.kind === 'active' || call.kind === 'held'}
            actions={{
              transfer: (target) => run(() => softphone.transfer(callId, target), () => setPanel(null)),
              consult: (target) => run(() => softphone.consult(callId, target), () => setPanel(null)),
            }}
          />
        </div>
      )}
      {call.kind === 'consulting' && (
        <div className="actions consult-actions" role="group" aria-label="Consult">
          <button type="button" data-testid="consult-complete" disabled={pending} onClick={() => void run(() => softphone.completeConsult(callId))}>
            Complete transfer
          </button>
          <button type="button" className="secondary" data-testid="consult-conference" disabled={pending || call.phase !== 'talking'} onClick={() => void run(() => softphone.conference(callId))}>
            Conference
          </button>
          <button type="button" className="secondary" data-testid="consult-cancel" disabled={pending} onClick={() => void run(() => softphone.cancelConsult(callId))}>
            Cancel consult
          </button>
        </div>
      )}
      {call.kind === 'conferenced' && (
        <div className="actions" role="group" aria-label="Conference">
          <button type="button" className="secondary" data-testid="conference-leave" disabled={pending} onClick={() => void run(() => softphone.leaveConference(callId))}>
            Leave conference
          </button>
        </div>
      )}
      <div className="actions hangup-row">
        <button className="decline" data-testid="hangup-button" onClick={() => void softphone.hangup(callId)}>
          Hang up
        </button>
      </div>
      {hangupHint && <p className="hint">{hangupHint}</p>}
    </section>
  );
}

/** A control that opens and closes one of the call's panels (`keypad-button`, `transfer-button`). */
function PanelButton({
  panel,
  shown,
  label,
  shortcut,
  disabled,
  onToggle,
}: {
  panel: Exclude<Panel, null>;
  shown: Panel;
  label: string;
  shortcut: string;
  disabled: boolean;
  onToggle: (panel: Exclude<Panel, null>) => void;
}) {
  const open = shown === panel;
  return (
    <button
      type="button"
      className={`control${open ? ' on' : ''}`}
      data-testid={`${panel}-button`}
      aria-expanded={open}
      aria-controls={`in-call-${panel}`}
      aria-keyshortcuts={shortcut}
      disabled={disabled}
      onClick={() => onToggle(panel)}
    >
      {label} <KeyHint shortcut={shortcut} />
    </button>
  );
}

/** What the call is doing, in words, with the hold time. */
function CallStateLine({ call }: { call: AnsweredCall }) {
  let text: ReactNode = null;
  switch (call.kind) {
    case 'active':
      return null;
    case 'held':
      text = (
        <>
          On hold <Elapsed since={call.heldSince} testId="hold-timer" className="hold-timer" /> · the caller hears music
        </>
      );
      break;
    case 'consulting':
      text = call.phase === 'ringing' ? `Calling ${describeParty(call.target)}… The caller is on hold.` : `Talking with ${describeParty(call.target)}. The caller is on hold.`;
      break;
    case 'conferenced':
      text = `Conference: you, the caller and ${describeParty(call.with)}`;
      break;
    case 'transferring':
      text = `Transferring to ${describeParty(call.target)}…`;
      break;
  }
  return (
    <p className={`call-state call-state-${call.kind}`} data-testid="call-state" data-state={call.kind}>
      {text}
    </p>
  );
}
