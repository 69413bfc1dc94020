/**
 * The app's pages come from `app://switchboard/…`, a privileged custom scheme, not `file://`.
 *
 * A `file://` page shares its origin with every file on the disk, so Electron has to grant it
 * extra privileges (the `GrantFileProtocolExtraPrivileges` fuse) and any file the page can
 * name is "the app". Here the pages have an origin of their own (`app://switchboard`), a
 * secure context (the microphone works; the CSP's `'self'` means exactly this origin), and
 * the handler serves only files inside the renderer folder: a path that leaves it — through
 * `..`, an encoded separator or a NUL — is answered 404 like a missing file.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProtocolApi } from './electron-api';
import { createLogger, type Logger } from './log';

/** The scheme of the app's pages. */
export const APP_SCHEME = 'app';
/** The one host the scheme serves. */
export const APP_HOST = 'switchboard';
/** The origin of every app page. */
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The scheme's privileges: standard (relative URLs, an origin), secure (getUserMedia, like
 * https), fetch, CORS-mode requests (Vite's `<script type="module" crossorigin>` loads in CORS
 * mode, which Chromium allows only on CORS-enabled schemes) and code cache. Not `bypassCSP`:
 * the pages' CSP applies as written.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
};

/** The `app://` URL of a file inside `rootDir` (which must contain it). */
export function appUrlFor(rootDir: string, file: string): string {
  const relative = path.relative(path.resolve(rootDir), path.resolve(file));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(`${file} is not inside the app's folder ${rootDir}`);
  }
  return `${APP_ORIGIN}/${relative.split(path.sep).map(encodeURIComponent).join('/')}`;
}

/**
 * The file an `app://` URL names inside `rootDir`, or null when it names none there (another
 * scheme or host, a path leaving the folder, an encoded separator, a NUL).
 */
export function resolveAppFile(rootDir: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  const segments: string[] = [];
  for (const raw of parsed.pathname.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) return null;
    segments.push(segment);
  }
  if (segments.length === 0) return null;
  const root = path.resolve(rootDir);
  const file = path.resolve(root, ...segments);
  return file.startsWith(root + path.sep) ? file : null;
}

/** The handler `protocol.handle` gets: files of `rootDir`, read-only. */
export function createAppProtocolHandler(rootDir: string, log: Logger = createLogger('protocol')): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
    const file = resolveAppFile(rootDir, request.url);
    if (!file) {
      log.warn('Refused an app:// request outside the app', { path: safePath(request.url) });
      return new Response(null, { status: 404 });
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return new Response(null, { status: 404 });
    }
    const headers = {
      'content-type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
    };
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname.slice(0, 200);
  } catch {
    return '(unparsable)';
  }
}

/** Declares the scheme privileged. Electron allows this only before the app is ready. */
export function registerAppScheme(protocol: Pick<ProtocolApi, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
}

/** Serves `rootDir` on the scheme. Electron allows this only once the app is ready. */
export function serveAppScheme(protocol: Pick<ProtocolApi, 'handle'>, rootDir: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rootDir));
}
