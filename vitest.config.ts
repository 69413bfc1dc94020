import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 20_000,
    // One embedded PostgreSQL server for the whole run; tests clone its template database.
    globalSetup: ['test/support/database-setup.ts'],
  },
});
