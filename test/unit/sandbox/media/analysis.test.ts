import { describe, expect, it } from 'vitest';
import { classifyAudio, goertzel, rms } from '../../../../sandbox/media/analysis';
import { synthesize } from '../../../../sandbox/media/speech';
import { holdMusic, ringback } from '../../../../sandbox/media/tones';
import { sine } from './fakes';

function take(source: { read(out: Int16Array): boolean }, seconds: number): Int16Array {
  const out = new Int16Array(seconds * 8000);
  for (let at = 0; at < out.length; at += 160) source.read(out.subarray(at, at + 160));
  return out;
}

describe('level and frequency measures', () => {
  it('rms of a sine is its amplitude over √2; of silence or nothing, 0', () => {
    expect(rms(sine(400, 8000, 10000))).toBeCloseTo(10000 / Math.SQRT2, -1);
    expect(rms(new Int16Array(100))).toBe(0);
    expect(rms(new Int16Array(0))).toBe(0);
  });

  it('goertzel measures the amplitude at one frequency and little elsewhere', () => {
    const audio = sine(1000, 8000, 5000);
    expect(goertzel(audio, 1000)).toBeCloseTo(5000, -2);
    expect(goertzel(audio, 1100)).toBeLessThan(10);
    expect(goertzel(new Int16Array(0), 1000)).toBe(0);
  });
});

describe('classifyAudio', () => {
  it('hears silence, including near-silence', () => {
    expect(classifyAudio(new Int16Array(16000))).toEqual(expect.objectContaining({ kind: 'silence', dominantHz: 0 }));
    expect(classifyAudio(sine(425, 16000, 30)).kind).toBe('silence');
  });

  it('hears a 425 Hz phone tone and ringback as tones, at their frequency', () => {
    expect(classifyAudio(sine(425, 16000))).toEqual(expect.objectContaining({ kind: 'tone', dominantHz: 425 }));
    const ring = classifyAudio(take(ringback(), 6));
    expect(ring.kind).toBe('tone');
    expect([440, 480]).toContain(ring.dominantHz);
  });

  it('hears the hold music as music', () => {
    expect(classifyAudio(take(holdMusic(), 4)).kind).toBe('music');
  });

  it('hears synthesised speech as speech, in several languages', async () => {
    const english = await synthesize('Thank you for calling. Please hold while we connect you to the next agent.');
    const german = await synthesize('Guten Tag, bitte warten Sie einen Moment.', { language: 'de-DE' });
    for (const audio of [english, german]) {
      const verdict = classifyAudio(audio);
      expect(verdict.kind, JSON.stringify(verdict.features)).toBe('speech');
      expect(verdict.dominantHz).toBeGreaterThan(80);
      expect(verdict.dominantHz).toBeLessThan(1500);
    }
  });

  it('hears speech over hold music as speech, and music after the talk ends as music', async () => {
    const talk = await synthesize('Your call is important to us.');
    const music = take(holdMusic(), 6);
    const mixed = music.slice(0, talk.length);
    for (let i = 0; i < talk.length; i++) mixed[i] = Math.max(-32768, Math.min(32767, Math.round(mixed[i]! * 0.15 + talk[i]!)));
    expect(classifyAudio(mixed).kind).toBe('speech');
    expect(classifyAudio(music.subarray(talk.length)).kind).toBe('music');
  });
});
