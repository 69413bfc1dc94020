/**
 * Storage: interfaces and the PostgreSQL implementation.
 *
 * Import from here rather than from the individual files.
 */
export * from './types';
export * from './flow-types';
export { createPgStorage, openPgStorage, type PgStorageOptions } from './pg';
export { openDatabase, type Database, type Sql } from '../db/database';
export { appliedMigrations, type Migration } from '../db/migrate';
export { MIGRATIONS } from '../db/migrations';
