/**
 * The phone: connection status, incoming and waiting calls, the call in progress with its
 * controls, calls on hold, and the notice of a call that just ended.
 */
import { useEffect, useMemo, useState } from 'react';
import { callList, focusedCall, isAnswered, isLive, type Call } from '../../../common/call-state';
import type { CallCommand, SessionInfo, ShortcutStatus } from '../../../common/ipc-contract';
import type { MicWarnings } from '../../../common/mic-watch';
import { AudioDevices } from '../audio/devices';
import type { Bridge } from '../bridge';
import { Softphone, type SoftphoneView } from '../softphone/softphone';
import { CallContextLines } from './CallContextLines';
import { DesktopSettings } from './DesktopSettings';
import { Dialer } from './Dialer';
import { DialRequest } from './DialRequest';
import { formatCaller } from './format';
import { useAudioDevices, useAudioSettings } from './AudioSettings';
import { Elapsed, InCall } from './InCall';
import { KeyHint, useAnswerKeys } from './keyboard';
import { StatusSelector } from './StatusSelector';
import { DeskTabs, type DeskTab } from './DeskTabs';
import { useLastCallEnd } from './read-again';
import { callBackNumber, RecentCalls, useMissedBadge } from './RecentCalls';
import { useShortcutsOverlay } from './ShortcutsOverlay';
import { faviconBadge, showFaviconBadge } from '../alerts/favicon-badge';
import type { WebAlerts } from '../alerts/web-alerts';
import { VoicemailInbox } from './VoicemailInbox';
import { useAgentStatus } from './use-agent-status';
import { WrapUpPanel } from './WrapUp';

/** Carries out a command from outside the renderer (shortcut, notification, tray). */
function runCommand(softphone: Softphone, command: CallCommand): void {
  switch (command.action) {
    case 'answer':
      void softphone.answer(command.callId);
      return;
    case 'decline':
      void softphone.decline(command.callId);
      return;
    case 'hangup':
      void softphone.hangup(command.callId);
      return;
    case 'mute':
    case 'unmute':
      void softphone.setMuted(command.callId, command.action === 'mute');
      return;
    case 'hold':
    case 'resume':
      void softphone.setHold(command.callId, command.action === 'hold');
      return;
  }
}

/** Signed-in view of one agent; `started`: its softphone, already started (a session restored at start). */
export function Phone({
  bridge,
  session,
  started,
  alerts,
  onSignOut,
}: {
  bridge: Bridge;
  session: SessionInfo;
  started?: Softphone | undefined;
  /** The web app's ring and notifications (none in the desktop app). */
  alerts?: WebAlerts | undefined;
  onSignOut: () => void;
}) {
  const softphone = useMemo(() => started ?? new Softphone(bridge, session), [bridge, session, started]);
  const [view, setView] = useState<SoftphoneView>(softphone.current);
  const [shortcuts, setShortcuts] = useState<ShortcutStatus | null>(null);
  const devices = useMemo(() => new AudioDevices(bridge), [bridge]);
  const audio = useAudioDevices(devices);
  const audioSettings = useAudioSettings(devices);
  useDevicesFollowCall(devices, softphone, view);
  const startedUp = useStartUpDone(view.connection.kind);
  useEffect(() => {
    if (!startedUp) return;
    void devices.start();
    return () => devices.stop();
  }, [devices, startedUp]);
  useEffect(() => {
    if (startedUp) alerts?.check();
  }, [alerts, startedUp]);

  useEffect(() => {
    const off = [softphone.subscribe(setView), bridge.onCallCommand((command) => runCommand(softphone, command)), bridge.onShortcutStatus(setShortcuts)];
    // Desktop: the PC woke or came back online; the renderer restarted during a call.
    off.push(
      bridge.onSystemResumed(() => void softphone.rebuildSession()),
      bridge.onCallRecover(({ callId, from, since }) => void softphone.recoverCall(callId, from, since)),
    );
    void bridge.getShortcutStatus().then(setShortcuts).catch(() => undefined);
    if (softphone !== started) void softphone.start();
    // Started before this render: it may have moved on since.
    else setView(softphone.current);
    // Main queues commands (an incoming call's answer!) until this point.
    bridge.ready();
    return () => {
      for (const unsubscribe of off) unsubscribe();
      void softphone.stop();
    };
  }, [bridge, softphone, started]);

  const signOut = async () => {
    await softphone.stop();
    onSignOut();
  };

  const failedShortcuts = shortcuts
    ? (['answer', 'hangup', 'mute', 'hold'] as const).filter((k) => shortcuts[k] && !shortcuts[k].registered && shortcuts[k].accelerator)
    : [];
  const onCall = callList(view.calls).some(isAnswered);
  // Recent calls and voicemail: a call ringing or going on always brings the phone back.
  const [tab, setTab] = useState<DeskTab>('phone');
  const live = callList(view.calls).some((call) => call.kind !== 'ended');
  const shownTab: DeskTab = live ? 'phone' : tab;
  // And the phone stays shown after that call (its card, the missed-call card, wrap-up).
  useEffect(() => {
    if (live) setTab('phone');
  }, [live]);
  const lastCallEnd = useLastCallEnd(callList(view.calls).filter((call) => call.kind === 'ended').map((call) => call.callId));
  const missed = useMissedBadge(bridge, lastCallEnd, startedUp);
  const agentStatus = useAgentStatus(bridge, startedUp);
  const callBack = async (number: string) => {
    const outcome = await softphone.dial(number);
    if (outcome.ok) setTab('phone');
    return outcome;
  };
  const canCall = view.connection.kind === 'ready' && !live;
  const shortcutsOverlay = useShortcutsOverlay(shortcuts);
  // The tab's icon carries a badge too: missed calls not yet seen, or a call ringing.
  const ringing = callList(view.calls).some((call) => call.kind === 'ringing' || call.kind === 'waiting');
  const missedCount = missed.badge?.missed ?? 0;
  // Drawn once start-up is done: the plain icon is a canvas drawn and encoded (several ms of
  // the page's thread), which the voice session's first connection should not wait behind.
  useEffect(() => {
    if (startedUp) showFaviconBadge(document, faviconBadge(ringing, missedCount));
  }, [startedUp, ringing, missedCount]);

  return (
    <div className="phone">
      <header className="bar">
        <div>
          <strong>{session.agent.display_name}</strong>
        </div>
        <div className="bar-actions">
          {shortcutsOverlay.button}
          {audioSettings.button}
          <button className="link" onClick={() => void signOut()} disabled={onCall}>
            Sign out
          </button>
        </div>
      </header>
      {audioSettings.panel}
      {shortcutsOverlay.dialog}
      <StatusSelector bridge={bridge} view={view} onCall={onCall} agentStatus={agentStatus} startedUp={startedUp} />
      {failedShortcuts.length > 0 && shortcuts && (
        <p className="warning" role="alert" data-testid="shortcut-warning">
          {failedShortcuts
            .map((k) => `The ${k === 'hangup' ? 'hang-up' : k} shortcut ${shortcuts[k]?.accelerator} could not be registered${shortcuts[k]?.error ? ` (${shortcuts[k]?.error})` : ''}.`)
            .join(' ')}{' '}
          Use the buttons instead.
        </p>
      )}
      {view.notice && <p className="notice">{view.notice}</p>}
      {/* Device fallbacks (a headset unplugged): present from the start, so it is announced. */}
      <div className="device-notice" data-testid="device-notice" role="status">
        {audio.notice && (
          <>
            <span data-testid="device-notice-message">{audio.notice}</span>{' '}
            <button type="button" className="link" onClick={() => devices.dismissNotice()}>
              Dismiss
            </button>
          </>
        )}
      </div>
      {/* Present from the start, so that a screen reader announces what appears in it. */}
      <div className="call-error" data-testid="call-error" role="alert">
        {view.error && (
          <>
            <span data-testid="call-error-message">{view.error.message}</span>
            <button type="button" className="link" onClick={() => softphone.clearError()}>
              Dismiss
            </button>
          </>
        )}
      </div>
      <DeskTabs tab={shownTab} onTab={setTab} missed={missed.badge?.missed ?? 0} locked={live} />
      <DialRequest bridge={bridge} ready={view.connection.kind === 'ready' && !callList(view.calls).some(isLive)} onDial={(number) => softphone.dial(number)} />
      {shownTab === 'phone' && <WrapUpPanel bridge={bridge} status={agentStatus.info} />}
      {shownTab === 'phone' && <Calls view={view} softphone={softphone} bridge={bridge} shortcuts={shortcuts} micWarnings={audio.warnings} />}
      {shownTab === 'recent' && <RecentCalls bridge={bridge} canCall={canCall} onCallBack={callBack} onSeen={missed.set} lastCallEnd={lastCallEnd} />}
      {shownTab === 'voicemail' && <VoicemailInbox bridge={bridge} canCall={canCall} onCallBack={callBack} />}
      {shownTab === 'phone' && <DesktopSettings bridge={bridge} />}
    </div>
  );
}

/** How long the phone's start-up reads wait at most for the voice session's first connection. */
const START_UP_WAIT_MS = 3_000;

/**
 * Whether the phone's own start-up work — reading the status, away reasons, the missed-call
 * badge and the audio devices, and the web app's sound check — may go: once the voice session's first connection has an outcome (ready,
 * failed or reconnecting), or after {@link START_UP_WAIT_MS}. Until then they would compete
 * with the SDK's `createSession` for the page's one thread, the connections and the backend,
 * and on a 2-core PC that delays Ready (test/bench/agent-start.ts). Nothing they show is
 * needed before: the status line says "Connecting" until the session is up.
 */
function useStartUpDone(connection: SoftphoneView['connection']['kind']): boolean {
  const [done, setDone] = useState(connection !== 'connecting');
  useEffect(() => {
    if (done) return;
    if (connection !== 'connecting') {
      setDone(true);
      return;
    }
    const timer = setTimeout(() => setDone(true), START_UP_WAIT_MS);
    return () => clearTimeout(timer);
  }, [connection, done]);
  return done;
}

/** Puts the chosen devices on the answered call on screen, and tells the microphone watch about it and its mute. */
function useDevicesFollowCall(devices: AudioDevices, softphone: Softphone, view: SoftphoneView): void {
  const focused = focusedCall(view.calls);
  const answered = focused && isAnswered(focused) && focused.kind !== 'transferring' ? focused : null;
  const callId = answered?.callId ?? null;
  const muted = answered?.muted ?? false;
  useEffect(() => {
    devices.setCall(callId ? softphone.media(callId) : null, { inCall: callId !== null, muted });
  }, [devices, softphone, callId, muted]);
  useEffect(() => () => devices.setCall(null, { inCall: false, muted: false }), [devices]);
}

/** Every call of the agent's: waiting calls, the call on screen, calls on hold, calls just ended. */
function Calls({
  view,
  softphone,
  bridge,
  shortcuts,
  micWarnings,
}: {
  view: SoftphoneView;
  softphone: Softphone;
  bridge: Bridge;
  shortcuts: ShortcutStatus | null;
  micWarnings: MicWarnings;
}) {
  const calls = callList(view.calls);
  const focused = focusedCall(view.calls);
  // Missed calls stay on screen until dismissed: with nothing else going on, above the dial pad.
  const missedCards = calls.filter((call): call is Extract<Call, { kind: 'ended' }> => call.kind === 'ended' && call.reason === 'missed');
  if (!focused || (focused.kind === 'ended' && focused.reason === 'missed')) {
    return (
      <>
        {missedCards.map((call) => (
          <EndedCard key={call.callId} call={call} softphone={softphone} canCall={view.connection.kind === 'ready'} />
        ))}
        <p className={`muted center${missedCards.length > 0 ? '' : ' idle'}`}>{view.connection.kind === 'ready' ? 'Waiting for calls.' : ' '}</p>
        <Dialer ready={view.connection.kind === 'ready'} onDial={(number) => softphone.dial(number)} />
      </>
    );
  }
  const waiting = calls.filter((call): call is Extract<Call, { kind: 'waiting' }> => call.kind === 'waiting' && call !== focused);
  const held = calls.filter((call): call is Extract<Call, { kind: 'held' }> => call.kind === 'held' && call !== focused);
  // The notice of the call that ended last, under the call going on (one notice at a time).
  const ended = focused.kind === 'ended' ? [] : calls.filter((call): call is Extract<Call, { kind: 'ended' }> => call.kind === 'ended' && call.reason !== 'missed').slice(-1);
  return (
    <>
      {waiting.map((call, index) => (
        <WaitingCard key={call.callId} call={call} softphone={softphone} focused={focused} keys={index === 0} />
      ))}
      <FocusedCall call={focused} view={view} softphone={softphone} bridge={bridge} shortcuts={shortcuts} micWarnings={micWarnings} />
      {held.length > 0 && (
        <section className="card held-calls" aria-label="Calls on hold">
          <p className="label">On hold</p>
          <ul>
            {held.map((call) => (
              <li key={call.callId} className="held-call" data-testid="held-call">
                <span className="caller-small">{formatCaller(call.from)}</span>
                <Elapsed since={call.heldSince} testId="held-call-timer" className="hold-timer" />
                <button type="button" className="small" data-testid="held-call-resume" onClick={() => void softphone.setHold(call.callId, false)}>
                  Resume<span className="visually-hidden"> the call with {formatCaller(call.from)}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {[...missedCards.filter((call) => call !== focused), ...ended].map((call) => (
        <EndedCard key={call.callId} call={call} softphone={softphone} />
      ))}
    </>
  );
}

function FocusedCall({
  call,
  view,
  softphone,
  bridge,
  shortcuts,
  micWarnings,
}: {
  call: Call;
  view: SoftphoneView;
  softphone: Softphone;
  bridge: Bridge;
  shortcuts: ShortcutStatus | null;
  micWarnings: MicWarnings;
}) {
  const context = view.contexts[call.callId] ?? null;
  switch (call.kind) {
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
    case 'waiting':
    case 'answering':
      return <IncomingCard call={call} context={context} softphone={softphone} shortcuts={shortcuts} />;
    case 'active':
    case 'held':
    case 'transferring':
    case 'consulting':
    case 'conferenced':
      return (
        <InCall
          key={call.callId}
          call={call}
          context={context}
          audio={view.audio}
          softphone={softphone}
          bridge={bridge}
          hangupHint={shortcuts?.hangup.registered ? `Press ${shortcuts.hangup.accelerator} to hang up` : null}
          quality={view.quality}
          micWarnings={micWarnings}
        />
      );
    case 'ending':
      return <p className="muted center">{call.declining ? 'Declining…' : 'Ending call…'}</p>;
    case 'ended':
      return <EndedCard call={call} softphone={softphone} />;
  }
}

function IncomingCard({
  call,
  context,
  softphone,
  shortcuts,
}: {
  call: Extract<Call, { kind: 'ringing' | 'waiting' | 'answering' }>;
  context: SoftphoneView['contexts'][string] | null;
  softphone: Softphone;
  shortcuts: ShortcutStatus | null;
}) {
  const answering = call.kind === 'answering';
  useAnswerKeys(
    !answering,
    () => void softphone.answer(call.callId),
    () => void softphone.decline(call.callId),
  );
  return (
    <section className="card incoming" data-testid="incoming-call" aria-live="assertive">
      <p className="label">Incoming call</p>
      <p className="caller" data-testid="incoming-from">
        {formatCaller(call.from)}
      </p>
      <CallContextLines context={context} />
      <div className="actions">
        <button className="answer" data-testid="answer-button" aria-keyshortcuts="A" disabled={answering} onClick={() => void softphone.answer(call.callId)}>
          {answering ? 'Answering…' : 'Answer'} {!answering && <KeyHint shortcut="A" />}
        </button>
        <button className="decline" data-testid="decline-button" aria-keyshortcuts="D" disabled={answering} onClick={() => void softphone.decline(call.callId)}>
          Decline {!answering && <KeyHint shortcut="D" />}
        </button>
      </div>
      {shortcuts?.answer.registered && <p className="hint">Press {shortcuts.answer.accelerator} to answer</p>}
    </section>
  );
}

/** A second call ringing while the agent is on one: answering holds the current call first. */
function WaitingCard({ call, softphone, focused, keys }: { call: Extract<Call, { kind: 'waiting' }>; softphone: Softphone; focused: Call; keys: boolean }) {
  const [busy, setBusy] = useState(false);
  const answer = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await softphone.answer(call.callId);
    } finally {
      setBusy(false);
    }
  };
  useAnswerKeys(
    keys,
    () => void answer(),
    () => void softphone.decline(call.callId),
  );
  const current = focused.kind === 'held' ? 'The current call stays on hold.' : 'Answering puts the current call on hold.';
  return (
    <section className="card waiting" data-testid="call-waiting" aria-label="Call waiting">
      <p className="label">Call waiting</p>
      <p className="caller-small" data-testid="call-waiting-from">
        {formatCaller(call.from)}
      </p>
      <p className="hint">{current}</p>
      <div className="actions">
        <button className="answer" data-testid="waiting-answer-button" aria-keyshortcuts={keys ? 'A' : undefined} disabled={busy} onClick={() => void answer()}>
          {busy ? 'Answering…' : 'Answer'} {keys && !busy && <KeyHint shortcut="A" />}
        </button>
        <button className="decline" data-testid="waiting-decline-button" aria-keyshortcuts={keys ? 'D' : undefined} disabled={busy} onClick={() => void softphone.decline(call.callId)}>
          Decline {keys && <KeyHint shortcut="D" />}
        </button>
      </div>
    </section>
  );
}

function EndedCard({ call, softphone, canCall = false }: { call: Extract<Call, { kind: 'ended' }>; softphone: Softphone; canCall?: boolean }) {
  const [callBackError, setCallBackError] = useState<string | null>(null);
  // A missed caller is called back from the card itself; the card goes once the call is placed.
  const number = call.reason === 'missed' ? callBackNumber({ direction: 'inbound', from: call.from, to: null }) : null;
  const callBack = async (to: string) => {
    const outcome = await softphone.dial(to);
    if (outcome.ok) softphone.dismiss(call.callId);
    else setCallBackError(outcome.message);
  };
  return (
    <section className="card ended" data-testid="call-ended" data-reason={call.reason}>
      <p className="label">{endedText(call.reason)}</p>
      <p className="caller">{formatCaller(call.from)}</p>
      {call.message && <p className="error">{call.message}</p>}
      {callBackError && (
        <p className="error" role="alert" data-testid="missed-callback-error">
          {callBackError}
        </p>
      )}
      {call.reason === 'missed' && (
        <div className="actions">
          {number && (
            <button type="button" className="small" data-testid="missed-callback" disabled={!canCall} onClick={() => void callBack(number)}>
              Call back<span className="visually-hidden"> {formatCaller(number)}</span>
            </button>
          )}
          <button type="button" className="small secondary" data-testid="missed-dismiss" onClick={() => softphone.dismiss(call.callId)}>
            Dismiss<span className="visually-hidden"> the missed call from {formatCaller(call.from)}</span>
          </button>
        </div>
      )}
    </section>
  );
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
    case 'transferred':
      return 'Call transferred';
    case 'left':
      return 'You left the conference';
    default:
      return 'Call failed';
  }
}
