/**
 * The agent's desktop preferences, kept in the app's store beside (never inside) the vault.
 */
import type { VaultStore } from './vault';

const KEYS = { incomingWindow: 'settings.incomingWindow' } as const;

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
}
