import { defineConfig, type Rollup } from 'vite';
import { resolve } from 'node:path';
import { finishWebBuild } from '../scripts/web-delivery.ts';

type OutputChunk = Rollup.OutputChunk;
type OutputBundle = Rollup.OutputBundle;

const outDir = resolve(import.meta.dirname, '../dist/renderer');
/**
 * `RENDERER_SOURCEMAPS=linked npm run build:renderer` is a local desktop debugging build: maps
 * beside the bundles and linked from them, so Electron's DevTools show the sources. The
 * backend never serves `.map` files and electron-builder never packages them either way.
 */
const linkedMaps = process.env.RENDERER_SOURCEMAPS === 'linked';

/**
 * The chunks a page's entry imports dynamically, with what they import statically, minus what
 * the entry loads anyway: the files a `modulepreload` link should fetch with the page.
 */
function preloadedChunks(entry: OutputChunk, bundle: OutputBundle): string[] {
  const loaded = new Set([entry.fileName, ...entry.imports]);
  const wanted: string[] = [];
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    wanted.push(file);
    const chunk = bundle[file];
    if (chunk?.type === 'chunk') chunk.imports.forEach(visit);
  };
  entry.dynamicImports.forEach(visit);
  return wanted;
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
    {
      // The entry imports the SDK and UI chunk dynamically (renderer/src/main.tsx), so that it can
      // ask for the session first; this link lets the browser fetch that chunk alongside the entry.
      name: 'switchboard-preload-dynamic-chunks',
      apply: 'build',
      transformIndexHtml: {
        order: 'post',
        handler(_html, ctx) {
          const entry = ctx.chunk;
          if (!entry || !ctx.bundle) return [];
          return preloadedChunks(entry, ctx.bundle).map((file) => ({
            tag: 'link',
            attrs: { rel: 'modulepreload', crossorigin: true, href: `./${file}` },
            injectTo: 'head' as const,
          }));
        },
      },
    },
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
