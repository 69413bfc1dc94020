/**
 * The badge on the desktop app's icon (main/app-badge.ts) on the Electron double, per platform
 * as Electron documents it: `app.setBadgeCount` on macOS and Linux, the taskbar overlay on
 * Windows; fed by the desk's badge answers and the renderer's call summary.
 */
import { inflateSync } from 'node:zlib';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallSummary } from '../../../common/call-state';
import { AgentDeskService } from '../../../main/agent-desk';
import { AppBadge } from '../../../main/app-badge';
import { badgeOverlayDataUrl } from '../../../main/icons';
import { createRecordingLogger } from '../../../main/log';
import { app, BrowserWindow, BrowserWindowDouble, configure, imageOf, nativeImage, reset } from '../../desktop/double';

const ringing: CallSummary = { phase: 'ringing', callId: 'call-1', from: '+14155550100' };
const talking = { phase: 'active', callId: 'call-1', from: '+14155550100', since: 1_700_000_000_000, state: 'talking', muted: false } satisfies CallSummary;
const waiting: CallSummary = { ...talking, waiting: { callId: 'call-2', from: '+14155550111' } };

async function setup(platform: NodeJS.Platform) {
  await reset();
  configure({ platform, browser: null });
  await app.whenReady();
  const window = new BrowserWindow({ show: false });
  const log = createRecordingLogger();
  const badge = new AppBadge({ platform, app, nativeImage, window: () => window as unknown as ReturnType<ConstructorParameters<typeof AppBadge>[0]['window']>, log });
  return { badge, window: window as BrowserWindowDouble, log };
}

/** The overlay's pixels: how many are (nearly) white, i.e. drawn glyph. */
function whitePixels(dataUrl: string): number {
  const png = Buffer.from(dataUrl.split(',')[1]!, 'base64');
  const idat = png.subarray(png.indexOf('IDAT') + 4, png.indexOf('IEND') - 8);
  const raw = inflateSync(idat);
  const row = 32 * 4 + 1; // a filter byte, then RGBA
  let white = 0;
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) {
      const i = y * row + 1 + x * 4;
      if (raw[i]! > 240 && raw[i + 1]! > 240 && raw[i + 3]! > 240) white++;
    }
  }
  return white;
}

describe('the app icon badge', () => {
  beforeEach(async () => {
    await reset();
  });

  for (const platform of ['linux', 'darwin'] as const) {
    it(`${platform}: the missed count through app.setBadgeCount, cleared at sign-out; a ringing call adds no number`, async () => {
      const { badge, window } = await setup(platform);
      badge.setMissed(3);
      expect(app.getBadgeCount()).toBe(3);
      badge.setCall(ringing);
      expect(badge.text()).toBe('!');
      expect(app.getBadgeCount()).toBe(3);
      badge.setCall({ phase: 'idle' });
      badge.setMissed(0);
      expect(app.getBadgeCount()).toBe(0);
      badge.setMissed(250);
      expect(app.getBadgeCount()).toBe(250);
      badge.clear();
      expect(app.getBadgeCount()).toBe(0);
      // Electron has no overlay icon outside Windows; main never reaches for one.
      expect(window.setOverlayIcon).toBeUndefined();
      expect(window.overlay).toBeNull();
    });
  }

  it('win32: an overlay on the taskbar button with its description ("!" while ringing or a call waits), none when nothing is missed', async () => {
    const { badge, window, log } = await setup('win32');
    const setBadgeCount = vi.spyOn(app, 'setBadgeCount');
    badge.setMissed(2);
    expect(window.overlay?.description).toBe('2 missed calls');
    expect(imageOf(window.overlay!.image)?.toDataURL()).toBe(badgeOverlayDataUrl('2'));
    badge.setCall(ringing);
    expect(window.overlay?.description).toBe('Incoming call');
    expect(imageOf(window.overlay!.image)?.toDataURL()).toBe(badgeOverlayDataUrl('!'));
    badge.setCall(talking);
    expect(window.overlay?.description).toBe('2 missed calls');
    badge.setCall(waiting);
    expect(window.overlay?.description).toBe('Incoming call');
    badge.setCall({ phase: 'idle' });
    badge.setMissed(1);
    expect(window.overlay?.description).toBe('1 missed call');
    badge.setMissed(100);
    expect(window.overlay?.description).toBe('99+ missed calls');
    badge.clear();
    expect(window.overlay).toEqual({ image: null, description: '' });
    // Electron's setBadgeCount does nothing on Windows: main does not use it there.
    expect(setBadgeCount).not.toHaveBeenCalled();
    expect(log.lines.filter((r) => r.level === 'warn' || r.level === 'error')).toEqual([]);
  });

  it('win32: the overlay is put on a main window created after the count arrived, and not redrawn for the same count', async () => {
    await reset();
    configure({ platform: 'win32', browser: null });
    await app.whenReady();
    let window: BrowserWindowDouble | null = null;
    const badge = new AppBadge({ platform: 'win32', app, nativeImage, window: () => window as never });
    badge.setMissed(4);
    window = new BrowserWindow({ show: false }) as BrowserWindowDouble;
    const set = vi.spyOn(window, 'setOverlayIcon' as never);
    badge.render();
    badge.setMissed(4);
    expect(set).toHaveBeenCalledTimes(1);
    expect(window.overlay?.description).toBe('4 missed calls');
  });

  it('a desktop without a badge count says so once in the log, and the app goes on', async () => {
    const { badge, log } = await setup('linux');
    vi.spyOn(app, 'setBadgeCount').mockReturnValue(false);
    badge.setMissed(1);
    badge.setMissed(2);
    expect(log.lines.filter((r) => r.message.includes('no badge count'))).toHaveLength(1);
  });

  it('the overlay images differ by text and carry white glyphs on the red disc', () => {
    const urls = ['!', '7', '42', '99+'].map(badgeOverlayDataUrl);
    expect(new Set(urls).size).toBe(4);
    for (const url of urls) expect(whitePixels(url)).toBeGreaterThan(10);
  });

  it("the desk's badge answers (unseen, seen) feed the badge; other answers do not", async () => {
    const badges: number[] = [];
    const answers: Record<string, unknown> = {
      'GET /api/agent/calls/unseen': { missed: 5, seen_up_to: null },
      'PUT /api/agent/calls/seen': { missed: 0, seen_up_to: '2026-03-02T09:00:00.000Z' },
      'GET /api/agent/dispositions': { dispositions: [] },
    };
    const desk = new AgentDeskService({
      backend: { desk: async (_token, request) => answers[`${request.method} ${request.path}`], voicemailAudio: async () => ({ contentType: 'audio/wav', bytes: new Uint8Array() }) },
      authority: { use: (work) => work('credential') },
      onMissedBadge: ({ missed }) => badges.push(missed),
      log: createRecordingLogger(),
    });
    await desk.run({ action: 'unseen' });
    await desk.run({ action: 'seen', upTo: '2026-03-02T09:00:00.000Z' });
    await desk.run({ action: 'dispositions' }).catch(() => undefined);
    expect(badges).toEqual([5, 0]);
  });
});
