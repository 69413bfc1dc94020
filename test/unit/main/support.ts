/**
 * Builders of main's own collaborators for its unit tests: a real session authority over an
 * in-memory vault, and the call controller's sinks as spies. Nothing here stands in for
 * Electron: every Electron object (and electron-store's `MemoryStore`) comes from the one
 * Electron double, test/desktop/double.
 */
import { vi } from 'vitest';
import { createRecordingLogger } from '../../../main/log';
import type { VaultEntry } from '../../../main/vault';
import { SessionAuthority } from '../../../main/session-authority';

/** CallController's collaborators as spies: tray, notifier, ringer, command and window sinks. */
export function fakeCallControllerDeps() {
  return {
    tray: { setState: vi.fn() },
    notifier: { ring: vi.fn(), dismiss: vi.fn() },
    ringer: { start: vi.fn(), stop: vi.fn() },
    sendCommand: vi.fn(),
    showWindow: vi.fn(),
    log: createRecordingLogger(),
  };
}

/**
 * A real {@link SessionAuthority} over an in-memory vault holding `credential` (null:
 * signed out). `ended` records every `onEnded` reason (`undefined` for a sign-out).
 */
export function testAuthority(credential: string | null, ended: Array<string | undefined> = []): SessionAuthority & { ended: Array<string | undefined> } {
  let entry: VaultEntry | null = credential === null ? null : { refreshToken: credential, agent: { name: 'Jane', display_name: 'Jane Doe' } };
  const vault = {
    read: () => (entry ? { ...entry } : null),
    save: (next: VaultEntry) => void (entry = { ...next }),
    clear: () => void (entry = null),
  };
  const authority = new SessionAuthority({ vault, onEnded: (reason) => ended.push(reason), log: createRecordingLogger() });
  return Object.assign(authority, { ended });
}
