import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { build as esbuild } from 'esbuild';
import { defineConfig, type Plugin } from 'vite';
import { finishWebBuild } from '../scripts/web-delivery.ts';

const outDir = resolve(import.meta.dirname, '../dist/renderer');
/**
 * `RENDERER_SOURCEMAPS=linked npm run build:renderer` is a local desktop debugging build: maps
 * beside the bundles and linked from them, so Electron's DevTools show the sources. The
 * backend never serves `.map` files and electron-builder never packages them either way.
 */
const linkedMaps = process.env.RENDERER_SOURCEMAPS === 'linked';

/**
 * `src/early/early-requests.ts` as a classic script of its own, run by the agent UI's HTML
 * while the bundle downloads: the web app's token and config requests go out beside the
 * bundle's (see that file). A module script would be deferred behind the bundle, and Vite
 * merges the HTML's module scripts into one entry, so it is built here with esbuild and linked
 * `async` right after the CSP `<meta>`, which governs it.
 */
function earlyRequestsScript(): Plugin {
  let fileName = '';
  return {
    name: 'switchboard-early-requests',
    apply: 'build',
    async buildStart() {
      const result = await esbuild({
        entryPoints: [resolve(import.meta.dirname, 'src/early/early-requests.ts')],
        bundle: true,
        minify: true,
        format: 'iife',
        target: 'chrome120',
        write: false,
        logLevel: 'error',
      });
      const source = result.outputFiles[0]!.text;
      fileName = `assets/early-requests-${createHash('sha256').update(source).digest('base64url').slice(0, 8)}.js`;
      this.emitFile({ type: 'asset', fileName, source });
    },
    transformIndexHtml: {
      order: 'post',
      // Async: a parser-blocking script held the bundle's requests back until it had been
      // fetched and run (measured: the bundle's request left ~100 ms later). Right after the
      // CSP <meta>, which must govern it.
      handler(html, { path }) {
        if (!path.endsWith('/index.html')) return html;
        const csp = /<meta\s+http-equiv="Content-Security-Policy"[^>]*>/i;
        if (!csp.test(html)) throw new Error('renderer/index.html has no CSP <meta>: the early-requests script must come after one');
        return html.replace(csp, (meta) => `${meta}\n    <script async src="./${fileName}"></script>`);
      },
    },
  };
}

/**
 * Builds the renderer (agent UI and ring page) into dist/renderer with relative URLs, so
 * the same files load from file:// in Electron and from /app/ on the backend.
 *
 * Source maps are "hidden" (no `sourceMappingURL` in the bundles) and moved to
 * dist/renderer-maps; every text file gets a `.br` and a `.gz` copy beside it for the
 * backend to serve (scripts/web-delivery.ts).
 */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: linkedMaps ? true : 'hidden',
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      // The delivery step below takes seconds by design (brotli and gzip at their highest
      // levels); Rolldown's slow-plugin notice would otherwise print on every build.
      checks: { bundlerTimings: false },
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        ring: resolve(import.meta.dirname, 'ring.html'),
        incoming: resolve(import.meta.dirname, 'incoming.html'),
      },
    },
  },
  plugins: [
    earlyRequestsScript(),
    {
      name: 'switchboard-web-delivery',
      apply: 'build',
      writeBundle() {
        finishWebBuild(outDir, linkedMaps ? null : resolve(import.meta.dirname, '../dist/renderer-maps'));
      },
    },
  ],
  oxc: { jsx: { runtime: 'automatic' } },
});
