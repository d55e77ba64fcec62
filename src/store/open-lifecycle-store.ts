import type { LifecycleStore } from '../domain/lifecycle-ports.js';
import type { Store } from '../domain/ports.js';
import { pgLifecycle } from './postgres/pg-lifecycle.js';
import { PostgresStore } from './postgres/postgres-store.js';
import { sqliteLifecycle } from './sqlite/sqlite-lifecycle.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

/** The lifecycle tables of the engine `store` runs on, through the same connection or pool. */
export function openLifecycleStore(store: Store): LifecycleStore {
  if (store instanceof PostgresStore) return pgLifecycle(store);
  if (store instanceof SqliteStore) return sqliteLifecycle(store.db);
  throw new TypeError(`no lifecycle store for the ${store.engine} engine`);
}
