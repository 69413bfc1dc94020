import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRecordingLogger } from '../../../main/log';
import { UpdateService, type UpdaterApi, type UpdaterLogger } from '../../../main/updater';

/** electron-updater's updater, as far as the service drives it; `check` says what a check does. */
class FakeUpdater extends EventEmitter implements UpdaterApi {
  autoDownload = false;
  autoInstallOnAppQuit = false;
  forceDevUpdateConfig = false;
  logger: UpdaterLogger | null = null;
  updateConfigPath: string | null = null;
  checks = 0;
  check: (updater: FakeUpdater) => Promise<void> = async () => undefined;
  async checkForUpdates(): Promise<unknown> {
    this.checks++;
    this.emit('checking-for-update');
    await this.check(this);
    return null;
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sb-updater-'));
});
afterEach(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('UpdateService', () => {
  it('is off without a feed: no updater is ever created', async () => {
    const createUpdater = vi.fn(() => new FakeUpdater());
    const service = new UpdateService({ feedUrl: null, createUpdater, configDir: dir, log: createRecordingLogger() });
    service.start();
    expect(await service.checkNow()).toEqual({ state: 'disabled' });
    expect(createUpdater).not.toHaveBeenCalled();
  });

  it('configures the generic feed, downloads in the background and installs on quit', async () => {
    const updater = new FakeUpdater();
    updater.check = async (u) => {
      u.emit('update-available', { version: '0.2.0' });
      u.emit('download-progress', { percent: 41.6 });
    };
    const service = new UpdateService({ feedUrl: 'https://updates.example.com/switchboard', createUpdater: () => updater, configDir: dir, log: createRecordingLogger() });
    service.start();
    expect(updater.autoDownload).toBe(true);
    expect(updater.autoInstallOnAppQuit).toBe(true);
    expect(updater.updateConfigPath).toBe(path.join(dir, 'app-update.yml'));
    expect(readFileSync(updater.updateConfigPath!, 'utf8')).toBe('provider: generic\nurl: "https://updates.example.com/switchboard"\nupdaterCacheDirName: switchboard-updater\n');
    await vi.waitFor(() => expect(service.status()).toEqual({ state: 'downloading', version: '0.2.0', percent: 42 }));
    updater.emit('update-downloaded', { version: '0.2.0' });
    expect(service.status()).toEqual({ state: 'downloaded', version: '0.2.0' });
    // A downloaded update waits for the quit: no second check downloads it again.
    expect(await service.checkNow()).toEqual({ state: 'downloaded', version: '0.2.0' });
    expect(updater.checks).toBe(1);
    service.stop();
  });

  it('checks again every interval, and a failed check is an error state, not a crash', async () => {
    vi.useFakeTimers();
    const updater = new FakeUpdater();
    let fail = true;
    updater.check = async (u) => {
      if (fail) throw new Error('getaddrinfo ENOTFOUND updates.example.com\nstack…');
      u.emit('update-not-available', { version: '0.1.0' });
    };
    const log = createRecordingLogger();
    const service = new UpdateService({ feedUrl: 'https://updates.example.com/', createUpdater: () => updater, configDir: dir, intervalMs: 60_000, log });
    service.start();
    await vi.waitFor(() => expect(service.status()).toEqual({ state: 'error', message: 'getaddrinfo ENOTFOUND updates.example.com' }));
    expect(log.lines.some((line) => line.level === 'warn')).toBe(true);
    fail = false;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(updater.checks).toBe(2);
    expect(service.status()).toEqual({ state: 'up-to-date', version: '0.1.0' });
    service.stop();
    await vi.advanceTimersByTimeAsync(180_000);
    expect(updater.checks).toBe(2);
  });
});
