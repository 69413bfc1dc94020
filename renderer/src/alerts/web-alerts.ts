/**
 * Incoming-call alerts of the web app (the desktop app has main's ring window and
 * notifications instead, so nothing here runs in Electron: no double ring).
 *
 * From the call summary the softphone reports: a ring on WebAudio (the desktop ringer's
 * cadence, `../ring/tone`) while a call rings, and a browser notification for a ringing or
 * waiting call, closed when it stops ringing. Browsers allow sound only after the page had a
 * user gesture and notifications only with permission: the state says what is missing, so the
 * app can offer the click that fixes it (`WebAlertsBar`).
 */
import type { CallSummary } from '../../../common/call-state';
import { loadAudioPreferences, type SinkableAudioContext } from '../audio/preferences';
import { startRingTone } from '../ring/tone';
import { formatCaller } from '../ui/format';

/** What should alert the agent now: pure, from the summary. */
export interface AlertPlan {
  ring: boolean;
  /** The call to show a notification for (ringing, or waiting during another call). */
  notify: { callId: string; from: string; waiting: boolean } | null;
}

/** The alerts a call summary asks for: ring only for a ringing call (not a call waiting), notify for both. */
export function alertPlan(summary: CallSummary): AlertPlan {
  if (summary.phase === 'ringing') return { ring: true, notify: { callId: summary.callId, from: summary.from, waiting: false } };
  if (summary.phase === 'active' && summary.waiting) return { ring: false, notify: { ...summary.waiting, waiting: true } };
  return { ring: false, notify: null };
}

/** What the alerts can do, for the app to show. */
export interface WebAlertsState {
  /**
   * ready: sound plays; blocked: the browser waits for a click on the page; unsupported: no
   * WebAudio; unchecked: not looked at yet (`check`).
   */
  sound: 'ready' | 'blocked' | 'unsupported' | 'unchecked';
  notifications: NotificationPermission | 'unsupported';
  ringing: boolean;
  /** The call a notification is shown for, if any. */
  notified: string | null;
}

/** The browser APIs the alerts use (a test may hand in its own). */
export interface AlertsEnvironment {
  AudioContext?: typeof AudioContext;
  Notification?: typeof Notification;
  focus(): void;
}

/** Rings and notifies for incoming calls in the web app. */
export class WebAlerts {
  private context: AudioContext | null = null;
  private stopTone: (() => void) | null = null;
  private notification: Notification | null = null;
  private plan: AlertPlan = { ring: false, notify: null };
  private readonly listeners = new Set<(state: WebAlertsState) => void>();
  private snapshot: WebAlertsState;

  constructor(private readonly env: AlertsEnvironment) {
    this.snapshot = {
      sound: env.AudioContext ? 'unchecked' : 'unsupported',
      notifications: env.Notification ? env.Notification.permission : 'unsupported',
      ringing: false,
      notified: null,
    };
  }

  /**
   * Makes the audio context, whose state tells whether the browser allows sound yet (it does
   * after a user gesture on the page, or with an autoplay policy that allows it). Not from the
   * constructor: a new AudioContext opens the audio output, which holds the page's thread for
   * tens of milliseconds, so the app calls this once the voice session has started (a ring or a
   * click makes it earlier).
   */
  check(): void {
    this.audio();
  }

  get state(): WebAlertsState {
    return this.snapshot;
  }

  subscribe(listener: (state: WebAlertsState) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Ask for notification permission and unlock sound. Call from a user gesture (the sign-in
   * click, or the app's "Turn on" button): browsers ignore both otherwise.
   */
  enable(): void {
    this.unlockSound();
    const N = this.env.Notification;
    if (N && N.permission === 'default') {
      void N.requestPermission()
        .then((permission) => this.set({ notifications: permission }))
        .catch(() => this.set({ notifications: N.permission }));
    }
  }

  /** Creates or resumes the audio context (sound is allowed once the page had a user gesture). */
  unlockSound(): void {
    const context = this.audio();
    if (!context) return;
    if (context.state === 'suspended') void context.resume().then(() => this.soundState(), () => this.soundState());
    this.soundState();
  }

  /** Follow the softphone's call summary. */
  update(summary: CallSummary): void {
    const plan = alertPlan(summary);
    const before = this.plan;
    this.plan = plan;
    if (plan.ring && !before.ring) this.startRing();
    if (!plan.ring && before.ring) this.stopRing();
    if (plan.notify?.callId !== before.notify?.callId) this.notify(plan.notify);
  }

  private startRing(): void {
    const context = this.audio();
    if (!context) return;
    // The agent's ringer device and volume (Audio settings); an unplugged device rings on the default.
    const { ringer, ringerVolume } = loadAudioPreferences();
    const sinkable = context as SinkableAudioContext;
    if (ringer && sinkable.setSinkId) void sinkable.setSinkId(ringer).catch(() => undefined);
    this.stopTone = startRingTone(context, ringerVolume);
    if (context.state === 'suspended') void context.resume().then(() => this.soundState(), () => this.soundState());
    this.set({ ringing: true });
    this.soundState();
  }

  private stopRing(): void {
    this.stopTone?.();
    this.stopTone = null;
    this.set({ ringing: false });
  }

  private notify(call: AlertPlan['notify']): void {
    this.notification?.close();
    this.notification = null;
    const N = this.env.Notification;
    if (call && N && N.permission === 'granted') {
      try {
        const notification = new N(call.waiting ? 'Call waiting' : 'Incoming call', {
          body: `${formatCaller(call.from)} — open Switchboard to answer`,
          tag: `switchboard-call-${call.callId}`,
          requireInteraction: true,
        });
        notification.onclick = () => {
          this.env.focus();
          notification.close();
        };
        this.notification = notification;
      } catch {
        // Some browsers only allow notifications from a service worker: the ring and the title remain.
      }
    }
    this.set({ notified: this.notification ? (call?.callId ?? null) : null, ...(N ? { notifications: N.permission } : {}) });
  }

  private audio(): AudioContext | null {
    if (!this.env.AudioContext) return null;
    if (!this.context) {
      const context = new this.env.AudioContext({ latencyHint: 'interactive' });
      this.context = context;
      context.addEventListener('statechange', () => this.soundState());
      this.soundState();
    }
    return this.context;
  }

  private soundState(): void {
    const state = this.context?.state;
    this.set({ sound: state === 'running' ? 'ready' : 'blocked' });
  }

  private set(patch: Partial<WebAlertsState>): void {
    const next = { ...this.snapshot, ...patch };
    if (JSON.stringify(next) === JSON.stringify(this.snapshot)) return;
    this.snapshot = next;
    for (const listener of this.listeners) listener(next);
  }
}
