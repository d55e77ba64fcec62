import path from 'node:path';
import type { Config } from '../config.js';
import type { GuardianStore } from '../domain/guardian-ports.js';
import type { Store } from '../domain/ports.js';
import { postgresGuardian } from './postgres/pg-guardian.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { sqliteGuardian } from './sqlite/sqlite-guardian.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export const SQLITE_FILE = 'astral-auth.db';

/** PostgreSQL when DATABASE_URL is set, else the embedded SQLite file in the data folder. */
export function openStore(config: Config): Store {
  if (config.databaseUrl) {
    return new PostgresStore({
      url: config.databaseUrl,
      poolMax: config.databasePoolMax,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
    });
  }
  return new SqliteStore(path.join(config.dataDir, SQLITE_FILE));
}

/** Guardian's adapters on the same connection (file or pool) as the core store. */
export function openGuardianStore(store: Store): GuardianStore {
  if (store instanceof SqliteStore) return sqliteGuardian(store.db);
  if (store instanceof PostgresStore) return postgresGuardian(store.pool);
  throw new TypeError(`no Guardian adapter for the ${store.engine} store`);
}
