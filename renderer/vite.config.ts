import { defineConfig } from 'vite';
import { resolve } from 'node:path';
import { finishWebBuild } from '../scripts/web-delivery.ts';

const outDir = resolve(import.meta.dirname, '../dist/renderer');
/**
 * `RENDERER_SOURCEMAPS=linked npm run build:renderer` is a local desktop debugging build: maps
 * beside the bundles and linked from them, so Electron's DevTools show the sources. The
 * backend never serves `.map` files and electron-builder never packages them either way.
 */
const linkedMaps = process.env.RENDERER_SOURCEMAPS === 'linked';

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
      name: 'switchboard-web-delivery',
      apply: 'build',
      writeBundle() {
        finishWebBuild(outDir, linkedMaps ? null : resolve(import.meta.dirname, '../dist/renderer-maps'));
      },
    },
  ],
  oxc: { jsx: { runtime: 'automatic' } },
});
