/**
 * `conversation`: moves the leg into a named conversation (hold music until it starts,
 * `endOnExit`, `record`) and stays there until it leaves or the conversation ends. The
 * `transfer` action (`transfer.ts`) joins an existing conversation the same way ({@link join}).
 */
import { loadAudio } from '../../media/decode';
import type { MemberOptions } from '../../media/mixer';
import type { ConversationAction } from '../../../common/ncco-schema';
import type { Conversation, Leg } from '../legs';
import { hookFrom } from '../webhooks';
import { until, type ActionContext, type NccoActionHandler } from './context';
import { DEFAULT_RECORDING_FORMAT, startRecording } from './record';

/** Resolvers of legs waiting in a conversation, woken when they leave it. */
const leaving = new WeakMap<Leg, () => void>();

/** The leg left the conversation it was waiting in (moved, or its conversation ended). */
export function leftConversation(leg: Leg): void {
  leaving.get(leg)?.();
  leaving.delete(leg);
}

export const conversation: NccoActionHandler<ConversationAction> = {
  async start(ctx) {
    const { leg, action, calls } = ctx;
    const { conversation: target, created } = calls.namedConversation(leg.app, action.name);
    if (created) target.started = false;
    if (action.musicOnHoldUrl) target.settings.musicOnHoldUrl = action.musicOnHoldUrl[0];
    if (action.endOnExit) target.settings.endOnExit.add(leg.uuid);
    if (action.record && !target.stopRecording) recordConversation(ctx, target);
    return join(ctx, target, action, action.startOnEnter !== false);
  },
  stop: () => undefined,
};

/** Joins a conversation and waits there until the leg leaves it (or ends, or is transferred). */
export async function join(
  ctx: ActionContext,
  target: Conversation,
  options: { canHear?: string[]; canSpeak?: string[]; mute?: boolean },
  start: boolean,
): Promise<undefined> {
  const { leg, calls } = ctx;
  const previous = leg.conversation;
  const member: MemberOptions = {};
  if (options.canHear) member.canHear = options.canHear;
  if (options.canSpeak) member.canSpeak = options.canSpeak;
  if (options.mute) calls.setMuted(leg, true);
  calls.attach(leg, target, member);
  if (previous !== target) calls.noteTransfer(leg, previous, target);
  if (!target.started && target.settings.musicOnHoldUrl) {
    const url = target.settings.musicOnHoldUrl;
    const music = await loadAudio(url).catch((error: Error) => {
      calls.reportError(leg, `musicOnHoldUrl ${url} could not be played: ${error.message}`);
      return null;
    });
    if (music && !target.started && target.legs.has(leg)) {
      target.setHoldPlayback(leg, calls.play(leg, music, { loop: 0 }, { type: 'music', url }));
    }
  }
  if (start) calls.startConversation(target);
  const gone = new Promise<void>((resolve) => leaving.set(leg, resolve));
  await until(ctx, gone);
  return undefined;
}

/** Records a conversation's mix from now until every leg has left it. */
function recordConversation(ctx: ActionContext<ConversationAction>, target: Conversation): void {
  const { leg, action, calls } = ctx;
  const hook = hookFrom(action.eventUrl, action.eventMethod) ?? calls.eventHook(leg);
  const session = startRecording(calls, target, DEFAULT_RECORDING_FORMAT, () => undefined);
  target.stopRecording = async () => {
    target.stopRecording = null;
    const result = await session.stop();
    calls.sendConversationEvent(target, hook, { ...result, conversation_uuid: target.id, timestamp: new Date().toISOString() });
  };
}
