/**
 * The agent's desktop preferences, kept in the app's store beside (never inside) the vault.
 */
import { readAudioPreferences, type AudioPreferences } from '../common/audio-preferences';
import type { VaultStore } from './vault';

const KEYS = { incomingWindow: 'settings.incomingWindow', audio: 'settings.audio' } as const;

/** The preferences. */
export interface DesktopSettingsValues {
  /** Show incoming calls in the always-on-top window too (always on where notifications have no buttons). */
  incomingWindow: boolean;
}

/** Reads and writes the preferences. */
export class DesktopSettings {
  constructor(private readonly store: Pick<VaultStore, 'get' | 'set'>) {}

  get(): DesktopSettingsValues {
    return { incomingWindow: this.store.get(KEYS.incomingWindow) === true };
  }

  setIncomingWindow(on: boolean): void {
    this.store.set(KEYS.incomingWindow, on);
  }

  /** The agent's audio choices (microphone, speaker, ringer device and volume); the defaults when none or unreadable. */
  audio(): AudioPreferences {
    return readAudioPreferences(this.store.get(KEYS.audio));
  }

  /** Remembers the audio choices (already checked by the IPC contract); answers them as stored. */
  setAudio(preferences: AudioPreferences): AudioPreferences {
    this.store.set(KEYS.audio, preferences);
    return this.audio();
  }
}
