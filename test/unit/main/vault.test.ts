import { beforeEach, describe, expect, it } from 'vitest';
import { createRecordingLogger } from '../../../main/log';
import { TokenVault, VAULT_KEYS } from '../../../main/vault';
import { configure, MemoryStore, reset, safeStorage as safeStorageDouble } from '../../desktop/double';

type StorageBackend = Parameters<typeof configure>[0]['storageBackend'];

/** The OS keyring behind the one Electron double's `safeStorage`: a test switches it as the OS would. */
const keyring = {
  set available(on: boolean) {
    configure({ encryptionAvailable: on });
  },
  set backend(name: StorageBackend) {
    configure({ storageBackend: name });
  },
  rotateKey: () => safeStorageDouble.rotateKey(),
};

beforeEach(async () => {
  await reset();
});

const jane = { name: 'Jane', display_name: 'Jane Doe' };
const secret = 'rt_7f3c9a_super_secret_refresh_credential';

function setup(platform: NodeJS.Platform = 'linux') {
  const store = new MemoryStore();
  const log = createRecordingLogger();
  const vault = new TokenVault(safeStorageDouble, store, { platform, log });
  return { safeStorage: keyring, store, log, vault, reopen: () => new TokenVault(safeStorageDouble, store, { platform, log }) };
}

describe('TokenVault', () => {
  it('round-trips the credential through encryption, with no plaintext in the store', () => {
    const { vault, store, reopen } = setup();
    vault.save({ refreshToken: secret, agent: jane });
    expect(vault.read()).toEqual({ refreshToken: secret, agent: jane });
    // A new vault over the same store (an app restart) reads it back.
    expect(reopen().read()).toEqual({ refreshToken: secret, agent: jane });

    const file = store.fileText();
    expect(file).not.toContain(secret);
    expect(file).not.toContain(Buffer.from(secret).toString('base64'));
    const sealed = store.get(VAULT_KEYS.credential);
    expect(typeof sealed).toBe('string');
    expect(Buffer.from(sealed as string, 'base64').subarray(0, 3).toString()).toBe('v11');
    expect(store.get(VAULT_KEYS.agent)).toEqual(jane);
  });

  it('keeps the credential in memory only when encryption is unavailable, and warns', () => {
    const { vault, store, safeStorage, log, reopen } = setup();
    safeStorage.available = false;
    vault.save({ refreshToken: secret, agent: jane });
    expect(vault.read()).toEqual({ refreshToken: secret, agent: jane });
    expect(store.data).toEqual({});
    expect(log.lines.some((line) => line.level === 'warn' && /memory only/.test(line.message))).toBe(true);
    expect(reopen().read()).toBeNull(); // gone after a restart
  });

  it('treats the Linux basic_text backend as no encryption', () => {
    const { vault, store, safeStorage } = setup('linux');
    safeStorage.backend = 'basic_text';
    vault.save({ refreshToken: secret, agent: jane });
    expect(store.data).toEqual({});
    expect(vault.read()?.refreshToken).toBe(secret);
  });

  it('ignores the storage backend outside Linux', () => {
    const { vault, store, safeStorage } = setup('win32');
    safeStorage.backend = 'basic_text';
    vault.save({ refreshToken: secret, agent: jane });
    expect(store.get(VAULT_KEYS.credential)).toEqual(expect.any(String));
  });

  it('removes a persisted credential when a later save can only keep it in memory', () => {
    const { vault, store, safeStorage } = setup();
    vault.save({ refreshToken: secret, agent: jane });
    safeStorage.available = false;
    vault.save({ refreshToken: 'rt_second', agent: jane });
    expect(store.data).toEqual({});
  });

  it.each([
    ['garbage', 'not base64 ciphertext at all'],
    ['empty', ''],
    ['wrong type', 42],
  ])('clears a corrupted entry (%s) instead of throwing', (_name, value) => {
    const { vault, store, log } = setup();
    vault.save({ refreshToken: secret, agent: jane });
    store.set(VAULT_KEYS.credential, value);
    expect(() => vault.read()).not.toThrow();
    expect(vault.read()).toBeNull();
    expect(store.data).toEqual({});
    expect(log.lines.some((line) => line.level === 'warn' && /cleared/.test(line.message))).toBe(true);
  });

  it('clears an entry the keyring can no longer decrypt', () => {
    const { vault, store, safeStorage } = setup();
    vault.save({ refreshToken: secret, agent: jane });
    safeStorage.rotateKey();
    expect(vault.read()).toBeNull();
    expect(store.data).toEqual({});
  });

  it('clears an entry whose agent profile is missing', () => {
    const { vault, store } = setup();
    vault.save({ refreshToken: secret, agent: jane });
    store.delete(VAULT_KEYS.agent);
    expect(vault.read()).toBeNull();
    expect(store.get(VAULT_KEYS.credential)).toBeUndefined();
  });

  it('leaves the entry alone while encryption is only temporarily unavailable', () => {
    const { vault, store, safeStorage } = setup();
    vault.save({ refreshToken: secret, agent: jane });
    safeStorage.available = false;
    expect(vault.read()).toBeNull();
    expect(store.get(VAULT_KEYS.credential)).toEqual(expect.any(String));
    safeStorage.available = true;
    expect(vault.read()?.refreshToken).toBe(secret);
  });

  it('clear() forgets the credential everywhere', () => {
    const { vault, store, safeStorage } = setup();
    vault.save({ refreshToken: secret, agent: jane });
    vault.clear();
    expect(vault.read()).toBeNull();
    expect(store.data).toEqual({});
    safeStorage.available = false;
    vault.save({ refreshToken: secret, agent: jane });
    vault.clear();
    expect(vault.read()).toBeNull();
  });

  it('never logs the credential', () => {
    const { vault, log, safeStorage } = setup();
    vault.save({ refreshToken: secret, agent: jane });
    safeStorage.rotateKey();
    vault.read();
    expect(JSON.stringify(log.lines)).not.toContain(secret);
  });
});
