import { describe, expect, it } from 'vitest';
import { alertPlan, WebAlerts, type AlertsEnvironment } from '../../../renderer/src/alerts/web-alerts';

describe('alertPlan', () => {
  it('rings and notifies for a ringing call, only notifies for a call waiting, nothing otherwise', () => {
    expect(alertPlan({ phase: 'ringing', callId: 'c1', from: '14155550100' })).toEqual({ ring: true, notify: { callId: 'c1', from: '14155550100', waiting: false } });
    expect(alertPlan({ phase: 'active', callId: 'c1', from: 'a', since: 1, waiting: { callId: 'c2', from: 'b' } })).toEqual({
      ring: false,
      notify: { callId: 'c2', from: 'b', waiting: true },
    });
    expect(alertPlan({ phase: 'active', callId: 'c1', from: 'a', since: 1 })).toEqual({ ring: false, notify: null });
    expect(alertPlan({ phase: 'idle' })).toEqual({ ring: false, notify: null });
  });
});

/** WebAudio and Notification doubles that record what the alerts do. */
function environment(permission: NotificationPermission, audioState: AudioContextState = 'running') {
  const log: string[] = [];
  const node = () => ({ connect: (next: unknown) => next ?? node(), disconnect: () => log.push('disconnect'), gain: { value: 0, setValueAtTime: () => undefined, linearRampToValueAtTime: () => undefined } });
  class FakeAudioContext {
    state: AudioContextState = audioState;
    currentTime = 0;
    destination = {};
    private listeners: Array<() => void> = [];
    createGain() {
      return node();
    }
    createOscillator() {
      return { ...node(), frequency: { value: 0 }, start: () => log.push('tone-start'), stop: () => log.push('tone-stop') };
    }
    addEventListener(_type: string, listener: () => void) {
      this.listeners.push(listener);
    }
    async resume() {
      log.push('resume');
      this.state = 'running';
      for (const listener of this.listeners) listener();
    }
  }
  class FakeNotification {
    static permission: NotificationPermission = permission;
    static async requestPermission(): Promise<NotificationPermission> {
      log.push('ask-permission');
      FakeNotification.permission = 'granted';
      return 'granted';
    }
    onclick: (() => void) | null = null;
    constructor(title: string, options: NotificationOptions) {
      log.push(`notify:${title}:${options.body}`);
    }
    close() {
      log.push('close');
    }
  }
  const env: AlertsEnvironment = {
    AudioContext: FakeAudioContext as unknown as typeof AudioContext,
    Notification: FakeNotification as unknown as typeof Notification,
    focus: () => log.push('focus'),
  };
  return { env, log };
}

describe('WebAlerts', () => {
  it('rings and notifies while a call rings, and stops both once it is answered', () => {
    const { env, log } = environment('granted');
    const alerts = new WebAlerts(env);
    alerts.check();
    expect(alerts.state).toMatchObject({ sound: 'ready', notifications: 'granted', ringing: false });
    alerts.update({ phase: 'ringing', callId: 'c1', from: '14155550100' });
    expect(alerts.state).toMatchObject({ ringing: true, notified: 'c1' });
    expect(log.filter((l) => l.startsWith('notify'))).toEqual(['notify:Incoming call:+1 415 555 0100 — open Switchboard to answer']);
    // Still ringing (being answered): nothing new.
    alerts.update({ phase: 'ringing', callId: 'c1', from: '14155550100' });
    expect(log.filter((l) => l === 'tone-start')).toHaveLength(2);
    alerts.update({ phase: 'active', callId: 'c1', from: '14155550100', since: 1 });
    expect(alerts.state).toMatchObject({ ringing: false, notified: null });
    expect(log).toContain('tone-stop');
    expect(log).toContain('close');
  });

  it('notifies a call waiting without ringing over the call in progress', () => {
    const { env, log } = environment('granted');
    const alerts = new WebAlerts(env);
    alerts.update({ phase: 'active', callId: 'c1', from: 'a', since: 1, waiting: { callId: 'c2', from: '14155550101' } });
    expect(alerts.state.ringing).toBe(false);
    expect(log).toContain('notify:Call waiting:+1 415 555 0101 — open Switchboard to answer');
    expect(log).not.toContain('tone-start');
  });

  it('reports blocked sound and unasked notifications, and enable() (a user gesture) fixes both', async () => {
    const { env, log } = environment('default', 'suspended');
    const alerts = new WebAlerts(env);
    alerts.check();
    expect(alerts.state).toMatchObject({ sound: 'blocked', notifications: 'default' });
    alerts.update({ phase: 'ringing', callId: 'c1', from: '1' });
    expect(log.some((l) => l.startsWith('notify'))).toBe(false);
    alerts.enable();
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toContain('ask-permission');
    expect(alerts.state).toMatchObject({ sound: 'ready', notifications: 'granted' });
  });

  it('opens no audio context until asked to check (it holds the page at start), and a ring opens one itself', () => {
    const { env } = environment('granted');
    let made = 0;
    const Counted = class extends (env.AudioContext as unknown as new () => object) {
      constructor() {
        super();
        made++;
      }
    };
    const alerts = new WebAlerts({ ...env, AudioContext: Counted as unknown as typeof AudioContext });
    expect(made).toBe(0);
    expect(alerts.state.sound).toBe('unchecked');
    alerts.update({ phase: 'ringing', callId: 'c1', from: '1' });
    expect(made).toBe(1);
    expect(alerts.state).toMatchObject({ sound: 'ready', ringing: true });
    alerts.check();
    expect(made).toBe(1);
  });

  it('works without WebAudio or notifications (says so)', () => {
    const alerts = new WebAlerts({ focus: () => undefined });
    alerts.update({ phase: 'ringing', callId: 'c1', from: '1' });
    expect(alerts.state).toMatchObject({ sound: 'unsupported', notifications: 'unsupported' });
  });
});
