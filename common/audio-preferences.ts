/**
 * The agent's audio choices on one machine: microphone, speaker, ringer device and ringer
 * volume. Device ids are per machine and not secrets. The web app keeps them in the page's
 * local storage; the desktop app in main's store (`audio:get` / `audio:set`), where the ring
 * window gets them from too.
 */
import { z } from 'zod';

/** '' is the system default device. */
const deviceId = z.string().max(512);

/** Choices as the agent sets them (IPC checks them strictly). */
export const audioPreferencesSchema = z.strictObject({
  input: deviceId,
  output: deviceId,
  ringer: deviceId,
  /** 0 to 1. */
  ringerVolume: z.number().min(0).max(1),
});

export type AudioPreferences = z.infer<typeof audioPreferencesSchema>;

export const DEFAULT_AUDIO_PREFERENCES: AudioPreferences = { input: '', output: '', ringer: '', ringerVolume: 0.8 };

/** Stored choices, read leniently: a field that is missing or unreadable takes its default. */
const storedSchema = z.object({
  input: deviceId.catch(DEFAULT_AUDIO_PREFERENCES.input),
  output: deviceId.catch(DEFAULT_AUDIO_PREFERENCES.output),
  ringer: deviceId.catch(DEFAULT_AUDIO_PREFERENCES.ringer),
  ringerVolume: z.number().min(0).max(1).catch(DEFAULT_AUDIO_PREFERENCES.ringerVolume),
});

/** The choices in a stored value; the defaults when it is nothing or not an object. */
export function readAudioPreferences(value: unknown): AudioPreferences {
  const parsed = storedSchema.safeParse(value);
  return parsed.success ? parsed.data : { ...DEFAULT_AUDIO_PREFERENCES };
}

/** The ringer's part of the choices, as main hands it to the desktop ring window in its URL's query. */
export function ringerQuery(preferences: Pick<AudioPreferences, 'ringer' | 'ringerVolume'>): string {
  return `?ringer=${encodeURIComponent(preferences.ringer)}&volume=${encodeURIComponent(String(preferences.ringerVolume))}`;
}

/** The ringer device and volume in the ring window's query; defaults for what is missing or out of range. */
export function ringerFromQuery(search: string): Pick<AudioPreferences, 'ringer' | 'ringerVolume'> {
  const params = new Map<string, string>();
  for (const pair of search.replace(/^\?/, '').split('&')) {
    const [key = '', value = ''] = pair.split('=');
    try {
      params.set(decodeURIComponent(key), decodeURIComponent(value.replace(/\+/g, ' ')));
    } catch {
      // A malformed escape: that parameter is ignored.
    }
  }
  const volume = params.get('volume');
  const { ringer, ringerVolume } = readAudioPreferences({ ringer: params.get('ringer') ?? '', ringerVolume: volume === undefined || volume === '' ? undefined : Number(volume) });
  return { ringer, ringerVolume };
}
