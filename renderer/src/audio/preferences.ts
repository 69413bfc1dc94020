/**
 * The agent's audio choices on this machine: microphone, speaker, ringer device and ringer
 * volume. Device ids are per machine and per origin and are not secrets, so they live in
 * the page's local storage (the desktop app's pages share one origin: the ring window reads
 * the same choices).
 */
import { z } from 'zod';

/** '' is the system default device. */
const deviceId = z.string().max(512);

const preferencesSchema = z.object({
  input: deviceId.catch(''),
  output: deviceId.catch(''),
  ringer: deviceId.catch(''),
  /** 0 to 1. */
  ringerVolume: z.number().min(0).max(1).catch(0.8),
});

export type AudioPreferences = z.infer<typeof preferencesSchema>;

export const DEFAULT_AUDIO_PREFERENCES: AudioPreferences = { input: '', output: '', ringer: '', ringerVolume: 0.8 };

const KEY = 'switchboard.audio.v1';

/** The stored choices; the defaults when nothing (or something unreadable) is stored. */
export function loadAudioPreferences(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): AudioPreferences {
  try {
    const raw = storage?.getItem(KEY);
    if (!raw) return { ...DEFAULT_AUDIO_PREFERENCES };
    const parsed = preferencesSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : { ...DEFAULT_AUDIO_PREFERENCES };
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
