/** electron-store, as main's vault and settings use it, over a plain object. */
import type { VaultStore } from '../../../main/vault';

/**
 * An electron-store-like store in memory, for main's unit tests (the desktop harness runs the
 * real electron-store over the double's `app.getPath('userData')`). Values are copied in, as
 * the real store's JSON file would.
 */
export class MemoryStore implements VaultStore {
  readonly data: Record<string, unknown> = {};

  get(key: string): unknown {
    return this.data[key];
  }

  set(key: string, value: unknown): void {
    this.data[key] = structuredClone(value);
  }

  delete(key: string): void {
    delete this.data[key];
  }

  /** What electron-store would write to disk. */
  fileText(): string {
    return JSON.stringify(this.data, null, '\t');
  }
}
