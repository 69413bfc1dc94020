/** `talk`: speaks text into the leg (the sandbox's synthesiser), optionally while the next input listens. */
import { synthesize } from '../../media/speech';
import type { TalkAction } from '../../../common/ncco-schema';
import { current, prompt, stopBargeIn, type NccoActionHandler } from './context';

export const talk: NccoActionHandler<TalkAction> = {
  async start(ctx) {
    const { leg, action, calls } = ctx;
    const audio = await synthesize(action.text, { language: action.language, style: action.style });
    if (!current(ctx)) return undefined;
    const playback = calls.play(leg, audio, { loop: action.loop ?? 1, level: action.level ?? 0 }, { type: 'talk', text: action.text });
    await prompt(ctx, playback, action.bargeIn);
    return undefined;
  },
  stop: stopBargeIn,
};
