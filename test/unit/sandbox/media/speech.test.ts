import { describe, expect, it } from 'vitest';
import { parseSsml, synthesize, UnsupportedLanguageError, voiceFor } from '../../../../sandbox/media/speech';
import { classifyAudio, rms } from '../../../../sandbox/media/analysis';

const seconds = (audio: Int16Array) => audio.length / 8000;

describe('synthesize', () => {
  it('speaks English as real speech of a plausible length, at a steady level', async () => {
    const text = 'Thank you for calling. Please wait while we connect you to an agent.';
    const audio = await synthesize(text);
    // 13 words: a telephone voice takes roughly 3 to 6 seconds.
    expect(seconds(audio)).toBeGreaterThan(2.5);
    expect(seconds(audio)).toBeLessThan(7);
    expect(classifyAudio(audio).kind).toBe('speech');
    expect(Math.max(...audio.map(Math.abs))).toBe(16000);
  });

  it('takes longer to say more', async () => {
    const short = await synthesize('Hello.');
    const long = await synthesize('Hello. Your call is important to us, and an agent will be with you shortly.');
    expect(seconds(short)).toBeLessThan(1.5);
    expect(seconds(long)).toBeGreaterThan(seconds(short) * 3);
  });

  it('speaks the Vonage languages a contact center uses, case-insensitively', async () => {
    const lines: Array<[string, string]> = [
      ['en-GB', 'Good morning, how may I help?'],
      ['es-ES', 'Buenos días, gracias por su llamada.'],
      ['de-DE', 'Guten Tag, vielen Dank für Ihren Anruf.'],
      ['fr-fr', 'Bonjour, merci de votre appel.'],
    ];
    for (const [language, text] of lines) {
      const audio = await synthesize(text, { language });
      expect(classifyAudio(audio).kind, language).toBe('speech');
    }
  });

  it('serves a repeat from its cache, and keeps languages and styles apart', async () => {
    const first = await synthesize('Please hold.');
    expect(await synthesize('Please hold.')).toBe(first);
    expect(await synthesize('Please hold.', { language: 'en-GB' })).not.toBe(first);
    const styled = await synthesize('Please hold.', { style: 1 });
    expect(styled).not.toBe(first);
    expect(styled).not.toEqual(first);
  });

  it('honours SSML breaks and does not read tags aloud', async () => {
    const plain = await synthesize('Hello there. Goodbye.');
    const withBreak = await synthesize('<speak>Hello there. <break time="1500ms"/> Goodbye.</speak>');
    const tagged = await synthesize('<speak><prosody rate="slow">Hello there.</prosody> <emphasis>Goodbye.</emphasis></speak>');
    expect(seconds(withBreak) - seconds(plain)).toBeGreaterThan(1.2);
    expect(Math.abs(seconds(tagged) - seconds(plain))).toBeLessThan(0.6);
    const pause = withBreak.subarray(Math.round(8000 * 1.4), Math.round(8000 * 2.2));
    expect(rms(pause)).toBeLessThan(rms(plain) / 10);
  });

  it('rejects a language it has no voice for, naming it and the supported ones', async () => {
    const error = await synthesize('Hola', { language: 'xx-XX' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedLanguageError);
    expect((error as Error).message).toMatch(/language "xx-XX" is not supported.*en-US/);
    await expect(synthesize('Hello', { style: -1 })).rejects.toThrow(/style must be a whole number/);
    expect(() => voiceFor('klingon')).toThrow(/klingon/);
  });
});

describe('parseSsml', () => {
  it('passes plain text through untouched, even with angle brackets', () => {
    expect(parseSsml('Press 1 if x < 2')).toEqual([{ text: 'Press 1 if x < 2' }]);
  });

  it('splits at breaks, drops other tags and decodes entities', () => {
    expect(parseSsml('<speak>Tom &amp; Jerry<break strength="strong"/><say-as interpret-as="digits">12</say-as><break time="2s"/></speak>')).toEqual([
      { text: 'Tom & Jerry' },
      { pauseMs: 750 },
      { text: '12' },
      { pauseMs: 2000 },
    ]);
  });
});
