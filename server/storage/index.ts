/**
 * Storage: interfaces and the SQLite implementation.
 *
 * Import from here rather than from the individual files.
 */
export * from './types';
export * from './flow-types';
export { DATABASE_FILE, appliedMigrations, createSqliteStorage, openDatabase, openSqliteStorage, type SqliteDatabase } from './sqlite';
export { MIGRATIONS, type Migration } from './migrations';
