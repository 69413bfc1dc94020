/**
 * `record`: records the leg's conversation — synchronously (the NCCO waits) when it has an
 * end condition (silence, a key, a time-out), else in the background until the call ends —
 * and posts the `recording_url` to the eventUrl. Also the recorder a `conversation` with
 * `record: true` uses.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { rms } from '../../media/analysis';
import { Mp3Writer } from '../../media/mp3';
import { beep } from '../../media/tones';
import { WavWriter } from '../../media/wav';
import type { RecordAction } from '../../../common/ncco-schema';
import type { RecordingControl, RecordingFormat } from '../call-control';
import type { Conversation } from '../legs';
import { hookFrom } from '../webhooks';
import { until, type NccoActionHandler } from './context';

/** Frames whose level is under this count as silence for `endOnSilence` (about -50 dBFS). */
const SILENCE_RMS = 100;
const DEFAULT_RECORD_TIMEOUT_S = 7200;
/** Vonage records in mp3 unless the NCCO says otherwise. */
export const DEFAULT_RECORDING_FORMAT = 'mp3';

export const record: NccoActionHandler<RecordAction> = {
  async start(ctx) {
    const { leg, action, calls } = ctx;
    const hook = hookFrom(action.eventUrl, action.eventMethod) ?? calls.eventHook(leg);
    const format = action.format ?? DEFAULT_RECORDING_FORMAT;
    if (format === 'ogg') {
      // Reported, not silently recorded in another format: the call goes on without a recording.
      throw new Error('format ogg is not supported by the sandbox (it has no Ogg encoder); use mp3 or wav');
    }
    if (action.beepStart) {
      const playback = calls.play(leg, beep(), {});
      await until(ctx, playback.done);
    }
    if (leg.isOver) return undefined;
    let stopWith: (reason: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => (stopWith = resolve));
    let heardSound = false;
    let silentMs = 0;
    const session = startRecording(calls, leg.conversation, format, (mix) => {
      if (!action.endOnSilence) return;
      if (rms(mix) < SILENCE_RMS) silentMs += 20;
      else {
        heardSound = true;
        silentMs = 0;
      }
      if (heardSound && silentMs >= action.endOnSilence * 1000) stopWith('silence');
    });
    const previousDigit = leg.onDigit;
    if (action.endOnKey) {
      leg.onDigit = (digit) => {
        if (digit === action.endOnKey) stopWith('key');
        else previousDigit?.(digit);
      };
    }
    const timer = setTimeout(() => stopWith('timeout'), (action.timeOut ?? DEFAULT_RECORD_TIMEOUT_S) * 1000);
    void leg.ended.then(() => stopWith('hangup'));
    const finished = stopped.then(async () => {
      clearTimeout(timer);
      if (action.endOnKey && !leg.isOver) leg.onDigit = previousDigit;
      const result = await session.stop();
      calls.sendLegEvent(leg, result, hook);
    });
    const synchronous = action.endOnSilence !== undefined || action.endOnKey !== undefined || action.timeOut !== undefined;
    if (synchronous) {
      const woken = await until(ctx, finished);
      if (woken.kind === 'interrupted') stopWith('transfer');
    }
    return undefined;
  },
  // A background recording runs until the call ends, whatever NCCO follows (as on Vonage).
  stop: () => undefined,
};

/** A recording under way: `stop` closes the file and gives the event's fields (once). */
export interface RecordingSession {
  stop(): Promise<Record<string, unknown>>;
}

/** Taps a conversation's mix into an MP3 or WAV file in its application's recordings folder. */
export function startRecording(
  recordings: RecordingControl,
  conversation: Conversation,
  format: RecordingFormat,
  onMix: (mix: Int16Array) => void,
): RecordingSession {
  const id = randomUUID();
  const path = recordings.recordingPath(conversation.app.id, id, format);
  mkdirSync(dirname(path), { recursive: true });
  const writer = format === 'mp3' ? new Mp3Writer(path) : new WavWriter(path);
  const startedAt = new Date();
  const untap = conversation.mixer.tap((mix) => {
    writer.write(mix);
    onMix(mix);
  });
  let done: Promise<Record<string, unknown>> | null = null;
  return {
    stop: () =>
      (done ??= (async () => {
        untap();
        const { bytes } = await writer.close();
        return {
          start_time: startedAt.toISOString(),
          end_time: new Date().toISOString(),
          recording_url: recordings.recordingUrl(id),
          recording_uuid: id,
          size: bytes,
          format,
        };
      })()),
  };
}
