import path from 'node:path';
import type { Config } from '../config.js';
import type { Store } from '../domain/ports.js';
import { PostgresStore } from './postgres/postgres-store.js';
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
