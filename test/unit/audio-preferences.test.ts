import { describe, expect, it } from 'vitest';
import { DEFAULT_AUDIO_PREFERENCES, loadAudioPreferences, resolveDevice, saveAudioPreferences } from '../../renderer/src/audio/preferences';

function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  };
}

describe('audio preferences', () => {
  it('round-trips the choices through storage', () => {
    const storage = memoryStorage();
    expect(loadAudioPreferences(storage)).toEqual(DEFAULT_AUDIO_PREFERENCES);
    const chosen = { input: 'mic-2', output: 'spk-1', ringer: 'spk-2', ringerVolume: 0.4 };
    saveAudioPreferences(chosen, storage);
    expect(loadAudioPreferences(storage)).toEqual(chosen);
  });

  it('reads garbage, a bad field or a storage that throws as the defaults (field by field)', () => {
    expect(loadAudioPreferences(memoryStorage({ 'switchboard.audio.v1': '{not json' }))).toEqual(DEFAULT_AUDIO_PREFERENCES);
    expect(loadAudioPreferences(memoryStorage({ 'switchboard.audio.v1': JSON.stringify({ input: 'mic-2', ringerVolume: 7 }) }))).toEqual({
      ...DEFAULT_AUDIO_PREFERENCES,
      input: 'mic-2',
    });
    const throwing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); } };
    expect(loadAudioPreferences(throwing)).toEqual(DEFAULT_AUDIO_PREFERENCES);
    expect(() => saveAudioPreferences(DEFAULT_AUDIO_PREFERENCES, throwing)).not.toThrow();
    expect(loadAudioPreferences(undefined)).toEqual(DEFAULT_AUDIO_PREFERENCES);
  });

  it('uses a chosen device while present, else the default, naming the missing one', () => {
    const devices = [{ id: 'mic-1', label: 'Headset' }, { id: 'mic-2', label: 'Webcam' }];
    expect(resolveDevice('', devices)).toEqual({ id: '', missing: null });
    expect(resolveDevice('mic-2', devices)).toEqual({ id: 'mic-2', missing: null });
    expect(resolveDevice('mic-9', devices)).toEqual({ id: '', missing: { id: 'mic-9', label: '' } });
  });
});
