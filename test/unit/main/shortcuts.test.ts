import { inCallControls, type SummaryState } from '../../../common/call-state';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ShortcutStatus } from '../../../common/ipc-contract';
import { CallController } from '../../../main/call-controller';
import { DEFAULT_SHORTCUTS, type ShortcutConfig } from '../../../main/config';
import { createRecordingLogger } from '../../../main/log';
import { ShortcutManager } from '../../../main/shortcuts';
import { app, configure, globalShortcut as globalShortcutDouble, reset } from '../../desktop/double';
import { fakeCallControllerDeps } from './support';

type GlobalShortcutDouble = typeof globalShortcutDouble;

// The one Electron double (test/desktop/double), as Windows: a taken accelerator is refused there (Linux: see below).
beforeEach(async () => {
  await reset();
  configure({ platform: 'win32' });
  await app.whenReady();
});

const { answer: ANSWER, hangup: HANGUP } = DEFAULT_SHORTCUTS;

function setup(prepare?: (globalShortcut: GlobalShortcutDouble) => void, accelerators: ShortcutConfig = { answer: ANSWER, hangup: HANGUP }) {
  const globalShortcut = globalShortcutDouble;
  prepare?.(globalShortcut);
  const deps = fakeCallControllerDeps();
  const calls = new CallController(deps);
  const reported: ShortcutStatus[] = [];
  const log = createRecordingLogger();
  const manager = new ShortcutManager(globalShortcut, {
    accelerators,
    handlers: { answer: () => calls.answer('shortcut'), hangup: () => calls.hangupOrDecline('shortcut') },
    onStatus: (status) => reported.push(status),
    log,
  });
  const status = manager.register();
  return { globalShortcut, deps, calls, manager, status, reported, log };
}

describe('ShortcutManager', () => {
  it('registers both accelerators and reports success', () => {
    const { globalShortcut, status, reported } = setup();
    expect(globalShortcut.isRegistered(ANSWER)).toBe(true);
    expect(globalShortcut.isRegistered(HANGUP)).toBe(true);
    expect(status).toEqual({ answer: { accelerator: ANSWER, registered: true }, hangup: { accelerator: HANGUP, registered: true } });
    expect(reported).toEqual([status]);
  });

  it('answer while ringing sends an answer command and shows the window', () => {
    const { globalShortcut, deps, calls } = setup();
    calls.update({ phase: 'ringing', callId: 'c1', from: '+14155550100' });
    expect(globalShortcut.press(ANSWER)).toBe(true);
    expect(deps.sendCommand).toHaveBeenCalledWith({ action: 'answer', callId: 'c1', source: 'shortcut' });
    expect(deps.showWindow).toHaveBeenCalledTimes(1);
  });

  it('hang-up declines while ringing and hangs up during a call', () => {
    const { globalShortcut, deps, calls } = setup();
    calls.update({ phase: 'ringing', callId: 'c1', from: '+1' });
    globalShortcut.press(HANGUP);
    expect(deps.sendCommand).toHaveBeenLastCalledWith({ action: 'decline', callId: 'c1', source: 'shortcut' });
    calls.update({ phase: 'active', callId: 'c2', from: '+1', since: 1 });
    globalShortcut.press(HANGUP);
    expect(deps.sendCommand).toHaveBeenLastCalledWith({ action: 'hangup', callId: 'c2', source: 'shortcut' });
    expect(deps.showWindow).not.toHaveBeenCalled();
  });

  it('does nothing when there is no call', () => {
    const { globalShortcut, deps, calls } = setup();
    globalShortcut.press(ANSWER);
    globalShortcut.press(HANGUP);
    calls.update({ phase: 'active', callId: 'c2', from: '+1', since: 1 });
    globalShortcut.press(ANSWER); // answering an active call makes no sense
    expect(deps.sendCommand).not.toHaveBeenCalled();
  });

  it('reports an accelerator taken by another app: logged and sent, naming it', () => {
    const { status, reported, log, globalShortcut } = setup((shortcut) => shortcut.failRegistration(ANSWER));
    expect(status.answer).toEqual({
      accelerator: ANSWER,
      registered: false,
      error: `The answer shortcut ${ANSWER} is already used by another application`,
    });
    expect(status.hangup.registered).toBe(true);
    expect(reported).toEqual([status]);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'error', fields: expect.objectContaining({ accelerator: ANSWER }) }));
    expect(globalShortcut.isRegistered(ANSWER)).toBe(false);
  });

  it('reports an accelerator Electron refuses (register throws)', () => {
    const { status, log } = setup((shortcut) => shortcut.failRegistration(HANGUP, 'throw'));
    expect(status.hangup.registered).toBe(false);
    expect(status.hangup.error).toContain(HANGUP);
    expect(status.hangup.error).toContain('conversion failure');
    expect(log.lines.filter((line) => line.level === 'error')).toHaveLength(1);
  });

  it('refuses the same accelerator for both', () => {
    const { status } = setup(undefined, { answer: ANSWER, hangup: ANSWER });
    expect(status.answer.registered).toBe(true);
    expect(status.hangup).toEqual({ accelerator: ANSWER, registered: false, error: expect.stringContaining('same as the answer shortcut') });
  });

  it('unregisters only what it registered', () => {
    const { globalShortcut, manager } = setup();
    globalShortcut.register('F12', () => undefined);
    manager.unregister();
    expect(globalShortcut.isRegistered(ANSWER)).toBe(false);
    expect(globalShortcut.isRegistered(HANGUP)).toBe(false);
    expect(globalShortcut.isRegistered('F12')).toBe(true);
  });
});

describe('mute and hold shortcuts', () => {
  const { mute: MUTE, hold: HOLD } = DEFAULT_SHORTCUTS;
  const all: ShortcutConfig = { ...DEFAULT_SHORTCUTS };
  function withToggles(accelerators: ShortcutConfig = all, prepare?: (globalShortcut: GlobalShortcutDouble) => void) {
    const globalShortcut = globalShortcutDouble;
    prepare?.(globalShortcut);
    const deps = fakeCallControllerDeps();
    const calls = new CallController(deps);
    const manager = new ShortcutManager(globalShortcut, {
      accelerators,
      handlers: {
        answer: () => calls.answer('shortcut'),
        hangup: () => calls.hangupOrDecline('shortcut'),
        mute: () => calls.toggleMute('shortcut'),
        hold: () => calls.toggleHold('shortcut'),
      },
      onStatus: () => undefined,
      log: createRecordingLogger(),
    });
    return { globalShortcut, deps, calls, manager, status: manager.register() };
  }
  /** A summary as the renderer reports it: the controls come from `inCallControls`, as `summarize` sets them. */
  const active = (state: SummaryState, muted = false) => ({ phase: 'active', callId: 'c1', from: '+14155550100', since: 1, state, muted, controls: inCallControls(state, muted) }) as const;
  const talking = active('talking');

  it('registers all four and reports each', () => {
    const { status, globalShortcut } = withToggles();
    expect(status.mute).toEqual({ accelerator: MUTE, registered: true });
    expect(status.hold).toEqual({ accelerator: HOLD, registered: true });
    expect(globalShortcut.isRegistered(MUTE)).toBe(true);
    expect(globalShortcut.isRegistered(HOLD)).toBe(true);
  });

  it('mute follows the summary: mute while unmuted, unmute while muted', () => {
    const { globalShortcut, deps, calls } = withToggles();
    calls.update(talking);
    expect(globalShortcut.press(MUTE)).toBe(true);
    expect(deps.sendCommand).toHaveBeenLastCalledWith({ action: 'mute', callId: 'c1', source: 'shortcut' });
    calls.update(active('talking', true));
    globalShortcut.press(MUTE);
    expect(deps.sendCommand).toHaveBeenLastCalledWith({ action: 'unmute', callId: 'c1', source: 'shortcut' });
    expect(deps.sendCommand).toHaveBeenCalledTimes(2);
  });

  it('hold follows the summary: hold while talking, resume while held', () => {
    const { globalShortcut, deps, calls } = withToggles();
    calls.update(talking);
    globalShortcut.press(HOLD);
    expect(deps.sendCommand).toHaveBeenLastCalledWith({ action: 'hold', callId: 'c1', source: 'shortcut' });
    calls.update(active('held'));
    globalShortcut.press(HOLD);
    expect(deps.sendCommand).toHaveBeenLastCalledWith({ action: 'resume', callId: 'c1', source: 'shortcut' });
  });

  it('does nothing with no call, a ringing call, a call being placed or transferring, or hold during a consult', () => {
    const { globalShortcut, deps, calls } = withToggles();
    globalShortcut.press(MUTE);
    globalShortcut.press(HOLD);
    calls.update({ phase: 'ringing', callId: 'c1', from: '+1' });
    globalShortcut.press(MUTE);
    globalShortcut.press(HOLD);
    calls.update(active('calling'));
    globalShortcut.press(MUTE);
    globalShortcut.press(HOLD);
    calls.update(active('transferring'));
    globalShortcut.press(MUTE);
    calls.update(active('consulting'));
    globalShortcut.press(HOLD);
    expect(deps.sendCommand).not.toHaveBeenCalled();
    globalShortcut.press(MUTE); // muting during a consult is allowed
    expect(deps.sendCommand).toHaveBeenCalledWith({ action: 'mute', callId: 'c1', source: 'shortcut' });
  });

  it('an empty accelerator turns a toggle off; a clash with another shortcut is refused and named', () => {
    const off = withToggles({ ...all, mute: '', hold: HOLD });
    expect(off.status.mute).toBeUndefined();
    expect(off.globalShortcut.isRegistered(HOLD)).toBe(true);
    off.manager.unregister(); // one globalShortcut per process, as in Electron
    const clash = withToggles({ ...all, hold: DEFAULT_SHORTCUTS.hangup });
    expect(clash.status.hold).toEqual({
      accelerator: DEFAULT_SHORTCUTS.hangup,
      registered: false,
      error: `The hold shortcut ${DEFAULT_SHORTCUTS.hangup} is the same as the hang-up shortcut`,
    });
    expect(clash.status.hangup.registered).toBe(true);
  });

  it('reports a toggle taken by another app and unregisters the ones it registered', () => {
    const { status, globalShortcut, manager } = withToggles(all, (shortcut) => shortcut.failRegistration(MUTE));
    expect(status.mute).toEqual({ accelerator: MUTE, registered: false, error: `The mute shortcut ${MUTE} is already used by another application` });
    manager.unregister();
    expect(globalShortcut.isRegistered(HOLD)).toBe(false);
  });
});

describe('on Linux', () => {
  it('an accelerator another app holds registers silently and never fires; main reports what Electron says', async () => {
    await reset();
    configure({ platform: 'linux' });
    await app.whenReady();
    globalShortcutDouble.failRegistration(ANSWER);
    const { status, deps, calls } = setup();
    expect(status.answer).toEqual({ accelerator: ANSWER, registered: true });
    calls.update({ phase: 'ringing', callId: 'c1', from: '+1' });
    expect(globalShortcutDouble.press(ANSWER)).toBe(false);
    expect(deps.sendCommand).not.toHaveBeenCalled();
    expect(globalShortcutDouble.press(HANGUP)).toBe(true);
  });
});
