/**
 * Serving the built web UI at `/app/`.
 *
 * A deliberately small handler: GET/HEAD only, no directory listings, no dotfiles, every
 * resolved path checked (after following symlinks) to lie inside the UI folder.
 *
 * Delivery: the build (scripts/web-delivery.ts) leaves `<file>.br` and `<file>.gz` beside
 * each text file; the handler sends the one the request's Accept-Encoding prefers (brotli on
 * a tie), with `Vary: Accept-Encoding`, and the file itself otherwise. Nothing is compressed
 * per request. Every answer has a strong ETag per representation, and a matching
 * If-None-Match gets a 304. Source maps and the compressed copies are never served by name.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './errors';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
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

/** The precompressed copies the build writes, by content coding, in order of preference (scripts/web-delivery.ts). */
const PRECOMPRESSED = [
  { coding: 'br', suffix: '.br' },
  { coding: 'gzip', suffix: '.gz' },
] as const;

type Coding = (typeof PRECOMPRESSED)[number]['coding'];

/**
 * Extensions never served by name: source maps (the production build keeps them out of the
 * folder; a local debugging build may leave them in) and the compressed copies, which are
 * reached only through Accept-Encoding.
 */
const NEVER_SERVED = new Set(['.map', ...PRECOMPRESSED.map((p) => p.suffix)]);

/**
 * The quality an Accept-Encoding header gives `coding`: its own entry's q, else `*`'s,
 * else 0 (not acceptable). An entry without q has q=1; a malformed q counts as 0.
 */
function encodingQuality(header: string | undefined, coding: string): number {
  if (!header) return 0;
  let wildcard = 0;
  for (const entry of header.split(',')) {
    const [name = '', ...params] = entry.split(';').map((part) => part.trim());
    const q = params.find((param) => /^q=/i.test(param));
    const value = q === undefined ? 1 : Number(q.slice(2).trim() || NaN);
    const quality = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
    if (name.toLowerCase() === coding) return quality;
    if (name === '*') wildcard = quality;
  }
  return wildcard;
}

/**
 * The coding to answer with among those `available`: the highest quality above 0, the
 * earlier in {@link PRECOMPRESSED} on a tie; null for the file itself.
 */
function chooseEncoding(header: string | undefined, available: readonly Coding[]): Coding | null {
  let best: Coding | null = null;
  let bestQuality = 0;
  for (const { coding } of PRECOMPRESSED) {
    if (!available.includes(coding)) continue;
    const quality = encodingQuality(header, coding);
    if (quality > bestQuality) {
      best = coding;
      bestQuality = quality;
    }
  }
  return best;
}

/** Options of {@link registerStaticApp}. */
export interface StaticAppOptions {
  /** Folder holding `index.html` and its assets. */
  root: string;
  /** URL prefix, with slashes on both ends. */
  prefix: string;
  /** Content-Security-Policy for HTML files. */
  htmlCsp: string;
  /** Whether `/` redirects here (default true; only one UI can own `/`). */
  redirectRoot?: boolean;
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

  if (options.redirectRoot !== false) app.get('/', async (_request, reply) => reply.redirect(prefix, 302));
  app.get(prefix.slice(0, -1), async (_request, reply) => reply.redirect(prefix, 302));

  // Fastify adds the matching HEAD route itself (exposeHeadRoutes).
  app.get(`${prefix}*`, async (request, reply) => {
    const rawPath = request.url.split('?')[0]?.slice(prefix.length) ?? '';
    const relative = decodePath(rawPath);
    if (NEVER_SERVED.has(path.extname(relative).toLowerCase())) throw new HttpError(404, 'not_found', 'No such file');
    const file =
      (await resolveInside(root, relative === '' ? 'index.html' : relative)) ??
      (path.extname(relative) === '' ? await resolveInside(root, 'index.html') : null);
    if (!file) throw new HttpError(404, 'not_found', 'No such file');
    return sendFile(request, reply, root, file, options.htmlCsp);
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

async function sendFile(request: FastifyRequest, reply: FastifyReply, root: string, file: string, htmlCsp: string): Promise<FastifyReply> {
  const type = contentTypeFor(file);
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

  const variants = new Map<Coding, string>();
  for (const { coding, suffix } of PRECOMPRESSED) {
    const variant = await resolveInside(root, path.relative(root, file) + suffix);
    if (variant) variants.set(coding, variant);
  }
  // The answer depends on Accept-Encoding only where a compressed copy exists.
  if (variants.size > 0) addVary(reply, 'Accept-Encoding');
  const coding = chooseEncoding(request.headers['accept-encoding'], [...variants.keys()]);
  const body = coding === null ? file : (variants.get(coding) as string);
  const stat = await fs.promises.stat(body);

  // Strong, and different for each representation: a cache must never serve brotli bytes
  // to a client that asked for gzip because their validators matched.
  const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}${coding === null ? '' : `-${coding}`}"`;
  void reply.header('ETag', etag);
  if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();

  void reply.header('Content-Type', type);
  if (coding !== null) void reply.header('Content-Encoding', coding);
  void reply.header('Content-Length', String(stat.size));
  return reply.send(fs.createReadStream(body));
}

/** If-None-Match against `etag`, with the weak comparison RFC 9110 prescribes for it. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => opaque(tag) === opaque(etag));
}

/** Adds `field` to the Vary header, keeping what is there (CORS adds `Origin`). */
function addVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('Vary');
  const fields = (current === undefined ? '' : String(current))
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  if (fields.includes('*') || fields.some((f) => f.toLowerCase() === field.toLowerCase())) return;
  void reply.header('Vary', [...fields, field].join(', '));
}
