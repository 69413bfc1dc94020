/**
 * The backend's own hold music: a short, gentle chime loop the platform plays to callers
 * waiting in a queue or a whisper conversation (`musicOnHoldUrl`).
 *
 * Generated in code at start-up (no audio file to license or ship): 8 kHz 16-bit mono PCM
 * WAV, which Vonage and the sandbox both play. The URL is public because the platform's
 * media servers fetch it without credentials; it holds nothing secret.
 */
import { WAV_HEADER_BYTES, wavHeader } from '../../common/wav';

/** Path the backend serves it at. */
export const HOLD_MUSIC_PATH = '/assets/hold-music.wav';

const SAMPLE_RATE = 8000;
/** A-minor-ish arpeggio (Hz), one note every half second, 16 notes: an 8 s loop. */
const NOTES = [220, 261.63, 329.63, 440, 329.63, 261.63, 220, 196, 174.61, 220, 261.63, 349.23, 329.63, 261.63, 246.94, 196];
const NOTE_S = 0.5;
const PEAK = 6000;

/**
 * Render the loop as a complete WAV file.
 *
 * Each note is a sine with its octave, a quick attack and an exponential decay, so the loop
 * sounds like soft chimes and joins its start without a click.
 */
export function renderHoldMusic(): Buffer {
  const noteSamples = Math.round(NOTE_S * SAMPLE_RATE);
  const samples = new Int16Array(noteSamples * NOTES.length);
  NOTES.forEach((frequency, index) => {
    for (let i = 0; i < noteSamples; i++) {
      const t = i / SAMPLE_RATE;
      const attack = Math.min(1, i / 80);
      const decay = Math.exp(-t * 4.5);
      const tone = 0.8 * Math.sin(2 * Math.PI * frequency * t) + 0.2 * Math.sin(4 * Math.PI * frequency * t);
      samples[index * noteSamples + i] = Math.round(PEAK * attack * decay * tone);
    }
  });
  return wav(samples, SAMPLE_RATE);
}

/** Wrap 16-bit mono PCM samples in a RIFF/WAVE header. */
export function wav(samples: Int16Array, sampleRate: number): Buffer {
  const out = Buffer.alloc(WAV_HEADER_BYTES + samples.length * 2);
  out.set(wavHeader(samples.length * 2, sampleRate));
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, WAV_HEADER_BYTES + i * 2);
  return out;
}
