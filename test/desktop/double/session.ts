/** `session` and its default `Session`. */
import type { PermissionCheckHandler, PermissionRequestHandler } from '../../../main/electron-api';
import { app } from './app';

/** `Session`: records the permission handlers so tests can ask them. */
export class SessionDouble {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: PermissionCheckHandler | null = null;

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.permissionCheckHandler = handler;
  }

  /** Test: what the request handler answers (Electron grants everything when none is set). */
  requestPermission(
    permission: string,
    details: { requestingUrl: string; mediaTypes?: Array<'audio' | 'video'>; isMainFrame?: boolean },
    webContents: { getURL(): string } = { getURL: () => details.requestingUrl },
  ): Promise<boolean> {
    const handler = this.permissionRequestHandler;
    if (!handler) return Promise.resolve(true);
    return new Promise((resolve) =>
      handler(webContents, permission, resolve, { isMainFrame: true, ...details }),
    );
  }

  /** Test: what the check handler answers (Electron allows everything when none is set). */
  checkPermission(
    permission: string,
    requestingOrigin: string,
    details: { requestingUrl?: string; mediaType?: 'audio' | 'video' | 'unknown'; isMainFrame?: boolean } = {},
    webContents: { getURL(): string } | null = null,
  ): boolean {
    const handler = this.permissionCheckHandler;
    if (!handler) return true;
    return handler(webContents, permission, requestingOrigin, { isMainFrame: true, ...details });
  }

  /** @internal */
  resetDouble(): void {
    this.permissionRequestHandler = null;
    this.permissionCheckHandler = null;
  }
}

export const defaultSession = new SessionDouble();

/** The `session` module: like Electron, unusable before the app is ready. */
export const session = {
  get defaultSession(): SessionDouble {
    if (!app.isReady()) throw new Error('Session can only be received when app is ready');
    return defaultSession;
  },
  /** A named session (electron-updater asks for its own, uncached). */
  fromPartition(partition: string, _options: { cache?: boolean } = {}): SessionDouble & { readonly partition: string } {
    if (!app.isReady()) throw new Error('Session can only be received when app is ready');
    return Object.assign(new SessionDouble(), { partition });
  },
};
