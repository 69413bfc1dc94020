/**
 * The API the agent UI uses, whichever shell it runs in: the preload implements it over IPC
 * (`preload/api.ts`, exposed as `window.switchboard`), the browser bridge over HTTP
 * (`renderer/src/bridge/browser.ts`). Part of the desktop contract, so the renderer takes
 * its type from here and never imports from `preload/`. Every type comes from the IPC
 * contract's schemas (`common/ipc-contract.ts`). Listeners return an unsubscribe function.
 */
import type { DeskAnswer, DeskRequest } from './agent-desk';
import type { CallSummary } from './call-state';
import type { EventChannel, EventPayload, InvokeChannel, InvokeRequest, InvokeResponse, SendPayload } from './ipc-contract';

/** What an invoke channel answers. */
type Answer<C extends InvokeChannel> = Promise<InvokeResponse<C>>;
/** Subscribes to an event channel; returns the unsubscribe function. */
type Listen<C extends EventChannel> = (callback: (payload: EventPayload<C>) => void) => () => void;

/**
 * How long the answers of a session restore stand in for new ones, once: the restore's SDK
 * token for the voice session's first `getSdkToken` (both shells' bridges), and main's
 * prefetched restore.
 */
export const RESTORE_FRESH_MS = 30_000;

export interface SwitchboardApi {
  /** Signed-in session kept by main (the credential stays there), or null. */
  restoreSession(): Answer<'session:restore'>;
  login(name: string, password: string): Answer<'auth:login'>;
  logout(): Answer<'auth:logout'>;
  /** A fresh short-lived Client SDK token; main exchanges the stored credential for it. */
  getSdkToken(): Answer<'token:sdk'>;
  getShortcutStatus(): Answer<'shortcuts:status'>;
  /** Tells main the renderer listens now; main flushes queued events. */
  ready(): void;
  reportCallState(summary: CallSummary): void;
  onCallCommand: Listen<'call:command'>;
  onShortcutStatus: Listen<'shortcuts:status'>;
  /** Main ended the session (a 401 anywhere, or the backend's `session-ended`): show the login with the reason. */
  onSessionEnded: Listen<'session:ended'>;
  /** The agent's status (available, busy, away, wrap-up, offline). */
  getStatus(): Answer<'status:get'>;
  /** Choose available or away; rejects with a message for the agent (e.g. while on a call). */
  setStatus(status: 'available' | 'away', reason?: string): Answer<'status:set'>;
  /** The away reasons the agent may pick from. */
  getAwayReasons(): Answer<'status:away-reasons'>;
  /** Tell the backend whether the voice session is up (renewed every few seconds) or down. */
  reportVoice(state: 'up' | 'down'): Answer<'status:voice'>;
  onStatusChanged: Listen<'status:changed'>;
  /** Why a call rings: flow, number dialled, campaign topic (null when unknown). */
  getCallContext(callId: string): Answer<'call:context'>;
  /** Hold, transfer, consult, complete, cancel, conference, leave, or read a call's control state; a refusal comes back with the backend's message. */
  callControl(request: InvokeRequest<'call:control'>): Answer<'call:control'>;
  /** Agents (with their status) and queues the agent may transfer to. */
  getTransferTargets(): Answer<'call:transfer-targets'>;
  /** History, missed-call badge, voicemails, dispositions, after-call work; rejects with a message for the agent. */
  desk<R extends DeskRequest>(request: R): Promise<DeskAnswer<R['action']>>;
  /** A voicemail's recording, to play from a blob URL. */
  getVoicemailAudio(id: string): Answer<'voicemail:audio'>;
  /** The desktop app's settings (start at login). */
  getSettings(): Answer<'settings:get'>;
  /** Turns start at login on or off; answers the settings as they now are. */
  setOpenAtLogin(enabled: boolean): Answer<'settings:set'>;
  /** A tel:/callto:/sip: link opened the app: show the number with Call / Cancel. */
  onDialRequest: Listen<'dial:request'>;
  /** The PC woke, unlocked or came back online: the voice session must be rebuilt. */
  onSystemResumed: Listen<'system:resumed'>;
  /** After a renderer crash: the call to take up again. */
  onCallRecover: Listen<'call:recover'>;
  /** A renderer warning or error for the desktop log file. */
  log(level: SendPayload<'log:write'>['level'], message: string): void;
  /** Stores a call's quality summary with its record at hang-up. */
  saveCallQuality(callId: string, summary: InvokeRequest<'call:quality'>['summary']): Answer<'call:quality'>;
  /** The agent's audio choices on this machine (main's store). */
  getAudioPreferences(): Answer<'audio:get'>;
  /** Remembers the audio choices in main's store; answers them as stored. */
  setAudioPreferences(preferences: InvokeRequest<'audio:set'>): Answer<'audio:set'>;
}
