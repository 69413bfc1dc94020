import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createRecordingLogger } from '../../../main/log';
import { IncomingCallNotifier } from '../../../main/notifications';
import { FakeNotification } from './fakes';

function setup() {
  const actions = { answer: vi.fn(), decline: vi.fn(), show: vi.fn() };
  const log = createRecordingLogger();
  const notifier = new IncomingCallNotifier(FakeNotification, actions, log);
  return { actions, notifier, log };
}

describe('IncomingCallNotifier', () => {
  beforeEach(() => {
    FakeNotification.instances = [];
    FakeNotification.supported = true;
  });

  it('shows an incoming-call notification with Answer and Decline', () => {
    const { notifier } = setup();
    notifier.ring('call-1', '+14155550100');
    expect(FakeNotification.instances).toHaveLength(1);
    const notification = FakeNotification.instances[0]!;
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
    const notification = FakeNotification.instances[0]!;
    expect(notification.options).toMatchObject({ title: 'Call waiting', body: 'From +14155550122. Answering puts your current call on hold.' });
    notification.emit('action', { actionIndex: 0 });
    expect(actions.answer).toHaveBeenCalledWith('call-2');
  });

  it('turns action 0 into answer and action 1 into decline, for that call', () => {
    const { notifier, actions } = setup();
    notifier.ring('call-1', '+1');
    const notification = FakeNotification.instances[0]!;
    notification.clickAction(0);
    notification.clickAction(1);
    expect(actions.answer).toHaveBeenCalledWith('call-1');
    expect(actions.decline).toHaveBeenCalledWith('call-1');
  });

  it('understands the older event shape (index only as the second argument)', () => {
    const { notifier, actions } = setup();
    notifier.ring('call-1', '+1');
    FakeNotification.instances[0]!.clickAction(1, { legacyOnly: true });
    expect(actions.decline).toHaveBeenCalledWith('call-1');
    expect(actions.answer).not.toHaveBeenCalled();
  });

  it('brings the window forward on a click', () => {
    const { notifier, actions } = setup();
    notifier.ring('call-1', '+1');
    FakeNotification.instances[0]!.emit('click');
    expect(actions.show).toHaveBeenCalledTimes(1);
    expect(actions.answer).not.toHaveBeenCalled();
  });

  it('shows one notification per call and closes it when the call stops ringing', () => {
    const { notifier } = setup();
    notifier.ring('call-1', '+1');
    notifier.ring('call-1', '+1');
    expect(FakeNotification.instances).toHaveLength(1);
    notifier.dismiss();
    expect(FakeNotification.instances[0]!.closed).toBe(true);
    expect(notifier.showing()).toBeNull();
    notifier.ring('call-2', '+2');
    expect(FakeNotification.instances).toHaveLength(2);
  });

  it('replaces the notification of an earlier call', () => {
    const { notifier } = setup();
    notifier.ring('call-1', '+1');
    notifier.ring('call-2', '+2');
    expect(FakeNotification.instances[0]!.closed).toBe(true);
    expect(FakeNotification.instances[1]!.shown).toBe(true);
  });

  it('says so when notifications are unsupported', () => {
    FakeNotification.supported = false;
    const { notifier, log } = setup();
    notifier.ring('call-1', '+1');
    expect(FakeNotification.instances).toHaveLength(0);
    expect(log.lines).toContainEqual(expect.objectContaining({ level: 'warn' }));
  });
});
