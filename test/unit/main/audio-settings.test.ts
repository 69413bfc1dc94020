import { describe, expect, it } from 'vitest';
import { DEFAULT_AUDIO_PREFERENCES, ringerFromQuery, ringerQuery } from '../../../common/audio-preferences';
import { invokeChannels } from '../../../common/ipc-contract';
import { DesktopSettings } from '../../../main/settings';

function memoryStore(initial: Record<string, unknown> = {}) {
  const items = new Map(Object.entries(initial));
  return { items, get: (key: string) => items.get(key), set: (key: string, value: unknown) => void items.set(key, value) };
}

const chosen = { input: 'mic-2', output: 'spk-1', ringer: 'spk 2/ü&=', ringerVolume: 0.4 };

describe('audio choices in main\'s store', () => {
  it('are the defaults until chosen, then what was stored, beside the other settings', () => {
    const store = memoryStore({ 'settings.incomingWindow': true });
    const settings = new DesktopSettings(store);
    expect(settings.audio()).toEqual(DEFAULT_AUDIO_PREFERENCES);
    expect(settings.setAudio(chosen)).toEqual(chosen);
    expect(new DesktopSettings(store).audio()).toEqual(chosen); // a restart reads the same store
    expect(settings.get()).toEqual({ incomingWindow: true });
  });

  it('reads a damaged entry field by field, the rest as defaults', () => {
    expect(new DesktopSettings(memoryStore({ 'settings.audio': 'nonsense' })).audio()).toEqual(DEFAULT_AUDIO_PREFERENCES);
    expect(new DesktopSettings(memoryStore({ 'settings.audio': { input: 'mic-3', ringerVolume: 9, output: 42 } })).audio()).toEqual({ ...DEFAULT_AUDIO_PREFERENCES, input: 'mic-3' });
  });

  it('the IPC contract takes only whole, well-formed choices from the renderer', () => {
    const request = invokeChannels['audio:set'].request;
    expect(request.safeParse(chosen).success).toBe(true);
    expect(request.safeParse({ ...chosen, ringerVolume: 1.5 }).success).toBe(false);
    expect(request.safeParse({ ...chosen, input: 'x'.repeat(513) }).success).toBe(false);
    expect(request.safeParse({ ...chosen, extra: true }).success).toBe(false);
    expect(request.safeParse({ input: 'mic-2' }).success).toBe(false);
    expect(invokeChannels['audio:get'].response.safeParse(DEFAULT_AUDIO_PREFERENCES).success).toBe(true);
  });

  it('hands the ringer device and volume to the ring window through its query, and back', () => {
    expect(ringerFromQuery(ringerQuery(chosen))).toEqual({ ringer: chosen.ringer, ringerVolume: 0.4 });
    expect(ringerFromQuery('')).toEqual({ ringer: '', ringerVolume: DEFAULT_AUDIO_PREFERENCES.ringerVolume });
    expect(ringerFromQuery('?ringer=%E0%A4%A&volume=7')).toEqual({ ringer: '', ringerVolume: DEFAULT_AUDIO_PREFERENCES.ringerVolume });
    expect(ringerFromQuery('?volume=0')).toEqual({ ringer: '', ringerVolume: 0 });
  });
});
