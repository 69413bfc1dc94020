import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Vitest's default on two cores is one worker; most unit tests wait on PostgreSQL, sockets
    // and timers rather than the CPU, so three overlap well (the suite took 200 s with three
    // against about 7.5 min of summed test time on one, on this 2-core machine).
    maxWorkers: 3,
    testTimeout: 20_000,
    // One embedded PostgreSQL server for the whole run; tests clone its template database.
    globalSetup: ['test/support/database-setup.ts'],
  },
});
