/**
 * Playwright global setup: bundles main, preload and the harness, so every run tests the
 * current main-process code (never a stale bundle), and meanwhile starts the run's
 * PostgreSQL server, on which every test platform gets a fresh database
 * (`test/support/platform-database.ts`). The returned function stops it when the run ends.
 */
import { buildDesktop } from '../../scripts/build-desktop';
import { startRunDatabaseServer } from '../support/platform-database';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const [built, database] = await Promise.allSettled([buildDesktop('all'), startRunDatabaseServer()]);
  if (built.status === 'rejected') {
    if (database.status === 'fulfilled') await database.value();
    throw built.reason;
  }
  if (database.status === 'rejected') throw database.reason;
  return database.value;
}
