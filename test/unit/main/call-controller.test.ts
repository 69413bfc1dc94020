import { describe, expect, it } from 'vitest';
import { CallController } from '../../../main/call-controller';
import { fakeCallControllerDeps } from './fakes';

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
});
