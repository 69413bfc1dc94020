import { describe, expect, it } from 'vitest';
import { CallController } from '../../../main/call-controller';
import { fakeCallControllerDeps } from './support';

function setup() {
  const deps = fakeCallControllerDeps();
  return { deps, calls: new CallController(deps) };
}

describe('CallController', () => {
  it('ringing: tray, notification and ring; active: in-call, alerts off; idle: ready', () => {
    const { deps, calls } = setup();
    calls.update({ phase: 'ringing', callId: 'c1', from: '+14155550100' });
    expect(deps.tray.setState).toHaveBeenLastCalledWith({ kind: 'ringing', from: '+14155550100' });
    expect(deps.notifier.ring).toHaveBeenCalledWith('c1', '+14155550100');
    expect(deps.ringer.start).toHaveBeenCalledTimes(1);

    calls.update({ phase: 'active', callId: 'c1', from: '+14155550100', since: 5 });
    expect(deps.tray.setState).toHaveBeenLastCalledWith({ kind: 'in-call', from: '+14155550100' });
    expect(deps.ringer.stop).toHaveBeenCalled();
    expect(deps.notifier.dismiss).toHaveBeenCalled();

    calls.update({ phase: 'idle' });
    expect(deps.tray.setState).toHaveBeenLastCalledWith({ kind: 'idle' });
    expect(calls.current()).toEqual({ phase: 'idle' });
  });

  it('answering stops the ring at once and does not restart it while the renderer is still answering', () => {
    const { deps, calls } = setup();
    calls.update({ phase: 'ringing', callId: 'c1', from: '+1' });
    expect(calls.answer('notification', 'c1')).toBe(true);
    expect(deps.ringer.stop).toHaveBeenCalledTimes(1);
    expect(deps.sendCommand).toHaveBeenCalledWith({ action: 'answer', callId: 'c1', source: 'notification' });
    calls.update({ phase: 'ringing', callId: 'c1', from: '+1' }); // "answering" still summarises as ringing
    expect(deps.ringer.start).toHaveBeenCalledTimes(1);
    expect(deps.notifier.ring).toHaveBeenCalledTimes(1);
  });

  it('ignores a command for another call than the ringing one', () => {
    const { deps, calls } = setup();
    calls.update({ phase: 'ringing', callId: 'c2', from: '+1' });
    expect(calls.answer('notification', 'c1')).toBe(false);
    expect(calls.decline('notification', 'c1')).toBe(false);
    expect(deps.sendCommand).not.toHaveBeenCalled();
  });

  it('a new call rings even after the previous one was answered', () => {
    const { deps, calls } = setup();
    calls.update({ phase: 'ringing', callId: 'c1', from: '+1' });
    calls.answer('shortcut');
    calls.update({ phase: 'active', callId: 'c1', from: '+1', since: 1 });
    calls.update({ phase: 'idle' });
    calls.update({ phase: 'ringing', callId: 'c2', from: '+2' });
    expect(deps.ringer.start).toHaveBeenCalledTimes(2);
  });

  it('reset() drops every alert', () => {
    const { deps, calls } = setup();
    calls.update({ phase: 'ringing', callId: 'c1', from: '+1' });
    calls.reset();
    expect(deps.ringer.stop).toHaveBeenCalled();
    expect(deps.tray.setState).toHaveBeenLastCalledWith({ kind: 'idle' });
  });

  it('a call waiting: notification (no ring), tray, answer and decline reach the waiting call', () => {
    const { deps, calls } = setup();
    calls.update({ phase: 'active', callId: 'c1', from: '+1', since: 1, state: 'talking', muted: false, controls: ['mute', 'hold'], waiting: { callId: 'c2', from: '+2' } });
    expect(deps.notifier.ring).toHaveBeenCalledWith('c2', '+2', { waiting: true });
    expect(deps.ringer.start).not.toHaveBeenCalled();
    expect(deps.tray.setState).toHaveBeenLastCalledWith({ kind: 'in-call', from: '+1', state: 'talking', waiting: '+2', controls: ['mute', 'hold'] });
    expect(calls.answer('notification', 'c1')).toBe(false);
    expect(calls.answer('shortcut')).toBe(true);
    expect(deps.sendCommand).toHaveBeenLastCalledWith({ action: 'answer', callId: 'c2', source: 'shortcut' });
    // While the renderer holds the first call and answers, the notification does not come back.
    deps.notifier.ring.mockClear();
    calls.update({ phase: 'active', callId: 'c1', from: '+1', since: 1, state: 'held', muted: false, waiting: { callId: 'c2', from: '+2' } });
    expect(deps.notifier.ring).not.toHaveBeenCalled();
    // The hang-up shortcut still hangs up the call in progress.
    expect(calls.hangupOrDecline('shortcut')).toBe(true);
    expect(deps.sendCommand).toHaveBeenLastCalledWith({ action: 'hangup', callId: 'c1', source: 'shortcut' });
    calls.update({ phase: 'active', callId: 'c1', from: '+1', since: 1, state: 'talking', muted: false, waiting: { callId: 'c3', from: '+3' } });
    expect(calls.decline('tray')).toBe(true);
    expect(deps.sendCommand).toHaveBeenLastCalledWith({ action: 'decline', callId: 'c3', source: 'tray' });
  });

  it('mute, unmute, hold and resume go to the call in progress only when the summary lists them', () => {
    const { deps, calls } = setup();
    expect(calls.control('mute', 'tray')).toBe(false);
    calls.update({ phase: 'active', callId: 'c1', from: '+1', since: 1 });
    // A summary without controls: main does not work out what applies.
    expect(calls.control('hold', 'tray')).toBe(false);
    calls.update({ phase: 'active', callId: 'c1', from: '+1', since: 1, state: 'talking', muted: false, controls: ['mute', 'hold'] });
    expect(calls.control('unmute', 'tray')).toBe(false);
    expect(calls.control('resume', 'tray')).toBe(false);
    expect(calls.control('mute', 'tray')).toBe(true);
    expect(calls.control('hold', 'tray')).toBe(true);
    calls.update({ phase: 'active', callId: 'c1', from: '+1', since: 1, state: 'held', muted: true, controls: ['unmute', 'resume'] });
    expect(deps.tray.setState).toHaveBeenLastCalledWith({ kind: 'in-call', from: '+1', state: 'held', muted: true, controls: ['unmute', 'resume'] });
    expect(calls.control('unmute', 'tray')).toBe(true);
    expect(calls.control('resume', 'tray')).toBe(true);
    expect(calls.control('hold', 'tray')).toBe(false);
    calls.update({ phase: 'active', callId: 'c1', from: '+1', since: 1, state: 'calling', muted: false, controls: [] });
    expect(calls.control('mute', 'tray')).toBe(false);
    expect(deps.sendCommand.mock.calls.map(([command]) => command.action)).toEqual(['mute', 'hold', 'unmute', 'resume']);
  });

  it('never works the controls out from the state: a talking summary without controls offers none', () => {
    const { deps, calls } = setup();
    calls.update({ phase: 'active', callId: 'c1', from: '+1', since: 1, state: 'talking', muted: false });
    expect(calls.control('mute', 'tray')).toBe(false);
    expect(calls.toggleHold('shortcut')).toBe(false);
    expect(deps.tray.setState).toHaveBeenLastCalledWith({ kind: 'in-call', from: '+1', state: 'talking' });
    expect(deps.sendCommand).not.toHaveBeenCalled();
  });
});
