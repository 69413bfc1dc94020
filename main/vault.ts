/**
 * The token vault: the agent's long-lived refresh credential, encrypted at rest.
 *
 * The credential is encrypted with the OS keystore through `safeStorage` and kept as
 * base64 in the app's store; the agent profile (not secret) sits beside it. When the OS
 * offers no real encryption, the credential lives in memory only: the agent signs in again
 * after a restart, but no plaintext secret is ever written to disk. Nothing here is ever
 * sent to the renderer.
 */
import { agentProfileSchema, type AgentProfile } from '../common/backend-api';
import type { SafeStorageApi } from './electron-api';
import { createLogger, type Logger } from './log';

/** The store the vault writes to: electron-store, or a test's map. */
export interface VaultStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** What the vault holds for a signed-in agent. */
export interface VaultEntry {
  refreshToken: string;
  agent: AgentProfile;
}

/** Store keys, exported so tests can inspect what was written. */
export const VAULT_KEYS = { credential: 'credential', agent: 'agent' } as const;

/** Options of {@link TokenVault}. */
export interface TokenVaultOptions {
  /** `process.platform` unless a test says otherwise. */
  platform?: NodeJS.Platform;
  log?: Logger;
}

/**
 * Keeps the refresh credential encrypted in the store.
 *
 * Call only after the app is ready: on Linux `isEncryptionAvailable()` is meaningless before.
 */
export class TokenVault {
  private memory: VaultEntry | null = null;
  private readonly platform: NodeJS.Platform;
  private readonly log: Logger;

  constructor(
    private readonly safeStorage: SafeStorageApi,
    private readonly store: VaultStore,
    options: TokenVaultOptions = {},
  ) {
    this.platform = options.platform ?? process.platform;
    this.log = options.log ?? createLogger('vault');
  }

  /**
   * True when the OS can encrypt for real.
   *
   * On Linux without a keyring Electron falls back to `basic_text`, a key hard-coded in
   * Chromium: that is obfuscation, so the vault treats it as no encryption at all.
   */
  canPersist(): boolean {
    if (!this.safeStorage.isEncryptionAvailable()) return false;
    if (this.platform === 'linux' && this.safeStorage.getSelectedStorageBackend?.() === 'basic_text') return false;
    return true;
  }

  /** Stores the credential, replacing any previous one. */
  save(entry: VaultEntry): void {
    if (!this.canPersist()) {
      this.log.warn('No OS encryption available: the session is kept in memory only and ends when the app quits');
      this.removePersisted();
      this.memory = { ...entry };
      return;
    }
    const sealed = this.safeStorage.encryptString(entry.refreshToken).toString('base64');
    this.store.set(VAULT_KEYS.credential, sealed);
    this.store.set(VAULT_KEYS.agent, { name: entry.agent.name, display_name: entry.agent.display_name });
    this.memory = null;
    this.log.info('Session stored', { agent: entry.agent.name });
  }

  /**
   * The stored credential, or null.
   *
   * An entry that cannot be decrypted (keyring reset, corrupted file) is cleared: the agent
   * sees the login again instead of an error. An entry that cannot be decrypted *yet*
   * because encryption is unavailable right now is left alone.
   */
  read(): VaultEntry | null {
    if (this.memory) return { ...this.memory };
    const sealed = this.store.get(VAULT_KEYS.credential);
    if (sealed === undefined || sealed === null) return null;
    if (!this.safeStorage.isEncryptionAvailable()) {
      this.log.warn('A stored session exists but OS encryption is unavailable right now; not using it');
      return null;
    }
    const agent = parseAgent(this.store.get(VAULT_KEYS.agent));
    let refreshToken: string;
    try {
      if (typeof sealed !== 'string' || sealed.length === 0 || !agent) throw new Error('malformed entry');
      refreshToken = this.safeStorage.decryptString(Buffer.from(sealed, 'base64'));
      if (!refreshToken) throw new Error('empty credential');
    } catch (error) {
      this.log.warn('The stored session could not be read and was cleared', { reason: errorMessage(error) });
      this.removePersisted();
      return null;
    }
    return { refreshToken, agent };
  }

  /** Forgets the credential everywhere. */
  clear(): void {
    this.memory = null;
    this.removePersisted();
  }

  private removePersisted(): void {
    this.store.delete(VAULT_KEYS.credential);
    this.store.delete(VAULT_KEYS.agent);
  }
}

/** The stored profile, checked against the backend's own schema (the store is a file anyone could edit). */
function parseAgent(value: unknown): AgentProfile | null {
  const parsed = agentProfileSchema.safeParse(value);
  return parsed.success ? { name: parsed.data.name, display_name: parsed.data.display_name } : null;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
