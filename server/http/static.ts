/**
 * Serving the built web UI at `/app/`.
 *
 * A deliberately small handler: GET/HEAD only, no directory listings, no dotfiles, every
 * resolved path checked (after following symlinks) to lie inside the UI folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpError } from './errors';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Content type for a file name.
 *
 * Unknown extensions are served as opaque bytes, which (with nosniff) browsers will not execute.
 */
export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Options of {@link registerStaticApp}. */
export interface StaticAppOptions {
  /** Folder holding `index.html` and its assets. */
  root: string;
  /** URL prefix, with slashes on both ends. */
  prefix: string;
  /** Content-Security-Policy for HTML files. */
  htmlCsp: string;
}

/**
 * Serve `root` under `prefix`: `prefix` itself is `index.html`, the bare prefix without
 * its trailing slash redirects, and `/` redirects to the app.
 *
 * Paths without a file extension that match no file fall back to `index.html`, so the
 * UI's own client-side routes survive a reload.
 */
export function registerStaticApp(app: FastifyInstance, options: StaticAppOptions): void {
  const root = fs.realpathSync(options.root);
  const prefix = options.prefix;

  app.get('/', async (_request, reply) => reply.redirect(prefix, 302));
  app.get(prefix.slice(0, -1), async (_request, reply) => reply.redirect(prefix, 302));

  // Fastify adds the matching HEAD route itself (exposeHeadRoutes).
  app.get(`${prefix}*`, async (request, reply) => {
    const rawPath = request.url.split('?')[0]?.slice(prefix.length) ?? '';
    const relative = decodePath(rawPath);
    const file =
      (await resolveInside(root, relative === '' ? 'index.html' : relative)) ??
      (path.extname(relative) === '' ? await resolveInside(root, 'index.html') : null);
    if (!file) throw new HttpError(404, 'not_found', 'No such file');
    return sendFile(reply, root, file, options.htmlCsp);
  });
}

function decodePath(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'invalid_request', 'The request path is malformed');
  }
  if (decoded.includes('\0') || decoded.includes('\\')) throw new HttpError(400, 'invalid_request', 'The request path is malformed');
  const segments = decoded.split('/');
  // An empty segment ("//etc") would make the path absolute before resolution.
  if (segments.slice(0, -1).some((s) => s === '')) throw new HttpError(404, 'not_found', 'No such file');
  // Refuse rather than normalise: a legitimate UI never asks for ../ or hidden files.
  if (segments.some((s) => s === '..' || s.startsWith('.'))) throw new HttpError(404, 'not_found', 'No such file');
  return decoded;
}

async function resolveInside(root: string, relative: string): Promise<string | null> {
  const candidate = path.resolve(root, relative);
  try {
    const real = await fs.promises.realpath(candidate);
    // Checked after realpath so a symlink cannot point outside the UI folder either.
    if (real !== root && !real.startsWith(root + path.sep)) return null;
    const stat = await fs.promises.stat(real);
    return stat.isFile() ? real : null;
  } catch {
    return null;
  }
}

async function sendFile(reply: FastifyReply, root: string, file: string, htmlCsp: string): Promise<FastifyReply> {
  const stat = await fs.promises.stat(file);
  const type = contentTypeFor(file);
  void reply.header('Content-Type', type);
  void reply.header('Content-Length', String(stat.size));
  if (type.startsWith('text/html')) {
    void reply.header('Content-Security-Policy', htmlCsp);
    // The HTML names the current hashed bundles; it must be revalidated on every load.
    void reply.header('Cache-Control', 'no-cache');
  } else if (path.relative(root, file).split(path.sep)[0] === 'assets') {
    // Vite puts content-hashed files under assets/: their names change when they do.
    void reply.header('Cache-Control', 'public, max-age=31536000, immutable');
  } else {
    void reply.header('Cache-Control', 'no-cache');
  }
  return reply.send(fs.createReadStream(file));
}
