import { defineConfig } from 'vite';
import { resolve } from 'node:path';

/**
 * Builds the renderer (agent UI and ring page) into dist/renderer with relative URLs, so
 * the same files load from file:// in Electron and from /app/ on the backend.
 */
export default defineConfig({
  root: __dirname,
  base: './',
  build: {
    outDir: resolve(__dirname, '../dist/renderer'),
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    chunkSizeWarningLimit: 6000,
    rollupOptions: {
      input: {
        index: resolve(__dirname, 'index.html'),
        ring: resolve(__dirname, 'ring.html'),
      },
    },
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
