import { describe, expect, it } from 'vitest';
import { beep, busyTone, dtmfTones, holdMusic, ringback } from '../../../../sandbox/media/tones';
import { classifyAudio, goertzel, rms } from '../../../../sandbox/media/analysis';
import type { AudioSource } from '../../../../sandbox/media/mixer';

function take(source: AudioSource, seconds: number): Int16Array {
  const out = new Int16Array(seconds * 8000);
  for (let at = 0; at < out.length; at += 160) expect(source.read(out.subarray(at, at + 160))).toBe(true);
  return out;
}
const second = (audio: Int16Array, from: number, to: number) => audio.subarray(from * 8000, to * 8000);

describe('call-progress tones', () => {
  it('ringback is 440 + 480 Hz for 2 s, then 4 s of silence, repeating', () => {
    const audio = take(ringback(), 12);
    for (const cycle of [0, 6]) {
      const on = second(audio, cycle + 0.1, cycle + 1.9);
      expect(goertzel(on, 440)).toBeGreaterThan(3000);
      expect(goertzel(on, 480)).toBeGreaterThan(3000);
      expect(goertzel(on, 620)).toBeLessThan(100);
      expect(rms(second(audio, cycle + 2, cycle + 6))).toBe(0);
    }
  });

  it('busy is 480 + 620 Hz, half a second on, half off', () => {
    const audio = take(busyTone(), 2);
    for (const start of [0, 1]) {
      const on = second(audio, start + 0.05, start + 0.45);
      expect(goertzel(on, 480)).toBeGreaterThan(3000);
      expect(goertzel(on, 620)).toBeGreaterThan(3000);
      expect(goertzel(on, 440)).toBeLessThan(300);
      expect(rms(second(audio, start + 0.5, start + 1))).toBe(0);
    }
  });

  it('beep is 400 ms of 1 kHz', () => {
    const audio = beep();
    expect(audio.length).toBe(3200);
    expect(goertzel(audio, 1000)).toBeGreaterThan(7000);
    expect(classifyAudio(audio)).toMatchObject({ kind: 'tone', dominantHz: 1000 });
  });
});

describe('DTMF', () => {
  const pairs: Record<string, [number, number]> = {
    '1': [697, 1209], '5': [770, 1336], '9': [852, 1477], '0': [941, 1336], '*': [941, 1209], '#': [941, 1477], A: [697, 1633], D: [941, 1633],
  };
  const all = [697, 770, 852, 941, 1209, 1336, 1477, 1633];

  it('plays each key as its frequency pair for 100 ms, then 50 ms of silence', () => {
    for (const [key, [low, high]] of Object.entries(pairs)) {
      const audio = dtmfTones(key);
      expect(audio.length).toBe(1200);
      const tone = audio.subarray(0, 800);
      for (const hz of all) {
        if (hz === low || hz === high) expect(goertzel(tone, hz), `${key} ${hz}`).toBeGreaterThan(3000);
        else expect(goertzel(tone, hz), `${key} ${hz}`).toBeLessThan(600);
      }
      expect(rms(audio.subarray(800))).toBe(0);
    }
  });

  it('strings keys together, pauses 500 ms for p, accepts lower case', () => {
    const audio = dtmfTones('1p#d');
    expect(audio.length).toBe(3 * 1200 + 4000);
    expect(goertzel(audio.subarray(1200, 5200), 697)).toBeLessThan(1);
    expect(goertzel(audio.subarray(5200, 6000), 1477)).toBeGreaterThan(3000);
    expect(goertzel(audio.subarray(6400, 7200), 1633)).toBeGreaterThan(3000);
  });

  it('names a key it cannot play', () => {
    expect(() => dtmfTones('12x')).toThrow(/"x"/);
  });
});

describe('hold music', () => {
  it('is music: several notes at once, a melody, a seamless 8 s loop', () => {
    const audio = take(holdMusic(), 16);
    expect(classifyAudio(audio).kind).toBe('music');
    expect(second(audio, 8, 16)).toEqual(second(audio, 0, 8));
    // The first chord, C major: C4, E4 and G4 all sound in the first two seconds.
    const chord = second(audio, 0.2, 1.8);
    for (const hz of [261.63, 329.63, 392]) expect(goertzel(chord, hz)).toBeGreaterThan(500);
    // The chord changes: A minor's A3 sounds in the next two seconds, not in the first.
    expect(goertzel(second(audio, 2.2, 3.8), 220)).toBeGreaterThan(500);
    expect(goertzel(chord, 220)).toBeLessThan(100);
  });
});
