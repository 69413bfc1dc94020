/**
 * The ring tone on WebAudio: the two tones of {@link RING_TONES_HZ} gated by the cadence of
 * `./cadence`, scheduled on the audio clock a minute ahead so timer throttling cannot shift a
 * burst. Used by the desktop's ring window (`./main.ts`) and the web app's alerts.
 */
import { RING_TONES_HZ, ringBursts } from './cadence';

const LEVEL = 0.08; // per tone: audible over an office, not a fire alarm
const RAMP_S = 0.01; // avoids clicks at burst edges
const HORIZON_S = 60;
const REFILL_MS = 20_000;

/** Starts ringing into `context`'s destination at `volume` (0-1, the agent's ringer volume); returns the function that stops it. */
export function startRingTone(context: AudioContext, volume = 1): () => void {
  const envelope = context.createGain();
  envelope.gain.value = 0;
  envelope.connect(context.destination);
  const oscillators = RING_TONES_HZ.map((frequency) => {
    const oscillator = context.createOscillator();
    oscillator.frequency.value = frequency;
    const level = context.createGain();
    level.gain.value = LEVEL * volume;
    oscillator.connect(level).connect(envelope);
    oscillator.start();
    return oscillator;
  });

  const origin = context.currentTime + 0.05;
  let scheduledUntil = origin;
  const schedule = () => {
    const until = context.currentTime + HORIZON_S;
    for (const burst of ringBursts(origin, scheduledUntil, until)) {
      if (burst.start < scheduledUntil) continue;
      envelope.gain.setValueAtTime(0, burst.start);
      envelope.gain.linearRampToValueAtTime(1, burst.start + RAMP_S);
      envelope.gain.setValueAtTime(1, burst.stop - RAMP_S);
      envelope.gain.linearRampToValueAtTime(0, burst.stop);
    }
    scheduledUntil = until;
  };
  schedule();
  const refill = setInterval(schedule, REFILL_MS);
  return () => {
    clearInterval(refill);
    for (const oscillator of oscillators) oscillator.stop();
    envelope.disconnect();
  };
}
