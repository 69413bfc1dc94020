/** `stream`: plays an audio file into the leg, optionally while the next input listens. */
import { loadAudio } from '../../media/decode';
import type { StreamAction } from '../../../common/ncco-schema';
import { current, prompt, stopBargeIn, type NccoActionHandler } from './context';

export const stream: NccoActionHandler<StreamAction> = {
  async start(ctx) {
    const { leg, action, calls } = ctx;
    const url = action.streamUrl[0]!;
    const audio = await loadAudio(url);
    if (!current(ctx)) return undefined;
    const playback = calls.play(leg, audio, { loop: action.loop ?? 1, level: action.level ?? 0 }, { type: 'stream', url });
    await prompt(ctx, playback, action.bargeIn);
    return undefined;
  },
  stop: stopBargeIn,
};
