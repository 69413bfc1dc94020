import { afterAll, describe, expect, it, vi } from 'vitest';
import type { AgentStatus } from '../../../common/backend-api';
import { createRecordingLogger } from '../../../main/log';
import { PowerWatcher } from '../../../main/power';
import { app, configure, net, powerMonitor, reset } from '../../desktop/double';

/** A watcher on the Electron double's powerMonitor and net, the app ready, as `platform`. */
async function setup(platform: NodeJS.Platform, initial: { status?: AgentStatus | null; online?: boolean; signedIn?: boolean } = {}) {
  await reset();
  configure({ platform, online: initial.online ?? true });
  await app.whenReady();
  let backendStatus: AgentStatus = initial.status ?? 'available';
  const deps = {
    powerMonitor,
    net,
    signedIn: vi.fn(() => initial.signedIn ?? true),
    lastStatus: vi.fn((): AgentStatus | null => (initial.status === undefined ? 'available' : initial.status)),
    getStatus: vi.fn(async () => backendStatus),
    setStatus: vi.fn(async (status: 'available' | 'away') => {
      backendStatus = status;
    }),
    stream: { start: vi.fn(), stop: vi.fn() },
    rebuildVoice: vi.fn(),
    pollMs: 60_000,
    log: createRecordingLogger(),
  };
  const watcher = new PowerWatcher(deps);
  watcher.start();
  return {
    deps,
    watcher,
    setOnline(value: boolean) {
      net.setOnline(value);
      watcher.pollNetwork();
    },
    setBackend(status: AgentStatus) {
      backendStatus = status;
    },
  };
}

afterAll(() => reset());

describe.each(['linux', 'darwin', 'win32'] as const)('PowerWatcher on %s', (platform) => {
  it('suspend makes an available agent away (system); resume rebuilds the voice session and restores', async () => {
    const { deps, watcher } = await setup(platform);
    powerMonitor.simulate('suspend');
    await watcher.settled();
    // The stream stays: it survives a short sleep, and its watchdog reopens it after a long one.
    expect(deps.stream.stop).not.toHaveBeenCalled();
    expect(deps.setStatus.mock.calls).toEqual([['away']]);
    expect(watcher.absent()).toEqual(['suspend']);

    powerMonitor.simulate('resume');
    await watcher.settled();
    expect(deps.stream.start).not.toHaveBeenCalled();
    expect(deps.rebuildVoice).toHaveBeenCalledWith('suspend');
    expect(deps.setStatus.mock.calls).toEqual([['away'], ['available']]);
    expect(watcher.absent()).toEqual([]);
    watcher.stop();
  });
  it('offline cannot tell the backend; online reopens the stream and makes the agent available again', async () => {
    const { deps, watcher, setOnline, setBackend } = await setup(platform);
    setOnline(false);
    await watcher.settled();
    expect(deps.stream.stop).toHaveBeenCalledTimes(1);
    expect(deps.setStatus).not.toHaveBeenCalled();
    setBackend('offline'); // the backend's grace period ran out
    setOnline(true);
    await watcher.settled();
    expect(deps.stream.start).toHaveBeenCalledTimes(1);
    expect(deps.rebuildVoice).toHaveBeenCalledWith('offline');
    expect(deps.setStatus.mock.calls).toEqual([['available']]);
    watcher.stop();
  });

  it('does nothing for a signed-out app', async () => {
    const { deps, watcher } = await setup(platform, { signedIn: false });
    powerMonitor.simulate('suspend');
    powerMonitor.simulate('resume');
    await watcher.settled();
    expect(deps.setStatus).not.toHaveBeenCalled();
    expect(deps.stream.stop).not.toHaveBeenCalled();
    expect(deps.rebuildVoice).not.toHaveBeenCalled();
    watcher.stop();
  });
});

// Electron emits lock-screen and unlock-screen on macOS and Windows only.
describe.each(['darwin', 'win32'] as const)('PowerWatcher and the lock screen on %s', (platform) => {
  it('an agent who was away stays away; the voice session is still rebuilt', async () => {
    const { deps, watcher } = await setup(platform, { status: 'away' });
    powerMonitor.simulate('lock-screen');
    powerMonitor.simulate('unlock-screen');
    await watcher.settled();
    expect(deps.setStatus).not.toHaveBeenCalled();
    // Locking keeps the PC online: the stream stays open.
    expect(deps.stream.stop).not.toHaveBeenCalled();
    expect(deps.rebuildVoice).toHaveBeenCalledWith('lock');
    watcher.stop();
  });

  it('an agent who chose available again meanwhile is left alone', async () => {
    const { deps, watcher, setBackend } = await setup(platform);
    powerMonitor.simulate('lock-screen');
    await watcher.settled();
    setBackend('busy'); // took a call on another device... the backend has the last word
    powerMonitor.simulate('unlock-screen');
    await watcher.settled();
    expect(deps.setStatus.mock.calls).toEqual([['away']]);
    watcher.stop();
  });

  it('nothing comes back until every cause has ended (suspend, then a lock still on at resume)', async () => {
    const { deps, watcher } = await setup(platform);
    powerMonitor.simulate('suspend');
    powerMonitor.simulate('lock-screen');
    powerMonitor.simulate('resume');
    await watcher.settled();
    expect(watcher.absent()).toEqual(['lock']);
    expect(deps.rebuildVoice).not.toHaveBeenCalled();
    expect(deps.setStatus.mock.calls).toEqual([['away']]);
    powerMonitor.simulate('unlock-screen');
    await watcher.settled();
    expect(deps.rebuildVoice).toHaveBeenCalledTimes(1);
    expect(deps.setStatus.mock.calls).toEqual([['away'], ['available']]);
    watcher.stop();
  });

  it('a backend that refuses (on a call) is logged, and the next event still applies', async () => {
    const { deps, watcher } = await setup(platform);
    deps.setStatus.mockRejectedValueOnce(new Error('You are on a call'));
    powerMonitor.simulate('lock-screen');
    await watcher.settled();
    expect(deps.log.lines.some((line) => line.level === 'warn' && line.message.includes('Could not update'))).toBe(true);
    powerMonitor.simulate('unlock-screen');
    await watcher.settled();
    expect(deps.rebuildVoice).toHaveBeenCalledTimes(1);
    watcher.stop();
  });
});

describe('PowerWatcher on Linux', () => {
  it('gets no lock-screen event (the double refuses to emit one, as Electron never does there)', async () => {
    const { watcher } = await setup('linux');
    expect(() => powerMonitor.simulate('lock-screen')).toThrow(/Linux/);
    expect(watcher.absent()).toEqual([]);
    watcher.stop();
  });
});
