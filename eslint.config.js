// Lint rules that keep the process boundaries honest (see docs/ARCHITECTURE.md).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-test/**', 'release/**', 'node_modules/**', 'test-results/**', '.spike/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Only the typed IPC wrappers may touch ipcMain / ipcRenderer.
    files: ['main/**/*.ts'],
    ignores: ['main/ipc.ts', 'main/index.ts', 'main/electron-api.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', importNames: ['ipcMain', 'ipcRenderer'], message: 'Use main/ipc.ts.' }] }],
    },
  },
  {
    // common/ is pure TypeScript: no Electron, Node or DOM-specific modules.
    files: ['common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['electron', 'node:*', 'react', 'react-dom'] }],
    },
  },
  {
    // The operator console is a plain web page: no Electron, no Node.
    files: ['console/src/**/*.ts', 'console/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['electron', 'node:*'] }],
    },
  },
  {
    // The renderer reaches main only through the preload's API object.
    files: ['renderer/src/**/*.ts', 'renderer/src/**/*.tsx'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['electron', 'node:*'] }],
    },
  },
);
