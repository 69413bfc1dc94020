import { inflateSync } from 'node:zlib';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { trayIconDataUrl } from '../../../main/icons';
import { createRecordingLogger } from '../../../main/log';
import { TrayController, type TrayActions } from '../../../main/tray';
import { app, Menu, nativeImage, reset, Tray, TrayDouble } from '../../desktop/double';

/** The tray on the one Electron double (test/desktop/double), after `app` is ready, as Electron requires. */
function setup() {
  const actions: TrayActions = { show: vi.fn(), answer: vi.fn(), decline: vi.fn(), hangup: vi.fn(), control: vi.fn(), quit: vi.fn() };
  const controller = new TrayController({ Tray, Menu, nativeImage }, actions, createRecordingLogger());
  const tray = TrayDouble.instances[0]!;
  return { actions, controller, tray };
}

describe('TrayController', () => {
  beforeEach(async () => {
    await reset();
    await app.whenReady();
  });

  it('starts idle: ready tooltip, Show and Quit only', () => {
    const { tray } = setup();
    expect(TrayDouble.instances).toHaveLength(1);
    expect(tray.toolTip).toBe('Switchboard — Ready');
    expect(tray.menuLabels()).toEqual(['Show Switchboard', 'Quit']);
    expect(tray.imageDouble()?.toDataURL()).toBe(trayIconDataUrl('idle'));
  });

  it('shows ringing with Answer and Decline, then in-call with Hang up, then idle again', () => {
    const { controller, tray, actions } = setup();
    controller.setState({ kind: 'ringing', from: '+14155550100' });
    expect(tray.toolTip).toBe('Switchboard — Incoming call from +14155550100');
    expect(tray.menuLabels()).toEqual(['Show Switchboard', 'Answer', 'Decline', 'Quit']);
    expect(tray.imageDouble()?.toDataURL()).toBe(trayIconDataUrl('ringing'));
    tray.clickMenuItem('Answer');
    tray.clickMenuItem('Decline');
    expect(actions.answer).toHaveBeenCalledTimes(1);
    expect(actions.decline).toHaveBeenCalledTimes(1);

    controller.setState({ kind: 'in-call', from: '+14155550100' });
    expect(tray.toolTip).toBe('Switchboard — On a call with +14155550100');
    expect(tray.menuLabels()).toEqual(['Show Switchboard', 'Hang up', 'Quit']);
    expect(tray.imageDouble()?.toDataURL()).toBe(trayIconDataUrl('in-call'));
    tray.clickMenuItem('Hang up');
    expect(actions.hangup).toHaveBeenCalledTimes(1);

    controller.setState({ kind: 'idle' });
    expect(tray.toolTip).toBe('Switchboard — Ready');
    expect(tray.menuLabels()).toEqual(['Show Switchboard', 'Quit']);
    expect(controller.state()).toEqual({ kind: 'idle' });
  });

  it('in a call it tells the state, offers the controls the summary lists, and the call waiting', () => {
    const { controller, tray, actions } = setup();
    controller.setState({ kind: 'in-call', from: '+1', state: 'talking', controls: ['mute', 'hold'] });
    expect(tray.toolTip).toBe('Switchboard — On a call with +1');
    expect(tray.menuLabels()).toEqual(['Show Switchboard', 'Mute', 'Hold', 'Hang up', 'Quit']);
    tray.clickMenuItem('Mute');
    tray.clickMenuItem('Hold');
    controller.setState({ kind: 'in-call', from: '+1', state: 'held', muted: true, waiting: '+2', controls: ['unmute', 'resume'] });
    expect(tray.toolTip).toBe('Switchboard — On a call with +1 (on hold) (muted) — call waiting from +2');
    expect(tray.menuLabels()).toEqual(['Show Switchboard', 'Answer call waiting', 'Decline call waiting', 'Unmute', 'Resume', 'Hang up', 'Quit']);
    tray.clickMenuItem('Unmute');
    tray.clickMenuItem('Resume');
    tray.clickMenuItem('Answer call waiting');
    tray.clickMenuItem('Decline call waiting');
    expect((actions.control as ReturnType<typeof vi.fn>).mock.calls.map(([action]) => action)).toEqual(['mute', 'hold', 'unmute', 'resume']);
    expect(actions.answer).toHaveBeenCalledTimes(1);
    expect(actions.decline).toHaveBeenCalledTimes(1);
    controller.setState({ kind: 'in-call', from: '+1', state: 'consulting', controls: ['mute'] });
    expect(tray.toolTip).toBe('Switchboard — On a call with +1 (consulting)');
    expect(tray.menuLabels()).toEqual(['Show Switchboard', 'Mute', 'Hang up', 'Quit']);
    controller.setState({ kind: 'in-call', from: '+1', state: 'transferring' });
    expect(tray.menuLabels()).toEqual(['Show Switchboard', 'Hang up', 'Quit']);
  });

  it('Show, Quit and a click on the icon reach their actions', () => {
    const { tray, actions } = setup();
    tray.clickMenuItem('Show Switchboard');
    tray.emit('click');
    tray.clickMenuItem('Quit');
    expect(actions.show).toHaveBeenCalledTimes(2);
    expect(actions.quit).toHaveBeenCalledTimes(1);
  });

  it('does not rebuild the menu for the same state, and stops after destroy', () => {
    const { controller, tray } = setup();
    controller.setState({ kind: 'ringing', from: '+1' });
    const menu = tray.contextMenu;
    controller.setState({ kind: 'ringing', from: '+1' });
    expect(tray.contextMenu).toBe(menu);
    controller.destroy();
    expect(tray.isDestroyed()).toBe(true);
    controller.setState({ kind: 'idle' });
    expect(tray.toolTip).toBe('Switchboard — Incoming call from +1');
  });
});

describe('tray icons', () => {
  it.each(['idle', 'ringing', 'in-call'] as const)('%s is a valid 32×32 RGBA PNG', (state) => {
    const png = Buffer.from(trayIconDataUrl(state).replace('data:image/png;base64,', ''), 'base64');
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(32);
    expect(png.readUInt32BE(20)).toBe(32);
    expect(png[25]).toBe(6); // RGBA
    const idatLength = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('ascii')).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(raw.length).toBe((32 * 4 + 1) * 32);
    // Corners transparent, centre opaque.
    expect(raw[1 + 3]).toBe(0);
    expect(raw[16 * 129 + 1 + 16 * 4 + 3]).toBe(255);
  });

  it('differs per state', () => {
    expect(new Set([trayIconDataUrl('idle'), trayIconDataUrl('ringing'), trayIconDataUrl('in-call')]).size).toBe(3);
  });
});
