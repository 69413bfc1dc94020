/**
 * The one API object the preload exposes to the renderer as `window.switchboard`.
 *
 * Implements the contract's `SwitchboardApi` (`common/switchboard-api.ts`) over the IPC
 * contract; the renderer takes the type from `common/` and never sees `ipcRenderer`.
 * Listeners return an unsubscribe function.
 */
import type {
  EventChannel,
  EventPayload,
  InvokeChannel,
  InvokeRequest,
  InvokeResponse,
  SendChannel,
  SendPayload,
} from '../common/ipc-contract';
import type { CallSummary } from '../common/call-state';
import type { DeskAnswer, DeskRequest } from '../common/agent-desk';
import type { SwitchboardApi } from '../common/switchboard-api';

export type { SwitchboardApi };

/** The part of Electron's `ipcRenderer` the API uses (typed loosely, narrowed here). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** Builds the API object over an `ipcRenderer`. */
export function createSwitchboardApi(ipc: IpcRendererLike): SwitchboardApi {
  const invoke = <C extends InvokeChannel>(channel: C, request?: InvokeRequest<C>) =>
    ipc.invoke(channel, request) as Promise<InvokeResponse<C>>;
  const send = <C extends SendChannel>(channel: C, payload?: SendPayload<C>) => ipc.send(channel, payload);
  const on = <C extends EventChannel>(channel: C, callback: (payload: EventPayload<C>) => void) => {
    const listener = (_event: unknown, payload: unknown) => callback(payload as EventPayload<C>);
    ipc.on(channel, listener);
    return () => {
      ipc.removeListener(channel, listener);
    };
  };

  return {
    /** Signed-in session kept by main (the credential stays there), or null. */
    restoreSession: () => invoke('session:restore'),
    login: (name: string, password: string) => invoke('auth:login', { name, password }),
    logout: () => invoke('auth:logout'),
    /** A fresh short-lived Client SDK token; main exchanges the stored credential for it. */
    getSdkToken: () => invoke('token:sdk'),
    getShortcutStatus: () => invoke('shortcuts:status'),
    /** Tells main the renderer listens now; main flushes queued events. */
    ready: () => send('app:ready'),
    reportCallState: (summary: CallSummary) => send('call:state', summary),
    onCallCommand: (callback: (command: EventPayload<'call:command'>) => void) => on('call:command', callback),
    onShortcutStatus: (callback: (status: EventPayload<'shortcuts:status'>) => void) => on('shortcuts:status', callback),
    onSessionEnded: (callback: (info: EventPayload<'session:ended'>) => void) => on('session:ended', callback),
    /** The agent's status (available, busy, away, wrap-up, offline). */
    getStatus: () => invoke('status:get'),
    /** Choose available or away; rejects with a message for the agent (e.g. while on a call). */
    setStatus: (status: 'available' | 'away', reason?: string) => invoke('status:set', reason === undefined ? { status } : { status, reason }),
    /** The away reasons the agent may pick from. */
    getAwayReasons: () => invoke('status:away-reasons'),
    /** Tell the backend whether the voice session is up (renewed every few seconds) or down. */
    reportVoice: (state: 'up' | 'down') => invoke('status:voice', { state }),
    onStatusChanged: (callback: (status: EventPayload<'status:changed'>) => void) => on('status:changed', callback),
    /** Why a call rings: flow, number dialled, campaign topic (null when unknown). */
    getCallContext: (callId: string) => invoke('call:context', { callId }),
    /** Hold, transfer, consult, complete, cancel, conference, leave, or read a call's control state; a refusal comes back with the backend's message. */
    callControl: (request: InvokeRequest<'call:control'>) => invoke('call:control', request),
    /** Agents (with their status) and queues the agent may transfer to. */
    getTransferTargets: () => invoke('call:transfer-targets'),
    /** History, missed-call badge, voicemails, dispositions, after-call work; rejects with a message for the agent. */
    desk: <R extends DeskRequest>(request: R) => invoke('desk:request', request) as Promise<DeskAnswer<R['action']>>,
    /** A voicemail's recording, to play from a blob URL. */
    getVoicemailAudio: (id: string) => invoke('voicemail:audio', { id }),
    /** The desktop app's settings (start at login). */
    getSettings: () => invoke('settings:get'),
    /** Turns start at login on or off; answers the settings as they now are. */
    setOpenAtLogin: (enabled: boolean) => invoke('settings:set', { openAtLogin: enabled }),
    /** A tel:/callto:/sip: link opened the app: show the number with Call / Cancel. */
    onDialRequest: (callback: (request: EventPayload<'dial:request'>) => void) => on('dial:request', callback),
    /** The PC woke, unlocked or came back online: the voice session must be rebuilt. */
    onSystemResumed: (callback: (info: EventPayload<'system:resumed'>) => void) => on('system:resumed', callback),
    /** After a renderer crash: the call to take up again. */
    onCallRecover: (callback: (call: EventPayload<'call:recover'>) => void) => on('call:recover', callback),
    /** A renderer warning or error for the desktop log file. */
    log: (level: SendPayload<'log:write'>['level'], message: string) => send('log:write', { level, message: message.slice(0, 2000) }),
    /** Stores a call's quality summary with its record at hang-up. */
    saveCallQuality: (callId: string, summary: InvokeRequest<'call:quality'>['summary']) => invoke('call:quality', { callId, summary }),
    /** The agent's audio choices on this machine (main's store). */
    getAudioPreferences: () => invoke('audio:get'),
    /** Remembers the audio choices in main's store; answers them as stored. */
    setAudioPreferences: (preferences: InvokeRequest<'audio:set'>) => invoke('audio:set', preferences),
  };
}
