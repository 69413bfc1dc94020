import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createRecordingLogger } from '../../../main/log';
import { IncomingCallNotifier } from '../../../main/notifications';
import { app, configure, NotificationDouble, reset } from '../../desktop/double';

function setup() {
  const actions = { answer: vi.fn(), decline: vi.fn(), show: vi.fn() };
  const log = createRecordingLogger();
  const notifier = new IncomingCallNotifier(NotificationDouble, actions, log);
  return { actions, notifier, log };
}

describe('IncomingCallNotifier', () => {
  // The one Electron double (test/desktop/double), as Windows: notifications carry buttons there.
  beforeEach(async () => {
    await reset();
    configure({ platform: 'win32' });
    await app.whenReady();
  });

  it('shows an incoming-call notification with Answer and Decline', () => {
    const { notifier } = setup();
    notifier.ring('call-1', '+14155550100');
    expect(NotificationDouble.instances).toHaveLength(1);
    const notification = NotificationDouble.instances[0]!;
    expect(notification.shown).toBe(true);
    expect(notification.options).toMatchObject({
      title: 'Incoming call',
      body: 'From +14155550100',
      actions: [
        { type: 'button', text: 'Answer' },
        { type: 'button', text: 'Decline' },
      ],
      urgency: 'critical',
      timeoutType: 'never',
    });
    expect(notifier.showing()).toBe('call-1');
  });

  it('a call waiting says so, with the same actions', () => {
    const { notifier, actions } = setup();
    notifier.ring('call-2', '+14155550122', { waiting: true });
    const notification = NotificationDouble.instances[0]!;
    expect(notification.options).toMatchObject({ title: 'Call waiting', body: 'From +14155550122. Answering puts your current call on hold.' });
    notification.emit('action', { actionIndex: 0 });
    expect(actions.answer).toHaveBeenCalledWith('call-2');
  });

  it('turns action 0 into answer and action 1 into decline, for that call', () => {
    const { notifier, actions } = setup();
    notifier.ring('call-1', '+1');
    NotificationDouble.instances[0]!.clickAction(0);
    // A clicked notification is gone (the double, like the OS, refuses a second click); ring again for Decline.
    expect(() => NotificationDouble.instances[0]!.clickAction(1)).toThrow('not on screen');
    notifier.dismiss();
    notifier.ring('call-1', '+1');
    NotificationDouble.instances[1]!.clickAction(1);
    expect(actions.answer).toHaveBeenCalledWith('call-1');
    expect(actions.decline).toHaveBeenCalledWith('call-1');
  });

  it('understands the older event shape (index only as the second argument)', () => {
    const { notifier, actions } = setup();
    notifier.ring('call-1', '+1');
    NotificationDouble.instances[0]!.clickAction(1, { legacyOnly: true });
    expect(actions.decline).toHaveBeenCalledWith('call-1');
    expect(actions.answer).not.toHaveBeenCalled();
  });

  it('brings the window forward on a click', () => {
    const { notifier, actions } = setup();
    notifier.ring('call-1', '+1');
    NotificationDouble.instances[0]!.emit('click');
    expect(actions.show).toHaveBeenCalledTimes(1);
    expect(actions.answer).not.toHaveBeenCalled();
  });

  it('shows one notification per call and closes it when the call stops ringing', () => {
    const { notifier } = setup();
    notifier.ring('call-1', '+1');
    notifier.ring('call-1', '+1');
    expect(NotificationDouble.instances).toHaveLength(1);
    notifier.dismiss();
    expect(NotificationDouble.instances[0]!.closed).toBe(true);
    expect(notifier.showing()).toBeNull();
    notifier.ring('call-2', '+2');
    expect(NotificationDouble.instances).toHaveLength(2);
  });

  it('replaces the notification of an earlier call', () => {
    const { notifier } = setup();
    notifier.ring('call-1', '+1');
    notifier.ring('call-2', '+2');
    expect(NotificationDouble.instances[0]!.closed).toBe(true);
    expect(NotificationDouble.instances[1]!.shown).toBe(true);
  });

  it('says so when notifications are unsupported', () => {
    configure({ notificationsSupported: false });
    const { notifier, log } = setup();
    notifier.ring('call-1', '+1');
    expect(NotificationDouble.instances).toHaveLength(0);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn' }));
  });

  it('a notification Windows fails to show hands the call to the fallback, once; a user dismissal forgets it', () => {
    const actions = { answer: vi.fn(), decline: vi.fn(), show: vi.fn(), failed: vi.fn() };
    const notifier = new IncomingCallNotifier(NotificationDouble, actions, createRecordingLogger());
    notifier.ring('call-1', '+1', { waiting: true });
    NotificationDouble.instances[0]!.fail('toast service down');
    expect(actions.failed).toHaveBeenCalledWith('call-1', '+1', { waiting: true });
    expect(notifier.showing()).toBeNull();
    notifier.ring('call-2', '+2');
    NotificationDouble.instances[1]!.dismissByUser();
    expect(notifier.showing()).toBeNull();
    expect(actions.failed).toHaveBeenCalledTimes(1);
  });
});
