/**
 * The real-Electron {@link DesktopDriver}: the scenarios of test/desktop/platform-scenarios.ts
 * on a real Electron main process, through Playwright's `_electron`, as the host's own OS.
 *
 * OS input cannot be synthesised (a click on an OS notification, macOS handing over a link,
 * a suspend), so the driver does in Electron's main process what the OS would make Electron
 * do: it emits the event on the real object (`app` 'open-url' / 'second-instance',
 * `powerMonitor` 'suspend', the shown `Notification`'s 'action'). Main's own listeners then
 * run as they would. The incoming-call window is a real window: its Answer is clicked.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import type { ElectronApplication } from 'playwright';
import type { SwitchboardHandle } from '../../main/app';
import { answersFrom, dialLinkArrivesBy, type DesktopDriver } from '../desktop/platform-scenarios';
import { SDK_TIMEOUT } from '../desktop/scenarios';

/** What the driver leaves on main's global object: main's test handle, the notifications shown. */
type MainGlobal = typeof globalThis & {
  switchboard?: SwitchboardHandle;
  __sbNotifications?: Array<{ actions: Array<{ text?: string }>; emit(event: string, ...args: unknown[]): boolean }>;
};

const pageNamed = (app: ElectronApplication, file: string): Page | undefined =>
  app.windows().find((page) => new URL(page.url()).pathname.endsWith(`/${file}`));

/**
 * Records every notification main shows (Electron keeps no list of them), so the driver can
 * play the OS's click on one. Call right after launch, before any call rings.
 */
export async function recordNotifications(app: ElectronApplication): Promise<void> {
  await app.evaluate(({ Notification }) => {
    const main = globalThis as MainGlobal;
    main.__sbNotifications = [];
    const show = Notification.prototype.show;
    Notification.prototype.show = function (this: Electron.Notification) {
      main.__sbNotifications!.push(this as unknown as NonNullable<MainGlobal['__sbNotifications']>[number]);
      return show.call(this);
    };
  });
}

/** The driver over a launched app whose main published its handle (SWITCHBOARD_TEST_HANDLE=1). */
export function electronDriver(app: ElectronApplication, xdgConfigHome: string): DesktopDriver {
  const platform = process.platform;
  const mainWindow = <T>(action: 'hide' | 'visible') =>
    app.evaluate(({ BrowserWindow }, what) => {
      const window = BrowserWindow.getAllWindows().find((w) => new URL(w.webContents.getURL()).pathname.endsWith('/index.html'));
      if (!window) throw new Error('no main window');
      if (what === 'hide') window.hide();
      return window.isVisible();
    }, action) as Promise<T>;
  const handle = <T>(query: 'tray' | 'ringing') =>
    app.evaluate((_electron, q) => {
      const main = (globalThis as MainGlobal).switchboard;
      if (!main) throw new Error('main did not publish its handle (SWITCHBOARD_TEST_HANDLE=1)');
      return q === 'tray' ? main.trayState().kind : main.isRinging();
    }, query) as Promise<T>;
  const notificationActions = () =>
    app.evaluate(() => ((globalThis as MainGlobal).__sbNotifications ?? []).at(-1)?.actions.map((action) => action.text ?? '') ?? null);

  return {
    platform,
    async mainPage() {
      await expect.poll(() => pageNamed(app, 'index.html') !== undefined).toBe(true);
      return pageNamed(app, 'index.html')!;
    },
    hideMainWindow: async () => void (await mainWindow<boolean>('hide')),
    mainWindowVisible: () => mainWindow<boolean>('visible'),
    async expectRingingOutside() {
      await expect.poll(() => handle<string>('tray'), { timeout: SDK_TIMEOUT }).toBe('ringing');
      expect(await handle<boolean>('ringing')).toBe(true);
      if (answersFrom(platform) === 'notification') {
        await expect.poll(notificationActions).toEqual(['Answer', 'Decline']);
      } else {
        await expect.poll(() => pageNamed(app, 'incoming.html') !== undefined).toBe(true);
      }
    },
    async answerOutside() {
      if (answersFrom(platform) === 'notification') {
        await app.evaluate(() => {
          const shown = (globalThis as MainGlobal).__sbNotifications?.at(-1);
          if (!shown) throw new Error('no notification was shown');
          // What Electron emits when the agent clicks the first button.
          shown.emit('action', { actionIndex: 0, selectionIndex: -1, preventDefault: () => undefined }, 0, -1);
        });
        return;
      }
      const page = pageNamed(app, 'incoming.html')!;
      await page.getByTestId('incoming-window-answer').click().catch((error: unknown) => {
        if (!page.isClosed()) throw error;
      });
    },
    trayKind: () => handle<string>('tray'),
    async openLink(link) {
      await app.evaluate(
        ({ app: electronApp }, [url, how]) => {
          const event = { preventDefault: () => undefined };
          if (how === 'open-url') electronApp.emit('open-url', event, url);
          else electronApp.emit('second-instance', event, [process.execPath, url], process.cwd(), {});
        },
        [link, dialLinkArrivesBy(platform)] as const,
      );
    },
    async opensAtLogin() {
      if (platform === 'linux') {
        return existsSync(path.join(xdgConfigHome, 'autostart', 'switchboard.desktop'));
      }
      return app.evaluate(({ app: electronApp }) => electronApp.getLoginItemSettings().openAtLogin);
    },
    async powerEvent(event) {
      await app.evaluate(({ powerMonitor }, name) => void powerMonitor.emit(name), event);
    },
  };
}
