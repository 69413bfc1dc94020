/** `safeStorage`. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SafeStorage } from 'electron';
import { state } from './state';

/** Stands for the OS keyring: survives `reset()`, like the keyring survives an app restart. */
let keyringKey = randomBytes(32);
const SAFE_STORAGE_PREFIX = Buffer.from('v11');

/** `safeStorage`: real AES-256-GCM under a per-process key. */
export const safeStorage = {
  /** Test: every plaintext main asked to encrypt (to prove none reaches the disk). */
  encryptedPlaintexts: [] as string[],
  isEncryptionAvailable(): boolean {
    return state.config.encryptionAvailable;
  },
  getSelectedStorageBackend(): ReturnType<SafeStorage['getSelectedStorageBackend']> {
    return state.config.storageBackend;
  },
  encryptString(plainText: string): Buffer {
    if (!state.config.encryptionAvailable) {
      throw new Error('Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.');
    }
    this.encryptedPlaintexts.push(plainText);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyringKey, iv);
    const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
    return Buffer.concat([SAFE_STORAGE_PREFIX, iv, cipher.getAuthTag(), body]);
  },
  decryptString(encrypted: Buffer): string {
    if (!state.config.encryptionAvailable) {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.');
    }
    try {
      if (!encrypted.subarray(0, 3).equals(SAFE_STORAGE_PREFIX) || encrypted.length < 3 + 12 + 16) throw new Error('bad header');
      const iv = encrypted.subarray(3, 15);
      const tag = encrypted.subarray(15, 31);
      const decipher = createDecipheriv('aes-256-gcm', keyringKey, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(encrypted.subarray(31)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    }
  },
  /** Test: the keyring lost its key (stored secrets become undecryptable). */
  rotateKey(): void {
    keyringKey = randomBytes(32);
  },
};
