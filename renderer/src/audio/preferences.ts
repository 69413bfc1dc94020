/**
 * The web app's storage of the agent's audio choices (`common/audio-preferences.ts`): the
 * page's local storage. The desktop app keeps them in main's store instead (the bridge's
 * `getAudioPreferences` / `setAudioPreferences`).
 */
import { DEFAULT_AUDIO_PREFERENCES, readAudioPreferences, type AudioPreferences } from '../../../common/audio-preferences';

export { DEFAULT_AUDIO_PREFERENCES, type AudioPreferences };

const KEY = 'switchboard.audio.v1';

/** The stored choices; the defaults when nothing (or something unreadable) is stored. */
export function loadAudioPreferences(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): AudioPreferences {
  try {
    const raw = storage?.getItem(KEY);
    return raw ? readAudioPreferences(JSON.parse(raw)) : { ...DEFAULT_AUDIO_PREFERENCES };
  } catch {
    return { ...DEFAULT_AUDIO_PREFERENCES };
  }
}

/** Stores the choices (quietly does nothing where storage is refused). */
export function saveAudioPreferences(preferences: AudioPreferences, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, JSON.stringify(preferences));
  } catch {
    // Private mode or a full disk: the choice lasts for this session only.
  }
}

/** An `AudioContext` that can pick its output device (Chromium ≥ 110). */
export type SinkableAudioContext = AudioContext & { setSinkId?: (sinkId: string) => Promise<void> };
/** A media element that can pick its output device. */
export type SinkableMediaElement = HTMLMediaElement & { setSinkId?: (sinkId: string) => Promise<void> };

/** A device as the settings list it. */
export interface AudioDevice {
  id: string;
  label: string;
}

/** The device to use for a choice: the chosen one while present, else the default, naming what went missing. */
export function resolveDevice(chosen: string, available: readonly AudioDevice[]): { id: string; missing: AudioDevice | null } {
  if (chosen === '' || available.some((device) => device.id === chosen)) return { id: chosen, missing: null };
  return { id: '', missing: { id: chosen, label: '' } };
}
