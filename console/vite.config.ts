import { defineConfig } from 'vite';
import { resolve } from 'node:path';
import { finishWebBuild } from '../scripts/web-delivery.ts';

const outDir = resolve(import.meta.dirname, '../dist/console');

/**
 * Builds the operator console into dist/console, served by the backend at `/console/`
 * (server/http/static.ts) exactly like the agent web app: hidden source maps moved to
 * dist/console-maps, a brotli and a gzip copy beside every text file.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  build: {
    outDir,
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: 'hidden',
    rollupOptions: { checks: { bundlerTimings: false } },
  },
  plugins: [
    {
      name: 'switchboard-web-delivery',
      apply: 'build',
      writeBundle() {
        finishWebBuild(outDir, resolve(import.meta.dirname, '../dist/console-maps'));
      },
    },
  ],
  oxc: { jsx: { runtime: 'automatic' } },
});
